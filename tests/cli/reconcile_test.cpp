// colo reconcile (docs/design.md §18) end to end: the real binary, the SSH
// simulator, a real ledger; an "administrator" changes ports by hand over
// SSH in between.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "../support/two_switch_site.h"
#include "colo/drivers/device.h"
#include "colo/drivers/dialect.h"
#include "colo/drivers/ssh.h"

using colo::test::SiteOptions;
using colo::test::TwoSwitchSite;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

// Someone at the switch's CLI: `commands` in configuration mode, then, if
// asked, `write memory`.
void byHand(TwoSwitchSite& site, const std::string& sw, const std::string& vendor,
            const std::vector<std::string>& commands, bool save) {
  colo::drivers::SshOptions o;
  o.host = "127.0.0.1";
  o.port = site.sim->port(sw);
  o.username = "colo";
  o.password = "s3cret-pw";
  o.known_hosts = site.sim->knownHosts();
  o.connect_timeout = 5000ms;
  colo::drivers::Device d(sw, colo::drivers::openSsh(o), *colo::drivers::dialectFor(vendor),
                          5000ms);
  d.open();
  d.configure(commands);
  if (save) d.save();
}

json port(TwoSwitchSite& site, const std::string& sw, const std::string& which,
          const std::string& p) {
  return site.sim->state(sw)[which][p];
}

}  // namespace

TEST_CASE("colo reconcile shows what differs from colo's intent and puts colo's ports back") {
  SiteOptions o;
  // A free port someone configured before colo came.
  o.initialA = {{"GigabitEthernet1/0/4",
                 {{"description", "camera-uplink"}, {"mode", "access"}, {"vlan", 99}}}};
  TwoSwitchSite site(o);
  REQUIRE(site.colo({"provision", site.requestFile("REQ-D")}).exit_code == 0);
  auto colos = port(site, "a", "running", "GigabitEthernet1/0/1");
  REQUIRE(colos["vlan"] == 120);

  // As colo left them, apart from the foreign free port.
  auto first = site.colo({"--json", "reconcile"});
  INFO(first.out << first.err);
  CHECK(first.exit_code == 1);
  auto j = json::parse(first.out);
  CHECK(j["changed"] == 0);
  CHECK(j["unsaved"] == 0);
  REQUIRE(j["foreign"] == 1);
  CHECK(site.colo({"reconcile", "b"}).exit_code == 0);

  // By hand: web0 nic0's VLAN changed and not saved; web0 nic1 changed,
  // saved, and changed back without saving.
  byHand(site, "a", "cisco_ios",
         {"interface GigabitEthernet1/0/1", "switchport access vlan 99", "speed 100", "exit"},
         false);
  byHand(site, "a", "cisco_ios",
         {"interface GigabitEthernet1/0/2", "switchport access vlan 98", "exit"}, true);
  byHand(site, "a", "cisco_ios",
         {"interface GigabitEthernet1/0/2", "switchport access vlan 120", "exit"}, false);

  auto drifted = site.colo({"--json", "reconcile", "a"});
  INFO(drifted.out << drifted.err);
  CHECK(drifted.exit_code == 1);
  j = json::parse(drifted.out);
  CHECK(j["changed"] == 1);
  CHECK(j["unsaved"] == 1);
  CHECK(j["foreign"] == 1);
  REQUIRE(j["switches"].size() == 1);
  std::map<std::string, json> byPort;
  for (const auto& p : j["switches"][0]["ports"]) byPort[p["port"]] = p;
  auto changed = byPort["GigabitEthernet1/0/1"];
  CHECK(changed["kind"] == "changed");
  CHECK(changed["request_id"] == "REQ-D");
  CHECK(changed["hostname"] == "web0");
  CHECK(changed["nic"] == 0);
  auto diff = changed["diff"].get<std::string>();
  CHECK_THAT(diff, Catch::Contains("--- intent\n+++ running\n"));
  CHECK_THAT(diff, Catch::Contains("- switchport access vlan 120\n"));
  CHECK_THAT(diff, Catch::Contains("+ switchport access vlan 99\n"));
  CHECK_THAT(diff, Catch::Contains("+ speed 100\n"));
  CHECK_THAT(diff, Catch::Contains("  switchport mode access\n"));
  CHECK(byPort["GigabitEthernet1/0/2"]["kind"] == "unsaved");
  CHECK_THAT(byPort["GigabitEthernet1/0/2"]["diff"].get<std::string>(),
             Catch::Contains("+ switchport access vlan 98\n"));
  CHECK(byPort["GigabitEthernet1/0/4"]["kind"] == "foreign");
  CHECK(byPort["GigabitEthernet1/0/4"]["request_id"].is_null());

  // The same for people.
  auto text = site.colo({"reconcile"});
  CHECK(text.exit_code == 1);
  CHECK_THAT(text.out, Catch::Contains("a GigabitEthernet1/0/1: changed (REQ-D web0 nic0)"));
  CHECK_THAT(text.out, Catch::Contains("1 changed, 1 foreign, 1 unsaved"));

  // Put back: colo's ports as colo configured them, running and saved; the
  // foreign free port untouched.
  auto foreignBefore = port(site, "a", "running", "GigabitEthernet1/0/4");
  auto applied = site.colo({"--json", "reconcile", "--apply"});
  INFO(applied.out << applied.err);
  CHECK(applied.exit_code == 1);  // the foreign port still differs
  j = json::parse(applied.out);
  CHECK(j["applied"]["failed"].empty());
  CHECK(j["applied"]["fixed"].size() == 1);
  CHECK(j["changed"] == 0);
  CHECK(j["unsaved"] == 0);
  CHECK(j["foreign"] == 1);
  for (const char* which : {"running", "saved"}) {
    CHECK(port(site, "a", which, "GigabitEthernet1/0/1") == colos);
    CHECK(port(site, "a", which, "GigabitEthernet1/0/2")["vlan"] == 120);
  }
  CHECK(port(site, "a", "running", "GigabitEthernet1/0/4") == foreignBefore);
  // In the request's step log, as provisioning's steps are.
  auto req = json::parse(site.colo({"request", "REQ-D", "--json"}).out);
  bool reconciled = false;
  for (const auto& e : req["events"]) reconciled |= e["kind"] == "reconciled";
  CHECK(reconciled);
}

TEST_CASE("colo reconcile names an unknown switch") {
  TwoSwitchSite site;
  auto r = site.colo({"reconcile", "nosuch"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("no switch nosuch in the inventory (it has a, b)"));
}
