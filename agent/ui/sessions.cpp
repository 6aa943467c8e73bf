#include "ui/sessions.h"

#include "colo/encoding/encoding.h"

namespace colo::agent {

SessionStore::SessionStore(Limits limits, inventory::Ledger& ledger, std::mutex& ledgerMutex)
    : limits_(limits), ledger_(ledger), mutex_(ledgerMutex) {}

std::string SessionStore::randomHex() {
  return encoding::hex(encoding::randomBytes(32));
}

std::string SessionStore::open(ConsoleSession session, std::int64_t now) {
  std::string id = randomHex();
  inventory::ConsoleSessionRow row{encoding::sha256Hex(id),
                                   session.caller,
                                   std::string(name(session.role)),
                                   session.token_sha256,
                                   session.csrf,
                                   now,
                                   now};
  std::lock_guard lock(mutex_);
  ledger_.consoleSessions().open(std::move(row), now, limits_);
  return id;
}

// Found by the SHA-256 of the id: the ledger's comparisons then say nothing
// about the ids themselves, and a copy of the ledger opens no session.
std::optional<ConsoleSession> SessionStore::find(const std::string& id, std::int64_t now) {
  if (id.size() != 64) return std::nullopt;
  std::optional<inventory::ConsoleSessionRow> row;
  {
    std::lock_guard lock(mutex_);
    row = ledger_.consoleSessions().use(encoding::sha256Hex(id), now, limits_);
  }
  auto role = row ? parseRole(row->role) : std::nullopt;
  if (!role) return std::nullopt;
  return ConsoleSession{row->caller, *role,        row->token_sha256,
                        row->csrf,   row->created, row->last_used};
}

void SessionStore::close(const std::string& id) {
  if (id.size() != 64) return;
  std::lock_guard lock(mutex_);
  ledger_.consoleSessions().close(encoding::sha256Hex(id));
}

std::int64_t SessionStore::size() {
  std::lock_guard lock(mutex_);
  return ledger_.consoleSessions().count();
}

}  // namespace colo::agent
