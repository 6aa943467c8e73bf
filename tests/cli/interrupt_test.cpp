// `colo provision` interrupted (SIGINT, SIGTERM) at every command of a
// two-switch job: it stops sending, restores every touched port, fails the
// request with the reason, and exits 130/143. The real binary, the SSH
// simulator, a real SQLite file.
#include <catch2/catch.hpp>

#include <signal.h>

#include <iostream>

#include "../support/two_switch_site.h"

using colo::test::commandsOfCleanRun;
using colo::test::SiteOptions;
using colo::test::TwoSwitchSite;
using colo::test::withLeftovers;

namespace {

// The CLI, with switch `sw` hanging on its k-th command, gets `sig`.
void interruptAt(const std::string& sw, const nlohmann::json& fault, int sig,
                 const std::string& what, const std::string& vendorA = "cisco_ios",
                 const std::string& vendorB = "arista_eos") {
  INFO(what);
  auto o = withLeftovers(vendorA, vendorB);
  (sw == "a" ? o.faultsA : o.faultsB) = fault;
  TwoSwitchSite site(o);
  auto beforeA = site.ports("a"), beforeB = site.ports("b");
  auto child = site.coloChild({"provision", site.requestFile("REQ-S")});
  REQUIRE(site.waitHung(sw));
  child->signal(sig);
  auto r = child->wait();
  INFO(r.err);
  CHECK(r.exit_code == 128 + sig);
  CHECK(
      r.err.find(
          "colo: interrupted: no further change is sent; restoring every touched port as it was") !=
      std::string::npos);
  CHECK(r.err.find("colo: provision REQ-S interrupted: ") != std::string::npos);
  CHECK(site.status("REQ-S") == "failed");
  CHECK(site.sql("SELECT error FROM requests").find("interrupted") != std::string::npos);
  CHECK(site.sql("SELECT reason FROM requests") == "interrupted\n");
  CHECK(site.disagreements("REQ-S", beforeA, beforeB) == "");
  // Everything it restored, it names.
  if (site.sql("SELECT count(*) FROM events WHERE kind = 'restore'") != "0\n")
    CHECK(r.err.find("\n  restored ") != std::string::npos);
}

void sweep(const std::string& sw, int sig, const std::string& vendorA = "cisco_ios",
           const std::string& vendorB = "arista_eos") {
  auto n = commandsOfCleanRun(sw, vendorA, vendorB).size();
  REQUIRE(n >= 10);
  for (std::size_t k = 1; k <= n; ++k)
    interruptAt(sw, {{"hang_at_command", k}}, sig, "switch " + sw + " command " + std::to_string(k),
                vendorA, vendorB);
  // After the save went through on the switch, unacknowledged: the restore
  // must save again, or the startup configuration keeps colo's lines.
  const auto& vendor = sw == "a" ? vendorA : vendorB;
  interruptAt(sw, {{"hang_after", {{"match", colo::test::saveCommand(vendor)}, {"times", 1}}}}, sig,
              "after save", vendorA, vendorB);
  std::cout << "CLI " << (sig == SIGINT ? "SIGINT" : "SIGTERM") << " sweep on switch " << sw << " ("
            << vendor << "): " << n + 1 << " points, each restored\n";
}

}  // namespace

TEST_CASE("Ctrl-C at every command of switch a: restored, failed as interrupted, exit 130") {
  sweep("a", SIGINT);
}
TEST_CASE("Ctrl-C at every command of switch b: restored, failed as interrupted, exit 130") {
  sweep("b", SIGINT);
}
TEST_CASE("Ctrl-C at every command of a Huawei switch: restored, failed as interrupted, exit 130") {
  sweep("a", SIGINT, "huawei_vrp", "hp_comware");
}
TEST_CASE("SIGTERM at every command of an H3C switch: restored, failed as interrupted, exit 143") {
  sweep("b", SIGTERM, "huawei_vrp", "hp_comware");
}
TEST_CASE("SIGTERM at every command of switch a: restored, failed as interrupted, exit 143") {
  sweep("a", SIGTERM);
}
TEST_CASE("SIGTERM at every command of switch b: restored, failed as interrupted, exit 143") {
  sweep("b", SIGTERM);
}

TEST_CASE("SIGHUP (the technician's SSH session dropped) restores like SIGTERM and exits 129") {
  // Before, SIGHUP's default action ended the process mid-apply: a port
  // configured in running, not saved, nothing restored.
  interruptAt("a", {{"hang_at_command", 8}}, SIGHUP, "switch a command 8");
  interruptAt("b", {{"hang_after", {{"match", "write memory"}, {"times", 1}}}}, SIGHUP,
              "switch b after save");
}

TEST_CASE("a second Ctrl-C says the restore goes on, and does not abandon the switch") {
  // The restore itself is slow: the second signal lands while it runs.
  auto o = withLeftovers();
  o.faultsA = {{"hang_at_command", 8}, {"slow_ms", 300}};
  TwoSwitchSite site(o);
  auto beforeA = site.ports("a"), beforeB = site.ports("b");
  auto child = site.coloChild({"provision", site.requestFile("REQ-S")});
  REQUIRE(site.waitHung("a"));
  child->signal(SIGINT);
  // Once the restore has connected, interrupt again.
  REQUIRE(
      TwoSwitchSite::eventually([&] { return site.sim->state("a")["sessions"].get<int>() >= 2; }));
  child->signal(SIGINT);
  auto r = child->wait();
  INFO(r.err);
  CHECK(r.exit_code == 130);
  CHECK(r.err.find("colo: still restoring the switches as they were; please wait") !=
        std::string::npos);
  CHECK(site.disagreements("REQ-S", beforeA, beforeB) == "");
}

TEST_CASE("after kill -9 mid-apply, release names the ports left and the command that continues") {
  // Before, `colo release` said only "release it once it has ended", and
  // the job had no process left to end it.
  auto o = withLeftovers();
  o.faultsA = {{"hang_at_command", 8}};
  TwoSwitchSite site(o);
  auto child = site.coloChild({"provision", site.requestFile("REQ-S")});
  REQUIRE(site.waitHung("a"));
  child->signal(SIGKILL);
  child->wait();
  auto r = site.colo({"release", "REQ-S"});
  INFO(r.err);
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("request REQ-S is configuring, and nobody is working on it (") !=
        std::string::npos);
  CHECK(r.err.find("its ports may be half-configured: a ") != std::string::npos);
  CHECK(r.err.find("`colo provision REQ-S` continues it from where it stood") != std::string::npos);
  CHECK(site.status("REQ-S") == "configuring");  // left for `colo provision` (or an agent)
  // The command it names, by the request's id alone, does what it says.
  auto again = site.colo({"provision", "REQ-S"});
  INFO(again.err);
  CHECK(again.exit_code == 0);
  CHECK(site.status("REQ-S") == "completed");
  CHECK(site.colo({"release", "REQ-S"}).exit_code == 0);
}
