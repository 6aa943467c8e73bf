// The cabling check's verdicts (engine/cabling.h, judge()): from what a
// port shows to ok, no_link, wrong_server, unverified or disabled, with the
// gotchas users of other tools tripped over.
#include <catch2/catch.hpp>

#include "engine/cabling.h"

using namespace colo::agent;
using colo::drivers::LinkReading;
using colo::drivers::LldpNeighbor;
using colo::drivers::MacEntry;

namespace {

NicCabling nic(const std::string& mac = "") {
  NicCabling n;
  n.hostname = "web01";
  n.nic = 0;
  n.switch_name = "tor-a";
  n.port = "GigabitEthernet1/0/5";
  n.expected_mac = mac;
  return n;
}

NicObservation link(LinkReading::State state, std::string said = "connected") {
  NicObservation o;
  o.link = LinkReading{state, std::move(said), 0};
  return o;
}

}  // namespace

TEST_CASE("LLDP naming the server, in short or in full, is ok") {
  CHECK(namesHost("web01", "web01"));
  CHECK(namesHost("WEB01.dinkes.kalbarprov.go.id", "web01"));
  CHECK(namesHost("web01", "web01.dinkes.kalbarprov.go.id"));
  CHECK_FALSE(namesHost("web011", "web01"));
  CHECK_FALSE(namesHost("", "web01"));
  auto seen = link(LinkReading::State::up);
  seen.lldp = {LldpNeighbor{"web01.dinkes.kalbarprov.go.id", "eno1", "0050.56a3.1b2c", ""}};
  auto v = judge(nic(), seen);
  CHECK(v.verdict == "ok");
  CHECK(v.lldp->system_name == "web01.dinkes.kalbarprov.go.id");
}

TEST_CASE("a MAC sent as LLDP port id or chassis id is compared with the expected one") {
  auto seen = link(LinkReading::State::up);
  // "System Name - not advertised": no name, the NIC's MAC as its port id.
  seen.lldp = {LldpNeighbor{"", "0050.56a3.1b2c", "0050.56a3.0000", ""}};
  CHECK(judge(nic("00:50:56:a3:1b:2c"), seen).verdict == "ok");
  seen.lldp = {LldpNeighbor{"", "eno1", "00:50:56:a3:1b:2c", ""}};
  CHECK(judge(nic("00:50:56:a3:1b:2c"), seen).verdict == "ok");
  // Without a name, another MAC proves nothing: a bond or the first NIC's
  // MAC as chassis id.
  seen.lldp = {LldpNeighbor{"", "eno2", "00:50:56:a3:ff:ff", ""}};
  auto v = judge(nic("00:50:56:a3:1b:2c"), seen);
  CHECK(v.verdict == "unverified");
  CHECK_THAT(v.detail, Catch::Contains("advertises no system name"));
}

TEST_CASE("the expected MAC learned on the port is ok, learned elsewhere it names where") {
  auto seen = link(LinkReading::State::up);
  seen.macs = {MacEntry{"00:50:56:a3:1b:2c", "120", "Gi1/0/5"}};
  auto v = judge(nic("00:50:56:a3:1b:2c"), seen);
  CHECK(v.verdict == "ok");
  CHECK(v.macs == std::vector<std::string>{"00:50:56:a3:1b:2c"});

  auto swapped = link(LinkReading::State::up);
  swapped.macs = {MacEntry{"00:50:56:a3:77:e1", "120", "Gi1/0/5"}};
  swapped.where = {MacEntry{"00:50:56:a3:1b:2c", "120", "Gi1/0/6"}};
  v = judge(nic("00:50:56:a3:1b:2c"), swapped);
  CHECK(v.verdict == "wrong_server");
  CHECK(v.found_on == "Gi1/0/6");
  CHECK_THAT(v.detail, Catch::Contains("its cable is in Gi1/0/6"));

  // On a port-channel the member cannot be told: never wrong_server.
  auto bonded = link(LinkReading::State::up);
  bonded.where = {MacEntry{"00:50:56:a3:1b:2c", "120", "Po12"}};
  v = judge(nic("00:50:56:a3:1b:2c"), bonded);
  CHECK(v.verdict == "unverified");
  CHECK_THAT(v.detail, Catch::Contains("Po12, a port-channel"));

  // Not in the table at all: a silent server's MAC aged out.
  v = judge(nic("00:50:56:a3:1b:2c"), link(LinkReading::State::up));
  CHECK(v.verdict == "unverified");
  CHECK_THAT(v.detail, Catch::Contains("300 s"));
}

TEST_CASE("LLDP naming another server is wrong_server, no LLDP never is") {
  auto seen = link(LinkReading::State::up);
  seen.lldp = {LldpNeighbor{"db02", "eno1", "0050.56a3.9999", ""}};
  auto v = judge(nic(), seen);
  CHECK(v.verdict == "wrong_server");
  CHECK_THAT(v.detail, Catch::Contains("'db02' (port eno1)"));
  // No LLDP, no MAC to go by: unverified, saying what would verify it.
  v = judge(nic(), link(LinkReading::State::up));
  CHECK(v.verdict == "unverified");
  CHECK_THAT(v.detail, Catch::Contains("run an LLDP agent (lldpd)"));
  CHECK_THAT(v.detail, Catch::Contains("give the NIC's mac"));
  // The switch has no LLDP running: said, still unverified.
  auto off = link(LinkReading::State::up);
  off.lldpProblem = "% LLDP is not enabled";
  v = judge(nic(), off);
  CHECK(v.verdict == "unverified");
  CHECK_THAT(v.detail, Catch::Contains("% LLDP is not enabled"));
}

TEST_CASE("no link, err-disabled and shut ports") {
  auto v = judge(nic(), link(LinkReading::State::down, "notconnect"));
  CHECK(v.verdict == "no_link");
  CHECK(v.link == "down");
  CHECK_THAT(v.detail, Catch::Contains("notconnect"));
  v = judge(nic(), link(LinkReading::State::err_disabled, "err-disabled"));
  CHECK(v.verdict == "no_link");
  CHECK(v.link == "err-disabled");
  CHECK_THAT(v.detail, Catch::Contains("shut and no shut"));
  v = judge(nic(), link(LinkReading::State::disabled, "disabled"));
  CHECK(v.verdict == "disabled");
  // A port that could not be read at all.
  NicObservation unread;
  unread.problem = "switch tor-a: connection refused";
  v = judge(nic(), unread);
  CHECK(v.verdict == "unverified");
  CHECK(v.link.empty());
  CHECK_THAT(v.detail, Catch::Contains("connection refused"));
}
