// The small data center of tests/data/small.yaml, and requests for it built
// from a list of servers, for the inventory's and the jobs' tests.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "colo/inventory/loader.h"
#include "colo/inventory/request.h"

namespace colo::test {

using colo::inventory::Inventory;
using colo::inventory::Request;

inline Inventory smallInventory() {
  auto r = colo::inventory::loadInventory(COLO_TEST_DATA "/small.yaml");
  for (const auto& e : r.errors) UNSCOPED_INFO(e.str());
  REQUIRE(r.ok());
  return std::move(r.inventory);
}

struct Server {
  std::string hostname;
  int units;
  int watts;
  bool redundant = false;
  std::vector<std::vector<std::string>> nics = {};
};

inline Request request(const std::string& id, const std::vector<Server>& servers) {
  std::string json = R"({"id": ")" + id +
                     R"(", "letter_number": "027/1/APTIKA/2026", "tenant": {"code": "BAPPEDA",
      "name": "Bappeda"}, "received_at": "2026-11-23T08:30:00+07:00", "servers": [)";
  for (std::size_t i = 0; i < servers.size(); ++i) {
    const auto& s = servers[i];
    json += std::string(i ? "," : "") + R"({"hostname": ")" + s.hostname + R"(", "units": )" +
            std::to_string(s.units) + R"(, "power_watts": )" + std::to_string(s.watts) +
            R"(, "redundant_power": )" + (s.redundant ? "true" : "false") + R"(, "nics": [)";
    for (std::size_t n = 0; n < s.nics.size(); ++n) {
      json += std::string(n ? "," : "") + R"({"pools": [)";
      for (std::size_t p = 0; p < s.nics[n].size(); ++p)
        json += std::string(p ? "," : "") + "\"" + s.nics[n][p] + "\"";
      json += "]}";
    }
    json += "]}";
  }
  return colo::inventory::parseRequestJson(json + "]}");
}

}  // namespace colo::test
