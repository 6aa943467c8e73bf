// Where a test's ledger lives. The suite runs twice (design.md §12): on SQLite, a
// file in the test's own directory; and as CTest's "postgres" run, where
// COLO_TEST_POSTGRES names the directory of a throwaway PostgreSQL cluster
// (scripts/pg-cluster) and every ledger is a new database in it.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "process.h"
#include "temp_dir.h"

namespace colo::test {

inline const char* postgresCluster() {
  return std::getenv("COLO_TEST_POSTGRES");
}
inline bool onPostgres() {
  return postgresCluster() != nullptr;
}

inline std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// A new, empty ledger state: `dir`/`file` on SQLite, a new database's URI on
// PostgreSQL. Nothing is created on SQLite (`colo init` or the agent does).
inline std::string ledgerState(const TempDir& dir, const std::string& file = "colo.db") {
  if (!onPostgres()) return dir.file(file);
  static std::atomic<int> counter{0};
  static const unsigned salt = std::random_device{}() % 100000;
  std::string name =
      "t" + std::to_string(getpid()) + "_" + std::to_string(salt) + "_" + std::to_string(counter++);
  auto r = run({COLO_SOURCE_DIR "/scripts/pg-cluster", "createdb", postgresCluster(), name}, dir);
  if (r.exit_code != 0) throw std::runtime_error("pg-cluster createdb failed: " + r.err);
  return trimmed(r.out);
}

// Runs SQL on a ledger as sqlite3 or psql print it: a line per row, columns
// separated by '|'.
inline Result ledgerSqlResult(const std::string& state, const std::string& sql,
                              const TempDir& dir) {
  if (state.rfind("postgresql://", 0) == 0)
    return run({"/usr/bin/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", state, "-c", sql},
               dir);
  return run({"/usr/bin/sqlite3", state, sql}, dir);
}
// psql prints booleans as t and f; sqlite3 as 1 and 0, as the tests expect.
inline std::string ledgerSql(const std::string& state, const std::string& sql, const TempDir& dir) {
  auto out = ledgerSqlResult(state, sql, dir).out;
  if (state.rfind("postgresql://", 0) != 0) return out;
  std::string norm, field;
  auto flush = [&] {
    norm += field == "t" ? "1" : field == "f" ? "0" : field;
    field.clear();
  };
  for (char c : out) {
    if (c == '|' || c == '\n') {
      flush();
      norm += c;
    } else {
      field += c;
    }
  }
  flush();
  return norm;
}

// Everything a ledger holds, as text: equal dumps mean nothing changed. On
// PostgreSQL: the rows, sorted, without what changes on its own (pg_dump's
// per-run \restrict key; sequences, which a rolled-back insert advances).
inline std::string ledgerDump(const std::string& state, const TempDir& dir) {
  if (state.rfind("postgresql://", 0) != 0)
    return run({"/usr/bin/sqlite3", state, ".dump"}, dir).out;
  auto dump = run({"/usr/bin/pg_dump", "--data-only", "--no-owner", state}, dir).out;
  std::vector<std::string> lines;
  std::size_t at = 0;
  while (at < dump.size()) {
    auto end = dump.find('\n', at);
    if (end == std::string::npos) end = dump.size();
    auto line = dump.substr(at, end - at);
    at = end + 1;
    if (line.rfind("\\restrict", 0) == 0 || line.rfind("\\unrestrict", 0) == 0 ||
        line.find("pg_catalog.setval") != std::string::npos)
      continue;
    lines.push_back(line);
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

}  // namespace colo::test
