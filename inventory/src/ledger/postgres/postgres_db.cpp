// The ledger on PostgreSQL 15 through libpq: several agents and CLIs share
// one database (design.md §12).
//
// - Write transactions run at READ COMMITTED, concurrently. What must not
//   interleave is locked explicitly: lock() takes transaction-scoped
//   advisory locks in the order of their keys' numbers, so two writers never
//   wait for each other in a circle. A deadlock or serialization failure the
//   server reports anyway (40P01, 40001), or a unique key another
//   transaction filled meanwhile (23505), becomes Retry: the ledger runs the
//   transaction again.
// - Read transactions are REPEATABLE READ, READ ONLY: one snapshot.
// - A lost connection is reconnected at the next transaction; a statement
//   that failed because of it, before COMMIT, is retried (nothing of its
//   transaction was committed). A COMMIT whose answer was lost is reported,
//   never retried: it may have committed.
// - Every wait has a deadline: connect_timeout, lock_timeout,
//   statement_timeout, TCP keepalives.
// - Each connection checks that it reached the database opened first: the
//   same cluster (its system identifier, which a promoted standby keeps and
//   a restore elsewhere does not) and the same database (its oid, which a
//   database dropped and created again under its name does not keep).
//   Another one is refused for good (replaced()): a URI that now reaches
//   another server, or a database recreated under it, is not this ledger.
#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>
#include <unordered_map>

#include "../db.h"
#include "schema.h"

namespace colo::inventory::ledger {

namespace {

constexpr std::int64_t kApplicationId = 0x636f6c6f;  // "colo", as SQLite's application_id
constexpr std::int64_t kMigrationLock = 0x636f6c6f00000001;

// "?1" -> "$1"; a bare "?" takes the next number, as in SQLite. Quoted text
// is left alone.
std::string placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 8);
  int highest = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (c == '\'') quoted = !quoted;
    if (c != '?' || quoted) {
      out += c;
      continue;
    }
    std::size_t j = i + 1;
    int n = 0;
    while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') n = n * 10 + (sql[j++] - '0');
    if (j == i + 1) n = highest + 1;
    highest = std::max(highest, n);
    out += '$' + std::to_string(n);
    i = j - 1;
  }
  return out;
}

// 64-bit FNV-1a: the advisory lock number of a key, the same in every agent.
std::int64_t lockNumber(std::string_view key) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : std::string("colo:") + std::string(key)) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return static_cast<std::int64_t>(h);
}

// The keys' lock numbers in the one global order, each once.
std::vector<std::int64_t> lockNumbers(const std::vector<std::string>& keys) {
  std::vector<std::int64_t> numbers;
  for (const auto& k : keys) numbers.push_back(lockNumber(k));
  std::sort(numbers.begin(), numbers.end());
  numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
  return numbers;
}

// libpq's messages span lines ("...failed: Connection refused\n\tIs the
// server running..."): one line, for a terminal and a JSON log alike.
std::string oneLine(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == '\n' || c == '\t' || c == '\r' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

bool connectionLost(const char* state) {
  // 08: connection exceptions; 57P01-57P03: the server shut down or is
  // starting; no SQLSTATE at all: libpq lost the connection itself.
  return !state || std::strncmp(state, "08", 2) == 0 || std::strcmp(state, "57P01") == 0 ||
         std::strcmp(state, "57P02") == 0 || std::strcmp(state, "57P03") == 0;
}

class PgDb;

class PgCursor : public Cursor {
 public:
  PgCursor(PgDb& db, std::string sql) : db_(db), sql_(std::move(sql)) {}
  ~PgCursor() override { PQclear(result_); }
  PgCursor(const PgCursor&) = delete;
  PgCursor& operator=(const PgCursor&) = delete;

  void bindText(int i, std::string_view v) override { slot(i) = std::string(v); }
  void bindInt(int i, std::int64_t v) override { slot(i) = std::to_string(v); }
  bool step() override;
  std::string text(int col) const override {
    return std::string(PQgetvalue(result_, row_, col),
                       static_cast<std::size_t>(PQgetlength(result_, row_, col)));
  }
  std::int64_t integer(int col) const override {
    const char* v = PQgetvalue(result_, row_, col);
    if (v[0] == 't' && v[1] == 0) return 1;
    if (v[0] == 'f' && v[1] == 0) return 0;
    std::int64_t out = 0;
    std::from_chars(v, v + std::strlen(v), out);
    return out;
  }
  bool isNull(int col) const override { return PQgetisnull(result_, row_, col) != 0; }
  void reset() override {
    PQclear(result_);
    result_ = nullptr;
    params_.clear();
    row_ = -1;
    changes_ = 0;
  }
  std::int64_t changes() const override { return changes_; }

 private:
  std::optional<std::string>& slot(int i) {
    if (params_.size() < static_cast<std::size_t>(i)) params_.resize(static_cast<std::size_t>(i));
    return params_[static_cast<std::size_t>(i - 1)];
  }

  PgDb& db_;
  std::string sql_;
  std::vector<std::optional<std::string>> params_;
  PGresult* result_ = nullptr;
  int row_ = -1;
  std::int64_t changes_ = 0;
};

class PgDb : public Db {
 public:
  PgDb(const std::string& uri, const std::string& password, bool create)
      : uri_(uri), password_(password) {
    checkUri();
    dialect_.insertionOrder = "seq";
    dialect_.skipLocked = " FOR UPDATE SKIP LOCKED";
    dialect_.forUpdate = " FOR UPDATE";
    // Transactions commit in an order their seqs do not follow: a reader
    // goes back to the oldest transaction still running when it last read.
    dialect_.changesSince =
        "SELECT DISTINCT request_id FROM events WHERE xid >= CAST(CAST(?1 AS TEXT) AS xid8)";
    dialect_.changesCursor =
        "SELECT CAST(CAST(pg_snapshot_xmin(pg_current_snapshot()) AS TEXT) AS BIGINT)";
    dialect_.compactTallies =
        "WITH gone AS (DELETE FROM tallies RETURNING kind, a, b, value) "
        "INSERT INTO tallies (kind, a, b, value) SELECT kind, a, b, sum(value) FROM gone "
        "GROUP BY kind, a, b HAVING sum(value) <> 0";
    connect();
    prepare(create);
  }
  ~PgDb() override = default;

  const std::string& name() const override { return uri_; }
  const Dialect& dialect() const override { return dialect_; }
  std::int64_t foundVersion() const override { return found_; }
  Statement sql(std::string_view text) override {
    return Statement(std::make_unique<PgCursor>(*this, std::string(text)));
  }
  std::string replaced() const override { return replaced_; }
  void begin(Transaction kind) override {
    if (!replaced_.empty()) throw Error(ErrorKind::storage, replaced_);
    if (PQstatus(conn_) != CONNECTION_OK) reconnect();
    exec(kind == Transaction::write ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    inTransaction_ = true;
  }
  void commit() override {
    committing_ = true;
    try {
      exec("COMMIT");
    } catch (...) {
      committing_ = inTransaction_ = false;
      throw;
    }
    committing_ = inTransaction_ = false;
  }
  void rollback() noexcept override {
    inTransaction_ = false;
    if (PQstatus(conn_) == CONNECTION_OK) PQclear(PQexec(conn_, "ROLLBACK"));
  }
  void lock(std::vector<std::string> keys) override {
    for (auto n : lockNumbers(keys))
      sql("SELECT pg_advisory_xact_lock(CAST(?1 AS BIGINT))").bind(1, n).run();
  }
  bool tryLock(const std::string& key) override {
    auto st = sql("SELECT pg_try_advisory_xact_lock(CAST(?1 AS BIGINT))");
    st.bind(1, lockNumber(key));
    return st.step() && st.text(0) == "t";
  }
  int retries() const override { return 12; }

  // Runs a prepared statement (prepared on first use on this connection).
  PGresult* execute(const std::string& text,
                    const std::vector<std::optional<std::string>>& params) {
    if (!replaced_.empty()) throw Error(ErrorKind::storage, replaced_);
    if (!inTransaction_ && PQstatus(conn_) != CONNECTION_OK) reconnect();
    auto it = prepared_.find(text);
    if (it == prepared_.end()) {
      std::string id = "colo_" + std::to_string(prepared_.size() + 1);
      PGresult* r = PQprepare(conn_, id.c_str(), placeholders(text).c_str(), 0, nullptr);
      check(r);
      PQclear(r);
      r = PQdescribePrepared(conn_, id.c_str());
      check(r);
      int n = PQnparams(r);
      PQclear(r);
      it = prepared_.emplace(text, Prepared{id, n}).first;
    }
    std::vector<const char*> values(static_cast<std::size_t>(it->second.params), nullptr);
    for (std::size_t i = 0; i < params.size() && i < values.size(); ++i)
      if (params[i]) values[i] = params[i]->c_str();
    PGresult* r = PQexecPrepared(conn_, it->second.id.c_str(), it->second.params, values.data(),
                                 nullptr, nullptr, 0);
    check(r);
    return r;
  }

 private:
  struct Prepared {
    std::string id;
    int params = 0;
  };

  // A password in the URI would end up in configs, logs and `ps`: refused.
  void checkUri() {
    char* err = nullptr;
    PQconninfoOption* opts = PQconninfoParse(uri_.c_str(), &err);
    if (!opts) {
      std::string why = err ? err : "unreadable";
      PQfreemem(err);
      while (!why.empty() && why.back() == '\n') why.pop_back();
      throw Error(ErrorKind::invalid_input, "state: " + uri_ + " is not a libpq URI: " + why);
    }
    bool password = false;
    for (auto* o = opts; o->keyword; ++o)
      if (std::strcmp(o->keyword, "password") == 0 && o->val && *o->val) password = true;
    PQconninfoFree(opts);
    if (password)
      throw Error(ErrorKind::invalid_input,
                  "state: the PostgreSQL URI carries a password; remove it and give it in "
                  "PGPASSWORD, ~/.pgpass or the config's password_env");
  }

  void connect() {
    // Defaults first: what the URI says overrides them.
    std::vector<const char*> keys{"connect_timeout",
                                  "application_name",
                                  "keepalives_idle",
                                  "keepalives_interval",
                                  "keepalives_count",
                                  "tcp_user_timeout",
                                  "options",
                                  "client_encoding",
                                  "dbname"};
    std::vector<const char*> values{"10",
                                    "colo",
                                    "10",
                                    "5",
                                    "3",
                                    "30000",
                                    "-c lock_timeout=30s -c statement_timeout=60s "
                                    "-c idle_in_transaction_session_timeout=300s",
                                    "UTF8",
                                    uri_.c_str()};
    if (!password_.empty()) {
      keys.push_back("password");
      values.push_back(password_.c_str());
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);
    prepared_.clear();
    owner_.reset(PQconnectdbParams(keys.data(), values.data(), 1));  // closed however it ends
    conn_ = owner_.get();
    if (PQstatus(conn_) != CONNECTION_OK) {
      throw Error(ErrorKind::storage, "cannot reach the PostgreSQL ledger " + uri_ + ": " +
                                          oneLine(PQerrorMessage(conn_)));
    }
    // Notices (e.g. "relation exists, skipping") are not errors: not printed.
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
    auto now = identity();
    if (!opened_) {
      opened_ = now;
    } else if (now != *opened_) {
      replaced_ = "ledger " + uri_ + " now reaches another database (" + now.text() +
                  ") than the one this process opened (" + opened_->text() +
                  "): a restore elsewhere, another server under the same name, or the database "
                  "created again; nothing more is read or written through it (restart colo if "
                  "that database is the ledger now)";
      owner_.reset();
      conn_ = nullptr;
      throw Error(ErrorKind::storage, replaced_);
    }
  }

  // Which database a connection reached. The cluster's system identifier
  // needs no privilege on PostgreSQL 15; where a provider hides it, the
  // database's oid alone is compared.
  struct Identity {
    std::string system, database;
    bool operator==(const Identity&) const = default;
    std::string text() const {
      return "system identifier " + (system.empty() ? std::string("unknown") : system) +
             ", database oid " + database;
    }
  };
  Identity identity() {
    Identity id;
    auto value = [&](const char* query) {
      PGresult* r = PQexec(conn_, query);
      if (PQstatus(conn_) != CONNECTION_OK) check(r);  // lost meanwhile: says so
      std::string out = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1
                            ? std::string(PQgetvalue(r, 0, 0))
                            : std::string();
      PQclear(r);
      return out;
    };
    id.system = value("SELECT system_identifier::text FROM pg_catalog.pg_control_system()");
    id.database =
        value("SELECT oid::text FROM pg_catalog.pg_database WHERE datname = current_database()");
    return id;
  }

  void reconnect() {
    inTransaction_ = false;
    connect();
  }

  void exec(const char* text) {
    PGresult* r = PQexec(conn_, text);
    check(r);
    PQclear(r);
  }

  // Throws for a result that is not a success, saying what the server said.
  void check(PGresult* r) {
    auto status = PQresultStatus(r);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return;
    const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    std::string message = oneLine(r ? PQresultErrorMessage(r) : PQerrorMessage(conn_));
    if (message.empty()) message = oneLine(PQerrorMessage(conn_));
    std::string code = state ? state : "";
    PQclear(r);
    std::string where = "ledger " + uri_ + ": ";
    if (code == "40001" || code == "40P01") throw Retry(where + message);
    // A unique key another transaction filled since this one read (two
    // agents given the same new request at once): run again, and the
    // second reads what the first wrote. Claims and letters are locked and
    // checked first, so this does not happen to them.
    if (code == "23505" && inTransaction_) throw Retry(where + message);
    if (connectionLost(state) || PQstatus(conn_) != CONNECTION_OK) {
      if (committing_)
        throw Error(ErrorKind::storage,
                    where +
                        "the connection was lost during COMMIT, which may or may not have "
                        "taken effect: " +
                        message);
      if (inTransaction_) throw Retry(where + "the connection was lost: " + message);
      throw Error(ErrorKind::storage, where + "the database is unreachable: " + message);
    }
    if (code.rfind("23", 0) == 0) throw Error(ErrorKind::conflict, where + message);
    if (code == "55P03")
      throw Error(ErrorKind::storage, where + "gave up waiting for a lock: " + message);
    throw Error(ErrorKind::storage, where + message);
  }

  // Checks what the database holds; creates or migrates colo's schema.
  void prepare(bool create) {
    auto identity = [&] {
      struct {
        bool hasMeta = false;
        std::int64_t tables = 0, application = 0, version = 0;
      } id;
      auto st = sql(
          "SELECT count(*), count(*) FILTER (WHERE tablename = 'meta') FROM pg_catalog.pg_tables "
          "WHERE schemaname = current_schema()");
      st.step();
      id.tables = st.integer(0);
      id.hasMeta = st.integer(1) != 0;
      if (id.hasMeta) {
        auto m =
            sql("SELECT coalesce(max(value) FILTER (WHERE key = 'application_id'), 0), "
                "coalesce(max(value) FILTER (WHERE key = 'schema_version'), 0) FROM meta");
        m.step();
        id.application = m.integer(0);
        id.version = m.integer(1);
      }
      if (id.tables > 0 && id.application != kApplicationId)
        throw Error(ErrorKind::invalid_input,
                    "the PostgreSQL database " + uri_ +
                        " is not a colo ledger (it holds other tables); refusing to touch it");
      if (id.version > kSchemaVersion)
        throw Error(ErrorKind::invalid_input,
                    "ledger " + uri_ + " has schema version " + std::to_string(id.version) +
                        ", newer than this colo understands (" + std::to_string(kSchemaVersion) +
                        "); upgrade colo, do not downgrade the ledger");
      return id;
    };
    auto seen = identity();
    found_ = seen.version;
    if (seen.version == kSchemaVersion) return;
    if (seen.tables == 0 && !create)
      throw Error(ErrorKind::invalid_input,
                  "no colo ledger in the PostgreSQL database " + uri_ +
                      "; create it with `colo init` (check --state and the config's state:)");
    // Another agent may be migrating at this moment: decide again under the
    // migration lock. DDL is transactional: all of it, or none.
    begin(Transaction::write);
    try {
      sql("SELECT pg_advisory_xact_lock(CAST(?1 AS BIGINT))").bind(1, kMigrationLock).run();
      auto now = identity();
      found_ = now.version;
      for (const auto& step : postgres::migrations()) {
        if (step.to <= now.version) continue;
        exec(step.sql.c_str());
        now.version = step.to;
      }
      sql("INSERT INTO meta VALUES ('application_id', ?1), ('schema_version', ?2) "
          "ON CONFLICT (key) DO UPDATE SET value = excluded.value")
          .bind(1, kApplicationId)
          .bind(2, kSchemaVersion)
          .run();
      commit();
    } catch (...) {
      rollback();
      throw;
    }
  }

  struct Finish {
    void operator()(PGconn* c) const { PQfinish(c); }
  };
  std::string uri_, password_;
  std::unique_ptr<PGconn, Finish> owner_;
  PGconn* conn_ = nullptr;  // owner_'s
  Dialect dialect_;
  std::unordered_map<std::string, Prepared> prepared_;
  bool inTransaction_ = false;
  bool committing_ = false;
  std::int64_t found_ = 0;
  std::optional<Identity> opened_;
  std::string replaced_;  // why this is not the ledger opened any more
};

bool PgCursor::step() {
  if (!result_) {
    result_ = db_.execute(sql_, params_);
    const char* n = PQcmdTuples(result_);
    changes_ = 0;
    std::from_chars(n, n + std::strlen(n), changes_);
  }
  if (row_ + 1 < PQntuples(result_)) {
    ++row_;
    return true;
  }
  return false;
}

}  // namespace

std::unique_ptr<Db> openPostgres(const std::string& uri, const std::string& password, bool create) {
  return std::make_unique<PgDb>(uri, password, create);
}

}  // namespace colo::inventory::ledger
