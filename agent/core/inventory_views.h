// The racks and pools as the API and the console show them, rendered once
// per change of what is claimed: reads are frequent, changes rare. Built
// from a ledger connection of its own, under its own lock, so that
// rebuilding after a change never holds up what uses the shared ledger
// (accepting a request, say).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "colo/inventory/ledger.h"
#include "colo/inventory/occupancy.h"

namespace colo::agent {

class InventoryViews {
 public:
  struct Snapshot {
    std::int64_t generation = -1;
    std::shared_ptr<const inventory::Occupancy> occupancy;
    // What each request held and when, as of the same generation (the
    // capacity forecast's history).
    std::shared_ptr<const std::vector<inventory::Holding>> holdings;
    std::string racks, pools;                       // whole lists, as JSON text
    std::vector<std::string> rackItems, poolItems;  // the same, item by item, for pages
  };
  // `openLedger` opens its connection, on first use.
  InventoryViews(const inventory::Inventory& inventory,
                 std::function<std::unique_ptr<inventory::Ledger>()> openLedger);
  // What the ledger claims now, rendered; thread-safe.
  std::shared_ptr<const Snapshot> current();

 private:
  const inventory::Inventory& inventory_;
  std::function<std::unique_ptr<inventory::Ledger>()> open_;
  std::mutex m_;
  std::unique_ptr<inventory::Ledger> ledger_;
  std::shared_ptr<const Snapshot> current_;
};

}  // namespace colo::agent
