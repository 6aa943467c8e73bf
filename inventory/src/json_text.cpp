#include "colo/inventory/json_text.h"

#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "colo/inventory/error.h"
#include "colo/inventory/utf8.h"

namespace colo::inventory {

namespace {

using nlohmann::json;

// Builds the document from the parser's events. (nlohmann's own builder
// with a callback, used before for the depth limit, searches the parent
// for discarded values at every object's end: quadratic in an array of
// objects, 23 s for a 1 MiB body of empty objects.)
class Builder final : public nlohmann::json_sax<json> {
 public:
  explicit Builder(const CpuBudget& budget) : budget_(budget) {}
  json root;
  // Why the parse stopped, when it did.
  std::optional<std::string> limit;       // a bound of ours, as said to the sender
  std::optional<FieldProblem> duplicate;  // a key seen twice in one object
  std::size_t errorByte = 0;
  std::string parseError;
  bool syntax = true;  // a syntax error (with a position), or another (a number too large)

  bool null() override { return put(nullptr); }
  bool boolean(bool v) override { return put(v); }
  bool number_integer(number_integer_t v) override { return put(v); }
  bool number_unsigned(number_unsigned_t v) override { return put(v); }
  bool number_float(number_float_t v, const string_t&) override { return put(v); }
  bool string(string_t& v) override { return put(std::move(v)); }
  bool binary(binary_t&) override { return false; }  // not in JSON text

  bool start_object(std::size_t) override { return open(json::object()); }
  bool start_array(std::size_t) override { return open(json::array()); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }

  bool key(string_t& k) override {
    if (stack_.back()->contains(k)) {
      duplicate = FieldProblem{path(k), "appears twice in this object; a key is given once"};
      return false;
    }
    key_ = std::move(k);
    return true;
  }

  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    errorByte = position;
    parseError = ex.what();
    syntax = ex.id >= 100 && ex.id < 200;  // parse_error.1xx
    return false;
  }

 private:
  bool count() {
    if (++values_ > kMaxJsonValues) {
      limit = "more than " + std::to_string(kMaxJsonValues) + " JSON values";
      return false;
    }
    if (values_ % 256 == 0 && budget_.exceeded()) {
      limit = "reading it took more CPU time than a request may (" + budget_.what() + ")";
      return false;
    }
    return true;
  }

  // Where the next value goes: the root, an array's end, or under the key.
  json* place(json v) {
    if (stack_.empty()) {
      root = std::move(v);
      return &root;
    }
    json& parent = *stack_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(v));
      return &parent.back();
    }
    return &(parent[key_] = std::move(v));
  }

  bool put(json v) {
    if (!count()) return false;
    place(std::move(v));
    return true;
  }

  bool open(json v) {
    if (!count()) return false;
    if (stack_.size() >= static_cast<std::size_t>(kMaxJsonDepth)) {
      limit = "nested too deeply";
      return false;
    }
    // The key this container was placed under, for the path of what is in it.
    segments_.push_back(stack_.empty() ? std::string()
                        : stack_.back()->is_array()
                            ? "[" + std::to_string(stack_.back()->size()) + "]"
                            : (segments_.size() > 1 ? "." : "") + key_);
    stack_.push_back(place(std::move(v)));
    return true;
  }

  bool close() {
    stack_.pop_back();
    segments_.pop_back();
    return true;
  }

  // The field path of key `k` in the innermost object ("servers[0].hostname").
  std::string path(const std::string& k) const {
    std::string out;
    for (const auto& s : segments_) out += s;
    return out + (out.empty() ? "" : ".") + k;
  }

  const CpuBudget& budget_;
  std::vector<json*> stack_;
  std::vector<std::string> segments_;
  std::string key_;
  std::size_t values_ = 0;
};

}  // namespace

namespace {

std::chrono::nanoseconds threadCpu() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return std::chrono::seconds(t.tv_sec) + std::chrono::nanoseconds(t.tv_nsec);
}

}  // namespace

CpuBudget::CpuBudget(std::chrono::nanoseconds budget)
    : budget_(budget), start_(budget.count() > 0 ? threadCpu() : std::chrono::nanoseconds{}) {}

bool CpuBudget::exceeded() const {
  return budget_.count() > 0 && threadCpu() - start_ > budget_;
}

std::string CpuBudget::what() const {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(budget_).count()) +
         " ms";
}

void CpuBudget::check() const {
  if (exceeded())
    throw Error(ErrorKind::invalid_input,
                "invalid request: reading it took more CPU time than a request may (" + what() +
                    "); send a smaller request");
}

json parseJsonText(std::string_view text, const CpuBudget& budget) {
  Builder b(budget);
  bool ok = json::sax_parse(text.begin(), text.end(), &b, json::input_format_t::json, true);
  if (ok) return std::move(b.root);
  if (b.duplicate)
    throw InvalidRequest("invalid request: " + b.duplicate->field + ": " + b.duplicate->message,
                         {*b.duplicate});
  if (b.limit) throw Error(ErrorKind::invalid_input, "invalid request: " + *b.limit);
  if (b.syntax) {
    // nlohmann counts bytes from 1, up to the one it stopped at.
    auto at = positionOf(text, b.errorByte > 0 ? std::min(b.errorByte - 1, text.size()) : 0);
    std::string what = b.parseError;
    what = what.substr(what.find(':', what.find("parse error")) + 2);
    throw Error(ErrorKind::invalid_input, "invalid request: bad JSON at line " +
                                              std::to_string(at.line) + ", column " +
                                              std::to_string(at.column) + ": " + what);
  }
  // e.g. a number too large for a double
  throw Error(ErrorKind::invalid_input,
              "invalid request: bad JSON: " + b.parseError.substr(b.parseError.find(']') + 2));
}

}  // namespace colo::inventory
