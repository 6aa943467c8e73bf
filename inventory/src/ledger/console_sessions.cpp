#include "colo/inventory/ledger/console_sessions.h"

#include "connection.h"

namespace colo::inventory {

namespace {

constexpr const char* kColumns =
    "id_sha256, caller, role, token_sha256, csrf, created_at, last_used_at";

ConsoleSessionRow readRow(ledger::Statement& st) {
  return {st.text(0), st.text(1), st.text(2), st.text(3), st.text(4), st.integer(5), st.integer(6)};
}

}  // namespace

void ConsoleSessions::open(ConsoleSessionRow row, std::int64_t now,
                           const ConsoleSessionLimits& limits) {
  row.created = row.last_used = now;
  c_.write([&] {
    c_.sql("DELETE FROM console_sessions WHERE last_used_at <= ?1 OR created_at <= ?2")
        .bind(1, now - limits.idle_timeout_s)
        .bind(2, now - limits.max_age_s)
        .run();
    // `token`'s least recently used sessions, `n` of them.
    auto endOldest = [&](const std::string& token, std::int64_t n) {
      c_.sql(
            "DELETE FROM console_sessions WHERE id_sha256 IN (SELECT id_sha256 FROM "
            "console_sessions WHERE token_sha256 = ?1 ORDER BY last_used_at, created_at, "
            "id_sha256 LIMIT CAST(?2 AS BIGINT))")
          .bind(1, token)
          .bind(2, n)
          .run();
    };
    auto count = [&](std::string_view token) {
      auto st =
          c_.sql(token.empty() ? "SELECT count(*) FROM console_sessions"
                               : "SELECT count(*) FROM console_sessions WHERE token_sha256 = ?1");
      if (!token.empty()) st.bind(1, token);
      st.step();
      return st.integer(0);
    };
    auto perToken = std::max<std::int64_t>(1, limits.max_sessions_per_token);
    if (auto mine = count(row.token_sha256); mine >= perToken)
      endOldest(row.token_sha256, mine - perToken + 1);
    for (auto all = count({}); all > 0 && all >= limits.max_sessions; --all) {
      auto most = c_.sql(
          "SELECT token_sha256 FROM console_sessions GROUP BY token_sha256 ORDER BY count(*) "
          "DESC, token_sha256 LIMIT 1");
      if (!most.step()) break;
      endOldest(most.text(0), 1);
    }
    c_.sql(std::string("INSERT INTO console_sessions (") + kColumns +
           ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
        .bind(1, row.id_sha256)
        .bind(2, row.caller)
        .bind(3, row.role)
        .bind(4, row.token_sha256)
        .bind(5, row.csrf)
        .bind(6, row.created)
        .bind(7, row.last_used)
        .run();
  });
}

std::optional<ConsoleSessionRow> ConsoleSessions::use(std::string_view id_sha256, std::int64_t now,
                                                      const ConsoleSessionLimits& limits) {
  std::optional<ConsoleSessionRow> found;
  auto st =
      c_.sql(std::string("SELECT ") + kColumns + " FROM console_sessions WHERE id_sha256 = ?1");
  st.bind(1, id_sha256);
  if (!st.step()) return std::nullopt;
  found = readRow(st);
  st.reset();
  if (now - found->last_used >= limits.idle_timeout_s || now - found->created >= limits.max_age_s) {
    close(id_sha256);
    return std::nullopt;
  }
  // At most one write a second per session; another agent's use that came
  // between counts as well (the later one wins).
  if (now > found->last_used) {
    c_.write([&] {
      c_.sql(
            "UPDATE console_sessions SET last_used_at = ?2 WHERE id_sha256 = ?1 AND "
            "last_used_at < ?2")
          .bind(1, id_sha256)
          .bind(2, now)
          .run();
    });
    found->last_used = now;
  }
  return found;
}

void ConsoleSessions::close(std::string_view id_sha256) {
  c_.write([&] {
    c_.sql("DELETE FROM console_sessions WHERE id_sha256 = ?1").bind(1, id_sha256).run();
  });
}

std::int64_t ConsoleSessions::count() {
  auto st = c_.sql("SELECT count(*) FROM console_sessions");
  st.step();
  return st.integer(0);
}

}  // namespace colo::inventory
