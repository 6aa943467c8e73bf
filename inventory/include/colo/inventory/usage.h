// Utilization views of racks and pools, for the CLI and the HTTP API.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "colo/inventory/occupancy.h"

namespace colo::inventory {

struct FeedUsage {
  std::string name;
  int capacity_watts = 0;
  int usable_watts = 0;  // capacity x derate
  int drawn_watts = 0;   // devices and reservations

  int headroom() const { return std::max(0, usable_watts - drawn_watts); }
  // Drawn as a percentage of usable, rounded down (100 when nothing is usable).
  int percent() const { return usable_watts > 0 ? drawn_watts * 100 / usable_watts : 100; }
  // How an administrator should see it: from 80% a warning, from 95% critical.
  enum class Level { ok, high, critical };
  Level level() const {
    return percent() >= 95 ? Level::critical : percent() >= 80 ? Level::high : Level::ok;
  }
};

struct RackUsage {
  std::string name;
  std::string room;
  int height = 0;
  int units_device = 0;    // installed devices
  int units_claimed = 0;   // held by colo requests
  int units_reserved = 0;  // reserved_units
  int units_free = 0;
  int largest_gap = 0;  // largest run of free units
  std::vector<FeedUsage> feeds;
  // The largest server that still fits, by units and power together: its
  // height (0 when no feed has headroom left), and the most it may draw on
  // one feed or, redundant, on each of two feeds at once (0 with one feed).
  int fit_units = 0;
  int fit_watts_single = 0;
  int fit_watts_redundant = 0;
  // Devices and colo servers on one feed in a rack that has two or more:
  // they go dark when that feed does.
  std::vector<std::string> single_fed;
};

struct PoolUsage {
  std::string name;
  std::string prefix;
  int vlan = 0;
  u128 usable = 0;    // addresses that may ever be handed out (not network/broadcast)
  u128 excluded = 0;  // gateway and reserved ranges within those
  u128 held = 0;      // held by requests
  u128 free = 0;
  std::optional<IpAddress> next_free;
};

RackUsage rackUsage(const Occupancy& occupancy, std::size_t rack);
std::vector<RackUsage> rackUsage(const Occupancy& occupancy);
PoolUsage poolUsage(const Occupancy& occupancy, std::size_t pool);
std::vector<PoolUsage> poolUsage(const Occupancy& occupancy);

}  // namespace colo::inventory
