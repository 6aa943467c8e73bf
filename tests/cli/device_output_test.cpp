// What a switch sends is untrusted: a huge line, endless output or terminal
// escapes must neither crash colo, nor exhaust its memory, nor reach a
// technician's terminal or be replayed to a switch.
#include <catch2/catch.hpp>

#include <chrono>

#include "../support/two_switch_site.h"

using colo::test::SiteOptions;
using colo::test::TwoSwitchSite;

TEST_CASE("a 50,000-byte line from a switch is read as text, not a crash") {
  SECTION("before the answer to a command: read past") {
    SiteOptions o;
    o.faultsA = {{"long_line", {{"match", "configure terminal"}}}};
    TwoSwitchSite site(o);
    auto r = site.colo({"provision", site.requestFile("REQ-L")});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(site.status("REQ-L") == "completed");
    CHECK(r.max_rss_kb < 200 * 1024);
  }
  SECTION("inside a capture: the reading is not trusted, nothing changes, the message is short") {
    SiteOptions o;
    o.faultsA = {{"long_line", {{"match", "show running-config"}}}};
    TwoSwitchSite site(o);
    auto beforeA = site.ports("a"), beforeB = site.ports("b");
    auto r = site.colo({"provision", site.requestFile("REQ-L")});
    INFO(r.err);
    CHECK(r.exit_code == 1);
    // Both ports of switch a are read with one listing (design.md §8, "Round trips").
    CHECK(r.err.find("switch a: cannot read the configuration of ports GigabitEthernet1/0/1, "
                     "GigabitEthernet1/0/2") != std::string::npos);
    CHECK(r.err.find("the output holds 'AAAA") != std::string::npos);
    CHECK(r.err.size() < 2000);
    CHECK(site.disagreements("REQ-L", beforeA, beforeB) == "");
    CHECK(r.max_rss_kb < 200 * 1024);
  }
}

TEST_CASE(
    "a switch that floods output is cut off at the output limit, in bounded time and memory") {
  SiteOptions o;
  o.faultsA = {{"flood", {{"match", "show running-config"}, {"times", 1}}}};
  o.commandTimeout = 30;  // the limit, not the deadline, must stop it
  o.extraConfig = "limits: {command_output_bytes: 1048576}\n";
  TwoSwitchSite site(o);
  auto beforeA = site.ports("a"), beforeB = site.ports("b");
  auto r = site.colo({"provision", site.requestFile("REQ-F")});
  INFO(r.err);
  CHECK(r.exit_code == 1);
  // Stopped by the limit, not by the 30 s deadline.
  CHECK(r.err.find("sent more than 1048576 bytes without a prompt (limits.command_output_bytes)") !=
        std::string::npos);
  CHECK(r.max_rss_kb < 200 * 1024);
  CHECK(site.disagreements("REQ-F", beforeA, beforeB) == "");
}

TEST_CASE("a command deadline holds even while a switch keeps sending") {
  SiteOptions o;
  o.faultsA = {{"flood", {{"match", "show running-config"}, {"times", 1}}}};
  o.commandTimeout = 1;
  o.extraConfig = "limits: {command_output_bytes: 1073741824}\n";  // never reached within a second
  TwoSwitchSite site(o);
  auto r = site.colo({"provision", site.requestFile("REQ-D")});
  INFO(r.err);
  CHECK(r.exit_code == 1);
  // Stopped by the deadline, long before the output limit (1 GiB).
  CHECK(r.err.find("did not answer within 1000 ms") != std::string::npos);
}

TEST_CASE(
    "terminal escapes from a switch never reach a terminal, and such a port is not replayed") {
  SiteOptions o;
  std::string esc = "\x1b]0;owned\x07\x1b[31mred";
  o.initialA = {{"GigabitEthernet1/0/1", {{"description", esc}, {"enabled", false}}}};
  TwoSwitchSite site(o);
  auto beforeA = site.ports("a"), beforeB = site.ports("b");
  auto r = site.colo({"provision", site.requestFile("REQ-E")});
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find(
            "switch a port GigabitEthernet1/0/1: its configuration holds control characters") !=
        std::string::npos);
  CHECK(r.err.find('\x1b') == std::string::npos);
  CHECK(r.err.find('\x07') == std::string::npos);
  CHECK(site.ports("a") == beforeA);
  CHECK(site.ports("b") == beforeB);
  auto shown = site.colo({"request", "REQ-E"});
  CHECK(shown.out.find('\x1b') == std::string::npos);
  CHECK(site.sql("SELECT detail FROM events").find('\x1b') == std::string::npos);
}
