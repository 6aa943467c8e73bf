#include "colo/inventory/ledger/cabling_checks.h"

#include "connection.h"

namespace colo::inventory {

namespace {

constexpr const char* kColumns =
    "check_id, request_id, state, requested_by, owner, requested_at, started_at, finished_at, "
    "ok, result, error";

CablingCheck readRow(ledger::Statement& st) {
  CablingCheck c;
  c.id = st.integer(0);
  c.request_id = st.text(1);
  c.state = st.text(2);
  c.requested_by = st.text(3);
  c.owner = st.text(4);
  c.requested_at = st.integer(5);
  c.started_at = st.integer(6);
  c.finished_at = st.integer(7);
  c.ok = st.integer(8) != 0;
  c.result = st.text(9);
  c.error = st.text(10);
  return c;
}

}  // namespace

std::pair<std::int64_t, bool> CablingChecks::queue(std::string_view request_id,
                                                   std::string_view requestedBy, std::int64_t now) {
  std::pair<std::int64_t, bool> out{0, false};
  c_.write([&] {
    auto pending = c_.sql(
        "SELECT check_id FROM cabling_checks WHERE request_id = ?1 AND state IN ('queued', "
        "'running') ORDER BY check_id LIMIT 1");
    pending.bind(1, request_id);
    if (pending.step()) {
      out = {pending.integer(0), false};
      return;
    }
    pending.reset();
    // One pending check per request (a partial unique index): of two asks
    // at once on two agents, the second finds the first's.
    auto st = c_.sql(
        "INSERT INTO cabling_checks (request_id, state, requested_by, requested_at) VALUES (?1, "
        "'queued', ?2, ?3) ON CONFLICT DO NOTHING RETURNING check_id");
    st.bind(1, request_id).bind(2, requestedBy).bind(3, now);
    if (st.step()) {
      out = {st.integer(0), true};
      return;
    }
    st.reset();
    if (pending.step()) out = {pending.integer(0), false};
  });
  return out;
}

std::optional<CablingCheck> CablingChecks::take(
    std::string_view owner, std::int64_t now,
    const std::function<bool(const std::string&)>& ownerAlive) {
  // Candidates first, outside the write: a running check's owner is asked
  // whether it lives (that may read leases) before anything is locked.
  // Queued ones first: many running checks never hide one waiting.
  std::vector<std::pair<std::int64_t, std::string>> candidates;
  {
    auto st = c_.sql(
        "SELECT check_id, state, owner FROM cabling_checks WHERE state IN ('queued', 'running') "
        "ORDER BY CASE state WHEN 'queued' THEN 0 ELSE 1 END, check_id LIMIT 16");
    while (st.step())
      if (st.text(1) == "queued" || (st.text(2) != owner && !ownerAlive(st.text(2))))
        candidates.emplace_back(st.integer(0), st.text(2));
  }
  for (const auto& candidate : candidates)
    if (auto got = claim(candidate.first, owner, now, candidate.second)) return got;
  return std::nullopt;
}

std::optional<CablingCheck> CablingChecks::takeId(std::int64_t id, std::string_view owner,
                                                  std::int64_t now) {
  return claim(id, owner, now, "");  // a queued check has no owner
}

std::optional<CablingCheck> CablingChecks::claim(std::int64_t id, std::string_view owner,
                                                 std::int64_t now, std::string_view previous) {
  std::optional<CablingCheck> got;
  c_.write([&] {
    auto st = c_.sql(std::string("UPDATE cabling_checks SET state = 'running', owner = ?2, "
                                 "started_at = ?3 WHERE check_id = ?1 AND owner = ?4 AND state "
                                 "IN ('queued', 'running') RETURNING ") +
                     kColumns);
    st.bind(1, id).bind(2, owner).bind(3, now).bind(4, previous);
    if (st.step()) got = readRow(st);
  });
  return got;
}

bool CablingChecks::finish(std::int64_t id, std::string_view owner, bool done, bool ok,
                           std::string_view result, std::string_view error, std::int64_t now,
                           std::string_view actor, std::string_view detail) {
  c_.requireWrite("CablingChecks::finish");
  auto st = c_.sql(
      "UPDATE cabling_checks SET state = ?3, ok = ?4, result = ?5, error = ?6, finished_at = ?7, "
      "owner = '' WHERE check_id = ?1 AND owner = ?2 AND state = 'running' RETURNING request_id");
  st.bind(1, id)
      .bind(2, owner)
      .bind(3, done ? "done" : "failed")
      .bind(4, std::int64_t{ok ? 1 : 0})
      .bind(5, result)
      .bind(6, error)
      .bind(7, now);
  if (!st.step()) return false;
  std::string request = st.text(0);
  st.reset();
  c_.insertEvent(actor, request, "checked", detail);
  return true;
}

std::optional<CablingCheck> CablingChecks::find(std::int64_t id) {
  auto st = c_.sql(std::string("SELECT ") + kColumns + " FROM cabling_checks WHERE check_id = ?1");
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  return readRow(st);
}

std::vector<CablingCheck> CablingChecks::forRequest(std::string_view request_id, int limit) {
  std::vector<CablingCheck> out;
  auto st = c_.sql(std::string("SELECT ") + kColumns +
                   " FROM cabling_checks WHERE request_id = ?1 ORDER BY check_id DESC LIMIT "
                   "CAST(?2 AS BIGINT)");
  st.bind(1, request_id).bind(2, std::int64_t{limit});
  while (st.step()) out.push_back(readRow(st));
  return out;
}

}  // namespace colo::inventory
