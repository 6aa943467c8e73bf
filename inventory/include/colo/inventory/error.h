// The inventory library's error types.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace colo::inventory {

// What went wrong, coarse enough for a caller to map onto an exit code or an
// HTTP status without parsing the message.
enum class ErrorKind {
  invalid_input,  // the caller's input is wrong (request, inventory, flags)
  not_found,      // a named thing does not exist
  conflict,       // the input contradicts what is already stored
  exhausted,      // nothing fits: units, power, ports or addresses ran out
  storage,        // the ledger could not be read or written
  moved,          // the request's status changed under us (another process moved it)
};

// An error whose message an operator can act on. Each layer that catches one
// may add a clause of context on the way up:
//   "reserve REQ-1 <- rack R07 units 12-13 <- sqlite: UNIQUE constraint failed"
class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}

  ErrorKind kind() const noexcept { return kind_; }

  // A new error that says `context` first, then this one.
  Error within(const std::string& context) const { return Error(kind_, context + " <- " + what()); }

 private:
  ErrorKind kind_;
};

// A request that failed validation: every problem at once, each with the
// field it is about ("servers[0].units"; "" for the whole request).
struct FieldProblem {
  std::string field;
  std::string message;
};
class InvalidRequest : public Error {
 public:
  InvalidRequest(const std::string& message, std::vector<FieldProblem> problems,
                 bool formatValid = false)
      : Error(ErrorKind::invalid_input, message),
        problems_(std::move(problems)),
        formatValid_(formatValid) {}
  const std::vector<FieldProblem>& problems() const noexcept { return problems_; }
  // Every problem is one of what the request asks of the inventory (a pool
  // it does not have, a server taller than every rack): the request itself
  // is well formed.
  bool formatValid() const noexcept { return formatValid_; }

 private:
  std::vector<FieldProblem> problems_;
  bool formatValid_;
};

}  // namespace colo::inventory
