#include "core/inventory_views.h"

#include <nlohmann/json.hpp>

#include "colo/inventory/usage.h"
#include "core/views.h"

namespace colo::agent {

namespace inv = colo::inventory;
using nlohmann::json;

InventoryViews::InventoryViews(const inv::Inventory& inventory,
                               std::function<std::unique_ptr<inv::Ledger>()> openLedger)
    : inventory_(inventory), open_(std::move(openLedger)) {}

std::shared_ptr<const InventoryViews::Snapshot> InventoryViews::current() {
  std::lock_guard lock(m_);
  if (!ledger_) ledger_ = open_();
  // The generation and the claims in one read transaction: what was read
  // is what that generation holds.
  std::shared_ptr<Snapshot> fresh;
  ledger_->read([&] {
    auto generation = ledger_->claims().generation();
    if (current_ && generation == current_->generation) return;
    fresh = std::make_shared<Snapshot>();
    fresh->generation = generation;
    fresh->occupancy =
        std::make_shared<const inv::Occupancy>(inventory_, ledger_->claims().all(), generation);
    fresh->holdings =
        std::make_shared<const std::vector<inv::Holding>>(ledger_->requests().holdings());
  });
  if (!fresh) return current_;
  json racks = json::array(), pools = json::array();
  for (const auto& u : inv::rackUsage(*fresh->occupancy)) racks.push_back(rackJson(u));
  for (const auto& p : inv::poolUsage(*fresh->occupancy)) pools.push_back(poolJson(p));
  fresh->racks = racks.dump();
  fresh->pools = pools.dump();
  for (const auto& r : racks) fresh->rackItems.push_back(r.dump());
  for (const auto& p : pools) fresh->poolItems.push_back(p.dump());
  current_ = fresh;
  return current_;
}

}  // namespace colo::agent
