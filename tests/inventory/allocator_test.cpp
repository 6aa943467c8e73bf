#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>

#include "../support/ledger_state.h"
#include "../support/process.h"
#include "../support/small_site.h"
#include "../support/temp_dir.h"
#include "colo/inventory/allocator.h"
#include "colo/inventory/error.h"
#include "colo/inventory/loader.h"
#include "colo/inventory/usage.h"

using namespace colo::inventory;
using colo::test::request;
using colo::test::Server;
using colo::test::smallInventory;
using colo::test::TempDir;

namespace {

Plan plan(const Inventory& inv, const Request& req, const Claims& claims = {}) {
  Occupancy occ(inv, claims, 0);
  return allocate(occ, req);
}

// The ledger's side of a reservation (what `colo reserve` does through the
// jobs' StatusWriter): a new request planned, claimed and reserved in one
// transaction. What these tests check is the ledger's own promises.
Plan reserveInLedger(Ledger& ledger, const Request& req, const std::string& actor,
                     OccupancyCache& cache) {
  std::optional<ClaimedPlan> claimed;
  ledger.write([&] {
    ledger.requests().insert(req, Status::planning, {actor, "reserve", "", ""});
    claimed = claimNewPlan(ledger, req, cache);
    ledger.requests().transition(req.id, Status::planning, Status::reserved,
                                 {actor, "reserved", "", ""});
  });
  claimed->committed(ledger, cache, req.tenant.code);
  return claimed->plan;
}

std::string exhaustedMessage(const Inventory& inv, const Request& req) {
  try {
    plan(inv, req);
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::exhausted);
    return e.what();
  }
  FAIL("allocation succeeded");
  return {};
}

}  // namespace

TEST_CASE("pack: a server goes to the smallest free gap that fits") {
  auto inv = smallInventory();
  inv.placement = Placement::pack;
  auto p = plan(inv, request("REQ-1", {{"web01", 2, 300}}));
  REQUIRE(p.servers.size() == 1);
  CHECK(p.servers[0].rack == "R02");  // gaps of 4 beat R01's 8 and R03's 10
  CHECK(p.servers[0].first_unit == 1);
  CHECK(p.servers[0].last_unit() == 2);
  // Not redundant: one feed, the one with most headroom.
  REQUIRE(p.servers[0].feeds.size() == 1);
  CHECK(p.servers[0].feeds[0].feed == "R02-A");
}

TEST_CASE("balance: a server goes where the rack's worst feed is least loaded afterwards") {
  // Devices draw from every feed: R01 6% (100 W of 1600), R02 20% (400 of
  // 2000), R03 0% (of 1000). 300 W more: R01 25%, R02 35%, R03 30%.
  auto inv = smallInventory();
  REQUIRE(inv.placement == Placement::balance);  // the default
  auto p = plan(inv, request("REQ-1", {{"web01", 2, 300}}));
  CHECK(p.servers[0].rack == "R01");
  // pack would take R02's snug gap.
  inv.placement = Placement::pack;
  CHECK(plan(inv, request("REQ-1", {{"web01", 2, 300}})).servers[0].rack == "R02");
}

TEST_CASE("no feed is driven to its warning level while another rack takes the server below it") {
  for (auto policy : {Placement::pack, Placement::balance}) {
    INFO((policy == Placement::pack ? "pack" : "balance"));
    auto inv = smallInventory();
    inv.placement = policy;
    Occupancy occ(inv, {}, 0);
    // R02 gets a redundant 800 W server: both its feeds at 60%.
    inv.placement = Placement::pack;
    auto first = allocate(occ, request("REQ-1", {{"db", 4, 800, true}}));
    REQUIRE(first.servers[0].rack == "R02");
    occ.add(first, "BAPPEDA", 1);
    inv.placement = policy;
    // 500 W more in R02's other snug gap would put a feed at 85%; R01 ends
    // at 37%, R03 at 50%.
    auto second = allocate(occ, request("REQ-2", {{"app", 4, 500}}));
    CHECK(second.servers[0].rack == "R01");
  }
}

TEST_CASE("placed within some racks: only there, and only below every feed's warning level") {
  auto inv = smallInventory();
  Occupancy occ(inv, {}, 0);
  std::vector<bool> onlyR03 = {false, false, true};
  auto small =
      allocateWithin(occ, request("REQ-1", {{"app", 2, 300, false, {{"pub-v4"}}}}), onlyR03);
  REQUIRE(small);
  CHECK(small->servers[0].rack == "R03");
  CHECK(small->servers[0].nics[0].switch_name == "tor-r03");
  // 850 W would put R03's one feed at 85%: not there, though R01 takes it.
  auto hungry = request("REQ-2", {{"db", 1, 850}});
  CHECK_FALSE(allocateWithin(occ, hungry, onlyR03));
  CHECK(allocate(occ, hungry).servers[0].rack != "R03");
  // Nothing marked, nothing fits; the marks follow the inventory's racks.
  CHECK_FALSE(allocateWithin(occ, request("REQ-3", {{"x", 1, 10}}), {false, false, false}));
  CHECK(allocateWithin(occ, request("REQ-4", {{"x", 1, 10}}), {true})->servers[0].rack == "R01");
}

TEST_CASE("a request's servers share a rack, unless that would drive a feed to its warning level") {
  for (auto policy : {Placement::pack, Placement::balance}) {
    INFO((policy == Placement::pack ? "pack" : "balance"));
    auto inv = smallInventory();
    inv.placement = policy;
    // Both in R01 or both in R02 would put their feeds at 81% or 80%; one in
    // each leaves R01 at 44% and R02 at 50%.
    auto p = plan(inv, request("REQ-1", {{"a", 2, 600, true}, {"b", 2, 600, true}}));
    REQUIRE(p.servers.size() == 2);
    CHECK(p.servers[0].rack != p.servers[1].rack);
    // Small enough for one rack below 80%: together, as before.
    auto q = plan(inv, request("REQ-2", {{"a", 2, 300, true}, {"b", 2, 300, true}}));
    CHECK(q.servers[0].rack == q.servers[1].rack);
  }
}

TEST_CASE("balance spreads a stream of servers: every feed stays below 80% while room is left") {
  // Twelve 1U servers of 150 W, one after another.
  auto place = [](Placement policy) {
    auto inv = smallInventory();
    inv.placement = policy;
    Occupancy occ(inv, {}, 0);
    std::map<std::string, int> racks;
    for (int i = 0; i < 12; ++i) {
      auto p =
          allocate(occ, request("REQ-" + std::to_string(i), {{"s" + std::to_string(i), 1, 150}}));
      ++racks[p.servers[0].rack];
      occ.add(p, "BAPPEDA", i + 1);
    }
    int worst = 0;
    for (const auto& rack : rackUsage(occ))
      for (const auto& f : rack.feeds) worst = std::max(worst, f.percent());
    return std::pair{racks, worst};
  };
  auto [balanced, balancedWorst] = place(Placement::balance);
  auto [packed, packedWorst] = place(Placement::pack);
  CHECK(balanced.size() == 3);
  CHECK(balancedWorst < 80);
  // pack fills the snug gaps of R02 first, and its feeds run hotter.
  CHECK(packed["R02"] == 8);
  CHECK(packedWorst > balancedWorst);
}

TEST_CASE("among equal gaps the rack with most power headroom wins, then the name") {
  auto inv = smallInventory();
  // 8 units: only R01 (2-9) and R03 (1-10) fit; R01 wastes less.
  CHECK(plan(inv, request("REQ-1", {{"big", 8, 100}})).servers[0].rack == "R01");
  // 9 units: only R03.
  CHECK(plan(inv, request("REQ-1", {{"big", 9, 100}})).servers[0].rack == "R03");
}

TEST_CASE("a redundant server charges its full draw to two feeds") {
  auto inv = smallInventory();
  auto p = plan(inv, request("REQ-1", {{"db01", 2, 700, true}}));
  REQUIRE(p.servers[0].feeds.size() == 2);
  CHECK(p.servers[0].feeds[0].watts == 700);
  CHECK(p.servers[0].feeds[1].watts == 700);
  CHECK(p.servers[0].rack != "R03");  // R03 has one feed
}

TEST_CASE("derating and existing devices limit power") {
  auto inv = smallInventory();
  // R02 feeds: 1600 W usable, 400 W drawn by dinkes-db01 => 1200 W left.
  // R01: 1600 - 100 = 1500 W. 1300 W redundant fits only R01.
  CHECK(plan(inv, request("REQ-1", {{"db01", 2, 1300, true}})).servers[0].rack == "R01");
  CHECK(exhaustedMessage(inv, request("REQ-1", {{"db01", 2, 1550, true}})) ==
        "no rack has 2 contiguous free units with 1550 W on two feeds for server db01; "
        "closest: R01 has 8 contiguous free units, 1500 W free on its second-best feed");
}

TEST_CASE("ports come from the rack's switch in order, skipping ports in use") {
  auto inv = smallInventory();
  auto p = plan(inv, request("REQ-1", {{"big", 8, 100, false, {{"pub-v4"}, {"priv-v4"}}}}));
  REQUIRE(p.servers[0].nics.size() == 2);
  CHECK(p.servers[0].nics[0].switch_name == "tor-r01");
  CHECK(p.servers[0].nics[0].port == "Ethernet2");  // Ethernet1 is in use
  CHECK(p.servers[0].nics[1].port == "Ethernet3");
  CHECK(p.servers[0].nics[0].vlan == 120);
  CHECK(p.servers[0].nics[1].vlan == 130);
}

TEST_CASE("addresses are the lowest free, never network, gateway, broadcast or reserved") {
  auto inv = smallInventory();
  auto p = plan(inv, request("REQ-1", {{"a", 1, 100, false, {{"pub-v4", "pub-v6"}, {"priv-v4"}}},
                                       {"b", 1, 100, false, {{"pub-v4"}}}}));
  const auto& a = p.servers[0].nics;
  CHECK(a[0].addresses[0].address.str() == "192.0.2.2");
  CHECK(a[0].addresses[0].prefix_length == 29);
  CHECK(a[0].addresses[0].gateway->str() == "192.0.2.1");
  CHECK(a[0].addresses[1].address.str() == "2001:db8:1::100");
  CHECK(a[1].addresses[0].address.str() == "198.51.100.5");
  CHECK(p.servers[1].nics[0].addresses[0].address.str() == "192.0.2.3");
  // 192.0.2.0/29: .2 to .6 usable (.1 gateway, .7 broadcast): a sixth is too many.
  std::vector<Server> six;
  for (int i = 0; i < 6; ++i) six.push_back({"s" + std::to_string(i), 1, 10, false, {{"pub-v4"}}});
  CHECK(exhaustedMessage(inv, request("REQ-1", six))
            .rfind("ip pool 'pub-v4' (192.0.2.0/29) has no free address left for server s5", 0) ==
        0);
}

TEST_CASE("a request's servers share one rack when they fit, else the fewest racks") {
  auto inv = smallInventory();
  auto together = plan(inv, request("REQ-1", {{"a", 3, 100}, {"b", 3, 100}}));
  CHECK(together.servers[0].rack == together.servers[1].rack);
  // 8 + 8 + 2 units: no rack takes all; two racks do.
  auto spread = plan(inv, request("REQ-1", {{"a", 8, 100}, {"b", 8, 100}, {"c", 2, 100}}));
  std::set<std::string> racks;
  for (const auto& s : spread.servers) racks.insert(s.rack);
  CHECK(racks.size() == 2);
  CHECK(spread.servers[0].hostname == "a");  // request order is kept
}

TEST_CASE("a request bigger than any rack is invalid input, not exhaustion") {
  auto inv = smallInventory();
  try {
    plan(inv, request("REQ-1", {{"huge", 11, 100}}));
    FAIL("allocated");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::invalid_input);
    CHECK(std::string(e.what()) ==
          "invalid request: servers[0].units: server huge needs 11 units; the tallest rack has 10");
  }
}

TEST_CASE("pools that do not exist or mix vlans are refused naming the field") {
  auto inv = smallInventory();
  try {
    plan(inv, request("REQ-1", {{"a", 1, 100, false, {{"pub-v4", "priv-v4"}, {"nope"}}}}));
    FAIL("allocated");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) ==
          "invalid request: servers[0].nics[0].pools[1]: pool 'priv-v4' is on vlan 130, but the "
          "NIC's other pools are on vlan 120 (one port carries one vlan); "
          "servers[0].nics[1].pools[0]: pool 'nope' does not exist");
  }
}

TEST_CASE("the ledger's unique keys refuse a double claim even if the caller is wrong",
          "[ledger]") {
  TempDir dir;
  auto inv = smallInventory();
  inv.placement = Placement::pack;
  auto state = colo::test::ledgerState(dir);
  Ledger ledger(state, Ledger::Open::create);
  auto req = request("REQ-1", {{"a", 2, 300, false, {{"pub-v4"}}}});
  Plan p = plan(inv, req);
  ledger.write([&] {
    ledger.requests().insert(req, Status::planning, {"test", "test", "", ""});
    ledger.claims().claim(p, "BAPPEDA");
  });
  // A stale planner hands out the same thing again under another id.
  auto req2 = request("REQ-2", {{"b", 2, 300, false, {{"pub-v4"}}}});
  Plan p2 = p;
  p2.request_id = "REQ-2";
  p2.servers[0].hostname = "b";
  auto gen = ledger.claims().generation();
  CHECK_THROWS_WITH(ledger.write([&] {
    ledger.requests().insert(req2, Status::planning, {"test", "test", "", ""});
    ledger.claims().claim(p2, "BAPPEDA");
  }),
                    "reserve REQ-2 <- unit 1 of rack R02 is already held by request REQ-1 (a)");
  // Rolled back whole: no request, no partial claims.
  CHECK_FALSE(ledger.requests().find("REQ-2"));
  CHECK(ledger.claims().all().units.size() == 2);
  CHECK(ledger.claims().generation() == gen);
  // The event log cannot be rewritten, not even with SQL behind colo's back.
  ledger.write([&] { ledger.requests().appendEvent("t", "REQ-1", "note", "x"); });
  for (const char* sql : {"UPDATE events SET detail = 'x'", "DELETE FROM events"})
    CHECK(colo::test::ledgerSqlResult(state, sql, dir).exit_code != 0);
  CHECK(ledger.requests().events("REQ-1").size() == 2);  // "planning" when inserted, and the note
}

TEST_CASE("the cached occupancy notices another writer", "[ledger]") {
  TempDir dir;
  auto inv = smallInventory();
  auto state = colo::test::ledgerState(dir);
  Ledger a(state, Ledger::Open::create), b(state);
  OccupancyCache cacheA(inv), cacheB(inv);
  auto first =
      reserveInLedger(a, request("REQ-1", {{"a", 1, 100, false, {{"pub-v4"}}}}), "a", cacheA);
  auto second =
      reserveInLedger(b, request("REQ-2", {{"b", 1, 100, false, {{"pub-v4"}}}}), "b", cacheB);
  auto third =
      reserveInLedger(a, request("REQ-3", {{"c", 1, 100, false, {{"pub-v4"}}}}), "a", cacheA);
  CHECK(first.servers[0].nics[0].addresses[0].address.str() == "192.0.2.2");
  CHECK(second.servers[0].nics[0].addresses[0].address.str() == "192.0.2.3");
  CHECK(third.servers[0].nics[0].addresses[0].address.str() == "192.0.2.4");
}

TEST_CASE("a file that is not a colo ledger is refused and left alone", "[sqlite]") {
  TempDir dir;
  auto text = dir.write("notes.db", "these are my notes\n");
  CHECK_THROWS_WITH(Ledger(text, Ledger::Open::create),
                    text + " is not a colo ledger (SQLite: file is not a database)");
  {
    Ledger l(dir.file("newer.db"), Ledger::Open::create);
    l.write([] {});
  }
  // Pretend a newer colo wrote it.
  { Ledger l(dir.file("newer.db")); }
  std::string cmd = "sqlite3 " + dir.file("newer.db") + " 'PRAGMA user_version = 99'";
  REQUIRE(std::system(cmd.c_str()) == 0);
  CHECK_THROWS_WITH(Ledger(dir.file("newer.db")),
                    "ledger " + dir.file("newer.db") +
                        " has schema version 99, newer than this colo understands (" +
                        std::to_string(Ledger::kSchemaVersion) +
                        "); upgrade "
                        "colo, do not downgrade the ledger");
  cmd = "sqlite3 " + dir.file("other.db") + " 'CREATE TABLE t(x)'";
  REQUIRE(std::system(cmd.c_str()) == 0);
  CHECK_THROWS_WITH(Ledger(dir.file("other.db"), Ledger::Open::create),
                    dir.file("other.db") +
                        " is not a colo ledger (it is some other SQLite database); refusing to "
                        "touch it");
}

TEST_CASE("claims that no longer fit the inventory are reported where the admin must look") {
  TempDir dir;
  auto inv = smallInventory();
  Claims claims;
  claims.units.push_back({"R02", 5, "REQ-1", "web01", "BAPPEDA"});          // dinkes-db01 is there
  claims.units.push_back({"R09", 1, "REQ-1", "web01", "BAPPEDA"});          // no such rack
  claims.ports.push_back({"tor-r01", "Ethernet1", 120, "REQ-1", "web01"});  // in_use
  claims.addresses.push_back({"pub-v4", *IpAddress::parse("192.0.2.1"), "REQ-1", "web01"});
  Occupancy occ(inv, claims, 0);
  const auto& c = occ.conflicts();
  REQUIRE(c.size() == 4);
  CHECK(c[0].str() == std::string(COLO_TEST_DATA "/small.yaml") +
                          ":26:9: device 'dinkes-db01' occupies unit 5 of rack 'R02', which "
                          "colo reserved for request REQ-1 (web01)");
  CHECK(c[1].message ==
        "rack 'R09' is gone from the inventory, but the ledger holds unit 1 of it for request "
        "REQ-1 (web01)");
  CHECK(c[2].message ==
        "switch 'tor-r01' marks Ethernet1 in_use, but colo holds it for request REQ-1 (web01)");
  CHECK(c[3].message ==
        "ip pool 'pub-v4' now reserves 192.0.2.1 (gateway or reserved range), which colo holds "
        "for request REQ-1 (web01)");
}

TEST_CASE("an older ledger is migrated in place, keeping what it holds", "[sqlite]") {
  // A schema-2 ledger as colo 0.1 left it (tests/data/ledger-v2.sql).
  TempDir dir;
  auto db = dir.file("colo.db");
  std::string load = "sqlite3 " + db + " < " COLO_TEST_DATA "/ledger-v2.sql";
  REQUIRE(std::system(load.c_str()) == 0);
  auto unitsBefore =
      colo::test::run({"/usr/bin/sqlite3", db, "SELECT count(*) FROM unit_claims"}, dir).out;
  Ledger l(db);
  auto reserved = l.requests().find("REQ-2026-0142");
  REQUIRE(reserved);
  CHECK(reserved->status == Status::reserved);
  // A release asked for under schema 2 is the releasing status now, and
  // falls back to what it was if the switches refuse.
  auto releasing = l.requests().find("REQ-2026-0153");
  REQUIRE(releasing);
  CHECK(releasing->status == Status::releasing);
  CHECK(releasing->release_from == Status::completed);
  CHECK(releasing->owner.empty());
  CHECK(l.jobs().captures("REQ-2026-0142", 0).size() == 1);
  CHECK(std::to_string(l.claims().all().units.size()) + "\n" == unitsBefore);
  CHECK(colo::test::run({"/usr/bin/sqlite3", db, "PRAGMA user_version"}, dir).out ==
        std::to_string(Ledger::kSchemaVersion) + "\n");
  // Schema 6 counted what the old ledger held, as the metrics read it.
  auto tallies = l.feed().tallies();
  auto sql = [&](const std::string& q) {
    return std::stoll(colo::test::run({"/usr/bin/sqlite3", db, q}, dir).out);
  };
  CHECK(tallies.units["R01"] == sql("SELECT count(*) FROM unit_claims WHERE rack = 'R01'"));
  CHECK(tallies.requests["reserved"] ==
        sql("SELECT count(*) FROM requests WHERE status = 'reserved'"));
  CHECK(tallies.requests["releasing"] == 1);
  std::int64_t held = 0;
  for (const auto& [pool, n] : tallies.addresses) held += n;
  CHECK(held == sql("SELECT count(*) FROM address_claims"));
  std::int64_t watts = 0;
  for (const auto& [feed, w] : tallies.watts) watts += w;
  CHECK(watts == sql("SELECT coalesce(sum(watts), 0) FROM power_claims"));
  CHECK(colo::test::run({"/usr/bin/sqlite3", db, "PRAGMA foreign_key_check"}, dir).out.empty());
  // Schema 9's tables: the agents' rows and the console's sessions.
  CHECK(l.leases().all().empty());
  CHECK(l.consoleSessions().count() == 0);
  // Schema 10's: cabling checks.
  CHECK(l.cablingChecks().forRequest("REQ-2026-0142").empty());
  // The lifecycle now holds for the migrated rows too.
  CHECK_THROWS_WITH(l.write([&] {
    l.requests().transition("REQ-2026-0142", Status::reserved, Status::completed,
                            {"t", "", "", ""});
  }),
                    Catch::Contains("no transition reserved -> completed"));
}

TEST_CASE("the agents table: renewals, the work each process holds, and rows gone a day forgotten",
          "[ledger]") {
  TempDir dir;
  Ledger ledger(colo::test::ledgerState(dir), Ledger::Open::create);
  Lease one;
  one.owner = "agent:one#1";
  one.agent_id = "one";
  one.kind = "agent";
  one.host = "colo-1";
  one.pid_ns = "4026531836";
  one.pid = 4242;
  one.version = "0.1.0";
  one.revision = "0123456789ab";
  one.started_at = "2026-12-06T01:00:00.000Z";
  one.renewed_at = 1000;
  one.until = 31000;
  ledger.leases().renew(one);
  // A renewal moves the lease and the renewal, nothing else.
  auto again = one;
  again.renewed_at = 11000;
  again.until = 41000;
  again.version = "9.9.9";
  ledger.leases().renew(again);
  auto found = ledger.leases().find(one.owner);
  REQUIRE(found);
  CHECK(found->until == 41000);
  CHECK(found->renewed_at == 11000);
  CHECK(found->version == "0.1.0");
  CHECK(found->kind == "agent");
  CHECK(found->host == "colo-1");
  CHECK(found->pid_ns == "4026531836");
  CHECK(found->revision == "0123456789ab");
  // What it works on: its requests in progress, not the others'.
  auto req = request("REQ-W", {{"a", 2, 300, false, {{"pub-v4"}}}});
  ledger.write([&] {
    ledger.requests().insert(req, Status::planning, {"test", "test", "", ""});
    ledger.jobs().own("REQ-W", one.owner);
  });
  auto work = ledger.leases().work();
  REQUIRE(work.size() == 1);
  CHECK(work[0].owner == one.owner);
  CHECK(work[0].request_id == "REQ-W");
  CHECK(work[0].status == Status::planning);
  // A process gone long ago is forgotten with the switches it held; one
  // whose lease ends later stays.
  auto gone = one;
  gone.owner = "cli:cli#2";
  gone.kind = "cli";
  gone.until = 5000;
  ledger.leases().renew(gone);
  REQUIRE(ledger.leases().takeSwitch("tor-1", "cli:cli#2/1", gone.owner));
  CHECK(ledger.leases().forgetEnded(6000) == 1);
  CHECK_FALSE(ledger.leases().find(gone.owner));
  CHECK_FALSE(ledger.leases().switchHolder("tor-1"));
  CHECK(ledger.leases().all().size() == 1);
}

TEST_CASE("cabling checks: one pending per request, taken once, orphans taken again", "[ledger]") {
  TempDir dir;
  Ledger ledger(colo::test::ledgerState(dir), Ledger::Open::create);
  auto req = request("REQ-C", {{"a", 2, 300, false, {{"pub-v4"}}}});
  ledger.write([&] { ledger.requests().insert(req, Status::planning, {"test", "test", "", ""}); });
  auto& checks = ledger.cablingChecks();
  auto queued = checks.queue("REQ-C", "api:sik", 1000);
  const auto first = queued.first;
  CHECK(queued.second);
  // Asked again while pending: the same check.
  CHECK(checks.queue("REQ-C", "cli:alice", 1100) == std::pair{first, false});
  auto alive = [](const std::string& owner) { return owner == "agent:one#1"; };
  auto taken = checks.take("agent:one#1", 1200, alive);
  REQUIRE(taken);
  CHECK(taken->id == first);
  CHECK(taken->state == "running");
  CHECK(taken->requested_by == "api:sik");
  CHECK(taken->started_at == 1200);
  // Nobody else takes it while its owner lives; nor does its owner twice.
  CHECK_FALSE(checks.take("agent:two#2", 1300, alive));
  CHECK_FALSE(checks.takeId(first, "agent:two#2", 1300));
  // Its owner died: another takes it over.
  auto none = [](const std::string&) { return false; };
  auto adopted = checks.take("agent:two#2", 1400, none);
  REQUIRE(adopted);
  CHECK(adopted->owner == "agent:two#2");
  // Only the owner ends it, with the step-log entry.
  bool ended = true;
  ledger.write(
      [&] { ended = checks.finish(first, "agent:one#1", true, true, "[]", "", 1500, "x", "x"); });
  CHECK_FALSE(ended);
  ledger.write([&] {
    ended = checks.finish(first, "agent:two#2", true, false, R"([{"verdict":"no_link"}])", "", 1600,
                          "agent:worker-1", "cabling checked: 1 NIC, 0 ok");
  });
  CHECK(ended);
  auto done = checks.find(first);
  REQUIRE(done);
  CHECK(done->state == "done");
  CHECK_FALSE(done->ok);
  CHECK(done->finished_at == 1600);
  CHECK(done->result == R"([{"verdict":"no_link"}])");
  CHECK(done->owner.empty());
  auto events = ledger.requests().events("REQ-C");
  CHECK(events.back().kind == "checked");
  CHECK(events.back().detail == "cabling checked: 1 NIC, 0 ok");
  // A new ask once it ended is a new check; newest first.
  auto queuedAgain = checks.queue("REQ-C", "cli:alice", 1700);
  const auto second = queuedAgain.first;
  CHECK(queuedAgain.second);
  CHECK(second > first);
  auto taken2 = checks.takeId(second, "cli:alice#3", 1800);
  REQUIRE(taken2);
  ledger.write([&] {
    checks.finish(second, "cli:alice#3", false, false, "", "switch a: connection refused", 1900,
                  "cli:alice", "cabling check failed");
  });
  auto list = checks.forRequest("REQ-C");
  REQUIRE(list.size() == 2);
  CHECK(list[0].id == second);
  CHECK(list[0].state == "failed");
  CHECK(list[0].error == "switch a: connection refused");
  CHECK(list[1].id == first);
  CHECK(checks.forRequest("REQ-C", 1).size() == 1);
  CHECK_FALSE(checks.take("agent:one#1", 2000, alive));
  // Many checks running under a live agent never hide one that waits.
  for (int i = 0; i < 20; ++i) {
    auto id = "REQ-R" + std::to_string(i);
    auto r = request(id, {{"a", 2, 300, false, {{"pub-v4"}}}});
    ledger.write([&] { ledger.requests().insert(r, Status::planning, {"test", "test", "", ""}); });
    REQUIRE(checks.takeId(checks.queue(id, "api:sik", 2100).first, "agent:one#1", 2100));
  }
  auto waiting = checks.queue("REQ-C", "api:sik", 2200).first;
  auto next = checks.take("agent:three#3", 2300, alive);
  REQUIRE(next);
  CHECK(next->id == waiting);
}

TEST_CASE("statuses change only along the lifecycle table, as a compare-and-set", "[ledger]") {
  TempDir dir;
  auto inv = smallInventory();
  auto db = colo::test::ledgerState(dir);
  Ledger l(db, Ledger::Open::create);
  OccupancyCache cache(inv);
  reserveInLedger(l, request("REQ-1", {{"a", 2, 300, false, {{"pub-v4"}}}}), "test", cache);
  // Expected status wrong: refused, nothing overwritten.
  CHECK_THROWS_WITH(
      l.write([&] {
        l.requests().transition("REQ-1", Status::configuring, Status::completed, {"t", "", "", ""});
      }),
      "request REQ-1 is reserved, not configuring: another colo process moved it; left as it is");
  CHECK(l.requests().find("REQ-1")->status == Status::reserved);
  // An allowed move records the step, the owner and the attempt.
  l.write([&] {
    l.requests().transition("REQ-1", Status::reserved, Status::configuring,
                            {"t", "go", "", "cli:x"});
  });
  auto rec = l.requests().find("REQ-1");
  CHECK(rec->status == Status::configuring);
  CHECK(rec->owner == "cli:x");
  CHECK(l.requests().events("REQ-1").back().kind == "configuring");
  l.write([&] {
    l.requests().transition("REQ-1", Status::configuring, Status::failed,
                            {"t", "", "switch on fire", ""});
  });
  rec = l.requests().find("REQ-1");
  CHECK(rec->error == "switch on fire");
  CHECK(rec->owner.empty());
  CHECK_FALSE(rec->completed_at.empty());
  // A new attempt: captured afresh.
  l.jobs().saveCapture("REQ-1", rec->attempt, "tor-r01", "Ethernet2", {"description old"});
  l.write([&] {
    l.requests().transition("REQ-1", Status::failed, Status::planning, {"t", "", "", "cli:y"});
  });
  CHECK(l.requests().find("REQ-1")->attempt == rec->attempt + 1);
  CHECK(l.jobs().captures("REQ-1", rec->attempt + 1).empty());
  CHECK(l.jobs().captures("REQ-1", rec->attempt).size() == 1);

  // The database refuses what the table does not allow, whoever writes it.
  auto sql = [&](const std::string& q) { return colo::test::ledgerSqlResult(db, q, dir); };
  auto bad =
      sql("UPDATE requests SET status = 'completed' WHERE id = 'REQ-1'");  // planning -> completed
  CHECK(bad.exit_code != 0);
  CHECK(bad.err.find("illegal status transition") != std::string::npos);
  CHECK(sql("UPDATE requests SET status = 'bogus' WHERE id = 'REQ-1'").exit_code != 0);
  CHECK(sql("INSERT INTO requests (id, fingerprint, body, tenant_code, letter_number, status, "
            "received_at, "
            "created_at, updated_at) VALUES ('X','f','{}','T','L','completed','r','c','u')")
            .exit_code != 0);
  CHECK(sql("DELETE FROM lifecycle").exit_code != 0);
  CHECK(sql("SELECT status FROM requests WHERE id = 'REQ-1'").out == "planning\n");
  // Every row of the table is in the database's copy, and nothing else.
  CHECK(sql("SELECT count(*) FROM lifecycle").out ==
        std::to_string(std::size(kTransitions)) + "\n");
  for (const auto& t : kTransitions) CHECK(allowed(t.from, t.to));
  CHECK_FALSE(allowed(Status::completed, Status::configuring));
}

TEST_CASE("a ledger is created only on purpose", "[sqlite]") {
  TempDir dir;
  auto missing = dir.file("typo/colo.db");
  CHECK_THROWS_WITH(Ledger(missing),
                    "no ledger at " + missing +
                        "; create it with `colo init` (check --state and the config's state:)");
  CHECK_FALSE(std::filesystem::exists(dir.file("typo")));
}

// PostgreSQL alone (design.md §12): run by the suite's PostgreSQL pass.

TEST_CASE("a PostgreSQL database that is not colo's, or is newer, is refused", "[postgres]") {
  TempDir dir;
  auto empty = colo::test::ledgerState(dir);
  CHECK_THROWS_WITH(Ledger(empty), "no colo ledger in the PostgreSQL database " + empty +
                                       "; create it with `colo init` (check --state and the "
                                       "config's state:)");
  auto other = colo::test::ledgerState(dir);
  REQUIRE(colo::test::ledgerSqlResult(other, "CREATE TABLE accounts (x int)", dir).exit_code == 0);
  CHECK_THROWS_WITH(Ledger(other, Ledger::Open::create),
                    "the PostgreSQL database " + other +
                        " is not a colo ledger (it holds other tables); refusing to touch it");
  CHECK(colo::test::ledgerSql(other, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
                              dir) == "1\n");
  auto newer = colo::test::ledgerState(dir);
  {
    Ledger l(newer, Ledger::Open::create);
    CHECK(l.foundVersion() == 0);
  }
  CHECK(Ledger(newer).foundVersion() == Ledger::kSchemaVersion);
  REQUIRE(colo::test::ledgerSqlResult(
              newer, "UPDATE meta SET value = 99 WHERE key = 'schema_version'", dir)
              .exit_code == 0);
  CHECK_THROWS_WITH(Ledger(newer), "ledger " + newer +
                                       " has schema version 99, newer than this colo understands "
                                       "(" +
                                       std::to_string(Ledger::kSchemaVersion) +
                                       "); upgrade colo, do not downgrade the ledger");
}

TEST_CASE("a password in the URI is refused, and an unreachable server is named", "[postgres]") {
  try {
    Ledger l("postgresql://colo:hunter2@127.0.0.1:1/colo");
    FAIL("opened");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::invalid_input);
    CHECK(std::string(e.what()) ==
          "state: the PostgreSQL URI carries a password; remove it and give it in PGPASSWORD, "
          "~/.pgpass or the config's password_env");
  }
  // Port 1 of loopback: nothing listens, the answer comes at once.
  try {
    Ledger l("postgresql://colo@127.0.0.1:1/colo");
    FAIL("opened");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::storage);
    CHECK_THAT(e.what(), Catch::StartsWith("cannot reach the PostgreSQL ledger "
                                           "postgresql://colo@127.0.0.1:1/colo: ") &&
                             Catch::Contains("Connection refused"));
  }
}

TEST_CASE("connections reserving at once hand out nothing twice and never fail for each other",
          "[postgres]") {
  TempDir dir;
  auto inv = smallInventory();
  auto state = colo::test::ledgerState(dir);
  { Ledger init(state, Ledger::Open::create); }
  // More servers than the racks' power carries (1U, 500 W on two feeds
  // each): some must be told "exhausted", and nobody anything else (a
  // deadlock or a lost race would be another error).
  constexpr int kThreads = 8, kEach = 6;
  std::atomic<int> won{0}, exhausted{0};
  std::vector<std::string> other;
  std::mutex otherMutex;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      Ledger l(state);
      OccupancyCache cache(inv);
      for (int i = 0; i < kEach; ++i) {
        auto id = "REQ-" + std::to_string(t) + "-" + std::to_string(i);
        try {
          reserveInLedger(l, request(id, {{"h" + id, 1, 500, true, {{"pub-v4"}}}}), "t", cache);
          ++won;
        } catch (const Error& e) {
          if (e.kind() == ErrorKind::exhausted) {
            ++exhausted;
            continue;
          }
          std::lock_guard lock(otherMutex);
          other.push_back(e.what());
        }
      }
    });
  for (auto& th : threads) th.join();
  CHECK(other.empty());
  for (const auto& o : other) UNSCOPED_INFO(o);
  Ledger l(state);
  auto claims = l.claims().all();
  std::set<std::pair<std::string, int>> units;
  for (const auto& u : claims.units) CHECK(units.insert({u.rack, u.unit}).second);
  std::set<std::string> addresses;
  for (const auto& a : claims.addresses) CHECK(addresses.insert(a.address.str()).second);
  CHECK(won + exhausted == kThreads * kEach);
  CHECK(won > 0);
  CHECK(exhausted > 0);
  CHECK(static_cast<int>(claims.units.size()) == won);
  // What fits after all of them is what one process alone would have found.
  Occupancy occ(inv, claims, 0);
  CHECK(occ.conflicts().empty());
  // No feed carries more than it may: the power a claim checked was not
  // taken by another connection meanwhile (units and addresses have unique
  // keys; power has only the locks).
  for (const auto& rack : rackUsage(occ))
    for (const auto& f : rack.feeds) CHECK(f.drawn_watts <= f.usable_watts);
  CHECK_THROWS_AS(allocate(occ, request("REQ-LAST", {{"last", 1, 500, true, {{"pub-v4"}}}})),
                  Error);
}

namespace {
// A request reserved on its own connection and thread, the way a worker
// does (reserveInLedger), whose planning stops at the first plan until
// let go: the test changes the ledger between its plan and its locks.
struct HeldReserve {
  Ledger ledger;
  OccupancyCache cache;
  Request req;
  std::promise<Plan> firstPlan;
  std::promise<void> go;
  std::promise<void> secondRun;
  std::promise<void> done;
  int runs = 0;
  std::optional<ClaimedPlan> claimed;
  std::string error;
  std::thread thread;

  HeldReserve(const std::string& state, const Inventory& inv, Request r)
      : ledger(state), cache(inv), req(std::move(r)) {
    thread = std::thread([this] {
      try {
        ledger.write([&] {
          ++runs;
          ledger.requests().insert(req, Status::planning, {"t", "reserve", "", ""});
          bool firstCheck = true;
          claimed = claimNewPlan(ledger, req, cache, [&](const Plan& p) {
            if (!firstCheck) return;
            firstCheck = false;
            if (runs == 1) {
              firstPlan.set_value(p);
              go.get_future().wait();
            } else if (runs == 2) {
              secondRun.set_value();
            }
          });
          ledger.requests().transition(req.id, Status::planning, Status::reserved,
                                       {"t", "reserved", "", ""});
        });
      } catch (const std::exception& e) {
        error = e.what();
      }
      done.set_value();
    });
  }
  ~HeldReserve() {
    try {
      go.set_value();  // a test that failed before letting it go
    } catch (const std::future_error&) {
    }
    if (thread.joinable()) thread.join();
  }
};

// Claims `plan` (under `id`) on `ledger` inside its open write transaction.
void claimByHand(Ledger& ledger, const std::string& id, Plan plan) {
  plan.request_id = id;
  ledger.requests().insert(request(id, {{"hand-" + id, 1, 100}}), Status::planning,
                           {"t", "by hand", "", ""});
  ledger.claims().claim(plan, "BAPPEDA");
}
}  // namespace

TEST_CASE(
    "a plan drafted before the write stands when nothing changed, and is made again when "
    "something did",
    "[ledger]") {
  TempDir dir;
  auto inv = smallInventory();
  auto state = colo::test::ledgerState(dir);
  Ledger ledger(state, Ledger::Open::create), other(state);
  OccupancyCache cache(inv);
  ledger.read([&] { cache.use(ledger, [](const Occupancy&) {}); });
  auto req = request("REQ-B", {{"b1", 1, 100, false, {{"pub-v4"}}}});
  auto draft = draftPlan(cache, req);
  REQUIRE(draft);
  bool changed = GENERATE(false, true);
  CAPTURE(changed);
  // Another process claims exactly what the draft takes, after it was made.
  if (changed) other.write([&] { claimByHand(other, "REQ-A", draft->plan); });
  std::optional<ClaimedPlan> claimed;
  ledger.write([&] {
    ledger.requests().insert(req, Status::planning, {"t", "reserve", "", ""});
    claimed = claimNewPlan(ledger, req, cache, {}, draft);
  });
  const auto& was = draft->plan.servers.at(0);
  const auto& is = claimed->plan.servers.at(0);
  if (!changed) {
    CHECK(claimed->plans == 1);
    CHECK(is.rack == was.rack);
    CHECK(is.first_unit == was.first_unit);
  } else {
    CHECK(claimed->plans == 2);
    CHECK(!(is.rack == was.rack && is.first_unit == was.first_unit));
    CHECK(is.nics.at(0).addresses.at(0).address != was.nics.at(0).addresses.at(0).address);
  }
  Occupancy occ(inv, ledger.claims().all(), 0);
  CHECK(occ.conflicts().empty());
}

TEST_CASE("a plan overtaken before its locks is made again under them, in the same transaction",
          "[postgres]") {
  TempDir dir;
  auto inv = smallInventory();
  auto state = colo::test::ledgerState(dir);
  Ledger other(state, Ledger::Open::create);
  HeldReserve b(state, inv, request("REQ-B", {{"b1", 1, 100, false, {{"pub-v4"}}}}));
  // Another writer claims exactly what B planned, and commits, while B has
  // planned and not yet locked.
  auto planned = b.firstPlan.get_future().get();
  other.write([&] { claimByHand(other, "REQ-A", planned); });
  b.go.set_value();
  b.thread.join();
  REQUIRE(b.error.empty());
  // Planned again inside its one transaction: nothing rolled back.
  CHECK(b.runs == 1);
  CHECK(b.claimed->plans == 2);
  const auto& was = planned.servers.at(0);
  const auto& is = b.claimed->plan.servers.at(0);
  CHECK(!(is.rack == was.rack && is.first_unit == was.first_unit));
  CHECK(is.nics.at(0).addresses.at(0).address != was.nics.at(0).addresses.at(0).address);
  CHECK(!(is.nics.at(0).switch_name == was.nics.at(0).switch_name &&
          is.nics.at(0).port == was.nics.at(0).port));
  Occupancy occ(inv, other.claims().all(), 0);
  CHECK(occ.conflicts().empty());
}

TEST_CASE("a writer holding locks takes no more by waiting: it starts over instead", "[postgres]") {
  TempDir dir;
  auto inv = smallInventory();
  auto state = colo::test::ledgerState(dir);
  Ledger filler(state, Ledger::Open::create), holder(state);
  HeldReserve b(state, inv, request("REQ-B", {{"b1", 1, 100}}));
  auto planned = b.firstPlan.get_future().get();
  const auto& first = planned.servers.at(0);
  // Another writer holds the two other racks locked, as one about to claim
  // there...
  holder.write([&] {
    Plan elsewhere;
    for (const auto& rack : inv.racks) {
      if (rack.name == first.rack) continue;
      ServerPlacement s;
      s.hostname = "held-" + rack.name;
      s.rack = rack.name;
      s.height = 1;
      s.first_unit = rack.name == "R01" ? 2 : 1;
      elsewhere.servers.push_back(s);
    }
    ClaimBook::Locks locks;
    holder.claims().lock(elsewhere, locks);
    // ...while a third takes every watt left in B's rack, and commits.
    filler.write([&] {
      ServerPlacement full = first;
      full.hostname = "full";
      full.feeds.clear();
      const Rack& rack = *inv.rack(first.rack);
      Occupancy occ(inv, filler.claims().all(), 0);
      auto r = static_cast<std::size_t>(&rack - inv.racks.data());
      for (std::size_t f = 0; f < rack.feeds.size(); ++f)
        full.feeds.push_back({rack.feeds[f].name,
                              rack.usableWatts(rack.feeds[f]) - static_cast<int>(occ.drawn(r, f))});
      claimByHand(filler, "REQ-FULL", Plan{"", {full}});
    });
    // B, holding its rack, needs one of the held ones: it does not wait for
    // it there (two such writers could wait for each other) but rolls back
    // and plans again from the start.
    b.go.set_value();
    // (A deadline only so that a writer waiting here fails the test rather
    // than hanging it; nothing is timed.)
    REQUIRE(b.secondRun.get_future().wait_for(std::chrono::seconds(60)) ==
            std::future_status::ready);
  });
  b.thread.join();
  REQUIRE(b.error.empty());
  CHECK(b.runs == 2);
  CHECK(b.claimed->plan.servers.at(0).rack != first.rack);
  Occupancy occ(inv, filler.claims().all(), 0);
  CHECK(occ.conflicts().empty());
  for (const auto& rack : rackUsage(occ))
    for (const auto& f : rack.feeds) CHECK(f.drawn_watts <= f.usable_watts);
}

TEST_CASE("a rack or switch another writer is claiming in is planned around, not waited for",
          "[postgres]") {
  bool bySwitch = GENERATE(false, true);
  CAPTURE(bySwitch);
  TempDir dir;
  auto inv = smallInventory();
  auto state = colo::test::ledgerState(dir);
  Ledger holder(state, Ledger::Open::create);
  HeldReserve b(state, inv, request("REQ-B", {{"b1", 1, 100, false, {{"pub-v4"}}}}));
  auto planned = b.firstPlan.get_future().get();
  const auto& first = planned.servers.at(0);
  holder.write([&] {
    // Another writer holds the rack B planned in, or that rack's switch, as
    // one about to claim there would, and does not end its transaction
    // until B has ended its.
    Plan there;
    ServerPlacement s;
    s.hostname = "held";
    s.rack = first.rack;
    s.height = 1;
    s.first_unit = first.first_unit;
    if (bySwitch) {
      // Only the switch: a server elsewhere with a NIC on it.
      s.rack = first.rack == "R01" ? "R02" : "R01";
      s.nics.push_back({0, first.nics.at(0).switch_name, "Gi1/0/48", 10, {}});
    }
    there.servers.push_back(s);
    ClaimBook::Locks locks;
    REQUIRE(holder.claims().lock(there, locks));
    b.go.set_value();
    // (A deadline only so that a writer waiting for the lock fails the test
    // rather than hanging it; nothing is timed.)
    REQUIRE(b.done.get_future().wait_for(std::chrono::seconds(60)) == std::future_status::ready);
  });
  b.thread.join();
  REQUIRE(b.error.empty());
  // Planned again in the same transaction, in another rack on another switch.
  CHECK(b.runs == 1);
  CHECK(b.claimed->plans == 2);
  const auto& is = b.claimed->plan.servers.at(0);
  CHECK(is.rack != first.rack);
  CHECK(is.nics.at(0).switch_name != first.nics.at(0).switch_name);
  auto claims = holder.claims().all();
  REQUIRE(claims.units.size() == 1);
  CHECK(claims.units[0].request_id == "REQ-B");
  CHECK(claims.units[0].rack == is.rack);
}

TEST_CASE("the change feed sees a transaction that commits after a later one", "[postgres]") {
  TempDir dir;
  auto state = colo::test::ledgerState(dir);
  Ledger a(state, Ledger::Open::create), b(state), reader(state);
  auto cursor = reader.feed().changesSince(0, [](const std::string&) {});
  std::set<std::string> seen;
  a.write([&] {
    a.requests().insert(request("REQ-EARLY", {{"e", 1, 100}}), Status::queued, {"t", "", "", ""});
    // Another connection inserts after it, with a later seq, and commits first.
    b.write([&] {
      b.requests().insert(request("REQ-LATE", {{"l", 1, 100}}), Status::queued, {"t", "", "", ""});
    });
    cursor = reader.feed().changesSince(cursor, [&](const std::string& id) { seen.insert(id); });
    CHECK(seen == std::set<std::string>{"REQ-LATE"});
  });
  seen.clear();
  reader.feed().changesSince(cursor, [&](const std::string& id) { seen.insert(id); });
  CHECK(seen.count("REQ-EARLY") == 1);
}

TEST_CASE("the request list pages in the ledger: newest first, a page at a time, its tenants",
          "[ledger]") {
  TempDir dir;
  Ledger l(colo::test::ledgerState(dir), Ledger::Open::create);
  l.write([&] {
    for (int i = 0; i < 7; ++i) {
      auto r = request("REQ-" + std::to_string(i), {{"h", 1, 100}});
      if (i % 3 == 0) r.tenant.code = "DINKES";
      l.requests().insert(r, Status::planning, {"t", "", "", ""});
      if (i == 5)
        l.requests().transition(r.id, Status::planning, Status::failed, {"t", "", "", ""});
    }
  });
  auto ids = [&](const RequestQuery& q) {
    std::vector<std::string> out;
    l.requests().scan(q, [&](RequestRecord& r) {
      out.push_back(r.id);
      return true;
    });
    return out;
  };
  RequestQuery q;
  q.newest_first = true;
  q.limit = 3;
  CHECK(ids(q) == std::vector<std::string>{"REQ-6", "REQ-5", "REQ-4"});
  q.offset = 6;
  CHECK(ids(q) == std::vector<std::string>{"REQ-0"});
  q.offset = 0;
  q.tenant_codes = {"dinkes"};
  CHECK(ids(q) == std::vector<std::string>{"REQ-6", "REQ-3", "REQ-0"});
  CHECK(l.requests().count(q) == 3);  // the page does not count
  CHECK(l.requests().tenants({}) == std::vector<std::string>{"BAPPEDA", "DINKES"});
  RequestQuery failed;
  failed.statuses = {Status::failed};
  CHECK(l.requests().tenants(failed) == std::vector<std::string>{"BAPPEDA"});
}
