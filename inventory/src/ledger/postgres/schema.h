// The PostgreSQL ledger's schema, as versioned steps. A PostgreSQL ledger
// begins at schema 6 (nothing older was ever stored there), so its first
// step creates everything; each later version adds a step here and one for
// SQLite.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace colo::inventory::ledger::postgres {

struct Step {
  std::int64_t to;  // the version the schema has after this step
  std::string sql;
};
std::vector<Step> migrations();

}  // namespace colo::inventory::ledger::postgres
