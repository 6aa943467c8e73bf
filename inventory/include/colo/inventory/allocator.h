// Allocation (design.md §5): units, power, ports and addresses for a request.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "colo/inventory/lifecycle.h"
#include "colo/inventory/occupancy.h"
#include "colo/inventory/plan.h"
#include "colo/inventory/request.h"

namespace colo::inventory {

// Places every server of `request` given what is taken. Throws
// Error(exhausted) naming what ran out and the closest candidate, or
// Error(invalid_input) for a request the inventory cannot mean.
Plan allocate(const Occupancy& occupancy, const Request& request);

// A plan claimed inside a ledger transaction.
struct ClaimedPlan {
  Plan plan;
  std::int64_t generation = 0;  // the ledger's generation the plan was made from
  std::int64_t claimedAt = 0;   // the ledger's generation after the claim
  // After the transaction committed: lets the cache follow without a rebuild.
  void committed(std::unique_ptr<Occupancy>& cache, const std::string& tenant) const;
};

// Inside Ledger::write: plans `request` against what the ledger holds now and
// claims it. `check` sees the plan first and may throw to refuse it (nothing
// is claimed then). `cache` holds the occupancy between calls and is rebuilt
// when another writer changed the ledger.
ClaimedPlan claimNewPlan(Ledger& ledger, const Inventory& inventory, const Request& request,
                         std::unique_ptr<Occupancy>& cache,
                         const std::function<void(const Plan&)>& check = {});

// "web01 in R01 U10-11; ...": where a plan puts the servers, for step logs.
std::string placementSummary(const Plan& plan);

}  // namespace colo::inventory
