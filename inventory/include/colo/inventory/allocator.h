// Allocation (design.md §5): units, power, ports and addresses for a request.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "colo/inventory/lifecycle.h"
#include "colo/inventory/occupancy.h"
#include "colo/inventory/occupancy_cache.h"
#include "colo/inventory/plan.h"
#include "colo/inventory/request.h"

namespace colo::inventory {

// Places every server of `request` given what is taken. Throws
// Error(exhausted) naming what ran out and the closest candidate, or
// Error(invalid_input) for a request the inventory cannot mean.
Plan allocate(const Occupancy& occupancy, const Request& request);
// The same in the racks marked in `racks` (by index in the inventory),
// every feed staying below its warning level: nothing when they cannot.
std::optional<Plan> allocateWithin(const Occupancy& occupancy, const Request& request,
                                   const std::vector<bool>& racks);

// A plan claimed inside a ledger transaction.
struct ClaimedPlan {
  Plan plan;
  std::int64_t generation = 0;  // the ledger's generation the plan was made from
  std::int64_t claimedAt = 0;   // the ledger's generation after the claim
  int plans = 0;                // how many times it was planned in the transaction
  // After the transaction committed, outside any transaction: lets the
  // cache follow without reading, then runs its self-check if one is due
  // (never run inside the claim's write).
  void committed(Ledger& ledger, OccupancyCache& cache, const std::string& tenant) const {
    cache.committed(plan, tenant, generation, claimedAt);
    cache.checkIfDue(ledger);
  }
};

// Inside Ledger::write: plans `request` against what the ledger holds now
// (the cache follows it first) and claims it. `check` sees the plan first
// and may throw to refuse it (nothing is claimed then).
ClaimedPlan claimNewPlan(Ledger& ledger, const Request& request, OccupancyCache& cache,
                         const std::function<void(const Plan&)>& check = {},
                         const std::optional<ClaimedPlan>& draft = {});
// Before that write, outside any transaction: `request` planned from the
// occupancy as last followed (OccupancyCache::peek), for claimNewPlan to
// start from, so that the write, holding its locks (on SQLite, the one
// write lock), does not search every rack again when nothing changed, and
// searches only the racks it locked when something did (design.md §6).
// Nothing when it does not fit there; the write then plans in full.
std::optional<ClaimedPlan> draftPlan(OccupancyCache& cache, const Request& request);

// "web01 in R01 U10-11; ...": where a plan puts the servers, for step logs.
std::string placementSummary(const Plan& plan);

}  // namespace colo::inventory
