#include <catch2/catch.hpp>

#include <map>
#include <regex>

#include "colo/inventory/loader.h"
#include "colo/inventory/occupancy.h"
#include "ui/elevation.h"

namespace inv = colo::inventory;
using colo::agent::elevationSvg;

namespace {

struct Drawn {
  std::string kind, name, tenant, request;
  int first_unit = 0, units = 0, y = 0, height = 0;
  std::string link;
};

// Every occupant the SVG draws, with its rectangle's geometry.
std::vector<Drawn> occupants(const std::string& svg) {
  static const std::regex g(
      R"re(<g class="occupant" data-kind="(\w+)" data-name="([^"]*)" data-tenant="([^"]*)" data-request="([^"]*)" data-first-unit="(\d+)" data-units="(\d+)">(<a href="([^"]*)">)?<title>[^<]*</title><rect x="\d+" y="(\d+)" width="\d+" height="(\d+)")re");
  std::vector<Drawn> out;
  for (std::sregex_iterator it(svg.begin(), svg.end(), g), end; it != end; ++it) {
    const auto& m = *it;
    out.push_back({m[1], m[2], m[3], m[4], std::stoi(m[5]), std::stoi(m[6]), std::stoi(m[9]),
                   std::stoi(m[10]), m[8]});
  }
  return out;
}

}  // namespace

TEST_CASE("the elevation SVG draws every device, claim, reservation and free run at its units") {
  auto loaded = inv::loadInventory(COLO_SOURCE_DIR "/examples/inventory.yaml");
  REQUIRE(loaded.ok());
  inv::Claims claims;
  for (int u : {20, 21}) claims.units.push_back({"R04", u, "REQ-7", "web01", "BAPPEDA"});
  for (std::string feed : {"R04-A", "R04-B"})
    claims.power.push_back({"R04", feed, 450, "REQ-7", "web01"});
  inv::Occupancy occ(loaded.inventory, claims, 1);
  const auto& rack = *loaded.inventory.rack("R04");
  auto svg = elevationSvg(occ, occ.rackIndex(rack), {true, "/ui/requests/{id}"});
  CHECK(svg.rfind("<?xml", 0) == 0);

  auto drawn = occupants(svg);
  // Units 1..42 covered exactly once, top to bottom, without gaps.
  int next = rack.height, covered = 0;
  for (const auto& d : drawn) {
    INFO(d.name << " U" << d.first_unit);
    CHECK(d.first_unit + d.units - 1 == next);
    next = d.first_unit - 1;
    covered += d.units;
    // Unit u's top edge is at 34 + (42 - u) x 20; rectangles are inset 1 px.
    CHECK(d.y == 34 + (rack.height - (d.first_unit + d.units - 1)) * 20 + 1);
    CHECK(d.height == d.units * 20 - 2);
  }
  CHECK(covered == rack.height);

  std::map<std::string, Drawn> byName;
  for (const auto& d : drawn) byName[d.name] = d;
  for (const auto& dev : rack.devices) {
    INFO(dev.name);
    REQUIRE(byName.count(dev.name));
    CHECK(byName[dev.name].kind == "device");
    CHECK(byName[dev.name].first_unit == dev.position);
    CHECK(byName[dev.name].units == dev.height);
    CHECK(byName[dev.name].tenant == dev.tenant);
  }
  auto web = byName["web01"];
  CHECK(web.kind == "claimed");
  CHECK(web.first_unit == 20);
  CHECK(web.units == 2);
  CHECK(web.request == "REQ-7");
  CHECK(web.link == "/ui/requests/REQ-7");
  // Hover: who, where, what it draws from which feeds.
  CHECK(svg.find(
            "<title>web01 (BAPPEDA), U20-21, 450 W on R04-A+R04-B, request REQ-7 (colo)</title>") !=
        std::string::npos);
  CHECK(svg.find("<title>tor-r04, U42, 150 W on R04-A+R04-B, installed</title>") !=
        std::string::npos);
  // Reserved units 1-2 are one hatched run; free runs carry their size.
  CHECK(drawn.back().kind == "reserved");
  CHECK(drawn.back().first_unit == 1);
  CHECK(drawn.back().units == 2);
  CHECK(svg.find(">20 U free<") != std::string::npos);  // U22-41, between web01 and the switch
  // The legend names each tenant in its colour.
  for (std::string t : {"BAPPEDA", "DISPENDIK", "DISHUB"})
    CHECK(svg.find("fill=\"" + colo::agent::tenantColour(t) + "\"/><text x=\"50\" y=\"") !=
          std::string::npos);
}

TEST_CASE("names in the elevation are escaped") {
  auto loaded = inv::loadInventory(COLO_SOURCE_DIR "/examples/inventory.yaml");
  REQUIRE(loaded.ok());
  inv::Claims claims;
  claims.units.push_back({"R04", 30, "REQ-8", "a<b>&\"c", "X'Y"});
  inv::Occupancy occ(loaded.inventory, claims, 1);
  auto svg = elevationSvg(occ, occ.rackIndex(*loaded.inventory.rack("R04")), {false, ""});
  CHECK(svg.rfind("<svg", 0) == 0);
  CHECK(svg.find("a<b>") == std::string::npos);
  CHECK(svg.find("data-name=\"a&lt;b&gt;&amp;&quot;c\"") != std::string::npos);
  CHECK(svg.find("data-tenant=\"X&#39;Y\"") != std::string::npos);
  CHECK(svg.find("<a href") == std::string::npos);
}
