// The data center the benchmarks measure: 500 racks (48U, A/B feeds), 500
// switches of 48 ports, pools far over 200,000 addresses (an IPv4 /8, an
// IPv6 /64, ordinary /24s), and 20,000 requests already reserved in a real
// SQLite ledger. Used by inventory_bench, ui_bench and backends_bench;
// history_bench builds it ten times larger (5,000 racks, 200,000 held).
#pragma once

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>

#include "colo/inventory/allocator.h"
#include "colo/inventory/ledger.h"
#include "colo/inventory/loader.h"

namespace colo::bench {

namespace inv = colo::inventory;

inline constexpr int kRacks = 500;
inline constexpr int kHeight = 48;
inline constexpr int kPreReserved = 20000;
inline constexpr int kAddressesPerPreReserved = 5;  // in each of the big pools

inline std::string rackName(int r) {
  char b[16];
  std::snprintf(b, sizeof b, "R%03d", r);
  return b;
}

inline void writeInventory(const std::string& path, int racks = kRacks) {
  std::ofstream o(path);
  o << "site: {name: dc-bench, timezone: Asia/Pontianak}\nracks:\n";
  for (int r = 0; r < racks; ++r) {
    auto n = rackName(r);
    o << "  - name: " << n << "\n    room: room-" << r / 100 << "\n    height: " << kHeight
      << "\n    power:\n      feeds:\n        - {name: " << n
      << "-A, capacity_watts: 22000}\n        - {name: " << n
      << "-B, capacity_watts: 22000}\n    switches: [tor-" << n
      << "]\n    reserved_units: [1]\n    devices:\n      - {name: tor-" << n
      << ", position: " << kHeight << ", power_watts: 200}\n";
  }
  o << "switches:\n";
  for (int r = 0; r < racks; ++r) {
    static const char* vendors[] = {"cisco_ios", "arista_eos", "juniper_junos"};
    static const char* ports[] = {"GigabitEthernet1/0/1-48", "Ethernet1-48", "ge-0/0/0-47"};
    o << "  - {name: tor-" << rackName(r) << ", vendor: " << vendors[r % 3]
      << ", address: 127.0.0.1, port: " << 20000 + r
      << ", credentials: lab, access_ports: " << ports[r % 3] << "}\n";
  }
  o << "vlans:\n  - {id: 120, name: public}\n  - {id: 130, name: private}\n"
    << "ip_pools:\n"
    << "  - {name: big-v4, prefix: 240.0.0.0/8, gateway: 240.0.0.1, vlan: 120}\n"
    << "  - {name: big-v6, prefix: \"2001:db8:ffff::/64\", gateway: \"2001:db8:ffff::1\", vlan: "
       "120}\n"
    << "  - {name: public-v4, prefix: 203.0.113.0/24, gateway: 203.0.113.1, vlan: 120}\n"
    << "  - {name: private-v4, prefix: 198.51.100.0/24, gateway: 198.51.100.1, vlan: 130}\n";
}

inline std::string requestJson(const std::string& id, int units, bool redundant) {
  return R"({"id": ")" + id +
         R"(", "letter_number": "1/BENCH/2026", "tenant": {"code": "BENCH", "name": "Bench"},
      "received_at": "2026-11-23T08:30:00+07:00", "servers": [{"hostname": "h-)" +
         id + R"(", "units": )" + std::to_string(units) + R"(, "power_watts": 250,
      "redundant_power": )" +
         (redundant ? "true" : "false") + R"(, "nics": [{"pools": ["big-v4", "big-v6"]}]}]})";
}

// Request i, written straight into the ledger (inside a write) and
// completed: one unit, one port and 5 addresses in each of the big pools, 40
// to a rack (units 2..41) for the first 40 per rack, above them for later
// ones.
inline void placeRequest(inv::Ledger& ledger, const inv::Inventory& inventory, int i,
                         int racks = kRacks) {
  int r = i % racks, slot = i / racks;
  auto id = "PRE-" + std::to_string(i);
  auto req = inv::parseRequestJson(requestJson(id, 1, true));
  inv::Plan plan;
  plan.request_id = id;
  inv::ServerPlacement s;
  s.hostname = "h-" + id;
  s.rack = rackName(r);
  s.first_unit = 2 + slot;
  s.height = 1;
  s.power_watts = 250;
  s.redundant_power = true;
  s.feeds = {{s.rack + "-A", 250}, {s.rack + "-B", 250}};
  const inv::Switch& sw = *inventory.switchNamed("tor-" + s.rack);
  inv::NicAssignment nic{0, sw.name, sw.access_ports[static_cast<std::size_t>(slot)], 120, {}};
  const auto* v4 = inventory.pool("big-v4");
  const auto* v6 = inventory.pool("big-v6");
  for (int k = 0; k < kAddressesPerPreReserved; ++k) {
    inv::u128 off = static_cast<inv::u128>(2 + i * kAddressesPerPreReserved + k);
    nic.addresses.push_back({"big-v4", {v4->prefix.first() + off, false}, 8, v4->gateway});
    nic.addresses.push_back({"big-v6", {v6->prefix.first() + off, true}, 64, v6->gateway});
  }
  s.nics.push_back(std::move(nic));
  plan.servers.push_back(std::move(s));
  ledger.requests().insert(req, inv::Status::planning, {"bench", "bench site", "", ""});
  ledger.claims().claim(plan, "BENCH");
  // Installed and done, as most of a ledger's history is: an agent started
  // on it finds no work in progress to take over.
  using S = inv::Status;
  ledger.requests().transition(id, S::planning, S::reserved, {"bench", "reserved", "", ""});
  ledger.requests().transition(id, S::reserved, S::configuring, {"bench", "configuring", "", ""});
  ledger.requests().transition(id, S::configuring, S::completed, {"bench", "completed", "", ""});
}

// The 20,000 reservations (the first 100,000 addresses of each big pool: a
// worst case for a scanning allocator); or reservations [from, to) of a site
// of `racks`. 1,000 to a transaction: PostgreSQL slows down with every
// update of one row (the generation, the tallies) in one transaction.
inline void fillLedger(inv::Ledger& ledger, const inv::Inventory& inventory, int from = 0,
                       int to = kPreReserved, int racks = kRacks) {
  for (int start = from; start < to; start += 1000)
    ledger.write([&] {
      for (int i = start; i < std::min(to, start + 1000); ++i)
        placeRequest(ledger, inventory, i, racks);
    });
}

}  // namespace colo::bench
