#include "ui/sessions.h"

#include <algorithm>
#include <stdexcept>

#include "colo/encoding/encoding.h"

namespace colo::agent {

SessionStore::SessionStore(Limits limits) : limits_(limits) {}

std::string SessionStore::randomHex() {
  return encoding::hex(encoding::randomBytes(32));
}

// Sessions are looked up by the SHA-256 of their id: the map's comparisons
// then say nothing about the ids themselves.
SessionStore::Map::iterator SessionStore::find(const std::string& id) {
  if (id.size() != 64) return sessions_.end();
  return sessions_.find(encoding::sha256Hex(id));
}

bool SessionStore::expired(const ConsoleSession& s, std::int64_t now) const {
  return now - s.last_used >= limits_.idle_timeout_s || now - s.created >= limits_.max_age_s;
}

std::string SessionStore::open(ConsoleSession session, std::int64_t now) {
  std::string id = randomHex();
  session.created = session.last_used = now;
  std::lock_guard lock(m_);
  std::erase_if(sessions_, [&](const auto& kv) { return expired(kv.second, now); });
  // The least recently used session of `token`.
  auto oldestOf = [&](const std::string& token) {
    auto oldest = sessions_.end();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it)
      if (it->second.token_sha256 == token &&
          (oldest == sessions_.end() || it->second.last_used < oldest->second.last_used))
        oldest = it;
    return oldest;
  };
  std::map<std::string, std::size_t> perToken;
  for (const auto& kv : sessions_) ++perToken[kv.second.token_sha256];
  while (perToken[session.token_sha256] >=
         std::max<std::size_t>(1, limits_.max_sessions_per_token)) {
    sessions_.erase(oldestOf(session.token_sha256));
    --perToken[session.token_sha256];
  }
  while (!sessions_.empty() && sessions_.size() >= limits_.max_sessions) {
    auto most = std::max_element(perToken.begin(), perToken.end(),
                                 [](const auto& a, const auto& b) { return a.second < b.second; });
    sessions_.erase(oldestOf(most->first));
    --most->second;
  }
  sessions_[encoding::sha256Hex(id)] = std::move(session);
  return id;
}

void SessionStore::close(const std::string& id) {
  std::lock_guard lock(m_);
  if (auto it = find(id); it != sessions_.end()) sessions_.erase(it);
}

std::size_t SessionStore::size() {
  std::lock_guard lock(m_);
  return sessions_.size();
}

}  // namespace colo::agent
