// The embedded SQLite ledger: one file (WAL, foreign keys, synchronous =
// FULL). Writers exclude each other (BEGIN IMMEDIATE), so lock() has nothing
// to do; readers go on meanwhile. The file says it is a colo ledger by its
// application_id and its schema version by user_version.
#include <sqlite3.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <thread>

#include "../db.h"
#include "colo/inventory/error.h"
#include "colo/inventory/ledger.h"
#include "colo/inventory/ledger_copy.h"
#include "colo/inventory/lifecycle.h"
#include "turns.h"

namespace colo::inventory::ledger {

namespace {

constexpr int kApplicationId = 0x636f6c6f;  // "colo"
constexpr int kBusyTimeoutMs = 30000;
constexpr int kCheckpointEveryFrames = 1000;  // SQLite's own default threshold
constexpr int kCheckpointWaitMs = 20;

// What an I/O error on the ledger at `path` comes from when its file
// system has no room left (SQLite reports a full disk as "disk I/O error"
// when it cannot create the WAL's files): says so, and what to do; "" when
// there is room.
std::string fullDisk(const std::string& path) {
  auto dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  struct statvfs st {};
  if (statvfs(dir.c_str(), &st) != 0) return "";
  auto free = static_cast<unsigned long long>(st.f_bavail) * st.f_frsize;
  if (free >= (1u << 20)) return "";
  return "the file system holding " + dir.string() + " is full (" + std::to_string(free) +
         " bytes free to colo); make room there and run it again";
}

// The note an error with SQLite's `code` gets: a full disk named as such.
std::string diskNote(const std::string& path, int code) {
  code &= 0xff;
  if (code != SQLITE_IOERR && code != SQLITE_FULL && code != SQLITE_CANTOPEN) return "";
  auto full = fullDisk(path);
  return full.empty() ? "" : " (" + full + ")";
}

// Each entry moves the schema from version i to i + 1.
const char* const kStaticMigrations[] = {
    R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
INSERT INTO meta VALUES ('generation', 0);
CREATE TABLE requests (
  id TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  body TEXT NOT NULL,
  tenant_code TEXT NOT NULL,
  letter_number TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN
    ('queued','planning','reserved','configuring','completed','failed','released')),
  received_at TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  error TEXT NOT NULL DEFAULT '',
  allocation TEXT
) STRICT;
CREATE INDEX requests_status ON requests(status);
CREATE TABLE unit_claims (
  rack TEXT NOT NULL, unit INTEGER NOT NULL,
  request_id TEXT NOT NULL REFERENCES requests(id),
  hostname TEXT NOT NULL, tenant TEXT NOT NULL,
  PRIMARY KEY (rack, unit)
) STRICT;
CREATE TABLE power_claims (
  rack TEXT NOT NULL, feed TEXT NOT NULL, watts INTEGER NOT NULL CHECK (watts > 0),
  request_id TEXT NOT NULL REFERENCES requests(id), hostname TEXT NOT NULL,
  PRIMARY KEY (request_id, hostname, feed)
) STRICT;
CREATE TABLE address_claims (
  address TEXT PRIMARY KEY, pool TEXT NOT NULL,
  request_id TEXT NOT NULL REFERENCES requests(id), hostname TEXT NOT NULL
) STRICT;
CREATE TABLE port_claims (
  switch TEXT NOT NULL, port TEXT NOT NULL, vlan INTEGER NOT NULL,
  request_id TEXT NOT NULL REFERENCES requests(id), hostname TEXT NOT NULL,
  PRIMARY KEY (switch, port)
) STRICT;
CREATE INDEX unit_claims_request ON unit_claims(request_id);
CREATE INDEX power_claims_request ON power_claims(request_id);
CREATE INDEX address_claims_request ON address_claims(request_id);
CREATE INDEX port_claims_request ON port_claims(request_id);
CREATE TABLE events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL, actor TEXT NOT NULL, request_id TEXT NOT NULL,
  kind TEXT NOT NULL, detail TEXT NOT NULL
) STRICT;
CREATE INDEX events_request ON events(request_id);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
)sql",
    // 2: who submitted a request (requesters read only their own), when it
    // was completed, a durable release flag, and captured port configurations.
    R"sql(
ALTER TABLE requests ADD COLUMN submitted_by TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN completed_at TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN release_requested INTEGER NOT NULL DEFAULT 0;
-- A port's configuration as captured before colo touched it: what a restore
-- puts back, also after a crash.
CREATE TABLE port_captures (
  request_id TEXT NOT NULL REFERENCES requests(id),
  switch TEXT NOT NULL, port TEXT NOT NULL,
  lines TEXT NOT NULL,
  PRIMARY KEY (request_id, switch, port)
) STRICT;
-- Completion callbacks, delivered from here with retries, across restarts.
CREATE TABLE outbox (
  delivery_id TEXT PRIMARY KEY,
  request_id TEXT NOT NULL REFERENCES requests(id),
  url TEXT NOT NULL,
  body TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  delivered_at TEXT NOT NULL DEFAULT '',
  last_error TEXT NOT NULL DEFAULT '',
  given_up INTEGER NOT NULL DEFAULT 0
) STRICT;
)sql",
};

std::string quoted(std::string_view s) {
  return "'" + std::string(s) + "'";
}

// 3: the request lifecycle (design.md §7). The allowed transitions are a table
// the database itself checks on every status change; requests record who
// works on them (owner) and which attempt they are in, and captures belong to
// one attempt. `release_requested` becomes the `releasing` status.
std::string lifecycleMigration() {
  std::string statuses, transitions, initial;
  for (auto st : allStatuses()) statuses += (statuses.empty() ? "" : ",") + quoted(name(st));
  for (const auto& t : kTransitions)
    transitions += std::string(transitions.empty() ? "" : ",\n  ") + "(" + quoted(name(t.from)) +
                   "," + quoted(name(t.to)) + ")";
  for (auto st : kInitialStatuses) initial += (initial.empty() ? "" : ",") + quoted(name(st));
  return R"sql(
CREATE TABLE requests_v3 (
  id TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  body TEXT NOT NULL,
  tenant_code TEXT NOT NULL,
  letter_number TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ()sql" +
         statuses + R"sql()),
  received_at TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  error TEXT NOT NULL DEFAULT '',
  allocation TEXT,
  submitted_by TEXT NOT NULL DEFAULT '',
  completed_at TEXT NOT NULL DEFAULT '',
  attempt INTEGER NOT NULL DEFAULT 0,
  owner TEXT NOT NULL DEFAULT '',
  release_from TEXT NOT NULL DEFAULT ''
) STRICT;
INSERT INTO requests_v3 SELECT id, fingerprint, body, tenant_code, letter_number,
  CASE WHEN release_requested != 0 AND status IN ('completed', 'failed') THEN 'releasing' ELSE status END,
  received_at, created_at, updated_at, error, allocation, submitted_by, completed_at, 0, '',
  CASE WHEN release_requested != 0 AND status IN ('completed', 'failed') THEN status ELSE '' END
  FROM requests;
DROP TABLE requests;
ALTER TABLE requests_v3 RENAME TO requests;
CREATE INDEX requests_status ON requests(status);

CREATE TABLE lifecycle (
  from_status TEXT NOT NULL, to_status TEXT NOT NULL,
  PRIMARY KEY (from_status, to_status)
) STRICT;
INSERT INTO lifecycle VALUES
  )sql" + transitions +
         R"sql(;
CREATE TRIGGER lifecycle_fixed_update BEFORE UPDATE ON lifecycle
  BEGIN SELECT RAISE(ABORT, 'the lifecycle table changes only by migration'); END;
CREATE TRIGGER lifecycle_fixed_insert BEFORE INSERT ON lifecycle
  BEGIN SELECT RAISE(ABORT, 'the lifecycle table changes only by migration'); END;
CREATE TRIGGER lifecycle_fixed_delete BEFORE DELETE ON lifecycle
  BEGIN SELECT RAISE(ABORT, 'the lifecycle table changes only by migration'); END;
CREATE TRIGGER requests_initial_status BEFORE INSERT ON requests
  WHEN NEW.status NOT IN ()sql" +
         initial + R"sql()
  BEGIN SELECT RAISE(ABORT, 'a new request starts queued or planning'); END;
CREATE TRIGGER requests_status_transition BEFORE UPDATE OF status ON requests
  WHEN NEW.status != OLD.status AND NOT EXISTS (
    SELECT 1 FROM lifecycle WHERE from_status = OLD.status AND to_status = NEW.status)
  BEGIN SELECT RAISE(ABORT, 'illegal status transition (not in the lifecycle table)'); END;

CREATE TABLE port_captures_v3 (
  request_id TEXT NOT NULL REFERENCES requests(id),
  attempt INTEGER NOT NULL,
  switch TEXT NOT NULL, port TEXT NOT NULL,
  lines TEXT NOT NULL,
  PRIMARY KEY (request_id, attempt, switch, port)
) STRICT;
INSERT INTO port_captures_v3 SELECT request_id, 0, switch, port, lines FROM port_captures;
DROP TABLE port_captures;
ALTER TABLE port_captures_v3 RENAME TO port_captures;

ALTER TABLE outbox ADD COLUMN event TEXT NOT NULL DEFAULT '';
CREATE INDEX outbox_request ON outbox(request_id);
)sql";
}

// 4: confirmation letters (design.md §11): each completed request's letter number,
// issued once, a sequence per year.
const char* const kLettersMigration = R"sql(
CREATE TABLE letters (
  request_id TEXT PRIMARY KEY REFERENCES requests(id),
  year INTEGER NOT NULL,
  seq INTEGER NOT NULL CHECK (seq >= 1),
  number TEXT NOT NULL,
  issued_at TEXT NOT NULL,
  UNIQUE (year, seq)
) STRICT;
)sql";

// 5: lists of requests (the console's, `colo requests`) read this index
// alone, in the order they were received into the ledger, never the bodies
// and allocations: 20,000 requests in a few milliseconds, not 60.
const char* const kRequestListMigration = R"sql(
CREATE INDEX requests_summary ON requests(created_at, id, status, tenant_code, letter_number,
  received_at, updated_at, submitted_by, completed_at, attempt, owner, release_from, error);
)sql";

// 6: what /metrics reports, kept as the ledger changes instead of counted
// from its whole history on each scrape (issue 10): requests by status,
// units and watts claimed per rack and feed, addresses held per pool,
// callbacks by state. Triggers keep them in the same transaction as the
// change, whoever makes it. And each delivery's last HTTP status and time.
const char* const kTalliesMigration = R"sql(
CREATE TABLE tallies (
  kind TEXT NOT NULL, a TEXT NOT NULL, b TEXT NOT NULL DEFAULT '',
  value INTEGER NOT NULL,
  PRIMARY KEY (kind, a, b)
) STRICT, WITHOUT ROWID;
INSERT INTO tallies SELECT 'status', status, '', count(*) FROM requests GROUP BY status;
INSERT INTO tallies SELECT 'units', rack, '', count(*) FROM unit_claims GROUP BY rack;
INSERT INTO tallies SELECT 'watts', rack, feed, sum(watts) FROM power_claims GROUP BY rack, feed;
INSERT INTO tallies SELECT 'addresses', pool, '', count(*) FROM address_claims GROUP BY pool;
-- A delivery's state and failed attempts, as the tallies count them.
ALTER TABLE outbox ADD COLUMN state TEXT GENERATED ALWAYS AS (CASE WHEN delivered_at != ''
  THEN 'delivered' WHEN given_up THEN 'given_up' ELSE 'backlog' END) VIRTUAL;
ALTER TABLE outbox ADD COLUMN failed_attempts INTEGER GENERATED ALWAYS AS (
  CASE WHEN delivered_at = '' THEN attempts ELSE attempts - 1 END) VIRTUAL;
INSERT INTO tallies SELECT 'callbacks', state, '', count(*) FROM outbox GROUP BY state;
INSERT INTO tallies SELECT 'callbacks', 'failed_attempts', '', coalesce(sum(failed_attempts), 0)
  FROM outbox;

CREATE TRIGGER tally_request_in AFTER INSERT ON requests BEGIN
  INSERT INTO tallies VALUES ('status', NEW.status, '', 1)
    ON CONFLICT DO UPDATE SET value = value + 1;
END;
CREATE TRIGGER tally_request_status AFTER UPDATE OF status ON requests
  WHEN NEW.status != OLD.status BEGIN
  UPDATE tallies SET value = value - 1 WHERE kind = 'status' AND a = OLD.status AND b = '';
  INSERT INTO tallies VALUES ('status', NEW.status, '', 1)
    ON CONFLICT DO UPDATE SET value = value + 1;
END;
CREATE TRIGGER tally_request_out AFTER DELETE ON requests BEGIN
  UPDATE tallies SET value = value - 1 WHERE kind = 'status' AND a = OLD.status AND b = '';
END;
CREATE TRIGGER tally_units_in AFTER INSERT ON unit_claims BEGIN
  INSERT INTO tallies VALUES ('units', NEW.rack, '', 1) ON CONFLICT DO UPDATE SET value = value + 1;
END;
CREATE TRIGGER tally_units_out AFTER DELETE ON unit_claims BEGIN
  UPDATE tallies SET value = value - 1 WHERE kind = 'units' AND a = OLD.rack AND b = '';
END;
CREATE TRIGGER tally_watts_in AFTER INSERT ON power_claims BEGIN
  INSERT INTO tallies VALUES ('watts', NEW.rack, NEW.feed, NEW.watts)
    ON CONFLICT DO UPDATE SET value = value + excluded.value;
END;
CREATE TRIGGER tally_watts_out AFTER DELETE ON power_claims BEGIN
  UPDATE tallies SET value = value - OLD.watts WHERE kind = 'watts' AND a = OLD.rack AND b = OLD.feed;
END;
CREATE TRIGGER tally_addresses_in AFTER INSERT ON address_claims BEGIN
  INSERT INTO tallies VALUES ('addresses', NEW.pool, '', 1) ON CONFLICT DO UPDATE SET value = value + 1;
END;
CREATE TRIGGER tally_addresses_out AFTER DELETE ON address_claims BEGIN
  UPDATE tallies SET value = value - 1 WHERE kind = 'addresses' AND a = OLD.pool AND b = '';
END;
CREATE TRIGGER claims_fixed_units BEFORE UPDATE ON unit_claims
  BEGIN SELECT RAISE(ABORT, 'claims are inserted and deleted, never changed'); END;
CREATE TRIGGER claims_fixed_power BEFORE UPDATE ON power_claims
  BEGIN SELECT RAISE(ABORT, 'claims are inserted and deleted, never changed'); END;
CREATE TRIGGER claims_fixed_addresses BEFORE UPDATE ON address_claims
  BEGIN SELECT RAISE(ABORT, 'claims are inserted and deleted, never changed'); END;

CREATE TRIGGER tally_outbox_in AFTER INSERT ON outbox BEGIN
  INSERT INTO tallies VALUES ('callbacks', NEW.state, '', 1)
    ON CONFLICT DO UPDATE SET value = value + 1;
  UPDATE tallies SET value = value + NEW.failed_attempts
    WHERE kind = 'callbacks' AND a = 'failed_attempts' AND b = '';
END;
CREATE TRIGGER tally_outbox_change AFTER UPDATE ON outbox BEGIN
  UPDATE tallies SET value = value - 1 WHERE kind = 'callbacks' AND a = OLD.state AND b = '';
  INSERT INTO tallies VALUES ('callbacks', NEW.state, '', 1)
    ON CONFLICT DO UPDATE SET value = value + 1;
  UPDATE tallies SET value = value + NEW.failed_attempts - OLD.failed_attempts
    WHERE kind = 'callbacks' AND a = 'failed_attempts' AND b = '';
END;
CREATE TRIGGER tally_outbox_out AFTER DELETE ON outbox BEGIN
  UPDATE tallies SET value = value - 1 WHERE kind = 'callbacks' AND a = OLD.state AND b = '';
  UPDATE tallies SET value = value - OLD.failed_attempts
    WHERE kind = 'callbacks' AND a = 'failed_attempts' AND b = '';
END;

ALTER TABLE outbox ADD COLUMN last_status INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN last_attempt_at TEXT NOT NULL DEFAULT '';
)sql";

// 7: several processes (design.md §12): each owner of jobs holds a lease, a
// switch is held by one job at a time through a row, and a callback
// delivery is claimed by one sender at a time. (On SQLite, one machine's
// kernel locks do the first two; the tables are there for the same schema.)
const char* const kSeveralAgentsMigration = R"sql(
CREATE TABLE agents (
  owner TEXT PRIMARY KEY,
  agent_id TEXT NOT NULL,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  started_at TEXT NOT NULL,
  lease_until INTEGER NOT NULL
) STRICT;
CREATE TABLE switch_locks (
  switch TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  owner TEXT NOT NULL,
  taken_at TEXT NOT NULL
) STRICT;
ALTER TABLE outbox ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN claimed_until INTEGER NOT NULL DEFAULT 0;
)sql";

// 8: why each request ended (inventory/lifecycle.h, kReasons), and a failed
// release apart from the ending it leaves in place (design.md §7). Endings
// recorded before are 'unclassified' when they failed.
const char* const kReasonsMigration = R"sql(
ALTER TABLE requests ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN release_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN release_error TEXT NOT NULL DEFAULT '';
UPDATE requests SET reason = CASE status WHEN 'completed' THEN 'completed'
  WHEN 'released' THEN 'released_by_operator' WHEN 'failed' THEN 'unclassified' ELSE '' END;
DROP INDEX requests_summary;
CREATE INDEX requests_summary ON requests(created_at, id, status, tenant_code, letter_number,
  received_at, updated_at, submitted_by, completed_at, attempt, owner, release_from, error,
  reason, release_reason, release_error);
)sql";

// 9: agents that show themselves (design.md §12): each process's kind, pid
// namespace, version and last renewal (the host column is its host name
// from now on); and the console's sessions, so that any agent serves any
// browser and a restart logs nobody out (design.md §11). A session is
// found by the SHA-256 of its id: the ledger never holds a usable cookie.
const char* const kAgentsShownMigration = R"sql(
ALTER TABLE agents ADD COLUMN kind TEXT NOT NULL DEFAULT 'agent';
ALTER TABLE agents ADD COLUMN pid_ns TEXT NOT NULL DEFAULT '';
ALTER TABLE agents ADD COLUMN version TEXT NOT NULL DEFAULT '';
ALTER TABLE agents ADD COLUMN revision TEXT NOT NULL DEFAULT '';
ALTER TABLE agents ADD COLUMN renewed_at INTEGER NOT NULL DEFAULT 0;
UPDATE agents SET kind = 'cli' WHERE owner LIKE 'cli:%';
CREATE TABLE console_sessions (
  id_sha256 TEXT PRIMARY KEY,
  caller TEXT NOT NULL,
  role TEXT NOT NULL,
  token_sha256 TEXT NOT NULL,
  csrf TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL
) STRICT;
CREATE INDEX console_sessions_by_token ON console_sessions(token_sha256, last_used_at);
)sql";

// 10: cabling checks (design.md §17), asked for, run by whichever process
// takes them, their results kept with the request; one pending per request.
const char* const kCablingMigration = R"sql(
CREATE TABLE cabling_checks (
  check_id INTEGER PRIMARY KEY,
  request_id TEXT NOT NULL,
  state TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  owner TEXT NOT NULL DEFAULT '',
  requested_at INTEGER NOT NULL,
  started_at INTEGER NOT NULL DEFAULT 0,
  finished_at INTEGER NOT NULL DEFAULT 0,
  ok INTEGER NOT NULL DEFAULT 0,
  result TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX cabling_checks_by_request ON cabling_checks(request_id, check_id);
CREATE INDEX cabling_checks_pending ON cabling_checks(state, check_id) WHERE state IN ('queued', 'running');
CREATE UNIQUE INDEX cabling_checks_one_pending ON cabling_checks(request_id) WHERE state IN ('queued', 'running');
)sql";

// 11: whose claims each generation changed, so that a process holding the
// occupancy at generation g reads only what changed since (design.md §5).
const char* const kClaimChangesMigration = R"sql(
CREATE TABLE claim_changes (
  generation INTEGER PRIMARY KEY,
  request_id TEXT NOT NULL
) STRICT;
)sql";

std::vector<std::string> migrations() {
  std::vector<std::string> out(std::begin(kStaticMigrations), std::end(kStaticMigrations));
  out.push_back(lifecycleMigration());
  out.push_back(kLettersMigration);
  out.push_back(kRequestListMigration);
  out.push_back(kTalliesMigration);
  out.push_back(kSeveralAgentsMigration);
  out.push_back(kReasonsMigration);
  out.push_back(kAgentsShownMigration);
  out.push_back(kCablingMigration);
  out.push_back(kClaimChangesMigration);
  return out;
}

class SqliteCursor : public Cursor {
 public:
  SqliteCursor(sqlite3* db, std::string_view sql, const std::string& path) : db_(db), path_(path) {
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) !=
        SQLITE_OK)
      fail("prepare");
  }
  ~SqliteCursor() override { sqlite3_finalize(stmt_); }
  SqliteCursor(const SqliteCursor&) = delete;
  SqliteCursor& operator=(const SqliteCursor&) = delete;

  void bindText(int i, std::string_view v) override {
    // An empty view may have no data pointer, which SQLite would store as NULL.
    sqlite3_bind_text(stmt_, i, v.empty() ? "" : v.data(), static_cast<int>(v.size()),
                      SQLITE_TRANSIENT);
  }
  void bindInt(int i, std::int64_t v) override { sqlite3_bind_int64(stmt_, i, v); }
  bool step() override {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) {
      changes_ = sqlite3_changes64(db_);
      return false;
    }
    fail("step");
  }
  std::string text(int col) const override {
    auto p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }
  std::int64_t integer(int col) const override { return sqlite3_column_int64(stmt_, col); }
  bool isNull(int col) const override { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  void reset() override {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    changes_ = 0;
  }
  std::int64_t changes() const override { return changes_; }

  [[noreturn]] void fail(const char* what) {
    int code = sqlite3_extended_errcode(db_);
    std::string msg = std::string("ledger ") + path_ + ": sqlite " + what + ": " +
                      sqlite3_errmsg(db_) + diskNote(path_, code);
    throw Error((code & 0xff) == SQLITE_CONSTRAINT ? ErrorKind::conflict : ErrorKind::storage, msg);
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  const std::string& path_;
  std::int64_t changes_ = 0;
};

struct FileIdentity {
  std::int64_t application_id = 0;
  std::int64_t version = 0;
  std::int64_t objects = 0;  // tables, indexes, triggers
};

// A colo ledger, or an empty file colo may initialize; anything else is
// refused before it is touched.
void checkIdentity(const FileIdentity& id, const std::string& path) {
  bool empty = id.application_id == 0 && id.objects == 0;
  if (id.application_id != kApplicationId && !empty)
    throw Error(ErrorKind::invalid_input, path +
                                              " is not a colo ledger (it is some other SQLite "
                                              "database); refusing to touch it");
  if (id.version > kSchemaVersion)
    throw Error(ErrorKind::invalid_input,
                "ledger " + path + " has schema version " + std::to_string(id.version) +
                    ", newer than this colo understands (" + std::to_string(kSchemaVersion) +
                    "); upgrade colo, do not downgrade the ledger");
}

class SqliteDb : public Db {
 public:
  SqliteDb(const std::string& path, bool create, const std::function<bool()>* abortWait)
      : path_(path), abortWait_(abortWait), turns_(path) {
    dialect_.requestsSummaryIndex = " INDEXED BY requests_summary";
    dialect_.insertionOrder = "rowid";
    // One writer at a time: seqs are given in commit order.
    dialect_.changesSince =
        "SELECT request_id, max(seq) FROM events WHERE seq > ?1 GROUP BY request_id";
    namespace fs = std::filesystem;
    std::error_code ec;
    bool exists = fs::exists(path, ec);
    if (!exists && !create) {
      throw Error(ErrorKind::invalid_input,
                  "no ledger at " + path +
                      "; create it with `colo init` (check --state and the config's state:)");
    } else if (!exists) {
      auto dir = fs::path(path).parent_path();
      if (!dir.empty()) fs::create_directories(dir, ec);
    } else if (fs::is_directory(path, ec)) {
      throw Error(ErrorKind::invalid_input,
                  "ledger " + path + " is a directory, not a colo ledger file");
    } else if (!create && fs::file_size(path, ec) == 0 && !ec) {
      // SQLite would take an empty file for an empty database and the
      // schema would be written into it: a truncated or mistyped ledger
      // must not quietly become a new one.
      throw Error(ErrorKind::invalid_input,
                  "ledger " + path +
                      " is an empty file, not a colo ledger (restore it from a backup, or "
                      "create a new ledger with `colo init`)");
    }
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    sqlite3* handle = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &handle, flags, nullptr);
    owner_.reset(handle);  // closed however this constructor ends
    db_ = handle;
    if (rc != SQLITE_OK)
      throw Error(ErrorKind::storage, "cannot open ledger " + path + ": " + sqlite3_errmsg(db_));
    // Another connection holds the write lock: wait for its release (woken
    // by it, WriterTurns) in steps of at most 250 us until the deadline.
    // SQLite's own busy_timeout sleeps in steps of up to 100 ms, which turns
    // brief contention into long tails.
    sqlite3_busy_handler(
        db_,
        [](void* arg, int count) -> int {
          auto* self = static_cast<SqliteDb*>(arg);
          auto now = std::chrono::steady_clock::now();
          if (count == 0) self->busySince_ = now;
          if (now - self->busySince_ >=
              std::chrono::milliseconds(self->checkpointing_ ? kCheckpointWaitMs : kBusyTimeoutMs))
            return 0;
          if (self->abortWait_ && *self->abortWait_ && (count & 63) == 0 && (*self->abortWait_)())
            return 0;
          self->turns_.waitForRelease(count < 20 ? 50 : 250);
          return 1;
        },
        this);
    sqlite3_extended_result_codes(db_, 1);
    prepare();
  }
  ~SqliteDb() override = default;

  const std::string& name() const override { return path_; }
  const Dialect& dialect() const override { return dialect_; }
  std::int64_t foundVersion() const override { return found_; }
  Statement sql(std::string_view text) override {
    return Statement(std::make_unique<SqliteCursor>(db_, text, path_));
  }
  void begin(Transaction kind) override {
    if (kind == Transaction::read) {
      exec("BEGIN");
      return;
    }
    turns_.beforeBegin();
    exec("BEGIN IMMEDIATE");
    writing_ = true;
    turns_.began();
  }
  void commit() override {
    exec("COMMIT");
    givenBack();
  }
  void rollback() noexcept override {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    givenBack();
  }
  void lock(std::vector<std::string>) override {}  // BEGIN IMMEDIATE: one writer at a time
  bool tryLock(const std::string&) override { return true; }
  int retries() const override { return 0; }

 private:
  void exec(const char* text) {
    char* err = nullptr;
    if (sqlite3_exec(db_, text, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      throw Error(ErrorKind::storage,
                  "ledger " + path_ + ": " + msg + diskNote(path_, sqlite3_extended_errcode(db_)));
    }
  }

  void givenBack() noexcept {
    if (!writing_) return;
    writing_ = false;
    turns_.released();
  }

  std::int64_t pragma(const char* name) {
    auto st = sql(std::string("PRAGMA ") + name);
    return st.step() ? st.integer(0) : 0;
  }

  FileIdentity identity() {
    auto st = sql("SELECT count(*) FROM sqlite_master");
    st.step();
    return {pragma("application_id"), pragma("user_version"), st.integer(0)};
  }

  // Checks what the file is, then creates or migrates its schema.
  void prepare() {
    // What the file is, read as one snapshot: another process may be
    // creating the schema at this very moment.
    FileIdentity id;
    try {
      exec("BEGIN");
      id = identity();
      exec("COMMIT");
    } catch (const Error&) {
      std::string why = sqlite3_errmsg(db_);
      int code = sqlite3_extended_errcode(db_) & 0xff;
      rollback();
      // Only a file SQLite cannot read as a database is "not a ledger"; a
      // disk, permission or lock problem says so.
      if (code == SQLITE_NOTADB)
        throw Error(ErrorKind::invalid_input,
                    path_ + " is not a colo ledger (SQLite: " + why + ")");
      auto full = diskNote(path_, code);
      throw Error(ErrorKind::storage,
                  "cannot read ledger " + path_ + ": " + why +
                      (!full.empty() ? full
                       : code == SQLITE_IOERR || code == SQLITE_FULL || code == SQLITE_READONLY ||
                               code == SQLITE_CANTOPEN || code == SQLITE_PERM
                           ? " (an I/O or permission error: check the disk and the file's owner)"
                           : ""));
    }
    checkIdentity(id, path_);
    found_ = id.version;

    // WAL lets readers go on while one process writes. Changing the journal
    // mode needs the file to itself, so other processes opening at the same
    // moment are waited for.
    for (int attempt = 0;; ++attempt) {
      try {
        auto st = sql("PRAGMA journal_mode = WAL");
        st.step();
        break;
      } catch (const Error&) {
        if (attempt > 200) throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(10 + attempt));
      }
    }
    exec("PRAGMA synchronous = FULL;");
    // The log (LEDGER-wal) is copied into the ledger and started over by a
    // checkpoint. SQLite's own runs after the commit that takes the log over
    // 1,000 pages, without waiting for anyone: when another writer begins
    // in that moment (one waiting for the lock always does), the log cannot
    // start over, and from then on every commit pays a checkpoint's syncs
    // while the log grows (two writers taking turns: 35 MB and 2.7 syncs a
    // commit over 300 reserves, backends_bench). So a checkpoint runs each
    // time the log has grown by 1,000 pages since the last one, and it takes
    // the write lock for that moment (RESTART), waiting at most
    // kCheckpointWaitMs for other writers and readers; when they take
    // longer it copies what it can and the next one tries again.
    sqlite3_wal_hook(
        db_,
        [](void* arg, sqlite3* db, const char* name, int frames) -> int {
          auto* self = static_cast<SqliteDb*>(arg);
          auto& at = self->checkpointedAt_;
          if (frames < at) at = 0;  // the log started over
          if (frames - at >= kCheckpointEveryFrames) {
            at = frames;
            self->checkpointing_ = true;
            sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_RESTART, nullptr, nullptr);
            self->checkpointing_ = false;
          }
          return SQLITE_OK;
        },
        this);

    if (id.version < kSchemaVersion) {
      // Another process may be migrating at the same moment: decide again
      // holding the write lock. Foreign keys are checked once the tables a
      // migration rebuilds are back (SQLite ignores the pragma inside a
      // transaction, so it is switched on after).
      begin(Transaction::write);
      try {
        FileIdentity now = identity();
        checkIdentity(now, path_);
        found_ = now.version;
        auto steps = migrations();
        static_assert(std::size(kStaticMigrations) + 9 == kSchemaVersion);
        for (auto v = now.version; v < kSchemaVersion; ++v)
          exec(steps[static_cast<std::size_t>(v)].c_str());
        if (now.version > 0) {
          auto fk = sql("PRAGMA foreign_key_check");
          if (fk.step())
            throw Error(
                ErrorKind::storage,
                "ledger " + path_ + ": migration left a dangling reference in " + fk.text(0));
        }
        if (now.version < kSchemaVersion) {
          exec(("PRAGMA application_id = " + std::to_string(kApplicationId)).c_str());
          exec(("PRAGMA user_version = " + std::to_string(kSchemaVersion)).c_str());
        }
        commit();
      } catch (...) {
        rollback();
        throw;
      }
    }
    exec("PRAGMA foreign_keys = ON;");
  }

  struct Close {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  std::string path_;
  std::unique_ptr<sqlite3, Close> owner_;
  sqlite3* db_ = nullptr;  // owner_'s
  const std::function<bool()>* abortWait_;
  WriterTurns turns_;
  bool writing_ = false;        // holds the write lock
  int checkpointedAt_ = 0;      // the log's length at this connection's last checkpoint
  bool checkpointing_ = false;  // in the log's checkpoint (its waits are short)
  std::chrono::steady_clock::time_point busySince_;
  Dialect dialect_;
  std::int64_t found_ = 0;
};

}  // namespace

std::unique_ptr<Db> openSqlite(const std::string& path, bool create,
                               const std::function<bool()>* abortWait) {
  return std::make_unique<SqliteDb>(path, create, abortWait);
}

}  // namespace colo::inventory::ledger

namespace colo::inventory {

namespace {

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbHandle = std::unique_ptr<sqlite3, CloseDb>;

// A connection to an existing file that writes nothing: read-only, and
// refused unless it is a colo ledger this colo understands.
DbHandle openReadOnly(const std::string& path) {
  if (isPostgresUri(path))
    throw Error(ErrorKind::invalid_input,
                "the ledger is on PostgreSQL: check a dump with pg_restore --list FILE, or restore "
                "it into a new database and run colo --state URI validate");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw Error(ErrorKind::invalid_input, "no ledger file at " + path);
  sqlite3* handle = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  DbHandle db(handle);
  if (rc != SQLITE_OK)
    throw Error(ErrorKind::storage, "cannot open " + path + ": " + sqlite3_errmsg(handle));
  sqlite3_busy_timeout(handle, 30000);
  ledger::FileIdentity id;
  auto one = [&](const std::string& sql) -> std::int64_t {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(handle, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      std::string why = sqlite3_errmsg(handle);
      int code = sqlite3_extended_errcode(handle) & 0xff;
      throw Error(code == SQLITE_NOTADB ? ErrorKind::invalid_input : ErrorKind::storage,
                  path + (code == SQLITE_NOTADB ? " is not a colo ledger" : " cannot be read") +
                      " (SQLite: " + why + ")");
    }
    std::int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return v;
  };
  id.application_id = one("PRAGMA application_id");
  id.version = one("PRAGMA user_version");
  id.objects = one("SELECT count(*) FROM sqlite_master");
  if (id.application_id != ledger::kApplicationId)
    throw Error(ErrorKind::invalid_input, path + " is not a colo ledger");
  ledger::checkIdentity(id, path);
  return db;
}

}  // namespace

void backupLedger(const std::string& location, const std::string& to) {
  if (isPostgresUri(location))
    throw Error(ErrorKind::invalid_input,
                "the ledger is on PostgreSQL: back it up with pg_dump, which reads one consistent "
                "snapshot while agents run: pg_dump --format=custom --file=" +
                    to + " '" + location +
                    "' (the password from PGPASSWORD or ~/.pgpass); restore with pg_restore "
                    "--dbname=URI " +
                    to);
  std::error_code ec;
  if (std::filesystem::exists(to, ec))
    throw Error(ErrorKind::invalid_input, to + " exists; give a new file (nothing was written)");
  auto source = openReadOnly(location);
  // Written beside its place, then renamed: a copy cut short never looks
  // like a backup.
  const std::string part = to + ".part";
  std::filesystem::remove(part, ec);
  {
    sqlite3* handle = nullptr;
    int rc =
        sqlite3_open_v2(part.c_str(), &handle,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    DbHandle copy(handle);
    auto fail = [&](const std::string& what) {
      std::string why = sqlite3_errmsg(handle);
      int code = sqlite3_extended_errcode(handle);
      copy.reset();
      std::filesystem::remove(part, ec);
      throw Error(ErrorKind::storage,
                  "cannot write " + to + ": " + what + ": " + why + ledger::diskNote(part, code));
    };
    if (rc != SQLITE_OK) fail("open");
    std::filesystem::permissions(
        part, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
    sqlite3_backup* b = sqlite3_backup_init(handle, "main", source.get(), "main");
    if (!b) fail("backup");
    // All pages in one step: one read transaction on the source, so one
    // snapshot; under WAL the writers go on meanwhile. A writer holding the
    // lock at the start is waited for, up to a minute.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    do {
      rc = sqlite3_backup_step(b, -1);
      if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED || rc == SQLITE_OK) &&
             std::chrono::steady_clock::now() < deadline);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) fail("copy");
    // The copy stands alone: no -wal beside it.
    if (sqlite3_exec(handle, "PRAGMA journal_mode = DELETE", nullptr, nullptr, nullptr) !=
        SQLITE_OK)
      fail("journal mode");
  }
  auto check = inspectLedger(part);
  if (check.integrity != "ok") {
    std::filesystem::remove(part, ec);
    throw Error(ErrorKind::storage, "the copy of " + location +
                                        " did not pass SQLite's "
                                        "integrity check (" +
                                        check.integrity + "); nothing kept");
  }
  std::filesystem::rename(part, to, ec);
  if (ec) {
    std::filesystem::remove(part, ec);
    throw Error(ErrorKind::storage, "cannot put the copy in place at " + to + ": " + ec.message());
  }
}

LedgerInspection inspectLedger(const std::string& path) {
  auto db = openReadOnly(path);
  LedgerInspection out;
  out.path = path;
  auto rows = [&](const std::string& sql, const std::function<void(sqlite3_stmt*)>& row) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
      throw Error(ErrorKind::storage, "cannot read " + path + ": " + sqlite3_errmsg(db.get()));
    while (sqlite3_step(st) == SQLITE_ROW) row(st);
    sqlite3_finalize(st);
  };
  auto text = [](sqlite3_stmt* st, int col) {
    const auto* p = sqlite3_column_text(st, col);
    return p ? std::string(reinterpret_cast<const char*>(p)) : std::string();
  };
  rows("PRAGMA user_version", [&](sqlite3_stmt* st) { out.version = sqlite3_column_int64(st, 0); });
  rows("PRAGMA integrity_check(1)", [&](sqlite3_stmt* st) { out.integrity = text(st, 0); });
  // Of an older schema, only the tables it has.
  std::vector<std::string> tables;
  rows("SELECT name FROM sqlite_master WHERE type = 'table'",
       [&](sqlite3_stmt* st) { tables.push_back(text(st, 0)); });
  auto has = [&](const char* t) {
    return std::find(tables.begin(), tables.end(), t) != tables.end();
  };
  auto count = [&](const char* name, const char* table, const std::string& where = "") {
    if (!has(table)) return;
    rows(std::string("SELECT count(*) FROM ") + table + (where.empty() ? "" : " WHERE " + where),
         [&](sqlite3_stmt* st) { out.counts.emplace_back(name, sqlite3_column_int64(st, 0)); });
  };
  count("requests", "requests");
  if (has("requests"))
    rows("SELECT status, count(*) FROM requests GROUP BY status ORDER BY status",
         [&](sqlite3_stmt* st) {
           out.counts.emplace_back("requests " + text(st, 0), sqlite3_column_int64(st, 1));
         });
  count("unit claims", "unit_claims");
  count("power claims", "power_claims");
  count("address claims", "address_claims");
  count("port claims", "port_claims");
  count("callbacks waiting", "outbox", "delivered_at = '' AND given_up = 0");
  count("events", "events");
  count("letters", "letters");
  count("console sessions", "console_sessions");
  count("cabling checks", "cabling_checks");
  return out;
}

}  // namespace colo::inventory
