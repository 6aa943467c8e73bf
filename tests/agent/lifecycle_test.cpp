// Every request ends, and colo never touches what is not its own: the agent
// killed at every point of a job, requests that cannot start, a foreign
// port, lock order, and CLI endings delivered by a running agent. The real
// binary, the SSH simulator, a real SQLite file, curl.
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <iostream>

#include "../support/receiver.h"
#include "../support/two_switch_site.h"

using colo::test::commandsOfCleanRun;
using colo::test::Receiver;
using colo::test::SiteOptions;
using colo::test::TwoSwitchSite;
using colo::test::withLeftovers;
using nlohmann::json;

namespace {

// Where command k falls in the job, for the report.
std::string stepOf(const std::vector<std::string>& cmds, std::size_t k) {
  const auto& c = cmds[k - 1];
  bool configuring = false, ended = false;
  auto configure = [](const std::string& x) {
    return x == "configure terminal" || x == "system-view";
  };
  for (std::size_t i = 0; i < k - 1; ++i) {
    if (configure(cmds[i])) configuring = true;
    if (cmds[i] == "end" || cmds[i] == "return") ended = true;
  }
  if (c == "write memory" || c == "save" || c == "save force") return "save";
  if (configure(c)) return "after capture";
  if (ended) return "verify";
  if (configuring) return "apply";
  return c.rfind("show", 0) == 0 || c.rfind("display", 0) == 0 ? "capture" : "session setup";
}

// Kill -9 the agent while switch `sw` hangs on its k-th command, restart it,
// and check the request ended with the ledger and the switches agreeing.
void sweepAgentKill(const std::string& sw, const std::string& vendorA = "cisco_ios",
                    const std::string& vendorB = "arista_eos") {
  auto cmds = commandsOfCleanRun(sw, vendorA, vendorB);
  REQUIRE(cmds.size() >= 10);
  int completed = 0, failed = 0;
  for (std::size_t k = 1; k <= cmds.size(); ++k) {
    INFO("switch " << sw << " command " << k << " '" << cmds[k - 1] << "' (" << stepOf(cmds, k)
                   << ")");
    auto o = withLeftovers(vendorA, vendorB);
    (sw == "a" ? o.faultsA : o.faultsB) = {{"hang_at_command", k}};
    TwoSwitchSite site(o);
    auto beforeA = site.ports("a"), beforeB = site.ports("b");
    site.startAgent();
    REQUIRE(site.post(site.request("REQ-S")) == 202);
    REQUIRE(site.waitHung(sw));
    site.agent->stop(SIGKILL);
    site.startAgent();
    REQUIRE(site.waitEnded("REQ-S"));
    site.agent->stop(SIGTERM);
    INFO(site.agent->log());
    CHECK(site.disagreements("REQ-S", beforeA, beforeB) == "");
    (site.status("REQ-S") == "completed" ? completed : failed)++;
  }
  std::cout << "agent kill -9 sweep on switch " << sw << " (" << (sw == "a" ? vendorA : vendorB)
            << "): " << cmds.size() << " points (" << completed << " completed, " << failed
            << " failed and restored)\n";
}

}  // namespace

TEST_CASE(
    "kill -9 of the agent at every command of switch a, then a restart: every request ends, ledger "
    "and switches agree") {
  sweepAgentKill("a");
}

TEST_CASE(
    "kill -9 of the agent at every command of switch b, then a restart: every request ends, ledger "
    "and switches agree") {
  sweepAgentKill("b");
}

TEST_CASE(
    "kill -9 of the agent at every command of a Huawei and an H3C switch, then a restart: every "
    "request ends, ledger and switches agree") {
  sweepAgentKill("a", "huawei_vrp", "hp_comware");
  sweepAgentKill("b", "huawei_vrp", "hp_comware");
}

TEST_CASE("kill -9 of the agent right after accepting, and after the save went through") {
  SECTION("after accept") {
    auto o = withLeftovers();
    TwoSwitchSite site(o);
    auto beforeA = site.ports("a"), beforeB = site.ports("b");
    site.startAgent();
    REQUIRE(site.post(site.request("REQ-S")) == 202);
    site.agent->stop(SIGKILL);
    site.startAgent();
    REQUIRE(site.waitEnded("REQ-S"));
    CHECK(site.disagreements("REQ-S", beforeA, beforeB) == "");
    CHECK(site.status("REQ-S") == "completed");
  }
  SECTION("after save: the switch saved, but the agent never heard") {
    auto o = withLeftovers();
    o.faultsA = {{"hang_after", {{"match", "write memory"}, {"times", 1}}}};
    TwoSwitchSite site(o);
    auto beforeA = site.ports("a"), beforeB = site.ports("b");
    site.startAgent();
    REQUIRE(site.post(site.request("REQ-S")) == 202);
    REQUIRE(site.waitHung("a"));
    site.agent->stop(SIGKILL);
    site.startAgent();
    REQUIRE(site.waitEnded("REQ-S"));
    CHECK(site.disagreements("REQ-S", beforeA, beforeB) == "");
  }
}

TEST_CASE(
    "a request that cannot start ends failed with its reason, holds nothing, calls back once, "
    "touches no switch") {
  struct Case {
    std::string name;
    SiteOptions options;
    int units;
    std::string reason;
  };
  colo::test::TempDir pb;
  std::filesystem::copy(COLO_SOURCE_DIR "/playbooks", pb.path(),
                        std::filesystem::copy_options::recursive);
  std::string wf = colo::test::Child::slurp(pb.file("provision.yaml"));
  wf.replace(wf.find("\"colo {tenant} {hostname} {request_id}\""), 39,
             "\"colo {tenant} | include {hostname}\"");
  pb.write("provision.yaml", wf);
  std::vector<Case> cases;
  cases.push_back({"nothing fits", {}, 3, "no rack has 3 contiguous free units"});
  cases.push_back(
      {"a bad template value", {}, 2, "value of 'description' is not safe for a switch CLI"});
  cases.back().options.playbooks = pb.path().string();
  // A switch the agent cannot work (a missing credential, an unknown host
  // key) is refused before anything is stored: "an agent without a switch's
  // password ..." in agent_test.cpp.
  cases.push_back({"an unknown host key", {}, 2, "no host key for 127.0.0.1:"});
  cases.back().options.knownHosts = false;
  for (const auto& c : cases) {
    INFO(c.name);
    TwoSwitchSite site(c.options);
    site.startAgent();
    if (c.name == "an unknown host key") {
      CHECK(site.post(site.request("REQ-F", c.units)) == 503);
      CHECK(site.sql("SELECT count(*) FROM requests") == "0\n");
      CHECK(site.agent->log().find(c.reason) != std::string::npos);
      // The keys added to known_hosts: taken at once, no restart, whether or
      // not anything asks /readyz.
      site.dir.write("empty_known_hosts", colo::test::Child::slurp(site.sim->knownHosts()));
      CHECK(TwoSwitchSite::eventually(
          [&] { return site.post(site.request("REQ-F", c.units)) == 202; }));
      CHECK(site.waitEnded("REQ-F"));
      CHECK(site.status("REQ-F") == "completed");
      continue;
    }
    REQUIRE(site.post(site.request("REQ-F", c.units)) == 202);
    REQUIRE(site.waitEnded("REQ-F"));
    INFO(site.agent->log());
    CHECK(site.status("REQ-F") == "failed");
    CHECK(site.sql("SELECT error FROM requests").find(c.reason) != std::string::npos);
    CHECK(site.sql(
              "SELECT group_concat(kind, ' ') FROM (SELECT kind FROM events ORDER BY seq) AS e") ==
          "queued planning failed\n");
    CHECK(site.sql(
              "SELECT (SELECT count(*) FROM unit_claims) + (SELECT count(*) FROM port_claims)") ==
          "0\n");
    CHECK(site.sql("SELECT count(*), max(event) FROM outbox") == "1|failed\n");
    CHECK(site.sql("SELECT body FROM outbox").find(c.reason) != std::string::npos);
    CHECK(site.sim->state("a")["sessions"] == 0);
    CHECK(site.sim->state("b")["sessions"] == 0);
  }
}

TEST_CASE(
    "a port someone else uses is never changed: the request fails before any change, naming it") {
  auto o = withLeftovers();
  o.initialB = {
      {"Ethernet1", {{"description", "dinkes-db01 uplink"}, {"mode", "access"}, {"vlan", 300}}}};
  TwoSwitchSite site(o);
  auto beforeA = site.ports("a"), beforeB = site.ports("b");
  auto r = site.colo({"provision", site.requestFile("REQ-X")});
  CHECK(r.exit_code == 1);
  CHECK(
      r.err.find(
          "switch b port Ethernet1 is in use by something colo did not put there (up, description "
          "'dinkes-db01 uplink', mode access, vlan 300); colo changes only unused ports and its "
          "own for "
          "REQ-X") != std::string::npos);
  CHECK(r.err.find("no switch was changed") != std::string::npos);
  CHECK(site.ports("a") == beforeA);
  CHECK(site.ports("b") == beforeB);
  // Not a single configuration command went to either switch.
  for (const char* sw : {"a", "b"}) {
    auto state = site.sim->state(sw);
    for (const auto& cmd : state["commands"])
      CHECK(cmd.get<std::string>().find("configure") == std::string::npos);
  }
  CHECK(site.disagreements("REQ-X", beforeA, beforeB) == "");
  // `colo validate --online` reports it too, read-only.
  auto v = site.colo({"validate", "--online"});
  CHECK(v.exit_code == 2);
  CHECK(v.err.find("drift: switch b port Ethernet1 is free in the ledger but in use (up, "
                   "description 'dinkes-db01 "
                   "uplink', mode access, vlan 300)") != std::string::npos);
  CHECK(site.ports("b") == beforeB);
}

TEST_CASE("two requests needing the same two switches in opposite order both complete") {
  // Each rack holds one server: a request of two servers spans two racks,
  // R1 and R2 (switches a then b) or R3 and R4 (b then a).
  SiteOptions o;
  o.racks = {{"R1", "a"}, {"R2", "b"}, {"R3", "b"}, {"R4", "a"}};
  o.workers = 2;
  // A cycle of the two jobs' switch locks would end one of them failed,
  // "switch ... is busy", once its wait for the lock ran out.
  o.commandTimeout = 5;
  o.faultsA = o.faultsB = {{"slow_ms", 20}};  // the two jobs overlap
  TwoSwitchSite site(o);
  site.startAgent();
  REQUIRE(site.post(site.request("REQ-1")) == 202);
  REQUIRE(site.post(site.request("REQ-2")) == 202);
  REQUIRE(site.waitEnded("REQ-1"));
  REQUIRE(site.waitEnded("REQ-2"));
  INFO(site.agent->log());
  CHECK(site.status("REQ-1") == "completed");
  CHECK(site.status("REQ-2") == "completed");
  CHECK(site.sql("SELECT count(DISTINCT switch) FROM port_claims WHERE request_id = 'REQ-1'") ==
        "2\n");
  CHECK(site.sql("SELECT count(DISTINCT switch) FROM port_claims WHERE request_id = 'REQ-2'") ==
        "2\n");
}

TEST_CASE("a request finished from the CLI is called back by the running agent", "[dates]") {
  int port = Receiver(0).port();
  SiteOptions o;
  o.callbackPorts = {port};
  TwoSwitchSite site(o);
  site.callbackPort = port;
  Receiver receiver(port);
  site.startAgent();
  auto r = site.colo({"provision", site.requestFile("REQ-C")});
  REQUIRE(r.exit_code == 0);
  REQUIRE(TwoSwitchSite::eventually([&] { return !receiver.got().empty(); }));
  auto body = json::parse(receiver.got()[0].body);
  CHECK(body["request_id"] == "REQ-C");
  CHECK(body["event"] == "completed");
  // Released from the CLI too: its own event.
  REQUIRE(site.colo({"release", "REQ-C"}).exit_code == 0);
  REQUIRE(TwoSwitchSite::eventually([&] { return receiver.got().size() == 2; }));
  CHECK(json::parse(receiver.got()[1].body)["event"] == "released");
  CHECK(receiver.got()[0].headers.at("x-colo-delivery") !=
        receiver.got()[1].headers.at("x-colo-delivery"));
}

TEST_CASE(
    "a job that hits an unexpected error is logged and left for recovery, and the agent carries "
    "on") {
  TwoSwitchSite site;
  // A job the ledger says is configuring, whose stored body is garbage:
  // continuing it throws where no rule expects it.
  REQUIRE(site.colo({"reserve", site.requestFile("REQ-BAD")}).exit_code == 0);
  site.sql("UPDATE requests SET status = 'configuring', body = '{' WHERE id = 'REQ-BAD'");
  REQUIRE(site.status("REQ-BAD") == "configuring");
  site.startAgent();
  REQUIRE(TwoSwitchSite::eventually(
      [&] { return site.agent->log().find("\"provision.error\"") != std::string::npos; }));
  // Still serving and still working: another request goes through.
  site.sql("UPDATE requests SET status = 'failed' WHERE id = 'REQ-BAD'");
  // Freed behind colo's back, but as colo frees (design.md §5): the
  // generation moves and the change names the request, or the agent's
  // occupancy would not know.
  site.sql(
      "DELETE FROM unit_claims; DELETE FROM port_claims; DELETE FROM address_claims; DELETE FROM "
      "power_claims; UPDATE meta SET value = value + 1 WHERE key = 'generation'; INSERT INTO "
      "claim_changes (generation, request_id) SELECT value, 'REQ-BAD' FROM meta WHERE key = "
      "'generation'");
  REQUIRE(site.post(site.request("REQ-OK")) == 202);
  REQUIRE(site.waitEnded("REQ-OK"));
  CHECK(site.status("REQ-OK") == "completed");
  CHECK(site.agent->log().find("REQ-BAD") != std::string::npos);
}
