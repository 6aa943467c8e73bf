// Cabling checks (docs/design.md §17): asked for by a technician or the
// request system, run by whichever colo process takes them (an agent's
// worker, or `colo check` itself), their results kept with the request.
// Times are epoch milliseconds by the ledger's clock.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace colo::inventory {

namespace ledger {
class Connection;
}

struct CablingCheck {
  std::int64_t id = 0;
  std::string request_id;
  std::string state;         // queued, running, done (it ran: `ok` says how it came out), failed
  std::string requested_by;  // "api:sik", "cli:alice"
  std::string owner;         // the process that runs it, while it runs
  std::int64_t requested_at = 0, started_at = 0, finished_at = 0;
  bool ok = false;     // done, and every NIC's verdict is ok
  std::string result;  // done: the NICs' verdicts, JSON (engine/cabling.h says what)
  std::string error;   // failed: why it could not run, for people
};

class CablingChecks {
 public:
  explicit CablingChecks(ledger::Connection& c) : c_(c) {}

  // A new check of `request_id`, queued; or the one already queued or
  // running for it (a second ask while one is pending adds nothing). The
  // id, and whether it is new.
  std::pair<std::int64_t, bool> queue(std::string_view request_id, std::string_view requestedBy,
                                      std::int64_t now);
  // The oldest queued check, or a running one whose owner is gone, taken
  // for `owner`; nullopt when there is none.
  std::optional<CablingCheck> take(std::string_view owner, std::int64_t now,
                                   const std::function<bool(const std::string&)>& ownerAlive);
  // Check `id` taken for `owner`, if it is still queued (`colo check` runs
  // the one it queued itself).
  std::optional<CablingCheck> takeId(std::int64_t id, std::string_view owner, std::int64_t now);
  // Ends a check `owner` runs: done with `result` and `ok`, or failed with
  // `error`; with the request's step-log entry (`actor`, `detail`), in the
  // caller's write transaction (so the callback goes in with it). False
  // when `owner` no longer runs it.
  bool finish(std::int64_t id, std::string_view owner, bool done, bool ok, std::string_view result,
              std::string_view error, std::int64_t now, std::string_view actor,
              std::string_view detail);
  std::optional<CablingCheck> find(std::int64_t id);
  // A request's checks, newest first, at most `limit`.
  std::vector<CablingCheck> forRequest(std::string_view request_id, int limit = 20);

 private:
  // Check `id` for `owner`, if `previous` still owns it (none: queued).
  std::optional<CablingCheck> claim(std::int64_t id, std::string_view owner, std::int64_t now,
                                    std::string_view previous);
  ledger::Connection& c_;
};

}  // namespace colo::inventory
