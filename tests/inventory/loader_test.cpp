#include <catch2/catch.hpp>

#include "../support/temp_dir.h"
#include "colo/inventory/loader.h"

using namespace colo::inventory;
using colo::test::TempDir;

namespace {

// A small valid inventory. Line numbers matter to the tests below.
const char* kValid = R"(site: {name: dc-test, timezone: Asia/Pontianak}
racks:
  - name: R01
    room: room-1
    height: 42
    power:
      derate: 0.8
      feeds:
        - {name: R01-A, capacity_watts: 5000}
        - {name: R01-B, capacity_watts: 5000}
    switches: [tor-r01]
    reserved_units: [1, 2]
    devices:
      - {name: tor-r01, position: 41, height: 1, power_watts: 150}
      - {name: dinkes-db01, position: 10, height: 2, power_watts: 450, tenant: DINKES}
switches:
  - name: tor-r01
    vendor: cisco_ios
    address: 127.0.0.1
    port: 2201
    credentials: tor-default
    access_ports: GigabitEthernet1/0/1-44
    in_use: [GigabitEthernet1/0/1]
vlans:
  - {id: 120, name: colo-public}
ip_pools:
  - name: colo-public-v4
    prefix: 203.0.113.0/24
    gateway: 203.0.113.1
    vlan: 120
    reserved: [203.0.113.1-203.0.113.9]
  - {name: colo-public-v6, prefix: "2001:db8:20::/64", gateway: "2001:db8:20::1", vlan: 120}
)";

LoadOptions options() {
  return {{"cisco_ios", "arista_eos", "juniper_junos"}, std::vector<std::string>{"tor-default"}};
}

// Loads `text` after replacing `from` with `to` (which must occur).
LoadResult loadWith(const TempDir& dir, const std::string& from, const std::string& to) {
  std::string text = kValid;
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  return loadInventory(dir.write("inventory.yaml", text), options());
}

// The one diagnostic, as "line:col: message" without the file.
std::string only(const LoadResult& r) {
  for (const auto& e : r.errors) UNSCOPED_INFO(e.str());
  REQUIRE(r.errors.size() == 1);
  const auto& d = r.errors.front();
  return std::to_string(d.where.line) + ":" + std::to_string(d.where.column) + ": " + d.message;
}

}  // namespace

TEST_CASE("a valid inventory loads with its parts") {
  TempDir dir;
  auto r = loadInventory(dir.write("inventory.yaml", kValid), options());
  for (const auto& e : r.errors) INFO(e.str());
  REQUIRE(r.ok());
  const auto& inv = r.inventory;
  CHECK(inv.site.timezone == "Asia/Pontianak");
  REQUIRE(inv.rack("R01"));
  CHECK(inv.rack("R01")->devices.size() == 2);
  CHECK(inv.rack("R01")->usableWatts(inv.rack("R01")->feeds[0]) == 4000);
  CHECK(inv.switchNamed("tor-r01")->access_ports.size() == 44);
  CHECK(inv.pool("colo-public-v6")->gateway->str() == "2001:db8:20::1");
  CHECK(inv.pool("colo-public-v4")->reserved.size() == 1);
}

TEST_CASE("each kind of inventory error is reported at its line") {
  TempDir dir;
  SECTION("bad YAML") {
    CHECK(only(loadWith(dir, "height: 42", "height: [42")) ==
          "6:10: bad YAML: end of sequence flow not found");
  }
  SECTION("unknown key, with a suggestion") {
    auto r = loadWith(dir, "height: 42", "heigth: 42");
    REQUIRE(r.errors.size() == 2);
    CHECK(r.errors[0].message == "rack 'R01': missing field 'height'");
    CHECK(r.errors[1].where.line == 5);
    CHECK(r.errors[1].message == "unknown field 'heigth' in rack 'R01' (did you mean 'height'?)");
  }
  SECTION("wrong type") {
    CHECK(only(loadWith(dir, "height: 42", "height: tall")) ==
          "5:13: rack 'R01': field 'height' must be a whole number, not 'tall'");
  }
  SECTION("missing field") {
    CHECK(only(loadWith(dir, "    credentials: tor-default\n", "")) ==
          "17:5: switch 'tor-r01': missing field 'credentials'");
  }
  SECTION("control and format characters in free text") {
    // ESC would reach a technician's terminal; a bidi override a letter.
    CHECK(only(loadWith(dir, "room: room-1", "room: \"room-1\\e[2J\"")) ==
          "4:11: rack 'R01': field 'room' holds U+001B (a control character); write it as plain "
          "text");
    CHECK(only(loadWith(dir, "room: room-1", "room: \"room\\u202E1\"")) ==
          "4:11: rack 'R01': field 'room' holds U+202E (a bidi control, which reorders the text "
          "around it); write it as plain text");
  }
  SECTION("duplicate key") {
    auto r = loadWith(dir, "    room: room-1\n", "    room: room-1\n    room: room-2\n");
    CHECK(only(r) == "5:5: duplicate key 'room' in rack (first at line 4)");
  }
  SECTION("duplicate names") {
    auto r = loadWith(dir, "  - {id: 120, name: colo-public}",
                      "  - {id: 120, name: colo-public}\n  - {id: 120, name: again}");
    CHECK(only(r) ==
          "26:5: duplicate vlan id 120 (first at " + dir.file("inventory.yaml") + ":25:5)");
  }
  SECTION("devices overlapping") {
    CHECK(only(loadWith(dir, "position: 10", "position: 41")) ==
          "15:9: device 'dinkes-db01' overlaps device 'tor-r01' at unit 41 of rack 'R01'");
  }
  SECTION("device outside the rack") {
    CHECK(only(loadWith(dir, "position: 10", "position: 42")) ==
          "15:9: device 'dinkes-db01' occupies units 42-43, outside rack 'R01' (1-42)");
  }
  SECTION("device drawing more than a feed carries") {
    // A device without 'feeds' is dual-corded: it overloads both feeds.
    auto r = loadWith(dir, "power_watts: 450", "power_watts: 3900");
    REQUIRE(r.errors.size() == 2);
    CHECK(r.errors[0].str() == dir.file("inventory.yaml") +
                                   ":15:9: device 'dinkes-db01' brings feed 'R01-A' to 4050 W, "
                                   "more than it carries (4000 W usable of 5000 W at derate 0.80)");
    CHECK(r.errors[1].message.find("feed 'R01-B'") != std::string::npos);
    // Drawing from one named feed overloads only that one.
    r = loadWith(dir, "power_watts: 450,", "power_watts: 3900, feeds: [R01-B],");
    CHECK(only(r) ==
          "15:9: device 'dinkes-db01' brings feed 'R01-B' to 4050 W, more than it "
          "carries (4000 W usable of 5000 W at derate 0.80)");
  }
  SECTION("bad CIDR") {
    CHECK(only(loadWith(dir, "prefix: 203.0.113.0/24", "prefix: 203.0.113.7/24")) ==
          "28:13: ip pool 'colo-public-v4': bad CIDR prefix '203.0.113.7/24': host bits are "
          "set; did you mean 203.0.113.0/24?");
  }
  SECTION("gateway outside its prefix") {
    CHECK(only(loadWith(dir, "gateway: 203.0.113.1", "gateway: 198.51.100.1")) ==
          "29:14: ip pool 'colo-public-v4': gateway 198.51.100.1 is outside its prefix "
          "203.0.113.0/24");
  }
  SECTION("overlapping pools") {
    CHECK(only(loadWith(dir, "  - {name: colo-public-v6",
                        "  - {name: extra, prefix: 203.0.113.128/25, vlan: 120}\n"
                        "  - {name: colo-public-v6")) ==
          "32:5: ip pool 'extra' (203.0.113.128/25) overlaps ip pool 'colo-public-v4' "
          "(203.0.113.0/24)");
  }
  SECTION("reserved range outside the pool") {
    CHECK(only(loadWith(dir, "203.0.113.1-203.0.113.9", "203.0.113.1-203.0.114.9")) ==
          "31:15: ip pool 'colo-public-v4': reserved '203.0.113.1-203.0.114.9' is outside the "
          "pool's prefix 203.0.113.0/24");
  }
  SECTION("bad port range") {
    CHECK(only(loadWith(dir, "GigabitEthernet1/0/1-44", "GigabitEthernet1/0/44-1")) ==
          "22:19: switch 'tor-r01': bad port range in 'access_ports': "
          "'GigabitEthernet1/0/44-1': range end 1 is below its start 44");
  }
  SECTION("unknown vendor") {
    CHECK(only(loadWith(dir, "vendor: cisco_ios", "vendor: cisco_nxos")) ==
          "17:5: switch 'tor-r01': unknown vendor 'cisco_nxos' (known: cisco_ios, arista_eos, "
          "juniper_junos)");
  }
  SECTION("rack names a switch that does not exist") {
    CHECK(only(loadWith(dir, "switches: [tor-r01]", "switches: [tor-r99]")) ==
          "3:5: rack 'R01' names switch 'tor-r99', which is not defined under 'switches'");
  }
  SECTION("pool names a vlan that does not exist") {
    CHECK(only(loadWith(dir, "    vlan: 120", "    vlan: 121")) ==
          "27:5: ip pool 'colo-public-v4': vlan 121 is not defined under 'vlans'");
  }
  SECTION("switch names credentials the config does not define") {
    CHECK(only(loadWith(dir, "credentials: tor-default", "credentials: tor-other")) ==
          "17:5: switch 'tor-r01' uses credentials 'tor-other', which the config does not define");
  }
  SECTION("a name a switch CLI could misread") {
    CHECK(only(loadWith(dir, "tenant: DINKES", "tenant: \"DINKES; reload\"")) ==
          "15:80: 'tenant' 'DINKES; reload' may only hold letters, digits, '.', '_' and '-' (1 "
          "to 63)");
  }
}

TEST_CASE("unknown keys come with a suggestion") {
  TempDir dir;
  auto r = loadWith(dir, "    room: room-1\n", "    room: room-1\n    swiches: [x]\n");
  CHECK(only(r) == "5:5: unknown field 'swiches' in rack 'R01' (did you mean 'switches'?)");
}

TEST_CASE("every error is reported at once, in file order") {
  TempDir dir;
  std::string text = kValid;
  text.replace(text.find("height: 42"), 10, "height: x");
  text.replace(text.find("vendor: cisco_ios"), 17, "vendor: nope");
  text.replace(text.find("gateway: 203.0.113.1"), 20, "gateway: 1.2.3.4");
  auto r = loadInventory(dir.write("inventory.yaml", text), options());
  REQUIRE(r.errors.size() == 3);
  CHECK(r.errors[0].where.line == 5);
  CHECK(r.errors[1].where.line == 17);
  CHECK(r.errors[2].where.line == 29);
  CHECK(r.errors[0].str().rfind(dir.file("inventory.yaml") + ":5:13: ", 0) == 0);
}

TEST_CASE("a directory of files is merged, and duplicates across files are caught") {
  TempDir dir;
  std::string text = kValid;
  auto cut = text.find("ip_pools:");
  dir.write("inv/10-racks.yaml", text.substr(0, cut));
  dir.write("inv/20-pools.yml", text.substr(cut));
  dir.write("inv/README.txt", "not yaml: [");
  auto r = loadInventory(dir.file("inv"), options());
  REQUIRE(r.ok());
  CHECK(r.inventory.pools.size() == 2);
  CHECK(r.inventory.files.size() == 2);

  dir.write("inv/30-more.yaml", "site: {name: again}\nvlans:\n  - {id: 120, name: dup}\n");
  r = loadInventory(dir.file("inv"), options());
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[0].str() ==
        dir.file("inv/30-more.yaml") + ":1:7: 'site' is given more than once across the inventory");
  CHECK(r.errors[1].message.rfind(
            "duplicate vlan id 120 (first at " + dir.file("inv/10-racks.yaml"), 0) == 0);
}

TEST_CASE("a missing inventory is an error, not an empty data center") {
  auto r = loadInventory("/nonexistent/inventory.yaml", options());
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].str() == "/nonexistent/inventory.yaml: inventory not found");
}

TEST_CASE("an inventory that is not UTF-8 is refused at the first bad byte") {
  // yaml-cpp reads any bytes; colo serves names as JSON, which must be UTF-8
  // (found by tests/fuzz: a Latin-1 room name made /v1/racks throw).
  TempDir dir;
  CHECK(only(loadWith(dir, "room: room-1", "room: ruang-\xe9tude")) ==
        "4:17: not UTF-8 text (byte 85); save the file as UTF-8");
  // Overlong forms and surrogates are not UTF-8 either; real text is.
  CHECK(only(loadWith(dir, "room: room-1", "room: \xc0\xaf")).find("not UTF-8") !=
        std::string::npos);
  CHECK(only(loadWith(dir, "room: room-1", "room: \xed\xa0\x80")).find("not UTF-8") !=
        std::string::npos);
  CHECK(loadWith(dir, "room: room-1", "room: ruang-\xc3\xa9tude \xf0\x9f\x96\xa5").ok());
}

TEST_CASE("an inventory over the size limit is refused before it is read") {
  TempDir dir;
  auto opts = options();
  opts.max_bytes = 1024;
  std::string big = kValid;
  big += "# " + std::string(1000, 'x') + "\n";
  auto r = loadInventory(dir.write("inventory.yaml", big), opts);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].message.find("the inventory holds " + std::to_string(big.size()) +
                                 " bytes of YAML, more than limits.inventory_bytes (1024)") == 0);
  // All files of a directory count together.
  TempDir split;
  split.write("a.yaml", std::string(kValid).substr(0, 600));
  split.write("b.yaml", "# " + std::string(600, 'y') + "\n");
  r = loadInventory(split.path().string(), opts);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].where.file == split.path().string());
  CHECK(r.errors[0].message.find("more than limits.inventory_bytes (1024)") != std::string::npos);
}
