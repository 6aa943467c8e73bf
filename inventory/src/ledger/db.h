// What the ledger needs of a database, and nothing more: statements with
// numbered parameters (?1, ?2, ...), transactions, transaction-scoped locks,
// and the schema. One implementation per backend (sqlite/, postgres/); the
// ledger's own logic (ledger.cpp) is written once against this.
//
// Internal to the inventory library: neither sqlite3.h nor libpq-fe.h
// reaches a header anyone else includes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "colo/inventory/error.h"

namespace colo::inventory::ledger {

// A statement on one connection, executed by step(): bind, step through the
// rows, reset to run it again.
class Cursor {
 public:
  virtual ~Cursor() = default;
  virtual void bindText(int i, std::string_view v) = 0;
  virtual void bindInt(int i, std::int64_t v) = 0;
  // True while there is a row; the first call executes the statement.
  virtual bool step() = 0;
  virtual std::string text(int col) const = 0;
  virtual std::int64_t integer(int col) const = 0;  // booleans read as 0 and 1
  virtual bool isNull(int col) const = 0;
  // Ready to run again: clears the result and the bindings.
  virtual void reset() = 0;
  // Rows the last execution inserted, updated or deleted.
  virtual std::int64_t changes() const = 0;
};

class Statement {
 public:
  explicit Statement(std::unique_ptr<Cursor> c) : c_(std::move(c)) {}
  Statement& bind(int i, std::string_view v) {
    c_->bindText(i, v);
    return *this;
  }
  Statement& bind(int i, std::int64_t v) {
    c_->bindInt(i, v);
    return *this;
  }
  Statement& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  Statement& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Statement& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  bool step() { return c_->step(); }
  // Executes, ignoring rows; returns the rows changed.
  std::int64_t run() {
    while (c_->step()) {
    }
    return c_->changes();
  }
  std::string text(int col) const { return c_->text(col); }
  std::int64_t integer(int col) const { return c_->integer(col); }
  bool isNull(int col) const { return c_->isNull(col); }
  void reset() { c_->reset(); }

 private:
  std::unique_ptr<Cursor> c_;
};

// Thrown inside a write transaction when running it again from the start
// may succeed: a deadlock or serialization failure the database reported,
// or a plan made from claims that changed before its locks were taken.
class Retry : public Error {
 public:
  explicit Retry(const std::string& message) : Error(ErrorKind::storage, message) {}
};

enum class Transaction { read, write };

// The few places where the backends' SQL differs.
struct Dialect {
  // After FROM requests in a list of summaries: how to read the summary index.
  std::string requestsSummaryIndex;
  // A column giving a table's rows in the order they were inserted (outbox).
  std::string insertionOrder;
  // After a SELECT that takes a job: skip the rows other agents are taking.
  std::string skipLocked;
  // After a SELECT in a write transaction: keep the rows read as they are
  // until it ends (writers that already exclude each other need nothing).
  std::string forUpdate;
  // The requests changed since a cursor (?1): rows of (request id, and with
  // no changesCursor, the event's seq, whose largest is the next cursor).
  std::string changesSince;
  // When not empty: the next cursor, read before changesSince. A backend
  // whose transactions commit out of the order of their seqs needs it.
  std::string changesCursor;
  // When not empty: folds the tallies' rows into one a key (run outside any
  // transaction of the caller's).
  std::string compactTallies;
};

class Db {
 public:
  virtual ~Db() = default;
  // For messages: a file path, or a URI without any password.
  virtual const std::string& name() const = 0;
  virtual const Dialect& dialect() const = 0;
  // The schema version opening found (0: it created the schema).
  virtual std::int64_t foundVersion() const = 0;
  virtual Statement sql(std::string_view text) = 0;
  virtual void begin(Transaction kind) = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;
  // Inside a write transaction: locks each key until it ends, in one global
  // order whoever asks, so that writers that want the same things wait for
  // each other and never deadlock. A backend whose writers already exclude
  // each other does nothing.
  virtual void lock(std::vector<std::string> keys) = 0;
  // One key without waiting: false when another transaction holds it;
  // taken, it stays taken until the transaction ends. A writer that holds
  // locks must not wait for more: two such could wait in a circle.
  virtual bool tryLock(const std::string& key) = 0;
  // How many times a write transaction that met Retry runs again, at most.
  virtual int retries() const = 0;
  // Empty while the database answering is the one opened; otherwise why it
  // is not, and every transaction is refused from then on (PostgreSQL checks
  // each connection it makes; a SQLite file is watched by its owner lock).
  virtual std::string replaced() const { return {}; }
};

// The backends. Each opens, checks that what it found is a colo ledger of a
// schema it understands (Error(invalid_input) naming it otherwise), creates
// or migrates the schema to kSchemaVersion, and refuses a newer one.
// `abortWait`, while it returns true, stops waiting for another writer.
std::unique_ptr<Db> openSqlite(const std::string& path, bool create,
                               const std::function<bool()>* abortWait);
// `uri` is a libpq URI (postgresql://USER@HOST:PORT/DB); `password`, when
// not empty, is given to libpq beside it (PGPASSWORD and ~/.pgpass work too).
std::unique_ptr<Db> openPostgres(const std::string& uri, const std::string& password, bool create);

// The schema version both backends migrate to (Ledger::kSchemaVersion).
constexpr std::int64_t kSchemaVersion = 11;

}  // namespace colo::inventory::ledger
