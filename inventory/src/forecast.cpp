#include "colo/inventory/forecast.h"

#include <map>
#include <stdexcept>

namespace colo::inventory {

namespace {

__extension__ using i128 = __int128;

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kCentury = 36525;  // days

// What one holding took of each thing it touched.
struct Take {
  std::map<std::string, std::int64_t> rackUnits, roomUnits, roomWatts, poolAddresses;
  std::map<std::pair<std::string, std::string>, std::int64_t> feedWatts;  // (rack, feed)
  std::int64_t units = 0, watts = 0, addresses = 0;
};

Take takeOf(const Plan& plan, const Inventory& inv) {
  Take t;
  for (const auto& s : plan.servers) {
    std::string room;
    if (const Rack* r = inv.rack(s.rack)) room = r->room;
    t.rackUnits[s.rack] += s.height;
    t.roomUnits[room] += s.height;
    t.units += s.height;
    for (const auto& f : s.feeds) {
      t.feedWatts[{s.rack, f.feed}] += f.watts;
      t.roomWatts[room] += f.watts;
      t.watts += f.watts;
    }
    for (const auto& n : s.nics)
      for (const auto& a : n.addresses) {
        ++t.poolAddresses[a.pool];
        ++t.addresses;
      }
  }
  return t;
}

// Adds `amount` taken at `claimed` and given back at `freed` to `c`, for
// windows ending at `now`.
void count(Consumption& c, std::int64_t amount, std::int64_t claimed,
           const std::optional<std::int64_t>& freed, std::int64_t now, int windowDays) {
  auto within = [&](std::int64_t at, std::int64_t days) {
    return at > now - days * kDay && at <= now;
  };
  auto add = [&](std::int64_t at, std::int64_t sign) {
    if (within(at, 30)) c.d30 += sign * amount;
    if (within(at, 90)) c.d90 += sign * amount;
    if (within(at, 365)) c.d365 += sign * amount;
    if (within(at, windowDays)) c.window += sign * amount;
  };
  add(claimed, 1);
  if (freed) add(*freed, -1);
}

// The day `line` reaches `percent` of its capacity at the window's rate.
std::optional<std::int64_t> dayAt(const ForecastLine& line, int percent, std::int64_t today,
                                  int windowDays) {
  // In hundredths of a unit, so that 80% of any capacity is exact.
  i128 need = static_cast<i128>(line.capacity) * percent - static_cast<i128>(line.used) * 100;
  if (line.capacity == 0 || need <= 0) return today;
  if (line.net.window <= 0) return std::nullopt;
  // need / 100 units at net.window / windowDays a day, rounded up.
  i128 rate = static_cast<i128>(line.net.window) * 100;
  i128 days = (need * windowDays + rate - 1) / rate;
  if (days > kCentury) return std::nullopt;
  return today + static_cast<std::int64_t>(days);
}

ForecastLine newLine(std::string name, std::string rack, u128 capacity, u128 used) {
  ForecastLine l;
  l.name = std::move(name);
  l.rack = std::move(rack);
  l.capacity = capacity;
  l.used = used;
  return l;
}

void dates(ForecastLine& line, std::int64_t today, int windowDays) {
  line.warn_on = dayAt(line, 80, today, windowDays);
  line.critical_on = dayAt(line, 95, today, windowDays);
  line.full_on = dayAt(line, 100, today, windowDays);
}

}  // namespace

std::optional<int> parseWindowDays(std::string_view text) {
  if (!text.empty() && text.back() == 'd') text.remove_suffix(1);
  if (text.empty() || text.size() > 4) return std::nullopt;
  int days = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    days = days * 10 + (c - '0');
  }
  if (days < 1 || days > 3650) return std::nullopt;
  return days;
}

Forecast forecast(const Occupancy& occupancy, const std::vector<Holding>& history, std::int64_t now,
                  const TimeZone& zone, int windowDays) {
  if (windowDays < 1 || windowDays > 3650)
    throw std::invalid_argument("the forecast's window is 1 to 3650 days, not " +
                                std::to_string(windowDays));
  const Inventory& inv = occupancy.inventory();
  Forecast f;
  f.as_of = zone.localDay(now);
  f.window_days = windowDays;

  std::map<std::string, std::size_t> rackAt, roomUnitsAt, roomWattsAt, poolAt;
  std::map<std::pair<std::string, std::string>, std::size_t> feedAt;
  for (const auto& u : rackUsage(occupancy)) {
    auto rack = newLine(u.name, "", static_cast<u128>(u.height - u.units_reserved),
                        static_cast<u128>(u.units_device + u.units_claimed));
    rackAt[u.name] = f.racks.size();
    f.racks.push_back(rack);
    if (!roomUnitsAt.count(u.room)) {
      roomUnitsAt[u.room] = f.room_units.size();
      f.room_units.push_back(newLine(u.room, "", 0, 0));
      roomWattsAt[u.room] = f.room_watts.size();
      f.room_watts.push_back(newLine(u.room, "", 0, 0));
    }
    f.room_units[roomUnitsAt[u.room]].capacity += rack.capacity;
    f.room_units[roomUnitsAt[u.room]].used += rack.used;
    for (const auto& feed : u.feeds) {
      feedAt[{u.name, feed.name}] = f.feeds.size();
      f.feeds.push_back(newLine(feed.name, u.name, static_cast<u128>(feed.usable_watts),
                                static_cast<u128>(feed.drawn_watts)));
      f.room_watts[roomWattsAt[u.room]].capacity += static_cast<u128>(feed.usable_watts);
      f.room_watts[roomWattsAt[u.room]].used += static_cast<u128>(feed.drawn_watts);
    }
  }
  for (const auto& p : poolUsage(occupancy)) {
    poolAt[p.name] = f.pools.size();
    f.pools.push_back(newLine(p.name, "", p.usable - p.excluded, p.held));
  }

  std::map<std::string, TenantConsumption> tenants;
  for (const auto& h : history) {
    auto t = takeOf(h.plan, inv);
    auto tally = [&](auto& at, auto& lines, const auto& key, std::int64_t amount) {
      if (auto it = at.find(key); it != at.end())
        count(lines[it->second].net, amount, h.claimed_at, h.freed_at, now, windowDays);
    };
    for (const auto& [rack, n] : t.rackUnits) tally(rackAt, f.racks, rack, n);
    for (const auto& [room, n] : t.roomUnits) tally(roomUnitsAt, f.room_units, room, n);
    for (const auto& [room, n] : t.roomWatts) tally(roomWattsAt, f.room_watts, room, n);
    for (const auto& [feed, n] : t.feedWatts) tally(feedAt, f.feeds, feed, n);
    for (const auto& [pool, n] : t.poolAddresses) tally(poolAt, f.pools, pool, n);
    auto& who = tenants[h.tenant];
    who.tenant = h.tenant;
    count(who.units, t.units, h.claimed_at, h.freed_at, now, windowDays);
    count(who.watts, t.watts, h.claimed_at, h.freed_at, now, windowDays);
    count(who.addresses, t.addresses, h.claimed_at, h.freed_at, now, windowDays);
  }
  for (auto* lines : {&f.racks, &f.feeds, &f.room_units, &f.room_watts, &f.pools})
    for (auto& line : *lines) dates(line, f.as_of, windowDays);
  for (auto& [code, t] : tenants) f.tenants.push_back(std::move(t));
  return f;
}

}  // namespace colo::inventory
