// The web console's logins: server-side sessions, kept in the ledger
// (design.md §11), so that any agent on it serves any browser and a restart
// logs nobody out. The browser holds only a random session id in an
// HttpOnly cookie; the ledger keeps its SHA-256, who it is, its CSRF token
// and when it ends. A session ends on logout, after `idle_timeout` unused,
// `max_age` after login (both counted across agents), or as soon as the
// token it was opened with is no longer in the config (or has another role
// there).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "colo/inventory/ledger.h"
#include "core/roles.h"

namespace colo::agent {

struct ConsoleSession {
  std::string caller;                       // the token's name
  Role role = Role::requester;              // its role at login
  std::string token_sha256;                 // which token opened it
  std::string csrf;                         // carried by every form that changes something
  std::int64_t created = 0, last_used = 0;  // epoch seconds
};

class SessionStore {
 public:
  using Limits = inventory::ConsoleSessionLimits;
  // The sessions in `ledger`, used under `ledgerMutex` (the connection is
  // shared with the rest of the agent).
  SessionStore(Limits limits, inventory::Ledger& ledger, std::mutex& ledgerMutex);

  // A new session; returns its id (the cookie's value, 64 hex digits).
  std::string open(ConsoleSession session, std::int64_t now);
  // The live session with this id, marked used at `now`; nullopt (and the
  // session ended) when it expired, or when `stillValid` says its token no
  // longer opens it.
  template <class Valid>
  std::optional<ConsoleSession> use(const std::string& id, std::int64_t now, Valid stillValid) {
    auto s = find(id, now);
    if (s && !stillValid(*s)) {
      close(id);
      return std::nullopt;
    }
    return s;
  }
  void close(const std::string& id);
  std::int64_t size();

  // 32 random bytes as hex (OpenSSL's CSPRNG); throws if it fails.
  static std::string randomHex();

 private:
  std::optional<ConsoleSession> find(const std::string& id, std::int64_t now);

  Limits limits_;
  inventory::Ledger& ledger_;
  std::mutex& mutex_;
};

}  // namespace colo::agent
