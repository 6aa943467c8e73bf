#include "colo/inventory/usage.h"

#include <algorithm>

namespace colo::inventory {

RackUsage rackUsage(const Occupancy& occ, std::size_t r) {
  const Rack& rack = occ.inventory().racks[r];
  RackUsage u;
  u.name = rack.name;
  u.room = rack.room;
  u.height = rack.height;
  const auto& units = occ.units(r);
  int run = 0;
  for (std::size_t i = 1; i < units.size(); ++i) {
    switch (units[i].kind) {
      case UnitOccupant::Kind::free:
        ++u.units_free;
        u.largest_gap = std::max(u.largest_gap, ++run);
        continue;
      case UnitOccupant::Kind::device:
        ++u.units_device;
        break;
      case UnitOccupant::Kind::claimed:
        ++u.units_claimed;
        break;
      case UnitOccupant::Kind::reserved:
        ++u.units_reserved;
        break;
    }
    run = 0;
  }
  for (std::size_t f = 0; f < rack.feeds.size(); ++f)
    u.feeds.push_back({rack.feeds[f].name, rack.feeds[f].capacity_watts,
                       rack.usableWatts(rack.feeds[f]), occ.drawn(r, f)});
  std::vector<int> headroom;
  for (const auto& f : u.feeds) headroom.push_back(f.headroom());
  std::sort(headroom.rbegin(), headroom.rend());
  if (!headroom.empty() && headroom[0] > 0) {
    u.fit_units = u.largest_gap;
    u.fit_watts_single = u.largest_gap > 0 ? headroom[0] : 0;
    u.fit_watts_redundant = u.largest_gap > 0 && headroom.size() > 1 ? headroom[1] : 0;
  }
  if (rack.feeds.size() > 1)
    for (const auto& load : occ.loads(r))
      if (load.feeds.size() == 1) u.single_fed.push_back(load.name);
  return u;
}

std::vector<RackUsage> rackUsage(const Occupancy& occ) {
  std::vector<RackUsage> out;
  for (std::size_t r = 0; r < occ.inventory().racks.size(); ++r) out.push_back(rackUsage(occ, r));
  return out;
}

PoolUsage poolUsage(const Occupancy& occ, std::size_t p) {
  const IpPool& pool = occ.inventory().pools[p];
  PoolUsage u;
  u.name = pool.name;
  u.prefix = pool.prefix.str();
  u.vlan = pool.vlan;
  u128 lo = pool.firstUsable(), hi = pool.lastUsable();
  u.usable = hi >= lo ? hi - lo + 1 : 0;
  u128 taken = occ.addressesTaken(p).countWithin(lo, hi);
  u.held = occ.addressesClaimed(p);
  u.excluded = taken >= u.held ? taken - u.held : 0;
  u.free = u.usable - taken;
  if (auto next = occ.addressesTaken(p).firstGap(lo, hi))
    u.next_free = IpAddress{*next, pool.prefix.network.v6};
  return u;
}

std::vector<PoolUsage> poolUsage(const Occupancy& occ) {
  std::vector<PoolUsage> out;
  for (std::size_t p = 0; p < occ.inventory().pools.size(); ++p) out.push_back(poolUsage(occ, p));
  return out;
}

}  // namespace colo::inventory
