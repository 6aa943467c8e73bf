// The inventory loader (design.md §3): bytes in, an inventory or diagnostics out.
// An inventory that loads is then used as colo uses it: its occupancy, the
// administrators' views rendered as JSON, and two requests placed one after
// the other, which must not share a unit, a port or an address.
#include <set>
#include <string>
#include <tuple>

#include "colo/inventory/allocator.h"
#include "colo/inventory/error.h"
#include "colo/inventory/loader.h"
#include "colo/inventory/occupancy.h"
#include "colo/inventory/usage.h"
#include "fuzz_support.h"
#include "core/views.h"

namespace inv = colo::inventory;

namespace {

const inv::Request& sampleRequest() {
  static const inv::Request r = inv::parseRequestJson(R"({
    "id": "REQ-FUZZ-1", "letter_number": "1/FUZZ/2026",
    "tenant": {"code": "FUZZ", "name": "Fuzz"},
    "received_at": "2026-11-23T08:30:00+07:00",
    "servers": [
      {"hostname": "a01", "units": 2, "power_watts": 450, "redundant_power": true,
       "nics": [{"pools": ["colo-public-v4", "colo-public-v6"]}, {"pools": ["colo-private-v4"]}]},
      {"hostname": "a02", "units": 1, "power_watts": 200, "nics": [{"pools": ["colo-private-v4"]}]}
    ]})");
  return r;
}

using Taken = std::set<std::tuple<std::string, std::string>>;

// Everything `plan` holds, as (kind+place, item) pairs.
Taken holdings(const inv::Plan& plan) {
  Taken t;
  for (const auto& s : plan.servers) {
    for (int u = s.first_unit; u <= s.last_unit(); ++u)
      t.emplace("unit " + s.rack, std::to_string(u));
    for (const auto& n : s.nics) {
      t.emplace("port " + n.switch_name, n.port);
      for (const auto& a : n.addresses) t.emplace("address " + a.pool, a.address.str());
    }
  }
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto path = colo::fuzz::scratchFile("inventory.yaml", colo::fuzz::bytes(data, size));
  inv::LoadOptions options;
  options.vendors = {"cisco_ios", "arista_eos", "juniper_junos"};
  options.credentials = std::vector<std::string>{"tor-default"};
  inv::LoadResult loaded;
  colo::fuzz::onlyThrows<inv::Error>("loadInventory",
                                     [&] { loaded = inv::loadInventory(path, options); });
  if (!loaded.ok()) return 0;

  inv::Occupancy occ(loaded.inventory, inv::Claims{}, 0);
  // The views are served as JSON: a dump that throws is a 500 for an admin.
  for (const auto& rack : inv::rackUsage(occ)) (void)colo::agent::rackJson(rack).dump();
  for (std::size_t r = 0; r < loaded.inventory.racks.size(); ++r)
    (void)colo::agent::elevationJson(occ, r).dump();
  for (const auto& pool : inv::poolUsage(occ)) (void)colo::agent::poolJson(pool).dump();

  colo::fuzz::onlyThrows<inv::Error>("allocate", [&] {
    auto first = inv::allocate(occ, sampleRequest());
    occ.add(first, "FUZZ", 1);
    auto second = sampleRequest();
    second.id = "REQ-FUZZ-2";
    auto again = inv::allocate(occ, second);
    for (const auto& h : holdings(again))
      if (holdings(first).count(h))
        colo::fuzz::finding("handed out twice: " + std::get<0>(h) + " " + std::get<1>(h));
  });
  return 0;
}
