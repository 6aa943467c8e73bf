// colo reconcile (docs/design.md §18) end to end: the real binary, the SSH
// simulator, a real ledger; an "administrator" changes ports by hand over
// SSH in between.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <regex>

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

TEST_CASE("colo reconcile on a Huawei and an H3C switch: changed, unsaved, foreign, put back") {
  auto o = colo::test::withLeftovers("huawei_vrp", "hp_comware");
  o.initialA = {{"GigabitEthernet0/0/4",
                 {{"description", "camera-uplink"}, {"mode", "access"}, {"vlan", 99}}}};
  o.initialB = json::object();
  TwoSwitchSite site(o);
  REQUIRE(site.colo({"provision", site.requestFile("REQ-D")}).exit_code == 0);
  auto clean = site.colo({"--json", "reconcile"});
  INFO(clean.out << clean.err);
  auto j = json::parse(clean.out);
  CHECK(j["changed"] == 0);
  CHECK(j["unsaved"] == 0);
  CHECK(j["foreign"] == 1);

  // VRP: web0 nic0's VLAN changed by hand, not saved. Comware: web1 nic1
  // changed and saved, then changed back without saving.
  byHand(
      site, "a", "huawei_vrp",
      {"interface GigabitEthernet0/0/1", "port default vlan 99", "stp edged-port enable", "quit"},
      false);
  byHand(site, "b", "hp_comware", {"interface GigabitEthernet1/0/2", "port access vlan 98", "quit"},
         true);
  byHand(site, "b", "hp_comware",
         {"interface GigabitEthernet1/0/2", "port access vlan 120", "quit"}, false);
  auto drifted = site.colo({"--json", "reconcile"});
  INFO(drifted.out << drifted.err);
  CHECK(drifted.exit_code == 1);
  j = json::parse(drifted.out);
  CHECK(j["changed"] == 1);
  CHECK(j["unsaved"] == 1);
  std::map<std::string, json> byPort;
  for (const auto& s : j["switches"])
    for (const auto& p : s["ports"]) byPort[p["port"]] = p;
  auto changed = byPort["GigabitEthernet0/0/1"];
  CHECK(changed["kind"] == "changed");
  CHECK_THAT(changed["diff"].get<std::string>(), Catch::Contains("- port default vlan 120\n"));
  CHECK_THAT(changed["diff"].get<std::string>(), Catch::Contains("+ port default vlan 99\n"));
  CHECK_THAT(changed["diff"].get<std::string>(), Catch::Contains("+ stp edged-port enable\n"));
  CHECK(byPort["GigabitEthernet1/0/2"]["kind"] == "unsaved");
  CHECK_THAT(byPort["GigabitEthernet1/0/2"]["diff"].get<std::string>(),
             Catch::Contains("+ port access vlan 98\n"));
  CHECK(byPort["GigabitEthernet0/0/4"]["kind"] == "foreign");

  auto applied = site.colo({"--json", "reconcile", "--apply"});
  INFO(applied.out << applied.err);
  j = json::parse(applied.out);
  CHECK(j["applied"]["failed"].empty());
  REQUIRE(j["applied"]["fixed"].size() == 1);  // one line per request
  CHECK(j["applied"]["fixed"][0] ==
        "REQ-D: a GigabitEthernet0/0/1, b GigabitEthernet1/0/2: colo's configuration put back, "
        "verified, saved");
  CHECK(j["changed"] == 0);
  CHECK(j["unsaved"] == 0);
  for (const char* which : {"running", "saved"}) {
    CHECK(port(site, "a", which, "GigabitEthernet0/0/1")["vlan"] == 120);
    CHECK(port(site, "a", which, "GigabitEthernet0/0/1")["extra"].is_null());
    CHECK(port(site, "b", which, "GigabitEthernet1/0/2")["vlan"] == 120);
  }
  CHECK(port(site, "a", "running", "GigabitEthernet0/0/4")["description"] == "camera-uplink");
}

TEST_CASE("colo reconcile names an unknown switch") {
  TwoSwitchSite site;
  auto r = site.colo({"reconcile", "nosuch"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("no switch nosuch in the inventory (it has a, b)"));
}

namespace {

struct Reply {
  int status = 0;
  std::string body;
};

// curl as a browser would: cookies in `jar`, a form when given.
Reply browse(TwoSwitchSite& site, const std::string& path, const std::string& jar,
             const std::string& form = "") {
  std::vector<std::string> args = {
      "/usr/bin/curl", "-s", "-m", "10", "-o", site.dir.file("page"), "-w",
      "%{http_code}",  "-b", jar,  "-c", jar};
  if (!form.empty()) args.insert(args.end(), {"--data-raw", form});
  args.push_back("http://127.0.0.1:" + std::to_string(site.agent->port()) + path);
  auto r = colo::test::run(args, site.dir);
  return {std::atoi(r.out.c_str()), colo::test::Child::slurp(site.dir.file("page"))};
}

std::string csrfOf(const std::string& page) {
  std::smatch m;
  REQUIRE(std::regex_search(page, m, std::regex(R"re(name="csrf" value="([0-9a-f]+)")re")));
  return m[1].str();
}

}  // namespace

TEST_CASE("the agent watches for drift: colo_port_drift, the console's Drift page and its button") {
  SiteOptions o;
  o.extraConfig = "drift: {interval_s: 3600}\n";  // not within the test unless asked
  TwoSwitchSite site(o);
  REQUIRE(site.colo({"provision", site.requestFile("REQ-D")}).exit_code == 0);
  auto colos = port(site, "a", "running", "GigabitEthernet1/0/1");
  byHand(site, "a", "cisco_ios",
         {"interface GigabitEthernet1/0/1", "switchport access vlan 99", "exit"}, false);
  site.startAgent();
  auto jar = site.dir.file("jar");
  auto form = browse(site, "/ui/login", jar);
  REQUIRE(
      browse(site, "/ui/login", jar,
             "token=" + colo::test::kSiteTechToken + "&csrf=" + csrfOf(form.body) + "&next=/ui/")
          .status == 303);
  auto empty = browse(site, "/ui/drift", jar);
  REQUIRE(empty.status == 200);
  CHECK_THAT(empty.body, Catch::Contains("Not read yet."));
  // "Read the switches now".
  CHECK(browse(site, "/ui/drift/read", jar, "csrf=" + csrfOf(empty.body)).status == 303);
  auto metrics = [&] {
    return colo::test::run({"/usr/bin/curl", "-s", "-m", "10",
                            "http://127.0.0.1:" + std::to_string(site.agent->port()) + "/metrics"},
                           site.dir)
        .out;
  };
  const std::string line =
      "colo_port_drift{switch=\"a\",port=\"GigabitEthernet1/0/1\",kind=\"changed\"} 1";
  REQUIRE(TwoSwitchSite::eventually([&] { return metrics().find(line) != std::string::npos; }));
  CHECK(metrics().find("colo_drift_switches_unread 0") != std::string::npos);

  // The Drift page shows the diff.
  auto page = browse(site, "/ui/drift", jar);
  REQUIRE(page.status == 200);
  CHECK_THAT(page.body,
             Catch::Contains("data-port=\"GigabitEthernet1/0/1\" data-kind=\"changed\""));
  CHECK_THAT(page.body, Catch::Contains("- switchport access vlan 120"));
  CHECK_THAT(page.body, Catch::Contains("id=\"reconcile\""));

  // Its button: colo's configuration back, running and saved.
  auto asked = browse(site, "/ui/drift/reconcile", jar, "csrf=" + csrfOf(page.body));
  CHECK(asked.status == 303);
  REQUIRE(TwoSwitchSite::eventually([&] {
    return port(site, "a", "saved", "GigabitEthernet1/0/1") == colos &&
           port(site, "a", "running", "GigabitEthernet1/0/1") == colos;
  }));
  REQUIRE(TwoSwitchSite::eventually([&] { return metrics().find(line) == std::string::npos; }));
  auto after = browse(site, "/ui/drift", jar);
  CHECK_THAT(after.body, Catch::Contains("id=\"last-reconcile\""));
  CHECK_THAT(after.body, Catch::Contains("REQ-D: a GigabitEthernet1/0/1"));
  // Without the CSRF token, nothing.
  CHECK(browse(site, "/ui/drift/reconcile", jar, "csrf=00").status == 403);
}
