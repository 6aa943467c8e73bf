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
  while (!sessions_.empty() && sessions_.size() >= limits_.max_sessions) {
    auto oldest = std::min_element(
        sessions_.begin(), sessions_.end(),
        [](const auto& a, const auto& b) { return a.second.last_used < b.second.last_used; });
    sessions_.erase(oldest);
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
