// One connection to the ledger's database, as every store (requests,
// claims, jobs, outbox, letters, leases, metrics feed) uses it: statements,
// transactions, the clock that stamps rows, the fence of a job's writes.
// Internal to the inventory library.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "colo/inventory/error.h"
#include "colo/inventory/lifecycle.h"
#include "colo/inventory/time.h"
#include "db.h"

namespace colo::inventory::ledger {

class Connection {
 public:
  std::unique_ptr<Db> db;
  bool inWrite = false;
  bool inRead = false;
  std::string fence;  // Ledger::setFence()
  std::function<bool()> abortWait;
  Clock clock;

  std::string now() const { return isoUtcMs(clock()); }
  const std::string& path() const { return db->name(); }

  Statement sql(std::string_view text) { return db->sql(text); }
  const Dialect& dialect() const { return db->dialect(); }

  // Ledger::write and Ledger::read.
  void write(const std::function<void()>& work);
  void read(const std::function<void()>& work);

  void requireWrite(const char* what) const {
    if (!inWrite)
      throw std::logic_error(std::string("Ledger: ") + what + " called outside Ledger::write");
  }

  // Increases with every change to what is claimed.
  std::int64_t generation() {
    auto st = sql("SELECT value FROM meta WHERE key = 'generation'");
    return st.step() ? st.integer(0) : 0;
  }
  // Returns the new generation.
  std::int64_t bumpGeneration() {
    auto st = sql("UPDATE meta SET value = value + 1 WHERE key = 'generation' RETURNING value");
    return st.step() ? st.integer(0) : 0;
  }

  // Every change to a request appends an event (the change feed relies on it).
  void insertEvent(std::string_view actor, std::string_view request_id, std::string_view kind,
                   std::string_view detail) {
    sql("INSERT INTO events (at, actor, request_id, kind, detail) VALUES (?1,?2,?3,?4,?5)")
        .bind(1, now())
        .bind(2, actor)
        .bind(3, request_id)
        .bind(4, kind)
        .bind(5, detail)
        .run();
  }

  // With a fence set: refuses (Error(moved)) a write about `id` unless it is
  // in progress under the fence's owner (a job's writes, while it is still
  // that owner's job); the row stays locked until the transaction ends (on
  // PostgreSQL), so nobody adopts it in between.
  void checkFence(std::string_view id) {
    if (fence.empty()) return;
    auto st = sql("SELECT status, owner FROM requests WHERE id = ?1" + dialect().forUpdate);
    st.bind(1, id);
    if (!st.step()) return;
    auto status = parseStatus(st.text(0));
    auto owner = st.text(1);
    if (!status || !inProgress(*status) || owner != fence)
      throw Error(ErrorKind::moved, "request " + std::string(id) + " is " + st.text(0) + " under " +
                                        (owner.empty() ? "no owner" : owner) + ", not " + fence +
                                        ": its lease moved on to another process; left as it is");
  }
};

// A status as stored; Error(storage) naming the ledger for anything else.
inline Status statusOf(const std::string& text, const std::string& path) {
  auto s = parseStatus(text);
  if (!s)
    throw Error(ErrorKind::storage, "ledger " + path + ": unknown request status '" + text + "'");
  return *s;
}

}  // namespace colo::inventory::ledger
