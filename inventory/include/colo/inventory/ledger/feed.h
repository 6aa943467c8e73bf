// What /metrics follows, kept by the ledger as it changes: counters that
// triggers update in the same transaction as each change (reading them
// costs the number of racks, feeds and pools, not the history), and the
// requests changed since a cursor.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>

namespace colo::inventory {

namespace ledger {
class Connection;
}

struct Tallies {
  std::map<std::string, std::int64_t> requests;  // by status name
  std::map<std::string, std::int64_t> units;     // units held by requests, by rack
  std::map<std::pair<std::string, std::string>, std::int64_t> watts;  // by (rack, feed)
  std::map<std::string, std::int64_t> addresses;                      // held, by pool
  std::map<std::string, std::int64_t> callbacks;  // delivered, backlog, given_up, failed_attempts
};

class MetricsFeed {
 public:
  explicit MetricsFeed(ledger::Connection& c) : c_(c) {}

  Tallies tallies();
  // The requests changed (inserted, or given an event) since `cursor` (0:
  // all of them); returns the cursor to pass next time. Opaque: on SQLite
  // the newest event's seq, on PostgreSQL a transaction horizon, so that a
  // transaction that commits after a later one is not missed. A request may
  // be visited again on the next call.
  std::int64_t changesSince(std::int64_t cursor,
                            const std::function<void(const std::string& id)>& visit);

 private:
  ledger::Connection& c_;
};

}  // namespace colo::inventory
