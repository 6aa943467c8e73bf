// The web console's sessions, kept in the ledger so that any agent serves
// any browser and a restart logs nobody out (docs/design.md §11). A session
// is found by the SHA-256 of its id; the id itself (the cookie) is never
// stored. Times are epoch seconds by the caller's clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace colo::inventory {

namespace ledger {
class Connection;
}

struct ConsoleSessionRow {
  std::string id_sha256;     // SHA-256 of the session id, hex
  std::string caller;        // the token's name
  std::string role;          // its role at login
  std::string token_sha256;  // which token opened it
  std::string csrf;          // carried by every form that changes something
  std::int64_t created = 0, last_used = 0;
};

struct ConsoleSessionLimits {
  std::int64_t idle_timeout_s = 30 * 60;
  std::int64_t max_age_s = 12 * 60 * 60;
  // Beyond it, the least recently used session of the token that holds the
  // most ends.
  std::int64_t max_sessions = 1000;
  // One token's sessions (its browsers); beyond it, that token's least
  // recently used ends, never another token's.
  std::int64_t max_sessions_per_token = 16;
};

class ConsoleSessions {
 public:
  explicit ConsoleSessions(ledger::Connection& c) : c_(c) {}

  // Stores `row` (created and last used at `now`), in one transaction with
  // ending the expired sessions and, beyond the limits, the least recently
  // used ones as ConsoleSessionLimits says.
  void open(ConsoleSessionRow row, std::int64_t now, const ConsoleSessionLimits& limits);
  // The live session, marked used at `now`; nullopt (and the row removed)
  // when it is unknown, idle too long or too old.
  std::optional<ConsoleSessionRow> use(std::string_view id_sha256, std::int64_t now,
                                       const ConsoleSessionLimits& limits);
  void close(std::string_view id_sha256);
  std::int64_t count();

 private:
  ledger::Connection& c_;
};

}  // namespace colo::inventory
