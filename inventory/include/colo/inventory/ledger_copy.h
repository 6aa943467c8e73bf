// Copies of a SQLite ledger, for backups (docs/design.md §6): one made while
// agents and technicians write to it, and one checked before a restore.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace colo::inventory {

// What a ledger file holds, read without writing a byte.
struct LedgerInspection {
  std::string path;
  std::int64_t version = 0;  // its schema version
  std::string integrity;     // "ok", or the first problem SQLite's integrity check found
  // What it holds, in a fixed order: requests (and per status), claims,
  // callbacks waiting, events.
  std::vector<std::pair<std::string, std::int64_t>> counts;
};

// Copies the SQLite ledger at `location` to `to`, consistently while others
// write to it (SQLite's online backup, read as one snapshot; writers are
// not held up). The copy is written beside `to` and renamed into place,
// mode 0600, and checked (integrity) before that. Throws Error:
// invalid_input for a PostgreSQL location (naming the pg_dump command that
// backs it up), a file that is not a colo ledger, or a `to` that exists;
// storage when the copy cannot be written.
void backupLedger(const std::string& location, const std::string& to);

// Opens the ledger file at `path` read-only (not migrated, not written) and
// says what it holds. Throws Error(invalid_input) for a file that is not a
// colo ledger or is from a newer colo, or a PostgreSQL location.
LedgerInspection inspectLedger(const std::string& path);

}  // namespace colo::inventory
