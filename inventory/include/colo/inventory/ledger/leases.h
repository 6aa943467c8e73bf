// Several processes on one ledger: each owner of jobs holds a lease it
// renews, and a switch is held by one job at a time across processes and
// machines (docs/design.md, "Several agents").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "colo/inventory/lifecycle.h"

namespace colo::inventory {

namespace ledger {
class Connection;
}

// A process that owns jobs, alive until `until` unless it renews; what
// `colo agents` and GET /v1/agents show of it.
struct Lease {
  std::string owner;     // the id its jobs name
  std::string agent_id;  // the agent's configured name, or "cli"
  std::string kind;      // "agent" or "cli"
  std::string host;      // its host name
  std::string pid_ns;    // the pid namespace its pid is in (which pids it can see)
  std::int64_t pid = 0;
  std::string version;  // colo's version, and the source revision it was built from
  std::string revision;
  std::string started_at;       // UTC
  std::int64_t until = 0;       // epoch milliseconds, by the renewer's clock
  std::int64_t renewed_at = 0;  // epoch milliseconds: its last renewal
};

// A request in progress and the process working on it.
struct WorkInProgress {
  std::string owner, request_id;
  Status status = Status::queued;
};

// Who holds a switch: the hold, and the owner (process) it belongs to.
struct SwitchHolder {
  std::string holder, owner;
};

class Leases {
 public:
  explicit Leases(ledger::Connection& c) : c_(c) {}

  // Writes the row (creating it); a renewal moves `until` and `renewed_at`.
  void renew(const Lease& lease);
  // Removes the rows whose lease ended before `beforeMs`, with any switch
  // their owners still hold: processes gone long ago. Returns how many.
  std::int64_t forgetEnded(std::int64_t beforeMs);
  // Removes the row and the switches its owner holds.
  void end(std::string_view owner);
  std::optional<Lease> find(std::string_view owner);
  std::vector<Lease> all();
  // Every request in progress that a process holds, oldest first.
  std::vector<WorkInProgress> work();

  // Succeeds when nobody holds `sw`, or when its holder is still
  // `replacing` (a holder whose owner is gone).
  bool takeSwitch(std::string_view sw, std::string_view holder, std::string_view owner,
                  std::string_view replacing = {});
  std::optional<SwitchHolder> switchHolder(std::string_view sw);
  // Lets go of `sw` if `holder` still has it.
  void releaseSwitch(std::string_view sw, std::string_view holder);

 private:
  ledger::Connection& c_;
};

}  // namespace colo::inventory
