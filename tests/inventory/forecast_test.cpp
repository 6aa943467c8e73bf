// The capacity forecast (design.md §16): rates over 30, 90 and 365 days
// from a year of claims and releases, and the days each rack, feed, room
// and pool reaches 80, 95 and 100% at the window's rate, exactly.
#include <catch2/catch.hpp>

#include "../support/ledger_state.h"
#include "../support/small_site.h"
#include "../support/temp_dir.h"
#include "colo/inventory/allocator.h"
#include "colo/inventory/forecast.h"

using namespace colo::inventory;
using colo::test::smallInventory;

namespace {

const TimeZone kZone = TimeZone::named("Asia/Pontianak");
// 2027-01-01 00:00 WIB.
const std::int64_t kNow = kZone.startOfDay(*dayNumber("2027-01-01"));

std::int64_t daysAgo(int days) {
  return kNow - std::int64_t{days} * 86400 + 3600;  // an hour into that day
}

// One 2U server in R03 (room-2, feed R03-A) drawing `watts`, with one
// address of pub-v4.
Holding held(const std::string& id, const std::string& tenant, int firstUnit, int watts,
             const std::string& address, int claimedDaysAgo,
             std::optional<int> freedDaysAgo = std::nullopt) {
  Holding h;
  h.request_id = id;
  h.tenant = tenant;
  h.claimed_at = daysAgo(claimedDaysAgo);
  if (freedDaysAgo) h.freed_at = daysAgo(*freedDaysAgo);
  ServerPlacement s;
  s.hostname = id + "-srv";
  s.rack = "R03";
  s.first_unit = firstUnit;
  s.height = 2;
  s.power_watts = watts;
  s.feeds = {{"R03-A", watts}};
  NicAssignment nic;
  nic.switch_name = "tor-r03";
  nic.port = "ge-0/0/" + std::to_string(firstUnit);
  nic.vlan = 120;
  nic.addresses = {{"pub-v4", *IpAddress::parse(address), 29, std::nullopt}};
  s.nics = {nic};
  h.plan = {id, {s}};
  return h;
}

// What the ledger holds now: the claims of the holdings not freed.
Claims claimsOf(const std::vector<Holding>& history) {
  Claims c;
  for (const auto& h : history) {
    if (h.freed_at) continue;
    for (const auto& s : h.plan.servers) {
      for (int u = s.first_unit; u <= s.last_unit(); ++u)
        c.units.push_back({s.rack, u, h.request_id, s.hostname, h.tenant});
      for (const auto& f : s.feeds)
        c.power.push_back({s.rack, f.feed, f.watts, h.request_id, s.hostname});
      for (const auto& n : s.nics)
        for (const auto& a : n.addresses)
          c.addresses.push_back({a.pool, a.address, h.request_id, s.hostname});
    }
  }
  return c;
}

const ForecastLine& line(const std::vector<ForecastLine>& lines, const std::string& name) {
  for (const auto& l : lines)
    if (l.name == name) return l;
  FAIL("no line " << name);
  return lines.front();
}

std::string day(const std::optional<std::int64_t>& d) {
  return d ? civilDate(*d) : "not at this rate";
}

}  // namespace

TEST_CASE("forecast: a year of claims and releases gives exact rates and dates", "[dates]") {
  auto inv = smallInventory();
  std::vector<Holding> history = {
      held("REQ-1", "BAPPEDA", 1, 200, "192.0.2.2", 300),      // held all along
      held("REQ-2", "DINKES", 3, 100, "192.0.2.3", 60, 10),    // freed ten days ago
      held("REQ-3", "BAPPEDA", 5, 100, "192.0.2.4", 20),       // the newest
      held("REQ-4", "DINKES", 7, 300, "192.0.2.5", 400, 380),  // before the year began
  };
  Occupancy occ(inv, claimsOf(history), 1);
  auto f = forecast(occ, history, kNow, kZone, 90);
  CHECK(civilDate(f.as_of) == "2027-01-01");
  CHECK(f.window_days == 90);

  // R03: 10 units, 4 held. Claimed minus freed: 30 days +2 -2, 90 days +2
  // +2 -2, 365 days all three.
  const auto& r03 = line(f.racks, "R03");
  CHECK(r03.capacity == 10);
  CHECK(r03.used == 4);
  CHECK(r03.free() == 6);
  CHECK(r03.net.d30 == 0);
  CHECK(r03.net.d90 == 2);
  CHECK(r03.net.d365 == 4);
  CHECK(r03.per30d(90) == Approx(2.0 / 3.0));
  // 2 units per 90 days: 80% (8 units) needs 4 more, 180 days; 95% (9.5)
  // 5.5 more, 247.5 days, so the 248th; 100% 6 more, 270 days.
  CHECK(day(r03.warn_on) == "2027-06-30");
  CHECK(day(r03.critical_on) == "2027-09-06");
  CHECK(day(r03.full_on) == "2027-09-28");

  // Its feed: 800 W usable (derate 0.8), 300 W drawn; 100 W per 90 days
  // (REQ-2's 100 W came and went).
  const auto& feed = line(f.feeds, "R03-A");
  CHECK(feed.rack == "R03");
  CHECK(feed.capacity == 800);
  CHECK(feed.used == 300);
  CHECK(feed.net.d90 == 100);
  CHECK(day(feed.warn_on) == civilDate(f.as_of + 306));  // 340 W more at 100 W per 90 days
  CHECK(day(feed.full_on) == civilDate(f.as_of + 450));  // 500 W more
  // Room 2 is R03 alone; room 1 has R01 and R02, with nothing claimed.
  CHECK(line(f.room_units, "room-2").net.d90 == 2);
  CHECK(line(f.room_watts, "room-2").used == 300);
  const auto& room1 = line(f.room_units, "room-1");
  CHECK(room1.capacity == 19);  // R01 10 less its reserved unit, R02 10
  CHECK(room1.used == 3);       // R01's switch (1U) and dinkes-db01 (2U)
  CHECK_FALSE(room1.full_on);   // nothing taken there: not at this rate

  // pub-v4: 5 addresses may be handed out (6 hosts less the gateway), 2 held.
  const auto& pool = line(f.pools, "pub-v4");
  CHECK(pool.capacity == 5);
  CHECK(pool.used == 2);
  CHECK(pool.net.d90 == 1);
  CHECK(day(pool.warn_on) == civilDate(f.as_of + 180));  // 4 held: 2 more at 1 per 90 days
  CHECK(day(pool.full_on) == civilDate(f.as_of + 270));

  // Per department: what each took, net.
  REQUIRE(f.tenants.size() == 2);
  CHECK(f.tenants[0].tenant == "BAPPEDA");
  CHECK(f.tenants[0].units.d365 == 4);
  CHECK(f.tenants[0].watts.d30 == 100);
  CHECK(f.tenants[1].tenant == "DINKES");
  CHECK(f.tenants[1].units.d90 == 0);
  CHECK(f.tenants[1].addresses.d365 == 0);

  // Over the last 30 days nothing was taken, net: no date.
  auto month = forecast(occ, history, kNow, kZone, 30);
  CHECK_FALSE(line(month.racks, "R03").full_on);
  CHECK(line(month.racks, "R03").per30d(30) == 0.0);
  // A year: 4 units in 365 days; 6 more take 547.5 days.
  auto year = forecast(occ, history, kNow, kZone, 365);
  CHECK(day(line(year.racks, "R03").full_on) == civilDate(year.as_of + 548));
  CHECK_THROWS(forecast(occ, history, kNow, kZone, 0));
}

TEST_CASE(
    "forecast: a full rack and a full pool are full today, and a pool nothing was taken "
    "from is not full at this rate") {
  auto inv = smallInventory();
  std::vector<Holding> history;
  for (int i = 0; i < 5; ++i)
    history.push_back(held("REQ-F" + std::to_string(i), "BAPPEDA", 1 + 2 * i, 100,
                           "192.0.2." + std::to_string(2 + i), 10));
  Occupancy occ(inv, claimsOf(history), 1);
  auto f = forecast(occ, history, kNow, kZone, 90);
  const auto& r03 = line(f.racks, "R03");
  CHECK(r03.free() == 0);
  CHECK(r03.full_on == f.as_of);
  CHECK(r03.warn_on == f.as_of);
  CHECK(line(f.pools, "pub-v4").full_on == f.as_of);
  // Nothing taken from pub-v6: not at this rate.
  CHECK_FALSE(line(f.pools, "pub-v6").full_on);
}

TEST_CASE("holdings: each reservation from the claim's commit until it was freed", "[ledger]") {
  colo::test::TempDir dir;
  auto inv = smallInventory();
  std::int64_t now = kNow * 1000;
  Ledger ledger(colo::test::ledgerState(dir), Ledger::Open::create, [&] { return now; });
  auto at = [&](int day) { now = (kNow + std::int64_t{day} * 86400) * 1000; };
  auto claim = [&](const Request& req) {
    Occupancy occ(inv, ledger.claims().all(), ledger.claims().generation());
    ledger.claims().claim(allocate(occ, req), req.tenant.code);
  };
  auto move = [&](const std::string& id, Status from, Status to) {
    ledger.requests().transition(id, from, to, {"test", "", "", ""});
  };
  auto one = colo::test::request("REQ-1", {{"a", 2, 100, false, {{"pub-v4"}}}});
  auto two = colo::test::request("REQ-2", {{"b", 1, 100, false, {}}});
  auto three = colo::test::request("REQ-3", {{"c", 1, 100, false, {}}});
  // REQ-1: reserved (colo reserve) on day 0, released on day 5.
  at(0);
  ledger.write([&] {
    ledger.requests().insert(one, Status::planning, {"test", "", "", ""});
    claim(one);
    move("REQ-1", Status::planning, Status::reserved);
  });
  at(5);
  ledger.write([&] {
    ledger.claims().unclaim("REQ-1");
    move("REQ-1", Status::reserved, Status::released);
  });
  // REQ-2: claimed on its way to configuring on day 10, failed on day 11,
  // tried again on day 20 and completed: held since.
  at(10);
  ledger.write([&] {
    ledger.requests().insert(two, Status::planning, {"test", "", "", ""});
    claim(two);
    move("REQ-2", Status::planning, Status::configuring);
  });
  at(11);
  ledger.write([&] {
    ledger.claims().unclaim("REQ-2");
    move("REQ-2", Status::configuring, Status::failed);
  });
  at(20);
  ledger.write([&] {
    move("REQ-2", Status::failed, Status::planning);
    claim(two);
    move("REQ-2", Status::planning, Status::configuring);
  });
  at(21);
  ledger.write([&] { move("REQ-2", Status::configuring, Status::completed); });
  // REQ-3 failed before it claimed anything: it never held.
  ledger.write([&] {
    ledger.requests().insert(three, Status::planning, {"test", "", "", ""});
    move("REQ-3", Status::planning, Status::failed);
  });

  auto h = ledger.requests().holdings();
  REQUIRE(h.size() == 3);
  CHECK(h[0].request_id == "REQ-1");
  CHECK(h[0].tenant == "BAPPEDA");
  CHECK(h[0].claimed_at == kNow);
  CHECK(h[0].freed_at == kNow + 5 * 86400);
  CHECK(h[0].plan.servers.at(0).height == 2);
  CHECK(h[0].plan.servers.at(0).nics.at(0).addresses.size() == 1);
  CHECK(h[1].request_id == "REQ-2");
  CHECK(h[1].claimed_at == kNow + 10 * 86400);
  CHECK(h[1].freed_at == kNow + 11 * 86400);
  CHECK(h[2].request_id == "REQ-2");
  CHECK(h[2].claimed_at == kNow + 20 * 86400);
  CHECK_FALSE(h[2].freed_at);
}

TEST_CASE("forecast: a year of claims and releases through the ledger's clock, dates exact",
          "[ledger]") {
  // A 1U server claimed in R03 every 30 days (days 0 to 330); those of
  // days 0, 90, 180 and 270 released 15 days later. As of day 365: 8 units
  // held of 10; net over 30 days 0, over 90 days +1 (days 300 and 330, less
  // the release of day 285), over 365 days +7.
  colo::test::TempDir dir;
  auto inv = smallInventory();
  std::int64_t now = kNow * 1000;
  Ledger ledger(colo::test::ledgerState(dir), Ledger::Open::create, [&] { return now; });
  auto at = [&](int day) { now = (kNow + std::int64_t{day} * 86400) * 1000; };
  for (int i = 0; i < 12; ++i) {
    std::string id = "REQ-Y" + std::to_string(i);
    auto req = colo::test::request(id, {{"y" + std::to_string(i), 1, 50, false, {}}});
    at(30 * i);
    ledger.write([&] {
      ledger.requests().insert(req, Status::planning, {"test", "", "", ""});
      ServerPlacement s;
      s.hostname = "y" + std::to_string(i);
      s.rack = "R03";
      s.first_unit = i < 10 ? i + 1 : i == 10 ? 1 : 4;  // units of released ones, again
      s.height = 1;
      s.power_watts = 50;
      s.feeds = {{"R03-A", 50}};
      ledger.claims().claim(Plan{id, {s}}, "BAPPEDA");
      ledger.requests().transition(id, Status::planning, Status::reserved, {"test", "", "", ""});
    });
    if (i % 3 == 0) {
      at(30 * i + 15);
      ledger.write([&] {
        ledger.claims().unclaim(id);
        ledger.requests().transition(id, Status::reserved, Status::released, {"test", "", "", ""});
      });
    }
  }
  const std::int64_t asOf = kNow + 365 * 86400;
  Occupancy occ(inv, ledger.claims().all(), ledger.claims().generation());
  auto history = ledger.requests().holdings();
  REQUIRE(history.size() == 12);
  auto f = forecast(occ, history, asOf, kZone, 90);
  const auto& r03 = line(f.racks, "R03");
  CHECK(r03.used == 8);
  CHECK(r03.net.d30 == 0);
  CHECK(r03.net.d90 == 1);
  CHECK(r03.net.d365 == 7);
  CHECK(r03.warn_on == f.as_of);  // 8 of 10 already
  // 1.5 more units at 1 per 90 days: 135 days; 2 more: 180.
  CHECK(r03.critical_on == f.as_of + 135);
  CHECK(r03.full_on == f.as_of + 180);
  // Its feed: 400 W drawn of 800 usable, 50 W per 90 days net: 80% (640 W)
  // in 432 days, full in 720.
  const auto& feed = line(f.feeds, "R03-A");
  CHECK(feed.used == 400);
  CHECK(feed.warn_on == f.as_of + 432);
  CHECK(feed.full_on == f.as_of + 720);
  // At the year's rate, 7 units in 365 days: 95% in 78.2 days (the 79th),
  // full in 104.3 (the 105th).
  auto year = forecast(occ, history, asOf, kZone, 365);
  CHECK(line(year.racks, "R03").critical_on == year.as_of + 79);
  CHECK(line(year.racks, "R03").full_on == year.as_of + 105);
  CHECK(civilDate(year.as_of) == "2028-01-01");
}
