#include "colo/inventory/ledger/requests.h"

#include <algorithm>
#include <cctype>
#include <map>

#include <nlohmann/json.hpp>

#include "colo/inventory/error.h"
#include "colo/inventory/time.h"
#include "connection.h"

namespace colo::inventory {

using ledger::Statement;
using ledger::statusOf;

namespace {
constexpr const char* kRequestColumns =
    "id, fingerprint, body, tenant_code, letter_number, status, received_at, created_at, "
    "updated_at, error, allocation, submitted_by, completed_at, attempt, owner, release_from, "
    "reason, release_reason, release_error";

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
  r.reason = st.text(16);
  r.release_reason = st.text(17);
  r.release_error = st.text(18);
  return r;
}
}  // namespace

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
  auto anyOf = [&](const std::string& column, std::vector<std::string> values) {
    std::string marks;
    for (std::size_t i = 0; i < values.size(); ++i) marks += i ? ", ?" : "?";
    out.add(column + " IN (" + marks + ")", std::move(values));
  };
  if (!q.statuses.empty()) {
    std::vector<std::string> names;
    for (auto s : q.statuses) names.emplace_back(name(s));
    anyOf("status", std::move(names));
  }
  // Tenant codes are ASCII (letters, digits, '.', '_', '-'): upper() is the
  // same on both backends.
  if (!q.tenant_codes.empty()) {
    std::vector<std::string> codes;
    for (auto c : q.tenant_codes) {
      for (auto& ch : c) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      codes.push_back(std::move(c));
    }
    anyOf("upper(tenant_code)", std::move(codes));
  }
  if (q.submitted_by) out.add("submitted_by = ?", {*q.submitted_by});
  if (!q.updated_after.empty()) out.add("updated_at > ?", {q.updated_after});
  if (keyset && !q.after_created_at.empty())
    out.add("(created_at, id) > (?, ?)", {q.after_created_at, q.after_id});
  return out;
}
}  // namespace

std::optional<RequestRecord> RequestBook::find(std::string_view id) {
  auto st = c_.sql(std::string("SELECT ") + kRequestColumns + " FROM requests WHERE id = ?1");
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  return readRequest(st, c_.path());
}

std::vector<RequestRecord> RequestBook::all(std::optional<Status> status) {
  auto st = c_.sql(std::string("SELECT ") + kRequestColumns +
                   " FROM requests WHERE ?1 = '' OR status = ?1 ORDER BY created_at, id");
  st.bind(1, status ? name(*status) : std::string_view());
  std::vector<RequestRecord> out;
  while (st.step()) out.push_back(readRequest(st, c_.path()));
  return out;
}

void RequestBook::scan(const RequestQuery& q, const std::function<bool(RequestRecord&)>& visit) {
  auto where = querySql(q, true);
  auto st = c_.sql(
      "SELECT id, '', '', tenant_code, letter_number, status, received_at, created_at, "
      "updated_at, error, NULL, submitted_by, completed_at, attempt, owner, release_from, "
      "reason, release_reason, release_error FROM requests" +
      c_.dialect().requestsSummaryIndex + where.where +
      (q.newest_first ? " ORDER BY created_at DESC, id DESC" : " ORDER BY created_at, id") +
      (q.limit > 0 ? " LIMIT CAST(? AS BIGINT) OFFSET CAST(? AS BIGINT)" : ""));
  for (std::size_t i = 0; i < where.params.size(); ++i)
    st.bind(static_cast<int>(i + 1), where.params[i]);
  if (q.limit > 0) {
    auto n = static_cast<int>(where.params.size());
    st.bind(n + 1, std::to_string(q.limit))
        .bind(n + 2, std::to_string(std::max<std::int64_t>(0, q.offset)));
  }
  while (st.step()) {
    auto r = readRequest(st, c_.path());
    if (!visit(r)) return;
  }
}

std::int64_t RequestBook::count(const RequestQuery& q) {
  auto where = querySql(q, false);
  auto st =
      c_.sql("SELECT count(*) FROM requests" + c_.dialect().requestsSummaryIndex + where.where);
  for (std::size_t i = 0; i < where.params.size(); ++i)
    st.bind(static_cast<int>(i + 1), where.params[i]);
  return st.step() ? st.integer(0) : 0;
}

std::vector<std::string> RequestBook::tenants(const RequestQuery& q) {
  auto where = querySql(q, false);
  auto st = c_.sql("SELECT DISTINCT tenant_code FROM requests" + c_.dialect().requestsSummaryIndex +
                   where.where + " ORDER BY tenant_code");
  for (std::size_t i = 0; i < where.params.size(); ++i)
    st.bind(static_cast<int>(i + 1), where.params[i]);
  std::vector<std::string> out;
  while (st.step()) out.push_back(st.text(0));
  return out;
}

std::vector<std::string> RequestBook::citingLetter(std::string_view tenant_code,
                                                   std::string_view letter_number,
                                                   std::string_view except_id) {
  auto st = c_.sql("SELECT id FROM requests" + c_.dialect().requestsSummaryIndex +
                   " WHERE upper(tenant_code) = upper(?1) AND letter_number = ?2 AND id != ?3 "
                   "ORDER BY created_at, id LIMIT 10");
  st.bind(1, tenant_code).bind(2, letter_number).bind(3, except_id);
  std::vector<std::string> out;
  while (st.step()) out.push_back(st.text(0));
  return out;
}

std::vector<LedgerEvent> RequestBook::events(std::string_view request_id) {
  auto st = c_.sql(
      "SELECT seq, at, actor, request_id, kind, detail FROM events WHERE request_id = ?1 "
      "ORDER BY seq");
  st.bind(1, request_id);
  std::vector<LedgerEvent> out;
  while (st.step())
    out.push_back({st.integer(0), st.text(1), st.text(2), st.text(3), st.text(4), st.text(5)});
  return out;
}

std::vector<Holding> RequestBook::holdings() {
  std::map<std::string, std::pair<std::string, Plan>> held;  // id -> tenant, allocation
  auto requests = c_.sql(
      "SELECT id, tenant_code, allocation FROM requests WHERE allocation IS NOT NULL AND "
      "allocation != ''");
  while (requests.step())
    held[requests.text(0)] = {requests.text(1),
                              planFromJson(nlohmann::json::parse(requests.text(2)))};
  std::vector<Holding> out;
  std::map<std::string, std::size_t> open;  // id -> its reservation not yet freed
  auto events = c_.sql(
      "SELECT request_id, kind, at FROM events WHERE kind IN ('reserved', 'configuring', "
      "'released', 'failed') ORDER BY seq");
  while (events.step()) {
    auto id = events.text(0);
    auto it = held.find(id);
    auto at = parseRfc3339(events.text(2));
    if (it == held.end() || !at) continue;
    // Claims are committed on the way into reserved or configuring
    // (reserved -> configuring claims nothing more), freed on the way into
    // released or failed.
    auto kind = events.text(1);
    if (kind == "reserved" || kind == "configuring") {
      if (open.count(id)) continue;
      open[id] = out.size();
      out.push_back({id, it->second.first, at->epoch_seconds, std::nullopt, it->second.second});
    } else if (auto o = open.find(id); o != open.end()) {
      out[o->second].freed_at = at->epoch_seconds;
      open.erase(o);
    }
  }
  return out;
}

void RequestBook::insert(const Request& r, Status initial, const StepNote& note,
                         std::string_view submittedBy) {
  c_.requireWrite("insertRequest");
  auto now = c_.now();
  c_.sql(
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
  c_.insertEvent(note.actor, r.id, name(initial), note.detail);
}

void RequestBook::transition(std::string_view request_id, Status from, Status to,
                             const StepNote& note) {
  c_.requireWrite("transition");
  if (!allowed(from, to))
    throw std::logic_error("no transition " + std::string(name(from)) + " -> " +
                           std::string(name(to)) + " in the lifecycle table");
  auto now = c_.now();
  // Compare-and-set: the row changes only if it is still `from` (and, with a
  // fence, from a status in progress, still held by the fence's owner).
  std::string holder = inProgress(from) ? c_.fence : std::string();
  auto st = c_.sql(
      "UPDATE requests SET status = ?3, updated_at = ?4, "
      // A release that failed leaves the ending as it was (its error and
      // reason) and records its own failure apart.
      "error = CASE WHEN ?2 = 'releasing' AND ?3 != 'released' THEN error "
      "  WHEN ?3 = 'failed' THEN ?5 WHEN ?3 IN ('planning', 'completed', 'released') "
      "  THEN '' ELSE error END, "
      "reason = CASE WHEN ?2 = 'releasing' AND ?3 != 'released' THEN reason "
      "  WHEN ?3 IN ('completed', 'failed', 'released') THEN ?8 "
      "  WHEN ?3 = 'planning' THEN '' ELSE reason END, "
      "release_reason = CASE WHEN ?2 = 'releasing' AND ?3 != 'released' THEN ?8 "
      "  WHEN ?3 IN ('planning', 'releasing') THEN '' ELSE release_reason END, "
      "release_error = CASE WHEN ?2 = 'releasing' AND ?3 != 'released' THEN ?5 "
      "  WHEN ?3 IN ('planning', 'releasing') THEN '' ELSE release_error END, "
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
                     .bind(8, note.reason)
                     .run();
  if (changed != 1) {
    auto current = find(request_id);
    if (current && current->status == from && !holder.empty())
      throw Error(
          ErrorKind::moved,
          "request " + std::string(request_id) + " is " + std::string(name(from)) + " under " +
              (current->owner.empty()
                   ? "no owner, not " + holder +
                         ": this process's lease lapsed; an agent on the ledger, or `colo " +
                         (from == Status::releasing ? "release " : "provision ") +
                         std::string(request_id) + "`, continues it"
                   : current->owner + ", not " + holder +
                         ": this process's lease lapsed and that process took the job over; "
                         "it continues it") +
              "; left as it is here");
    throw Error(ErrorKind::moved, "request " + std::string(request_id) +
                                      (current ? " is " + std::string(name(current->status))
                                               : std::string(" is not in the ledger")) +
                                      ", not " + std::string(name(from)) +
                                      ": another colo process moved it; left as it is");
  }
  std::string detail = note.detail;
  if (!note.error.empty()) detail += (detail.empty() ? "" : ": ") + note.error;
  c_.insertEvent(note.actor, request_id, name(to), detail);
}

void RequestBook::appendEvent(std::string_view actor, std::string_view request_id,
                              std::string_view kind, std::string_view detail) {
  c_.requireWrite("appendEvent");
  c_.checkFence(request_id);
  c_.insertEvent(actor, request_id, kind, detail);
}

}  // namespace colo::inventory
