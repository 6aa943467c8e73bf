// When racks, feeds, rooms and pools run out at the rate the departments
// take them (docs/design.md §16). From the ledger's own history: what each
// request claimed, when it claimed it and when (if ever) it was freed.
// Pure: the caller reads the history and the occupancy; tests hand in both.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "colo/inventory/holding.h"
#include "colo/inventory/time.h"
#include "colo/inventory/usage.h"

namespace colo::inventory {

// Claimed minus freed over the last 30, 90 and 365 days, and over the
// forecast's own window.
struct Consumption {
  std::int64_t d30 = 0, d90 = 0, d365 = 0, window = 0;
};

// One rack (units), feed (usable watts), room (units or watts) or pool
// (addresses).
struct ForecastLine {
  std::string name;
  std::string rack;   // a feed's rack
  u128 capacity = 0;  // units less reserved ones, usable watts, addresses less excluded ones
  u128 used = 0;      // now: installed devices and claims
  Consumption net;
  // The day (local day number) it reaches 80%, 95% and 100% of its
  // capacity at the window's rate: today when it already has, nullopt
  // when the rate is zero or negative or the day is more than a century
  // away ("not at this rate").
  std::optional<std::int64_t> warn_on, critical_on, full_on;

  u128 free() const { return capacity > used ? capacity - used : 0; }
  // At the window's rate, per 30 days.
  double per30d(int windowDays) const {
    return static_cast<double>(net.window) * 30.0 / static_cast<double>(windowDays);
  }
};

struct TenantConsumption {
  std::string tenant;
  Consumption units, watts, addresses;
};

struct Forecast {
  std::int64_t as_of = 0;  // local day number (civilDate gives YYYY-MM-DD)
  int window_days = 90;
  std::vector<ForecastLine> racks, feeds, room_units, room_watts, pools;
  std::vector<TenantConsumption> tenants;  // by tenant code
};

// A window as people write it: "90d" or "90", 1 to 3650 days; nullopt
// otherwise.
std::optional<int> parseWindowDays(std::string_view text);

// The forecast at `now` (epoch seconds) in the site's `zone`, with rates
// over the last `windowDays` (1 to 3650) days.
Forecast forecast(const Occupancy& occupancy, const std::vector<Holding>& history, std::int64_t now,
                  const TimeZone& zone, int windowDays = 90);

}  // namespace colo::inventory
