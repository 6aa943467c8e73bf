// The occupancy follows the ledger change by change (design.md §5,
// "Following the ledger"): what it holds after any sequence of claims and
// frees is what a process reading every claim would build, and each step
// reads only the requests that changed.
#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "../support/ledger_state.h"
#include "../support/small_site.h"
#include "../support/temp_dir.h"
#include "colo/inventory/allocator.h"
#include "colo/inventory/error.h"
#include "colo/inventory/occupancy_cache.h"
#include "colo/inventory/usage.h"

using namespace colo::inventory;
using colo::test::request;
using colo::test::smallInventory;
using colo::test::TempDir;

namespace {

// A reservation through `cache`, as `colo reserve` makes one.
std::optional<Plan> reserve(Ledger& ledger, OccupancyCache& cache, const Request& req) {
  std::optional<ClaimedPlan> claimed;
  try {
    ledger.write([&] {
      ledger.requests().insert(req, Status::planning, {"t", "reserve", "", ""});
      claimed = claimNewPlan(ledger, req, cache);
      ledger.requests().transition(req.id, Status::planning, Status::reserved,
                                   {"t", "reserved", "", ""});
    });
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::exhausted) throw;
    return std::nullopt;
  }
  claimed->committed(ledger, cache, req.tenant.code);
  return claimed->plan;
}

// What a process that reads every claim now builds.
std::string differenceFromLedger(Ledger& ledger, OccupancyCache& cache) {
  std::string difference;
  ledger.read([&] {
    Occupancy full(cache.inventory(), ledger.claims().all(), ledger.claims().generation());
    cache.use(ledger, [&](const Occupancy& followed) {
      CHECK(followed.generation() == full.generation());
      difference = followed.difference(full);
    });
  });
  return difference;
}

// Two processes on one ledger, each with its occupancy.
struct TwoProcesses {
  TempDir dir;
  Inventory inv = smallInventory();
  std::string state = colo::test::ledgerState(dir);
  Ledger a{state, Ledger::Open::create}, b{state};
  OccupancyCache cacheA{inv}, cacheB{inv};
};

}  // namespace

TEST_CASE("the occupancy follows claims and frees as a full read of the claims builds it",
          "[ledger]") {
  // One process reserves (and follows its own claims without reading), the
  // other only follows what the ledger says changed.
  TwoProcesses site;
  auto &writer = site.a, &reader = site.b;
  auto &mine = site.cacheA, &theirs = site.cacheB;
  std::mt19937 random(20261206);
  std::vector<std::string> held;
  int next = 0;
  for (int step = 0; step < 120; ++step) {
    INFO("step " << step);
    auto pick = random() % 10;
    if (pick < 5 || held.empty()) {
      auto id = "REQ-" + std::to_string(next++);
      int units = 1 + static_cast<int>(random() % 3);
      bool redundant = random() % 2 == 0;
      std::vector<std::vector<std::string>> nics;
      if (random() % 3 != 0) nics.push_back({"pub-v4"});
      if (random() % 4 == 0) nics.push_back({"pub-v4", "pub-v6"});
      if (reserve(writer, mine, request(id, {{"h" + id, units, 150, redundant, nics}})))
        held.push_back(id);
    } else {
      auto i = random() % held.size();
      auto id = held[i];
      writer.write([&] {
        switch (pick) {
          case 5:
          case 6:
          case 7:
            writer.claims().unclaim(id);
            break;
          case 8:
            writer.claims().unclaimAllButPorts(id);
            break;
          default:
            for (const auto& p : writer.claims().portsOf(id)) {
              writer.claims().unclaimPort(id, p.switch_name, p.port);
              break;
            }
        }
      });
      if (pick <= 7) held.erase(held.begin() + static_cast<std::ptrdiff_t>(i));
    }
    CHECK(differenceFromLedger(writer, mine) == "");
    if (step % 7 == 0) CHECK(differenceFromLedger(reader, theirs) == "");
  }
  CHECK(differenceFromLedger(reader, theirs) == "");
  // Each was built once; every other step read only what changed.
  CHECK(mine.stats().builds == 1);
  CHECK(theirs.stats().builds == 1);
  CHECK(theirs.stats().follows > 10);
  CHECK(theirs.stats().requestsRead <= 120);
}

TEST_CASE("a follow reads only the requests whose claims changed", "[ledger]") {
  TwoProcesses site;
  auto &a = site.a, &b = site.b;
  auto &cacheA = site.cacheA, &cacheB = site.cacheB;
  for (int i = 0; i < 6; ++i)
    REQUIRE(reserve(a, cacheA, request("REQ-" + std::to_string(i), {{"h", 1, 100, false, {}}})));
  b.read([&] { cacheB.use(b, [](const Occupancy&) {}); });
  CHECK(cacheB.stats().builds == 1);

  // Another process reserves one and frees another: two requests read.
  REQUIRE(reserve(a, cacheA, request("REQ-6", {{"h", 1, 100, false, {{"pub-v4"}}}})));
  a.write([&] { a.claims().unclaim("REQ-2"); });
  std::int64_t seen = -1;
  auto snap = [&] {
    std::optional<OccupancyCache::Snapshot> s;
    b.read([&] { s = cacheB.snapshot(b, seen); });
    return *s;
  };
  auto before = snap();
  seen = before.occupancy->generation();
  REQUIRE(reserve(a, cacheA, request("REQ-7", {{"h", 1, 100, false, {{"pub-v4"}}}})));
  a.write([&] { a.claims().unclaim("REQ-3"); });
  auto after = snap();
  CHECK(cacheB.stats().builds == 1);
  CHECK(cacheB.stats().follows == 2);
  CHECK(cacheB.stats().requestsRead == 4);
  CHECK(after.occupancy->generation() == seen + 2);
  // What changed since the earlier snapshot: REQ-7's rack and pool, REQ-3's rack.
  REQUIRE(after.touched);
  CHECK(!after.touched->racks.empty());
  CHECK(after.touched->pools == std::vector<std::size_t>{0});
  // The earlier snapshot stays as it was.
  auto heldIn = [](const Occupancy& occ) {
    std::size_t n = 0;
    for (std::size_t r = 0; r < occ.inventory().racks.size(); ++r)
      n += static_cast<std::size_t>(rackUsage(occ, r).units_claimed);
    return n;
  };
  CHECK(heldIn(*before.occupancy) == 6);  // REQ-0..6 but REQ-2
  CHECK(heldIn(*after.occupancy) == 6);   // REQ-7 in, REQ-3 out
  CHECK(poolUsage(*before.occupancy, 0).held == 1);
  CHECK(poolUsage(*after.occupancy, 0).held == 2);
}

TEST_CASE("a process further behind than the changes kept reads every claim again", "[ledger]") {
  TwoProcesses site;
  auto &a = site.a, &b = site.b;
  auto &cacheA = site.cacheA, &cacheB = site.cacheB;
  REQUIRE(reserve(a, cacheA, request("REQ-1", {{"h", 1, 100, false, {}}})));
  b.read([&] { cacheB.use(b, [](const Occupancy&) {}); });
  REQUIRE(reserve(a, cacheA, request("REQ-2", {{"h", 1, 100, false, {}}})));
  // As if pruned: the change B would need is gone.
  colo::test::ledgerSql(site.state, "DELETE FROM claim_changes", site.dir);
  CHECK(differenceFromLedger(b, cacheB) == "");
  CHECK(cacheB.stats().builds == 2);
}

TEST_CASE("freeing a claim gives back what the inventory says, conflicts and all") {
  auto inv = smallInventory();
  Claims claims;
  claims.units.push_back({"R02", 5, "REQ-1", "web01", "BAPPEDA"});  // dinkes-db01 is there
  claims.units.push_back({"R01", 1, "REQ-1", "web01", "BAPPEDA"});  // reserved unit
  claims.units.push_back({"R03", 4, "REQ-2", "web02", "BAPPEDA"});
  claims.power.push_back({"R03", "R03-A", 900, "REQ-2", "web02"});
  claims.power.push_back({"R03", "R03-A", 400, "REQ-3", "web03"});          // over 1000 W together
  claims.ports.push_back({"tor-r01", "Ethernet1", 120, "REQ-1", "web01"});  // in_use
  claims.ports.push_back({"tor-r01", "Ethernet2", 120, "REQ-2", "web02"});
  claims.addresses.push_back({"pub-v4", *IpAddress::parse("192.0.2.1"), "REQ-1", "web01"});
  claims.addresses.push_back({"pub-v4", *IpAddress::parse("192.0.2.3"), "REQ-2", "web02"});
  Occupancy occ(inv, {}, 0);
  auto empty = Occupancy(inv, {}, 0);
  auto touched = occ.follow({"REQ-1", "REQ-2", "REQ-3"}, claims, 1);
  CHECK(touched.racks == std::vector<std::size_t>{0, 1, 2});
  CHECK(touched.switches == std::vector<std::size_t>{0});
  CHECK(touched.pools == std::vector<std::size_t>{0});
  CHECK(occ.difference(Occupancy(inv, claims, 1)) == "");
  CHECK(occ.conflicts().size() == 5);  // device, reserved unit, in_use port, gateway, feed
  CHECK(occ.freePorts(0) == 2);
  // Everything freed: the inventory's own state again, with no conflict.
  occ.follow({"REQ-1", "REQ-2", "REQ-3"}, {}, 2);
  CHECK(occ.difference(empty) == "");
  CHECK(occ.conflicts().empty());
  CHECK(occ.units(1)[5].kind == UnitOccupant::Kind::device);
  CHECK(occ.units(0)[1].kind == UnitOccupant::Kind::reserved);
  CHECK(occ.portTaken(0, 0));  // Ethernet1 is in use
  CHECK(occ.addressesTaken(0).contains(IpAddress::parse("192.0.2.1")->value));  // gateway
  CHECK_FALSE(occ.addressesTaken(0).contains(IpAddress::parse("192.0.2.3")->value));
  CHECK(occ.freePorts(0) == 3);
  // A snapshot does not follow.
  Occupancy copy(occ);
  CHECK_THROWS_AS(copy.follow({"REQ-1"}, claims, 3), std::logic_error);
}

namespace {

// Many claims whose tables list the requests in different orders: each
// table's order is its own (a request freed and claimed again moves to the
// end of one and not another), and some requests have no row in a table.
Claims manyClaims(int requests) {
  Claims claims;
  auto v6 = IpAddress::parse("2001:db8:1::100")->value;
  for (int i = 0; i < requests; ++i) {
    auto id = "REQ-" + std::to_string(i), host = "h" + std::to_string(i);
    if (i < 8) claims.units.push_back({"R03", i + 1, id, host, "BAPPEDA"});
    for (int a = 0; a < 10; ++a)
      claims.addresses.push_back(
          {"pub-v6", IpAddress{v6 + static_cast<u128>(i * 10 + a), true}, id, host});
  }
  for (int i = requests - 1; i >= 0; i -= 3)
    claims.power.push_back(
        {"R01", "R01-A", 1, "REQ-" + std::to_string(i), "h" + std::to_string(i)});
  claims.ports.push_back({"tor-r01", "Ethernet2", 120, "REQ-5", "h5"});
  return claims;
}

std::vector<std::string> idsOf(int requests) {
  std::vector<std::string> ids;
  for (int i = 0; i < requests; ++i) ids.push_back("REQ-" + std::to_string(i));
  return ids;
}
}  // namespace

TEST_CASE("an occupancy built while its rows are read on another thread is the same") {
  auto inv = smallInventory();
  const int n = 1000;  // 10,000 address rows: several of the reader's batches
  auto claims = manyClaims(n);
  auto feed = [&](ClaimSink& sink) {
    for (const auto& u : claims.units) sink.unit(u);
    for (const auto& p : claims.power) sink.power(p);
    for (const auto& p : claims.ports) sink.port(p);
    for (const auto& a : claims.addresses) sink.address(a);
  };
  Occupancy inline_(inv, claims, 1);
  Occupancy apart(inv, 1, Occupancy::ClaimRows{feed, true});
  CHECK(apart.difference(inline_) == "");
  CHECK(apart.addressesTaken(1).contains(IpAddress::parse("2001:db8:1::100")->value + 9999));
  CHECK(apart.units(2)[8].request_id == "REQ-7");
  // What each request holds was kept whatever order its rows came in:
  // freeing them all gives back the inventory's own state.
  Occupancy empty(inv, {}, 2);
  apart.follow(idsOf(n), {}, 2);
  inline_.follow(idsOf(n), {}, 2);
  CHECK(apart.difference(empty) == "");
  CHECK(inline_.difference(empty) == "");
}

TEST_CASE("a read that fails on the reader's thread fails the build, with its error") {
  auto inv = smallInventory();
  auto claims = manyClaims(1000);
  int given = 0;
  auto feed = [&](ClaimSink& sink) {
    for (const auto& a : claims.addresses) {
      if (++given == 9000) throw Error(ErrorKind::storage, "ledger x.db: disk I/O error");
      sink.address(a);
    }
  };
  REQUIRE_THROWS_WITH(Occupancy(inv, 1, Occupancy::ClaimRows{feed, true}),
                      "ledger x.db: disk I/O error");
  CHECK(given == 9000);
}

TEST_CASE("a rack's loads are its devices, then colo's servers by request and hostname") {
  auto inv = smallInventory();
  Claims claims;
  claims.power.push_back({"R02", "R02-A", 100, "REQ-2", "b"});
  claims.power.push_back({"R02", "R02-A", 100, "REQ-1", "z"});
  claims.power.push_back({"R02", "R02-B", 100, "REQ-1", "z"});
  claims.power.push_back({"R02", "R02-B", 100, "REQ-1", "a"});
  Occupancy occ(inv, claims, 0);
  std::vector<std::string> names;
  for (const auto& l : occ.loads(1)) names.push_back(l.name + ":" + std::to_string(l.feeds.size()));
  CHECK(names == std::vector<std::string>{"dinkes-db01:2", "a:1", "z:2", "b:1"});
}

TEST_CASE("the ledger keeps the last changes, and a reader behind them reads every claim",
          "[ledger]") {
  TwoProcesses site;
  auto &a = site.a, &b = site.b;
  auto &cacheA = site.cacheA, &cacheB = site.cacheB;
  a.claims().keepChanges(10);
  REQUIRE(reserve(a, cacheA, request("REQ-0", {{"h", 1, 100, false, {}}})));
  b.read([&] { cacheB.use(b, [](const Occupancy&) {}); });
  for (int i = 1; i < 13; ++i) {  // 24 changes
    auto id = "REQ-" + std::to_string(i);
    REQUIRE(reserve(a, cacheA, request(id, {{"h", 1, 100, false, {}}})));
    a.write([&] { a.claims().unclaim(id); });
  }
  std::int64_t now = 0;
  a.read([&] {
    now = a.claims().generation();
    CHECK_FALSE(a.claims().changesAfter(0, now));
    auto last = a.claims().changesAfter(now - 6, now);  // three requests, each claimed and freed
    REQUIRE(last);
    CHECK(last->requests.size() == 3);
    CHECK(last->claims.units.empty());
  });
  // The last one claimed again: what it holds comes with the change.
  auto id = "REQ-12";
  a.write([&] {
    a.claims().claim(
        Plan{id, {ServerPlacement{"h", "R01", 5, 1, 100, false, {{"R01-A", 100}}, {}}}}, "BAPPEDA");
  });
  a.read([&] {
    auto again = a.claims().changesAfter(now, now + 1);
    REQUIRE(again);
    CHECK(again->requests == std::vector<std::string>{id});
    REQUIRE(again->claims.units.size() == 1);
    CHECK(again->claims.units[0].rack == "R01");
    CHECK(again->claims.units[0].unit == 5);
    REQUIRE(again->claims.power.size() == 1);
    CHECK(again->claims.power[0].watts == 100);
  });
  auto kept =
      std::stoi(colo::test::ledgerSql(site.state, "SELECT count(*) FROM claim_changes", site.dir));
  CHECK(kept >= 10);
  CHECK(kept < 20);
  CHECK(differenceFromLedger(b, cacheB) == "");
  CHECK(cacheB.stats().builds == 2);
  CHECK(cacheB.stats().follows == 0);
}

TEST_CASE("drafts peek at the occupancy side by side", "[ledger]") {
  // Two workers drafting their plans (allocator.h, draftPlan) do not wait
  // for each other: each one's peek runs while the other's is still inside.
  TwoProcesses site;
  site.a.read([&] { site.cacheA.use(site.a, [](const Occupancy&) {}); });
  std::promise<void> entered, inside;
  std::future_status second = std::future_status::timeout;
  std::thread first([&] {
    site.cacheA.peek([&](const Occupancy&) {
      entered.set_value();
      // (A deadline only so that peeks that exclude each other fail the
      // test rather than hang it; nothing is timed.)
      second = inside.get_future().wait_for(std::chrono::seconds(60));
    });
  });
  entered.get_future().wait();
  bool peeked = false;
  site.cacheA.peek([&](const Occupancy&) { peeked = true; });
  inside.set_value();
  first.join();
  CHECK(peeked);
  CHECK(second == std::future_status::ready);
}

TEST_CASE("a self-check due during a claim's write waits for its commit", "[ledger]") {
  // The check reads every claim: inside the write, others would wait for
  // its locks (on SQLite, the one write lock) all that time.
  TwoProcesses site;
  auto &a = site.a, &b = site.b;
  OccupancyCache::Options options;
  options.checkEveryChange = false;
  OccupancyCache cacheB(site.inv, options);
  cacheB.setSelfCheck(std::chrono::seconds(0), [](const std::string&) {});
  b.read([&] { cacheB.use(b, [](const Occupancy&) {}); });  // built: nothing to check
  REQUIRE(cacheB.stats().checks == 0);
  // Another process claims: B's next claim follows that change in its write.
  REQUIRE(reserve(a, site.cacheA, request("REQ-A", {{"a1", 1, 100, false, {}}})));
  auto req = request("REQ-B", {{"b1", 1, 100, false, {}}});
  std::optional<ClaimedPlan> claimed;
  std::int64_t checksInWrite = -1;
  b.write([&] {
    b.requests().insert(req, Status::planning, {"t", "reserve", "", ""});
    claimed = claimNewPlan(b, req, cacheB);
    checksInWrite = cacheB.stats().checks;
  });
  CHECK(cacheB.stats().follows == 1);
  CHECK(checksInWrite == 0);
  // After the commit, outside any transaction, it runs.
  claimed->committed(b, cacheB, req.tenant.code);
  CHECK(cacheB.stats().checks == 1);
  CHECK(cacheB.stats().mismatches == 0);
}

TEST_CASE("a self-check repairs an occupancy that differs from the ledger, and reports it",
          "[ledger]") {
  TwoProcesses site;
  auto &a = site.a, &b = site.b;
  OccupancyCache::Options options;
  options.checkEveryChange = true;
  SECTION("an agent logs it and carries on with the rebuilt occupancy") {
    options.throwOnMismatch = false;
  }
  SECTION("a build with assertions throws") {
    options.throwOnMismatch = true;
  }
  OccupancyCache cacheB(site.inv, options);
  std::vector<std::string> reported;
  cacheB.setSelfCheck(std::chrono::seconds(3600),
                      [&](const std::string& difference) { reported.push_back(difference); });
  REQUIRE(reserve(a, site.cacheA, request("REQ-1", {{"h", 1, 100, false, {}}})));
  b.read([&] { cacheB.use(b, [](const Occupancy&) {}); });
  // Behind every process's back: a claim is gone and no change says so.
  colo::test::ledgerSql(site.state, "DELETE FROM unit_claims WHERE request_id = 'REQ-1'", site.dir);
  REQUIRE(reserve(a, site.cacheA, request("REQ-2", {{"h", 1, 100, false, {}}})));
  auto follow = [&] { b.read([&] { cacheB.use(b, [](const Occupancy&) {}); }); };
  if (options.throwOnMismatch) {
    CHECK_THROWS_AS(follow(), std::logic_error);
  } else {
    follow();
    REQUIRE(reported.size() == 1);
    CHECK(reported[0].find("REQ-1") != std::string::npos);
  }
  CHECK(cacheB.stats().mismatches == 1);
  CHECK(cacheB.stats().builds == 2);
  CHECK(differenceFromLedger(b, cacheB) == "");
}
