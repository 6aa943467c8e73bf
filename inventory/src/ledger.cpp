#include "colo/inventory/ledger.h"

#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "colo/inventory/error.h"

namespace colo::inventory {

namespace {

constexpr int kApplicationId = 0x636f6c6f;  // "colo"
constexpr int kBusyTimeoutMs = 30000;

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

// 3: the request lifecycle (SPEC §10). The allowed transitions are a table
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

// 4: confirmation letters (SPEC §11): each completed request's letter number,
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

std::vector<std::string> migrations() {
  std::vector<std::string> out(std::begin(kStaticMigrations), std::end(kStaticMigrations));
  out.push_back(lifecycleMigration());
  out.push_back(kLettersMigration);
  out.push_back(kRequestListMigration);
  out.push_back(kTalliesMigration);
  return out;
}

// A prepared statement with bound parameters; finalized on destruction.
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql, const std::string& path) : db_(db), path_(path) {
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) !=
        SQLITE_OK)
      fail("prepare");
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, std::string_view v) {
    // An empty view may have no data pointer, which SQLite would store as NULL.
    sqlite3_bind_text(stmt_, i, v.empty() ? "" : v.data(), static_cast<int>(v.size()),
                      SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }

  // True while there is a row.
  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail("step");
  }
  void run() {
    while (step()) {
    }
  }
  std::string text(int col) const {
    auto p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }
  // Ready for the next row: clears the result and the bindings.
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool isNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

  [[noreturn]] void fail(const char* what) {
    int code = sqlite3_extended_errcode(db_);
    std::string msg = std::string("ledger ") + path_ + ": sqlite " + what + ": " + sqlite3_errmsg(db_);
    throw Error((code & 0xff) == SQLITE_CONSTRAINT ? ErrorKind::conflict : ErrorKind::storage, msg);
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  const std::string& path_;
};

struct Identity {
  std::int64_t application_id = 0;
  std::int64_t version = 0;
  std::int64_t objects = 0;  // tables, indexes, triggers
};

// A colo ledger, or an empty file colo may initialize; anything else is
// refused before it is touched.
void checkIdentity(const Identity& id, const std::string& path) {
  bool empty = id.application_id == 0 && id.objects == 0;
  if (id.application_id != kApplicationId && !empty)
    throw Error(ErrorKind::invalid_input, path +
                                              " is not a colo ledger (it is some other SQLite "
                                              "database); refusing to touch it");
  if (id.version > Ledger::kSchemaVersion)
    throw Error(ErrorKind::invalid_input,
                "ledger " + path + " has schema version " + std::to_string(id.version) +
                    ", newer than this colo understands (" + std::to_string(Ledger::kSchemaVersion) +
                    "); upgrade colo, do not downgrade the ledger");
}

}  // namespace

struct Ledger::Impl {
  std::string path;
  sqlite3* db = nullptr;
  bool inWrite = false;
  std::function<bool()> abortWait;
  Clock clock;

  std::string now() const { return isoUtcMs(clock()); }

  ~Impl() { sqlite3_close_v2(db); }

  Statement sql(std::string_view text) { return Statement(db, text, path); }

  void exec(const char* text) {
    char* err = nullptr;
    if (sqlite3_exec(db, text, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      throw Error(ErrorKind::storage, "ledger " + path + ": " + msg);
    }
  }

  std::int64_t pragma(const char* name) {
    auto st = sql(std::string("PRAGMA ") + name);
    return st.step() ? st.integer(0) : 0;
  }

  Identity identity() {
    auto st = sql("SELECT count(*) FROM sqlite_master");
    st.step();
    return {pragma("application_id"), pragma("user_version"), st.integer(0)};
  }

  void requireWrite(const char* what) const {
    if (!inWrite)
      throw std::logic_error(std::string("Ledger::") + what + " called outside Ledger::write");
  }

  void bumpGeneration() { exec("UPDATE meta SET value = value + 1 WHERE key = 'generation'"); }
};

std::int64_t Ledger::nowMs() const {
  return impl_->clock();
}

Ledger::Ledger(const std::string& path, Open mode, Clock clock) : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  impl_->clock = clock ? std::move(clock) : systemClock();
  namespace fs = std::filesystem;
  std::error_code ec;
  bool exists = fs::exists(path, ec);
  std::string target = path;
  if (!exists && mode == Open::must_exist) {
    throw Error(ErrorKind::invalid_input,
                "no ledger at " + path +
                    "; create it with `colo init` (check --state and the config's state:)");
  } else if (!exists) {
    auto dir = fs::path(path).parent_path();
    if (!dir.empty()) fs::create_directories(dir, ec);
  } else if (fs::is_directory(path, ec)) {
    throw Error(ErrorKind::invalid_input, "ledger " + path + " is a directory, not a colo ledger file");
  }
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(target.c_str(), &impl_->db, flags, nullptr) != SQLITE_OK)
    throw Error(ErrorKind::storage,
                "cannot open ledger " + path + ": " + sqlite3_errmsg(impl_->db));
  // Another connection holds the write lock: retry in short steps until the
  // deadline. SQLite's own busy_timeout sleeps in steps of up to 100 ms,
  // which turns brief contention into long tails.
  sqlite3_busy_handler(
      impl_->db,
      [](void* arg, int count) -> int {
        if (count >= kBusyTimeoutMs * 4) return 0;  // about 250 us a step
        const auto* impl = static_cast<const Impl*>(arg);
        if (impl->abortWait && (count & 63) == 0 && impl->abortWait()) return 0;
        std::this_thread::sleep_for(std::chrono::microseconds(count < 20 ? 50 : 250));
        return 1;
      },
      impl_.get());
  sqlite3_extended_result_codes(impl_->db, 1);

  // What the file is, read as one snapshot: another process may be creating
  // the schema at this very moment.
  Identity id;
  try {
    impl_->exec("BEGIN");
    id = impl_->identity();
    impl_->exec("COMMIT");
  } catch (const Error&) {
    std::string why = sqlite3_errmsg(impl_->db);
    int code = sqlite3_extended_errcode(impl_->db) & 0xff;
    sqlite3_exec(impl_->db, "ROLLBACK", nullptr, nullptr, nullptr);
    // Only a file SQLite cannot read as a database is "not a ledger"; a
    // disk, permission or lock problem says so.
    if (code == SQLITE_NOTADB)
      throw Error(ErrorKind::invalid_input, path + " is not a colo ledger (SQLite: " + why + ")");
    throw Error(ErrorKind::storage,
                "cannot read ledger " + path + ": " + why +
                    (code == SQLITE_IOERR || code == SQLITE_FULL || code == SQLITE_READONLY ||
                             code == SQLITE_CANTOPEN || code == SQLITE_PERM
                         ? " (an I/O or permission error: check the disk and the file's owner)"
                         : ""));
  }
  checkIdentity(id, path);

  // WAL lets readers go on while one process writes. Changing the journal
  // mode needs the file to itself, so other processes opening at the same
  // moment are waited for.
  for (int attempt = 0;; ++attempt) {
    try {
      auto st = impl_->sql("PRAGMA journal_mode = WAL");
      st.step();
      break;
    } catch (const Error&) {
      if (attempt > 200) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(10 + attempt));
    }
  }
  impl_->exec("PRAGMA synchronous = FULL;");

  if (id.version < kSchemaVersion) {
    // Another process may be migrating at the same moment: decide again
    // holding the write lock. Foreign keys are checked once the tables a
    // migration rebuilds are back (SQLite ignores the pragma inside a
    // transaction, so it is switched on after).
    write([&] {
      Identity now = impl_->identity();
      checkIdentity(now, path);
      auto steps = migrations();
      static_assert(std::size(kStaticMigrations) + 4 == Ledger::kSchemaVersion);
      for (auto v = now.version; v < kSchemaVersion; ++v)
        impl_->exec(steps[static_cast<std::size_t>(v)].c_str());
      if (now.version > 0) {
        auto fk = impl_->sql("PRAGMA foreign_key_check");
        if (fk.step())
          throw Error(ErrorKind::storage,
                      "ledger " + path + ": migration left a dangling reference in " + fk.text(0));
      }
      if (now.version < kSchemaVersion) {
        impl_->exec(("PRAGMA application_id = " + std::to_string(kApplicationId)).c_str());
        impl_->exec(("PRAGMA user_version = " + std::to_string(kSchemaVersion)).c_str());
      }
    });
  }
  impl_->exec("PRAGMA foreign_keys = ON;");
}

Ledger::~Ledger() = default;

const std::string& Ledger::path() const { return impl_->path; }

void Ledger::setWaitAbort(std::function<bool()> abort) {
  impl_->abortWait = std::move(abort);
}

void Ledger::write(const std::function<void()>& work) {
  if (impl_->inWrite) {
    work();  // already inside a transaction
    return;
  }
  impl_->exec("BEGIN IMMEDIATE");
  impl_->inWrite = true;
  try {
    work();
    impl_->exec("COMMIT");
    impl_->inWrite = false;
  } catch (...) {
    impl_->inWrite = false;
    sqlite3_exec(impl_->db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

void Ledger::read(const std::function<void()>& work) {
  if (impl_->inWrite) {
    work();
    return;
  }
  impl_->exec("BEGIN");
  try {
    work();
    impl_->exec("COMMIT");
  } catch (...) {
    sqlite3_exec(impl_->db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::int64_t Ledger::generation() {
  auto st = impl_->sql("SELECT value FROM meta WHERE key = 'generation'");
  return st.step() ? st.integer(0) : 0;
}

namespace {
Claims::Address readAddressClaim(Statement& st, const std::string& path) {
  auto addr = IpAddress::parse(st.text(1));
  if (!addr)
    throw Error(ErrorKind::storage, "ledger " + path + ": unreadable address '" + st.text(1) + "'");
  return {st.text(0), *addr, st.text(2), st.text(3)};
}
}  // namespace

Claims Ledger::claims() {
  Claims c;
  {
    auto st = impl_->sql("SELECT rack, unit, request_id, hostname, tenant FROM unit_claims");
    while (st.step())
      c.units.push_back({st.text(0), static_cast<int>(st.integer(1)), st.text(2), st.text(3),
                         st.text(4)});
  }
  {
    auto st = impl_->sql("SELECT rack, feed, watts, request_id, hostname FROM power_claims");
    while (st.step())
      c.power.push_back(
          {st.text(0), st.text(1), static_cast<int>(st.integer(2)), st.text(3), st.text(4)});
  }
  {
    auto st = impl_->sql("SELECT pool, address, request_id, hostname FROM address_claims");
    while (st.step()) c.addresses.push_back(readAddressClaim(st, impl_->path));
  }
  {
    auto st = impl_->sql("SELECT switch, port, vlan, request_id, hostname FROM port_claims");
    while (st.step())
      c.ports.push_back(
          {st.text(0), st.text(1), static_cast<int>(st.integer(2)), st.text(3), st.text(4)});
  }
  return c;
}

namespace {
constexpr const char* kRequestColumns =
    "id, fingerprint, body, tenant_code, letter_number, status, received_at, created_at, "
    "updated_at, error, allocation, submitted_by, completed_at, attempt, owner, release_from";

Status statusOf(const std::string& text, const std::string& path) {
  auto s = parseStatus(text);
  if (!s)
    throw Error(ErrorKind::storage, "ledger " + path + ": unknown request status '" + text + "'");
  return *s;
}

RequestRecord readRequest(Statement& st, const std::string& path) {
  RequestRecord r;
  r.id = st.text(0);
  r.fingerprint = st.text(1);
  r.body = st.text(2);
  r.tenant_code = st.text(3);
  r.letter_number = st.text(4);
  r.status = statusOf(st.text(5), path);
  r.received_at = st.text(6);
  r.created_at = st.text(7);
  r.updated_at = st.text(8);
  r.error = st.text(9);
  if (!st.isNull(10)) {
    try {
      r.allocation = planFromJson(nlohmann::json::parse(st.text(10)));
    } catch (const std::exception& e) {
      throw Error(ErrorKind::storage, "ledger " + path + ": request " + r.id +
                                          ": the stored allocation is unreadable (" + e.what() +
                                          ")");
    }
  }
  r.submitted_by = st.text(11);
  r.completed_at = st.text(12);
  r.attempt = static_cast<int>(st.integer(13));
  r.owner = st.text(14);
  if (auto from = st.text(15); !from.empty()) r.release_from = statusOf(from, path);
  return r;
}
}  // namespace

std::optional<RequestRecord> Ledger::request(std::string_view id) {
  auto st = impl_->sql(std::string("SELECT ") + kRequestColumns + " FROM requests WHERE id = ?1");
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  return readRequest(st, impl_->path);
}

std::vector<RequestRecord> Ledger::requests(std::optional<Status> status) {
  auto st = impl_->sql(std::string("SELECT ") + kRequestColumns +
                       " FROM requests WHERE ?1 = '' OR status = ?1 ORDER BY created_at, id");
  st.bind(1, status ? name(*status) : std::string_view());
  std::vector<RequestRecord> out;
  while (st.step()) out.push_back(readRequest(st, impl_->path));
  return out;
}

namespace {
// The WHERE clause of a request query, with its parameters in order: only
// the conditions asked for, so that SQLite can seek on the index.
struct QuerySql {
  std::string where;
  std::vector<std::string> params;
  void add(const std::string& condition, std::vector<std::string> values) {
    where += (where.empty() ? " WHERE " : " AND ") + condition;
    for (auto& v : values) params.push_back(std::move(v));
  }
};
QuerySql querySql(const RequestQuery& q, bool keyset) {
  QuerySql out;
  if (q.status) out.add("status = ?", {std::string(name(*q.status))});
  if (!q.tenant_code.empty()) out.add("tenant_code = ?", {q.tenant_code});
  if (q.submitted_by) out.add("submitted_by = ?", {*q.submitted_by});
  if (!q.updated_after.empty()) out.add("updated_at > ?", {q.updated_after});
  if (keyset && !q.after_created_at.empty())
    out.add("(created_at, id) > (?, ?)", {q.after_created_at, q.after_id});
  return out;
}
}  // namespace

void Ledger::scanRequests(const RequestQuery& q, const std::function<bool(RequestRecord&)>& visit) {
  auto where = querySql(q, true);
  auto st = impl_->sql(
      "SELECT id, '', '', tenant_code, letter_number, status, received_at, created_at, "
      "updated_at, error, NULL, submitted_by, completed_at, attempt, owner, release_from "
      "FROM requests INDEXED BY requests_summary" +
      where.where + " ORDER BY created_at, id");
  for (std::size_t i = 0; i < where.params.size(); ++i)
    st.bind(static_cast<int>(i + 1), where.params[i]);
  while (st.step()) {
    auto r = readRequest(st, impl_->path);
    if (!visit(r)) return;
  }
}

std::int64_t Ledger::countRequests(const RequestQuery& q) {
  auto where = querySql(q, false);
  auto st = impl_->sql("SELECT count(*) FROM requests INDEXED BY requests_summary" + where.where);
  for (std::size_t i = 0; i < where.params.size(); ++i)
    st.bind(static_cast<int>(i + 1), where.params[i]);
  return st.step() ? st.integer(0) : 0;
}

std::vector<Claims::Address> Ledger::addressClaims(std::string_view pool) {
  auto st =
      impl_->sql("SELECT pool, address, request_id, hostname FROM address_claims WHERE pool = ?1");
  st.bind(1, pool);
  std::vector<Claims::Address> out;
  while (st.step()) out.push_back(readAddressClaim(st, impl_->path));
  return out;
}

std::vector<LedgerEvent> Ledger::events(std::string_view request_id) {
  auto st = impl_->sql(
      "SELECT seq, at, actor, request_id, kind, detail FROM events WHERE request_id = ?1 "
      "ORDER BY seq");
  st.bind(1, request_id);
  std::vector<LedgerEvent> out;
  while (st.step())
    out.push_back({st.integer(0), st.text(1), st.text(2), st.text(3), st.text(4), st.text(5)});
  return out;
}

std::optional<Job> Ledger::takeJob(const std::string& owner, std::string_view actor) {
  std::optional<Job> job;
  write([&] {
    auto st = impl_->sql(
        "SELECT id, status FROM requests WHERE status = 'queued' OR "
        "(status = 'releasing' AND owner = '') ORDER BY updated_at, id LIMIT 1");
    if (!st.step()) return;
    job = Job{st.text(0), statusOf(st.text(1), impl_->path), ""};
    if (job->status == Status::queued) {
      transition(job->id, Status::queued, Status::planning,
                 {std::string(actor), "taken by " + owner, "", owner});
      job->status = Status::planning;
    } else {
      impl_->sql("UPDATE requests SET owner = ?2 WHERE id = ?1")
          .bind(1, job->id)
          .bind(2, owner)
          .run();
    }
  });
  return job;
}

std::vector<Job> Ledger::adoptOrphans(const std::string& owner,
                                      const std::function<bool(const std::string&)>& alive,
                                      std::string_view id) {
  std::vector<Job> out;
  write([&] {
    auto st = impl_->sql(
        "SELECT id, status, owner FROM requests WHERE status IN ('planning', 'configuring', "
        "'releasing') AND owner != ?1 AND (?2 = '' OR id = ?2) ORDER BY created_at, id");
    st.bind(1, owner).bind(2, id);
    while (st.step()) {
      // A release nobody has taken yet is waiting, not orphaned.
      auto status = statusOf(st.text(1), impl_->path);
      std::string was = st.text(2);
      if (status == Status::releasing && was.empty() && id.empty()) continue;
      if (!was.empty() && alive(was)) continue;
      out.push_back({st.text(0), status, was});
    }
    for (const auto& j : out)
      impl_->sql("UPDATE requests SET owner = ?2 WHERE id = ?1").bind(1, j.id).bind(2, owner).run();
  });
  return out;
}

void Ledger::disown(std::string_view id, const std::string& owner) {
  write([&] {
    impl_->sql("UPDATE requests SET owner = '' WHERE id = ?1 AND owner = ?2")
        .bind(1, id)
        .bind(2, owner)
        .run();
  });
}

void Ledger::saveCapture(std::string_view request_id, int attempt, std::string_view sw,
                         std::string_view port, const std::vector<std::string>& lines) {
  write([&] {
    impl_
        ->sql(
            "INSERT OR IGNORE INTO port_captures (request_id, attempt, switch, port, lines) "
            "VALUES (?1,?2,?3,?4,?5)")
        .bind(1, request_id)
        .bind(2, attempt)
        .bind(3, sw)
        .bind(4, port)
        .bind(5, nlohmann::json(lines).dump())
        .run();
  });
}

std::map<std::pair<std::string, std::string>, std::vector<std::string>> Ledger::captures(
    std::string_view request_id, int attempt) {
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> out;
  auto st = impl_->sql(
      "SELECT switch, port, lines FROM port_captures WHERE request_id = ?1 AND attempt = ?2");
  st.bind(1, request_id).bind(2, attempt);
  while (st.step())
    out[{st.text(0), st.text(1)}] = nlohmann::json::parse(st.text(2)).get<std::vector<std::string>>();
  return out;
}

void Ledger::enqueueCallback(const OutboxEntry& e) {
  write([&] {
    impl_
        ->sql(
            "INSERT OR IGNORE INTO outbox (delivery_id, request_id, url, body, next_attempt_at, "
            "event) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        .bind(1, e.delivery_id)
        .bind(2, e.request_id)
        .bind(3, e.url)
        .bind(4, e.body)
        .bind(5, e.next_attempt_at)
        .bind(6, e.event)
        .run();
  });
}

std::optional<LetterRecord> Ledger::letter(const std::string& request_id) {
  auto st = impl_->sql(
      "SELECT request_id, year, seq, number, issued_at FROM letters WHERE request_id = ?1");
  st.bind(1, request_id);
  if (!st.step()) return std::nullopt;
  return LetterRecord{st.text(0), static_cast<int>(st.integer(1)), static_cast<int>(st.integer(2)),
                      st.text(3), st.text(4)};
}

LetterRecord Ledger::issueLetter(const std::string& request_id, int year,
                                 const std::function<std::string(int, int)>& number) {
  LetterRecord out;
  write([&] {
    if (auto existing = letter(request_id)) {
      out = *existing;
      return;
    }
    auto st = impl_->sql("SELECT coalesce(max(seq), 0) + 1 FROM letters WHERE year = ?1");
    st.bind(1, year);
    st.step();
    out = {request_id, year, static_cast<int>(st.integer(0)), "", impl_->now()};
    out.number = number(out.seq, year);
    impl_
        ->sql(
            "INSERT INTO letters (request_id, year, seq, number, issued_at) VALUES (?1, ?2, ?3, "
            "?4, ?5)")
        .bind(1, out.request_id)
        .bind(2, out.year)
        .bind(3, out.seq)
        .bind(4, out.number)
        .bind(5, out.issued_at)
        .run();
  });
  return out;
}

std::vector<OutboxEntry> Ledger::dueCallbacks(std::int64_t now, int limit) {
  auto st = impl_->sql(
      "SELECT delivery_id, request_id, url, body, event, attempts, next_attempt_at FROM outbox "
      "WHERE "
      "delivered_at = '' AND given_up = 0 AND next_attempt_at <= ?1 ORDER BY next_attempt_at LIMIT "
      "?2");
  st.bind(1, now).bind(2, limit);
  std::vector<OutboxEntry> out;
  while (st.step())
    out.push_back({st.text(0), st.text(1), st.text(2), st.text(3), st.text(4),
                   static_cast<int>(st.integer(5)), st.integer(6)});
  return out;
}

std::vector<CallbackDelivery> Ledger::callbacks(std::string_view request_id) {
  auto st = impl_->sql(
      "SELECT delivery_id, url, event, attempts, next_attempt_at, delivered_at, last_error, "
      "given_up, last_status, last_attempt_at FROM outbox WHERE request_id = ?1 ORDER BY rowid");
  st.bind(1, request_id);
  std::vector<CallbackDelivery> out;
  while (st.step())
    out.push_back({st.text(0), st.text(1), st.text(2), static_cast<int>(st.integer(3)),
                   st.integer(4), st.text(5), st.text(6), st.integer(7) != 0,
                   static_cast<int>(st.integer(8)), st.text(9)});
  return out;
}

std::optional<std::int64_t> Ledger::nextCallbackAt() {
  auto st = impl_->sql("SELECT min(next_attempt_at) FROM outbox WHERE delivered_at = '' AND given_up = 0");
  if (!st.step() || st.isNull(0)) return std::nullopt;
  return st.integer(0);
}

void Ledger::callbackResult(const std::string& deliveryId, bool delivered, const std::string& error,
                            std::int64_t nextAttemptAt, bool giveUp, int httpStatus) {
  write([&] {
    impl_
        ->sql(
            "UPDATE outbox SET attempts = attempts + 1, delivered_at = CASE WHEN ?2 THEN ?3 ELSE "
            "'' END, last_error = ?4, next_attempt_at = ?5, given_up = ?6, last_status = ?7, "
            "last_attempt_at = ?3 WHERE delivery_id = ?1")
        .bind(7, httpStatus)
        .bind(1, deliveryId)
        .bind(2, delivered ? 1 : 0)
        .bind(3, impl_->now())
        .bind(4, error)
        .bind(5, nextAttemptAt)
        .bind(6, giveUp ? 1 : 0)
        .run();
  });
}

std::optional<CallbackDelivery> Ledger::redeliver(std::string_view request_id) {
  std::optional<CallbackDelivery> out;
  write([&] {
    auto all = callbacks(request_id);
    if (all.empty()) return;
    const auto& last = all.back();
    if (last.delivered_at.empty() && !last.given_up) {
      out = last;
      return;
    }
    // The original's id, then ~r1, ~r2, ... ('~' is in no request id).
    std::string original = last.delivery_id.substr(0, last.delivery_id.find('~'));
    std::size_t n = 1;
    for (const auto& d : all)
      if (d.delivery_id.rfind(original + "~r", 0) == 0) ++n;
    impl_
        ->sql(
            "INSERT INTO outbox (delivery_id, request_id, url, body, next_attempt_at, event) "
            "SELECT ?1, request_id, url, body, ?2, event FROM outbox WHERE delivery_id = ?3")
        .bind(1, original + "~r" + std::to_string(n))
        .bind(2, impl_->clock())
        .bind(3, last.delivery_id)
        .run();
    out = callbacks(request_id).back();
  });
  return out;
}

Tallies Ledger::tallies() {
  Tallies out;
  auto st = impl_->sql("SELECT kind, a, b, value FROM tallies");
  while (st.step()) {
    auto kind = st.text(0);
    auto value = st.integer(3);
    if (kind == "status")
      out.requests[st.text(1)] = value;
    else if (kind == "units")
      out.units[st.text(1)] = value;
    else if (kind == "watts")
      out.watts[{st.text(1), st.text(2)}] = value;
    else if (kind == "addresses")
      out.addresses[st.text(1)] = value;
    else if (kind == "callbacks")
      out.callbacks[st.text(1)] = value;
  }
  return out;
}

std::int64_t Ledger::changesSince(std::int64_t seq,
                                  const std::function<void(const std::string& id)>& visit) {
  auto st =
      impl_->sql("SELECT request_id, max(seq) FROM events WHERE seq > ?1 GROUP BY request_id");
  st.bind(1, seq);
  std::int64_t newest = seq;
  while (st.step()) {
    newest = std::max(newest, st.integer(1));
    visit(st.text(0));
  }
  return newest;
}

bool Ledger::holdsClaims(std::string_view request_id) {
  auto st = impl_->sql(
      "SELECT EXISTS (SELECT 1 FROM unit_claims WHERE request_id = ?1) OR EXISTS (SELECT 1 FROM "
      "port_claims WHERE request_id = ?1) OR EXISTS (SELECT 1 FROM address_claims WHERE "
      "request_id = ?1) OR EXISTS (SELECT 1 FROM power_claims WHERE request_id = ?1)");
  st.bind(1, request_id);
  return st.step() && st.integer(0) != 0;
}

void Ledger::insertRequest(const Request& r, Status initial, const StepNote& note,
                           std::string_view submittedBy) {
  impl_->requireWrite("insertRequest");
  auto now = impl_->now();
  impl_
      ->sql(
          "INSERT INTO requests (id, fingerprint, body, tenant_code, letter_number, status, "
          "received_at, created_at, updated_at, submitted_by, owner, attempt) VALUES (?1, ?2, ?3, "
          "?4, ?5, ?6, ?7, ?8, ?8, ?9, ?10, ?11)")
      .bind(9, submittedBy)
      .bind(10, note.owner)
      .bind(11, initial == Status::planning ? 1 : 0)
      .bind(1, r.id)
      .bind(2, r.fingerprint)
      .bind(3, r.canonical)
      .bind(4, r.tenant.code)
      .bind(5, r.letter_number)
      .bind(6, name(initial))
      .bind(7, r.received_at)
      .bind(8, now)
      .run();
  appendEvent(note.actor, r.id, name(initial), note.detail);
}

void Ledger::claim(const Plan& plan, std::string_view tenant) {
  impl_->requireWrite("claim");
  auto units = impl_->sql(
      "INSERT INTO unit_claims (rack, unit, request_id, hostname, tenant) VALUES (?1,?2,?3,?4,?5)");
  auto power = impl_->sql(
      "INSERT INTO power_claims (rack, feed, watts, request_id, hostname) VALUES (?1,?2,?3,?4,?5)");
  auto addrs = impl_->sql(
      "INSERT INTO address_claims (address, pool, request_id, hostname) VALUES (?1,?2,?3,?4)");
  auto ports = impl_->sql(
      "INSERT INTO port_claims (switch, port, vlan, request_id, hostname) VALUES (?1,?2,?3,?4,?5)");

  // A unique key refused the row: say what and who holds it.
  auto conflict = [&](std::string thing, const char* query, std::string_view k1,
                      std::string_view k2) {
    auto st = impl_->sql(query);
    st.bind(1, k1);
    if (!k2.empty()) st.bind(2, k2);
    std::string who = st.step() ? "request " + st.text(0) + " (" + st.text(1) + ")" : "another request";
    return Error(ErrorKind::conflict, thing + " is already held by " + who)
        .within("reserve " + plan.request_id);
  };
  auto insert = [](Statement& st, const std::function<Error()>& onConflict) {
    try {
      st.run();
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::conflict) throw;
      throw onConflict();
    }
    st.reset();
  };

  for (const auto& s : plan.servers) {
    for (int u = s.first_unit; u <= s.last_unit(); ++u) {
      units.bind(1, s.rack).bind(2, u).bind(3, plan.request_id).bind(4, s.hostname).bind(5, tenant);
      insert(units, [&] {
        return conflict("unit " + std::to_string(u) + " of rack " + s.rack,
                        "SELECT request_id, hostname FROM unit_claims WHERE rack=?1 AND unit=?2",
                        s.rack, std::to_string(u));
      });
    }
    for (const auto& f : s.feeds) {
      power.bind(1, s.rack).bind(2, f.feed).bind(3, f.watts).bind(4, plan.request_id).bind(5, s.hostname);
      insert(power, [&] {
        return Error(ErrorKind::conflict, "server " + s.hostname + " is charged twice to feed " + f.feed);
      });
    }
    for (const auto& n : s.nics) {
      ports.bind(1, n.switch_name).bind(2, n.port).bind(3, n.vlan).bind(4, plan.request_id).bind(5, s.hostname);
      insert(ports, [&] {
        return conflict("port " + n.port + " of switch " + n.switch_name,
                        "SELECT request_id, hostname FROM port_claims WHERE switch=?1 AND port=?2",
                        n.switch_name, n.port);
      });
      for (const auto& a : n.addresses) {
        addrs.bind(1, a.address.str()).bind(2, a.pool).bind(3, plan.request_id).bind(4, s.hostname);
        insert(addrs, [&] {
          return conflict("address " + a.address.str() + " of pool " + a.pool,
                          "SELECT request_id, hostname FROM address_claims WHERE address=?1",
                          a.address.str(), {});
        });
      }
    }
  }
  impl_->sql("UPDATE requests SET allocation = ?2, updated_at = ?3 WHERE id = ?1")
      .bind(1, plan.request_id)
      .bind(2, toJson(plan).dump())
      .bind(3, impl_->now())
      .run();
  impl_->bumpGeneration();
}

void Ledger::unclaim(std::string_view request_id) {
  impl_->requireWrite("unclaim");
  for (const char* table : {"unit_claims", "power_claims", "address_claims", "port_claims"})
    impl_->sql(std::string("DELETE FROM ") + table + " WHERE request_id = ?1")
        .bind(1, request_id)
        .run();
  impl_->bumpGeneration();
}

void Ledger::transition(std::string_view request_id, Status from, Status to, const StepNote& note) {
  impl_->requireWrite("transition");
  if (!allowed(from, to))
    throw std::logic_error("no transition " + std::string(name(from)) + " -> " +
                           std::string(name(to)) + " in the lifecycle table");
  auto now = impl_->now();
  // Compare-and-set: the row changes only if it is still `from`.
  auto st = impl_->sql(
      "UPDATE requests SET status = ?3, updated_at = ?4, "
      "error = CASE WHEN ?3 = 'failed' THEN ?5 WHEN ?3 IN ('planning', 'completed', 'released') "
      "  THEN '' ELSE error END, "
      "completed_at = CASE WHEN ?3 IN ('completed', 'failed') AND ?2 != 'releasing' THEN ?4 "
      "  ELSE completed_at END, "
      "attempt = attempt + (?3 IN ('planning', 'releasing')), "
      "release_from = CASE WHEN ?3 = 'releasing' THEN ?2 ELSE '' END, "
      "owner = CASE WHEN ?3 IN ('planning', 'configuring', 'releasing') THEN ?6 ELSE '' END "
      "WHERE id = ?1 AND status = ?2");
  st.bind(1, request_id)
      .bind(2, name(from))
      .bind(3, name(to))
      .bind(4, now)
      .bind(5, note.error)
      .bind(6, note.owner)
      .run();
  if (sqlite3_changes(impl_->db) != 1) {
    auto current = request(request_id);
    throw Error(ErrorKind::moved, "request " + std::string(request_id) +
                                      (current ? " is " + std::string(name(current->status))
                                               : std::string(" is not in the ledger")) +
                                      ", not " + std::string(name(from)) +
                                      ": another colo process moved it; left as it is");
  }
  std::string detail = note.detail;
  if (!note.error.empty()) detail += (detail.empty() ? "" : ": ") + note.error;
  appendEvent(note.actor, request_id, name(to), detail);
}

void Ledger::appendEvent(std::string_view actor, std::string_view request_id,
                         std::string_view kind, std::string_view detail) {
  impl_->requireWrite("appendEvent");
  impl_->sql("INSERT INTO events (at, actor, request_id, kind, detail) VALUES (?1,?2,?3,?4,?5)")
      .bind(1, impl_->now())
      .bind(2, actor)
      .bind(3, request_id)
      .bind(4, kind)
      .bind(5, detail)
      .run();
}

}  // namespace colo::inventory
