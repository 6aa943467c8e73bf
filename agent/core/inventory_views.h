// The racks and pools as the API and the console show them. They follow
// the process's occupancy (design.md §5, "Following the ledger"): after a
// change only the racks and pools it touched are rendered again. Read
// through a ledger connection of their own, under their own lock, so that
// following a change never holds up what uses the shared ledger (accepting
// a request, say).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "colo/inventory/holding.h"
#include "colo/inventory/ledger.h"
#include "colo/inventory/occupancy_cache.h"

namespace colo::agent {

class InventoryViews {
 public:
  struct Snapshot {
    std::int64_t generation = -1;
    std::shared_ptr<const inventory::Occupancy> occupancy;
    std::string racks, pools;                       // whole lists, as JSON text
    std::vector<std::string> rackItems, poolItems;  // the same, item by item, for pages
  };
  // `occupancy`: the process's (shared with its workers). `openLedger`
  // opens the views' connection, on first use.
  InventoryViews(inventory::OccupancyCache& occupancy,
                 std::function<std::unique_ptr<inventory::Ledger>()> openLedger);
  // What the ledger claims now, rendered; thread-safe.
  std::shared_ptr<const Snapshot> current();
  // What each request held and when (the capacity forecast's history), read
  // when first asked for after a change: only forecasts need it.
  std::shared_ptr<const std::vector<inventory::Holding>> holdings();

 private:
  inventory::Ledger& ledger();

  inventory::OccupancyCache& occupancy_;
  std::function<std::unique_ptr<inventory::Ledger>()> open_;
  std::mutex m_;
  std::unique_ptr<inventory::Ledger> ledger_;
  std::shared_ptr<const Snapshot> current_;
  std::int64_t holdingsGeneration_ = -1;
  std::shared_ptr<const std::vector<inventory::Holding>> holdings_;
};

}  // namespace colo::agent
