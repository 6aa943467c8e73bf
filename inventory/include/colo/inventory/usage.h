// Utilization views of racks and pools, for the CLI and the HTTP API.
#pragma once

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
std::vector<PoolUsage> poolUsage(const Occupancy& occupancy);

}  // namespace colo::inventory
