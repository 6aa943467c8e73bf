#include "core/inventory_views.h"

#include <nlohmann/json.hpp>

#include "colo/inventory/usage.h"
#include "core/views.h"

namespace colo::agent {

namespace inv = colo::inventory;
using nlohmann::json;

namespace {

std::string joined(const std::vector<std::string>& items) {
  std::size_t size = 2 + items.size();
  for (const auto& i : items) size += i.size();
  std::string out;
  out.reserve(size);
  out += '[';
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += items[i];
  }
  out += ']';
  return out;
}

}  // namespace

InventoryViews::InventoryViews(inv::OccupancyCache& occupancy,
                               std::function<std::unique_ptr<inv::Ledger>()> openLedger)
    : occupancy_(occupancy), open_(std::move(openLedger)) {}

inv::Ledger& InventoryViews::ledger() {
  if (!ledger_) ledger_ = open_();
  return *ledger_;
}

std::shared_ptr<const InventoryViews::Snapshot> InventoryViews::current() {
  std::lock_guard lock(m_);
  auto& l = ledger();
  inv::OccupancyCache::Snapshot snap;
  l.read([&] {
    if (current_ && l.claims().generation() == current_->generation) return;
    snap = occupancy_.snapshot(l, current_ ? current_->generation : -1);
  });
  if (!snap.occupancy || (current_ && snap.occupancy->generation() == current_->generation))
    return current_;
  auto fresh = std::make_shared<Snapshot>();
  fresh->generation = snap.occupancy->generation();
  fresh->occupancy = snap.occupancy;
  const auto& occ = *snap.occupancy;
  if (current_ && snap.touched) {
    // Only what the changes touched is rendered again.
    fresh->rackItems = current_->rackItems;
    fresh->poolItems = current_->poolItems;
    for (auto r : snap.touched->racks)
      fresh->rackItems[r] = rackJson(inv::rackUsage(occ, r)).dump();
    for (auto p : snap.touched->pools)
      fresh->poolItems[p] = poolJson(inv::poolUsage(occ, p)).dump();
  } else {
    for (std::size_t r = 0; r < occ.inventory().racks.size(); ++r)
      fresh->rackItems.push_back(rackJson(inv::rackUsage(occ, r)).dump());
    for (std::size_t p = 0; p < occ.inventory().pools.size(); ++p)
      fresh->poolItems.push_back(poolJson(inv::poolUsage(occ, p)).dump());
  }
  fresh->racks = joined(fresh->rackItems);
  fresh->pools = joined(fresh->poolItems);
  current_ = fresh;
  return current_;
}

std::shared_ptr<const std::vector<inv::Holding>> InventoryViews::holdings() {
  std::lock_guard lock(m_);
  auto& l = ledger();
  l.read([&] {
    auto generation = l.claims().generation();
    if (holdings_ && generation == holdingsGeneration_) return;
    holdings_ = std::make_shared<const std::vector<inv::Holding>>(l.requests().holdings());
    holdingsGeneration_ = generation;
  });
  return holdings_;
}

}  // namespace colo::agent
