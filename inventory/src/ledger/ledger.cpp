// The ledger's logic, written once over ledger::Db: what a request holds,
// its lifecycle, jobs, captures, letters and callbacks. The backends
// (sqlite/, postgres/) own their schema and their SQL differences.
#include "colo/inventory/ledger.h"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>
#include <tuple>

#include "colo/inventory/error.h"
#include "db.h"

namespace colo::inventory {

using ledger::Statement;

struct Ledger::Impl {
  std::unique_ptr<ledger::Db> db;
  bool inWrite = false;
  bool inRead = false;
  std::string fence;  // setFence()
  std::function<bool()> abortWait;
  Clock clock;

  std::string now() const { return isoUtcMs(clock()); }
  const std::string& path() const { return db->name(); }

  Statement sql(std::string_view text) { return db->sql(text); }
  const ledger::Dialect& dialect() const { return db->dialect(); }

  void requireWrite(const char* what) const {
    if (!inWrite)
      throw std::logic_error(std::string("Ledger::") + what + " called outside Ledger::write");
  }

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

  // Returns the new generation.
  std::int64_t bumpGeneration() {
    auto st = sql("UPDATE meta SET value = value + 1 WHERE key = 'generation' RETURNING value");
    return st.step() ? st.integer(0) : 0;
  }
};

bool isPostgresUri(std::string_view location) {
  return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

std::int64_t Ledger::nowMs() const {
  return impl_->clock();
}

Ledger::Ledger(const std::string& state, Open mode, Clock clock, std::string password)
    : impl_(std::make_unique<Impl>()) {
  impl_->clock = clock ? std::move(clock) : systemClock();
  if (isPostgresUri(state))
    impl_->db = ledger::openPostgres(state, password, mode == Open::create);
  else
    impl_->db = ledger::openSqlite(state, mode == Open::create, &impl_->abortWait);
}

Ledger::~Ledger() = default;

const std::string& Ledger::path() const {
  return impl_->path();
}

std::int64_t Ledger::foundVersion() const {
  return impl_->db->foundVersion();
}

void Ledger::setWaitAbort(std::function<bool()> abort) {
  impl_->abortWait = std::move(abort);
}

void Ledger::write(const std::function<void()>& work) {
  if (impl_->inWrite) {
    work();  // already inside a transaction
    return;
  }
  // Where writers run concurrently (PostgreSQL), a deadlock, a serialization
  // failure or a plan made from claims that changed meanwhile rolls back and
  // runs `work` again, after a pause that grows and varies.
  thread_local std::minstd_rand jitter{std::random_device{}()};
  for (int attempt = 0;; ++attempt) {
    impl_->db->begin(ledger::Transaction::write);
    impl_->inWrite = true;
    try {
      work();
      impl_->db->commit();
      impl_->inWrite = false;
      return;
    } catch (const ledger::Retry& e) {
      impl_->inWrite = false;
      impl_->db->rollback();
      if (attempt >= impl_->db->retries())
        throw Error(ErrorKind::storage, std::string(e.what()) + " (gave up after " +
                                            std::to_string(attempt + 1) + " attempts)");
      auto ceiling = std::min(500, 5 << std::min(attempt, 7));
      std::this_thread::sleep_for(std::chrono::milliseconds(
          1 + static_cast<int>(jitter() % static_cast<unsigned>(ceiling))));
    } catch (...) {
      impl_->inWrite = false;
      impl_->db->rollback();
      throw;
    }
  }
}

void Ledger::read(const std::function<void()>& work) {
  if (impl_->inWrite) {
    work();
    return;
  }
  if (impl_->inRead) {
    work();
    return;
  }
  impl_->db->begin(ledger::Transaction::read);
  impl_->inRead = true;
  try {
    work();
    impl_->inRead = false;
    impl_->db->commit();
  } catch (...) {
    impl_->inRead = false;
    impl_->db->rollback();
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
      c.units.push_back(
          {st.text(0), static_cast<int>(st.integer(1)), st.text(2), st.text(3), st.text(4)});
  }
  {
    auto st = impl_->sql("SELECT rack, feed, watts, request_id, hostname FROM power_claims");
    while (st.step())
      c.power.push_back(
          {st.text(0), st.text(1), static_cast<int>(st.integer(2)), st.text(3), st.text(4)});
  }
  {
    auto st = impl_->sql("SELECT pool, address, request_id, hostname FROM address_claims");
    while (st.step()) c.addresses.push_back(readAddressClaim(st, impl_->path()));
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
  return readRequest(st, impl_->path());
}

std::vector<RequestRecord> Ledger::requests(std::optional<Status> status) {
  auto st = impl_->sql(std::string("SELECT ") + kRequestColumns +
                       " FROM requests WHERE ?1 = '' OR status = ?1 ORDER BY created_at, id");
  st.bind(1, status ? name(*status) : std::string_view());
  std::vector<RequestRecord> out;
  while (st.step()) out.push_back(readRequest(st, impl_->path()));
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
      "FROM requests" +
      impl_->dialect().requestsSummaryIndex + where.where + " ORDER BY created_at, id");
  for (std::size_t i = 0; i < where.params.size(); ++i)
    st.bind(static_cast<int>(i + 1), where.params[i]);
  while (st.step()) {
    auto r = readRequest(st, impl_->path());
    if (!visit(r)) return;
  }
}

std::int64_t Ledger::countRequests(const RequestQuery& q) {
  auto where = querySql(q, false);
  auto st = impl_->sql("SELECT count(*) FROM requests" + impl_->dialect().requestsSummaryIndex +
                       where.where);
  for (std::size_t i = 0; i < where.params.size(); ++i)
    st.bind(static_cast<int>(i + 1), where.params[i]);
  return st.step() ? st.integer(0) : 0;
}

std::vector<Claims::Address> Ledger::addressClaims(std::string_view pool) {
  auto st =
      impl_->sql("SELECT pool, address, request_id, hostname FROM address_claims WHERE pool = ?1");
  st.bind(1, pool);
  std::vector<Claims::Address> out;
  while (st.step()) out.push_back(readAddressClaim(st, impl_->path()));
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

std::optional<Job> Ledger::nextJob() {
  impl_->requireWrite("nextJob");
  auto st = impl_->sql(
      "SELECT id, status FROM requests WHERE status = 'queued' OR "
      "(status = 'releasing' AND owner = '') ORDER BY updated_at, id LIMIT 1" +
      impl_->dialect().skipLocked);
  if (!st.step()) return std::nullopt;
  return Job{st.text(0), statusOf(st.text(1), impl_->path()), ""};
}

void Ledger::ownJob(std::string_view id, std::string_view owner) {
  impl_->requireWrite("ownJob");
  impl_->sql("UPDATE requests SET owner = ?2 WHERE id = ?1").bind(1, id).bind(2, owner).run();
}

std::vector<Job> Ledger::adoptOrphans(const std::string& owner,
                                      const std::function<bool(const std::string&)>& alive,
                                      std::string_view id) {
  std::vector<Job> out;
  write([&] {
    auto st = impl_->sql(
        "SELECT id, status, owner FROM requests WHERE status IN ('planning', 'configuring', "
        "'releasing') AND owner != ?1 AND (?2 = '' OR id = ?2) ORDER BY created_at, id" +
        impl_->dialect().skipLocked);
    st.bind(1, owner).bind(2, id);
    while (st.step()) {
      // A release nobody has taken yet is waiting, not orphaned.
      auto status = statusOf(st.text(1), impl_->path());
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
    impl_->checkFence(request_id);
    impl_
        ->sql(
            "INSERT INTO port_captures (request_id, attempt, switch, port, lines) "
            "VALUES (?1,?2,?3,?4,?5) ON CONFLICT DO NOTHING")
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
    out[{st.text(0), st.text(1)}] =
        nlohmann::json::parse(st.text(2)).get<std::vector<std::string>>();
  return out;
}

void Ledger::enqueueCallback(const OutboxEntry& e) {
  write([&] {
    impl_
        ->sql(
            "INSERT INTO outbox (delivery_id, request_id, url, body, next_attempt_at, event) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING")
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
    // One issuer per year at a time, so that the next number is taken once.
    impl_->db->lock({"letters:" + std::to_string(year)});
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

std::vector<CallbackDelivery> Ledger::callbacks(std::string_view request_id) {
  auto st = impl_->sql(
      "SELECT delivery_id, url, event, attempts, next_attempt_at, delivered_at, last_error, "
      "given_up, last_status, last_attempt_at FROM outbox WHERE request_id = ?1 ORDER BY " +
      impl_->dialect().insertionOrder);
  st.bind(1, request_id);
  std::vector<CallbackDelivery> out;
  while (st.step())
    out.push_back({st.text(0), st.text(1), st.text(2), static_cast<int>(st.integer(3)),
                   st.integer(4), st.text(5), st.text(6), st.integer(7) != 0,
                   static_cast<int>(st.integer(8)), st.text(9)});
  return out;
}

std::optional<std::int64_t> Ledger::nextCallbackAt() {
  auto st = impl_->sql(
      "SELECT min(next_attempt_at) FROM outbox WHERE delivered_at = '' AND given_up = 0");
  if (!st.step() || st.isNull(0)) return std::nullopt;
  return st.integer(0);
}

void Ledger::callbackResult(const std::string& deliveryId, bool delivered, const std::string& error,
                            std::int64_t nextAttemptAt, bool giveUp, int httpStatus) {
  write([&] {
    impl_
        ->sql(
            "UPDATE outbox SET attempts = attempts + 1, delivered_at = CASE WHEN ?2 = 1 THEN ?3 "
            "ELSE "
            "'' END, last_error = ?4, next_attempt_at = ?5, given_up = ?6, last_status = ?7, "
            "last_attempt_at = ?3, claimed_by = '', claimed_until = 0 WHERE delivery_id = ?1")
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
            "SELECT ?1, request_id, url, body, CAST(?2 AS BIGINT), event FROM outbox "
            "WHERE delivery_id = ?3")
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
  if (!impl_->dialect().compactTallies.empty() && !impl_->inWrite && !impl_->inRead)
    write([&] { impl_->sql(impl_->dialect().compactTallies).run(); });
  auto st = impl_->sql("SELECT kind, a, b, sum(value) FROM tallies GROUP BY kind, a, b");
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

std::int64_t Ledger::changesSince(std::int64_t cursor,
                                  const std::function<void(const std::string& id)>& visit) {
  const auto& d = impl_->dialect();
  std::int64_t next = cursor;
  if (!d.changesCursor.empty()) {
    auto st = impl_->sql(d.changesCursor);
    if (st.step()) next = st.integer(0);
  }
  auto st = impl_->sql(d.changesSince);
  st.bind(1, cursor);
  while (st.step()) {
    if (d.changesCursor.empty()) next = std::max(next, st.integer(1));
    visit(st.text(0));
  }
  return next;
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
  impl_->insertEvent(note.actor, r.id, name(initial), note.detail);
}

std::int64_t Ledger::claim(const Plan& plan, std::string_view tenant, std::int64_t basedOn) {
  impl_->requireWrite("claim");
  // Every rack, switch and pool the plan touches, locked in one global order
  // until the transaction ends: whoever else claims in them waits, and
  // nobody waits in a circle. Then, if anything was claimed or freed since
  // the plan was made, it is made again from what is held now.
  std::vector<std::string> keys;
  for (const auto& s : plan.servers) {
    keys.push_back("rack:" + s.rack);
    for (const auto& n : s.nics) {
      if (!n.switch_name.empty()) keys.push_back("switch:" + n.switch_name);
      for (const auto& a : n.addresses) keys.push_back("pool:" + a.pool);
    }
  }
  impl_->db->lock(std::move(keys));
  if (basedOn >= 0 && generation() != basedOn)
    throw ledger::Retry("reserve " + plan.request_id +
                        ": the claims changed while it was planned; planning again");

  auto units = impl_->sql(
      "INSERT INTO unit_claims (rack, unit, request_id, hostname, tenant) VALUES (?1,?2,?3,?4,?5) "
      "ON CONFLICT DO NOTHING");
  auto power = impl_->sql(
      "INSERT INTO power_claims (rack, feed, watts, request_id, hostname) VALUES (?1,?2,?3,?4,?5) "
      "ON CONFLICT DO NOTHING");
  auto addrs = impl_->sql(
      "INSERT INTO address_claims (address, pool, request_id, hostname) VALUES (?1,?2,?3,?4) "
      "ON CONFLICT DO NOTHING");
  auto ports = impl_->sql(
      "INSERT INTO port_claims (switch, port, vlan, request_id, hostname) VALUES (?1,?2,?3,?4,?5) "
      "ON CONFLICT DO NOTHING");

  // A unique key refused the row: say what and who holds it.
  auto conflict = [&](std::string thing, const char* query, std::string_view k1,
                      std::string_view k2) {
    auto st = impl_->sql(query);
    st.bind(1, k1);
    if (!k2.empty()) st.bind(2, k2);
    std::string who =
        st.step() ? "request " + st.text(0) + " (" + st.text(1) + ")" : "another request";
    return Error(ErrorKind::conflict, thing + " is already held by " + who)
        .within("reserve " + plan.request_id);
  };
  // A row a unique key refused is not inserted (and does not abort the
  // transaction, so that the holder can be named).
  auto insert = [](Statement& st, const std::function<Error()>& onConflict) {
    if (st.run() == 0) throw onConflict();
    st.reset();
  };

  for (const auto& s : plan.servers) {
    for (int u = s.first_unit; u <= s.last_unit(); ++u) {
      units.bind(1, s.rack).bind(2, u).bind(3, plan.request_id).bind(4, s.hostname).bind(5, tenant);
      insert(units, [&] {
        return conflict("unit " + std::to_string(u) + " of rack " + s.rack,
                        "SELECT request_id, hostname FROM unit_claims WHERE rack=?1 AND "
                        "unit=CAST(?2 AS BIGINT)",
                        s.rack, std::to_string(u));
      });
    }
    for (const auto& f : s.feeds) {
      power.bind(1, s.rack)
          .bind(2, f.feed)
          .bind(3, f.watts)
          .bind(4, plan.request_id)
          .bind(5, s.hostname);
      insert(power, [&] {
        return Error(ErrorKind::conflict,
                     "server " + s.hostname + " is charged twice to feed " + f.feed);
      });
    }
    for (const auto& n : s.nics) {
      ports.bind(1, n.switch_name)
          .bind(2, n.port)
          .bind(3, n.vlan)
          .bind(4, plan.request_id)
          .bind(5, s.hostname);
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
  return impl_->bumpGeneration();
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
  // Compare-and-set: the row changes only if it is still `from` (and, with a
  // fence, from a status in progress, still held by the fence's owner).
  std::string holder = inProgress(from) ? impl_->fence : std::string();
  auto st = impl_->sql(
      "UPDATE requests SET status = ?3, updated_at = ?4, "
      "error = CASE WHEN ?3 = 'failed' THEN ?5 WHEN ?3 IN ('planning', 'completed', 'released') "
      "  THEN '' ELSE error END, "
      "completed_at = CASE WHEN ?3 IN ('completed', 'failed') AND ?2 != 'releasing' THEN ?4 "
      "  ELSE completed_at END, "
      "attempt = attempt + CASE WHEN ?3 IN ('planning', 'releasing') THEN 1 ELSE 0 END, "
      "release_from = CASE WHEN ?3 = 'releasing' THEN ?2 ELSE '' END, "
      "owner = CASE WHEN ?3 IN ('planning', 'configuring', 'releasing') THEN ?6 ELSE '' END "
      "WHERE id = ?1 AND status = ?2 AND (?7 = '' OR owner = ?7)");
  auto changed = st.bind(1, request_id)
                     .bind(2, name(from))
                     .bind(3, name(to))
                     .bind(4, now)
                     .bind(5, note.error)
                     .bind(6, note.owner)
                     .bind(7, holder)
                     .run();
  if (changed != 1) {
    auto current = request(request_id);
    if (current && current->status == from && !holder.empty())
      throw Error(ErrorKind::moved,
                  "request " + std::string(request_id) + " is " + std::string(name(from)) +
                      " under " + (current->owner.empty() ? "no owner" : current->owner) +
                      ", not " + holder + ": its lease moved on to another process; left as it is");
    throw Error(ErrorKind::moved, "request " + std::string(request_id) +
                                      (current ? " is " + std::string(name(current->status))
                                               : std::string(" is not in the ledger")) +
                                      ", not " + std::string(name(from)) +
                                      ": another colo process moved it; left as it is");
  }
  std::string detail = note.detail;
  if (!note.error.empty()) detail += (detail.empty() ? "" : ": ") + note.error;
  impl_->insertEvent(note.actor, request_id, name(to), detail);
}

void Ledger::appendEvent(std::string_view actor, std::string_view request_id, std::string_view kind,
                         std::string_view detail) {
  impl_->requireWrite("appendEvent");
  impl_->checkFence(request_id);
  impl_->insertEvent(actor, request_id, kind, detail);
}

std::vector<OutboxEntry> Ledger::claimCallbacks(std::int64_t now, int limit,
                                                std::string_view claimer, std::int64_t claimUntil) {
  std::vector<OutboxEntry> out;
  write([&] {
    out.clear();
    auto st = impl_->sql(
        "UPDATE outbox SET claimed_by = ?3, claimed_until = ?4 WHERE delivery_id IN ("
        "SELECT delivery_id FROM outbox WHERE delivered_at = '' AND given_up = 0 AND "
        "next_attempt_at <= ?1 AND claimed_until <= ?1 ORDER BY next_attempt_at LIMIT ?2" +
        impl_->dialect().skipLocked +
        ") RETURNING delivery_id, request_id, url, body, event, attempts, next_attempt_at");
    st.bind(1, now).bind(2, limit).bind(3, claimer).bind(4, claimUntil);
    while (st.step())
      out.push_back({st.text(0), st.text(1), st.text(2), st.text(3), st.text(4),
                     static_cast<int>(st.integer(5)), st.integer(6)});
  });
  std::sort(out.begin(), out.end(), [](const OutboxEntry& a, const OutboxEntry& b) {
    return std::tie(a.next_attempt_at, a.delivery_id) < std::tie(b.next_attempt_at, b.delivery_id);
  });
  return out;
}

void Ledger::renewLease(const Lease& l) {
  write([&] {
    impl_
        ->sql(
            "INSERT INTO agents (owner, agent_id, host, pid, started_at, lease_until) VALUES "
            "(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (owner) DO UPDATE SET lease_until = "
            "excluded.lease_until")
        .bind(1, l.owner)
        .bind(2, l.agent_id)
        .bind(3, l.host)
        .bind(4, l.pid)
        .bind(5, l.started_at)
        .bind(6, l.until)
        .run();
  });
}

void Ledger::endLease(std::string_view owner) {
  write([&] {
    impl_->sql("DELETE FROM switch_locks WHERE owner = ?1").bind(1, owner).run();
    impl_->sql("DELETE FROM agents WHERE owner = ?1").bind(1, owner).run();
  });
}

namespace {
constexpr const char* kLeaseColumns = "owner, agent_id, host, pid, started_at, lease_until";
Lease readLease(Statement& st) {
  return {st.text(0), st.text(1), st.text(2), st.integer(3), st.text(4), st.integer(5)};
}
}  // namespace

std::optional<Lease> Ledger::lease(std::string_view owner) {
  auto st = impl_->sql(std::string("SELECT ") + kLeaseColumns + " FROM agents WHERE owner = ?1");
  st.bind(1, owner);
  if (!st.step()) return std::nullopt;
  return readLease(st);
}

std::vector<Lease> Ledger::leases() {
  auto st =
      impl_->sql(std::string("SELECT ") + kLeaseColumns + " FROM agents ORDER BY agent_id, owner");
  std::vector<Lease> out;
  while (st.step()) out.push_back(readLease(st));
  return out;
}

bool Ledger::takeSwitch(std::string_view sw, std::string_view holder, std::string_view owner,
                        std::string_view replacing) {
  bool taken = false;
  write([&] {
    auto now = impl_->now();
    if (replacing.empty())
      taken = impl_
                  ->sql(
                      "INSERT INTO switch_locks (switch, holder, owner, taken_at) VALUES (?1, ?2, "
                      "?3, ?4) ON CONFLICT DO NOTHING")
                  .bind(1, sw)
                  .bind(2, holder)
                  .bind(3, owner)
                  .bind(4, now)
                  .run() == 1;
    else
      taken = impl_
                  ->sql(
                      "UPDATE switch_locks SET holder = ?2, owner = ?3, taken_at = ?4 WHERE "
                      "switch = ?1 AND holder = ?5")
                  .bind(1, sw)
                  .bind(2, holder)
                  .bind(3, owner)
                  .bind(4, now)
                  .bind(5, replacing)
                  .run() == 1;
  });
  return taken;
}

std::optional<Ledger::SwitchHolder> Ledger::switchHolder(std::string_view sw) {
  auto st = impl_->sql("SELECT holder, owner FROM switch_locks WHERE switch = ?1");
  st.bind(1, sw);
  if (!st.step()) return std::nullopt;
  return SwitchHolder{st.text(0), st.text(1)};
}

void Ledger::releaseSwitch(std::string_view sw, std::string_view holder) {
  write([&] {
    impl_->sql("DELETE FROM switch_locks WHERE switch = ?1 AND holder = ?2")
        .bind(1, sw)
        .bind(2, holder)
        .run();
  });
}

std::vector<Job> Ledger::ownedJobs(const std::string& owner) {
  auto st = impl_->sql(
      "SELECT id, status FROM requests WHERE owner = ?1 AND status IN ('planning', "
      "'configuring', 'releasing') ORDER BY created_at, id");
  st.bind(1, owner);
  std::vector<Job> out;
  while (st.step()) out.push_back({st.text(0), statusOf(st.text(1), impl_->path()), owner});
  return out;
}

void Ledger::setFence(std::string owner) {
  impl_->fence = std::move(owner);
}

void Ledger::unclaimCallback(std::string_view deliveryId) {
  write([&] {
    impl_->sql("UPDATE outbox SET claimed_by = '', claimed_until = 0 WHERE delivery_id = ?1")
        .bind(1, deliveryId)
        .run();
  });
}

}  // namespace colo::inventory
