// The job queue: which process works on which request in progress
// (planning, configuring, releasing), and what each port looked like before
// an attempt touched it (captures), so that any process can continue or
// undo a job whose process died.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "colo/inventory/lifecycle.h"

namespace colo::inventory {

namespace ledger {
class Connection;
}

// A job a process took or adopted, with the status it was in.
struct Job {
  std::string id;
  Status status;
  std::string previous_owner;  // adopted from a process that is gone
};

// A port's configuration lines before colo touched it, by (switch, port).
using Captures = std::map<std::pair<std::string, std::string>, std::vector<std::string>>;

class JobQueue {
 public:
  explicit JobQueue(ledger::Connection& c) : c_(c) {}

  // Inside Ledger::write: the oldest queued request, or a release or retry
  // (planning) nobody works on, that no other transaction is taking (its row stays locked
  // until this one ends); nullopt when there is none. The caller moves it
  // on (StatusWriter::takeJob), or makes it its own with own().
  std::optional<Job> next();
  void own(std::string_view id, std::string_view owner);
  // Requests in progress whose owner is gone (`alive` says no, or none is
  // recorded) become `owner`'s, atomically; only `id` when given.
  std::vector<Job> adoptOrphans(const std::string& owner,
                                const std::function<bool(const std::string&)>& alive,
                                std::string_view id = {});
  // Gives up `owner`'s claim on a job it cannot go on with (an unexpected
  // error): the job becomes an orphan, adopted and continued later.
  void disown(std::string_view id, const std::string& owner);
  // The jobs in progress `owner` holds.
  std::vector<Job> owned(const std::string& owner);

  // A port's configuration before colo touched it, per attempt (the first
  // capture of an attempt wins: a resumed attempt keeps what was there
  // before it started).
  void saveCapture(std::string_view request_id, int attempt, std::string_view sw,
                   std::string_view port, const std::vector<std::string>& lines);
  Captures captures(std::string_view request_id, int attempt);

 private:
  ledger::Connection& c_;
};

}  // namespace colo::inventory
