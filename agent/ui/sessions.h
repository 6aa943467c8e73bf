// The web console's logins: server-side sessions. The browser holds only a
// random session id in an HttpOnly cookie; the agent keeps who it is, its
// CSRF token and when it ends. A session ends on logout, after
// `idle_timeout` unused, `max_age` after login, or as soon as the token it
// was opened with is no longer in the config (or has another role there).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

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
  struct Limits {
    std::int64_t idle_timeout_s = 30 * 60;
    std::int64_t max_age_s = 12 * 60 * 60;
    // Beyond it, the least recently used session of the token that holds
    // the most ends.
    std::size_t max_sessions = 1000;
    // One token's sessions (its browsers); beyond it, that token's least
    // recently used ends, never another token's.
    std::size_t max_sessions_per_token = 16;
  };
  explicit SessionStore(Limits limits);

  // A new session; returns its id (the cookie's value, 64 hex digits).
  std::string open(ConsoleSession session, std::int64_t now);
  // The live session with this id, marked used at `now`; nullopt (and the
  // session ended) when it expired. `stillValid` is asked whether its token
  // still opens it.
  template <class Valid>
  std::optional<ConsoleSession> use(const std::string& id, std::int64_t now, Valid stillValid) {
    std::lock_guard lock(m_);
    auto it = find(id);
    if (it == sessions_.end()) return std::nullopt;
    if (expired(it->second, now) || !stillValid(it->second)) {
      sessions_.erase(it);
      return std::nullopt;
    }
    it->second.last_used = now;
    return it->second;
  }
  void close(const std::string& id);
  std::size_t size();

  // 32 random bytes as hex (OpenSSL's CSPRNG); throws if it fails.
  static std::string randomHex();

 private:
  using Map = std::map<std::string, ConsoleSession>;  // by SHA-256 of the id
  Map::iterator find(const std::string& id);
  bool expired(const ConsoleSession& s, std::int64_t now) const;

  Limits limits_;
  std::mutex m_;
  Map sessions_;
};

}  // namespace colo::agent
