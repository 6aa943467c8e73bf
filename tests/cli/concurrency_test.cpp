// Several `colo reserve` processes race for one scarce rack. The ledger must
// hand out each unit, port and address once, admit exactly as many requests
// as there is room for, and refuse the rest with "nothing fits" (never with a
// locked database).
#include <catch2/catch.hpp>

#include <memory>

#include "../support/ledger_state.h"
#include "../support/process.h"

using colo::test::Child;
using colo::test::Gate;
using colo::test::TempDir;

namespace {

// One rack with 6 free units (unit 1 is reserved): room for three 2U servers.
const char* kScarce = R"(site: {name: dc-race}
racks:
  - name: R01
    height: 7
    reserved_units: [1]
    power: {feeds: [{name: A, capacity_watts: 10000}, {name: B, capacity_watts: 10000}]}
    switches: [tor]
switches:
  - {name: tor, vendor: cisco_ios, address: 127.0.0.1, port: 2201, credentials: lab,
     access_ports: GigabitEthernet1/0/1-12}
vlans: [{id: 120, name: pub}]
ip_pools:
  - {name: pub-v4, prefix: 192.0.2.0/28, gateway: 192.0.2.1, vlan: 120}
)";

std::string requestFor(int i) {
  return R"({"id": "REQ-RACE-)" + std::to_string(i) +
         R"(", "letter_number": "1/RACE/2026", "tenant": {"code": "T)" + std::to_string(i) +
         R"(", "name": "Tenant"}, "received_at": "2026-11-23T08:30:00+07:00",
         "servers": [{"hostname": "srv)" + std::to_string(i) +
         R"(", "units": 2, "power_watts": 300, "redundant_power": true,
         "nics": [{"pools": ["pub-v4"]}]}]})";
}

std::string sql(const TempDir& dir, const std::string& db, const std::string& query) {
  return colo::test::ledgerSql(db, query, dir);
}

}  // namespace

TEST_CASE("racing reserve processes never hand anything out twice") {
  constexpr int kProcesses = 10;
  constexpr int kRoom = 3;
  // Several rounds, each on a fresh ledger, created by racing `colo init`s.
  for (int round = 0; round < 3; ++round) {
    TempDir dir;
    auto inv = dir.write("inventory.yaml", kScarce);
    auto db = colo::test::ledgerState(dir);
    std::vector<std::string> files;
    for (int i = 0; i < kProcesses; ++i)
      files.push_back(dir.write("req" + std::to_string(i) + ".json", requestFor(i)));

    {
      Gate start;
      std::vector<std::unique_ptr<Child>> inits;
      for (int i = 0; i < kProcesses; ++i)
        inits.push_back(std::make_unique<Child>(
            std::vector<std::string>{COLO_BINARY, "--state", db, "init"}, dir, &start));
      start.release();
      for (auto& c : inits) {
        auto r = c->wait();
        INFO(r.err);
        CHECK(r.exit_code == 0);
      }
    }
    Gate gate;
    std::vector<std::unique_ptr<Child>> children;
    for (int i = 0; i < kProcesses; ++i)
      children.push_back(std::make_unique<Child>(
          std::vector<std::string>{COLO_BINARY, "--inventory", inv, "--state", db, "reserve",
                                   files[static_cast<std::size_t>(i)]},
          dir, &gate));
    gate.release();

    int won = 0;
    for (auto& c : children) {
      auto r = c->wait();
      INFO("round " << round << ": " << r.err);
      if (r.exit_code == 0) {
        ++won;
        continue;
      }
      CHECK(r.exit_code == 1);
      CHECK(r.err.rfind("colo: no rack has 2 contiguous free units with 300 W on two feeds and 1 "
                        "free switch port for server srv",
                        0) == 0);
      CHECK(r.err.find("locked") == std::string::npos);
    }
    CHECK(won == kRoom);
    CHECK(sql(dir, db, "SELECT count(*) FROM requests") == std::to_string(kRoom) + "\n");
    CHECK(sql(dir, db, "SELECT count(*), count(DISTINCT unit) FROM unit_claims") == "6|6\n");
    CHECK(sql(dir, db, "SELECT count(*), count(DISTINCT address) FROM address_claims") == "3|3\n");
    CHECK(sql(dir, db, "SELECT count(*), count(DISTINCT port) FROM port_claims") == "3|3\n");
    // Each winner holds exactly its two units, one address and one port.
    CHECK(sql(dir, db,
              "SELECT count(*) FROM requests r WHERE (SELECT count(*) FROM unit_claims u WHERE "
              "u.request_id = r.id) != 2 OR (SELECT count(*) FROM address_claims a WHERE "
              "a.request_id = r.id) != 1") == "0\n");
    // The lowest addresses were handed out, without gaps.
    CHECK(sql(dir, db,
              "SELECT group_concat(address, ' ') FROM (SELECT address FROM "
              "address_claims ORDER BY address) AS a") == "192.0.2.2 192.0.2.3 192.0.2.4\n");
  }
}
