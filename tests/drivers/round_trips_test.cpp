// A job's round trips to a switch do not grow with its ports (design.md §8,
// "Round trips"): each dialect's listing of every port, read as strictly as
// one port's configuration, and configuration lines typed ahead, each
// answer still matched to its line; over SSH against the simulator, and
// the listings on their own.
#include <catch2/catch.hpp>

#include <chrono>

#include "../support/driver_errors.h"
#include "../support/switchsim.h"
#include "colo/drivers/device.h"
#include "colo/drivers/error.h"
#include "colo/drivers/ssh.h"

using namespace colo::drivers;
using colo::test::protocolError;
using colo::test::simSwitch;
using colo::test::SwitchSim;
using namespace std::chrono_literals;

namespace {

struct Vendor {
  std::string vendor, ports;
  std::vector<std::string> names;
  std::vector<std::string> configure;  // sets up names[1]
};

const std::vector<Vendor> kVendors = {
    {"cisco_ios",
     "GigabitEthernet1/0/1-12",
     {"GigabitEthernet1/0/1", "GigabitEthernet1/0/2", "GigabitEthernet1/0/10"},
     {"interface GigabitEthernet1/0/2", "description web01", "switchport mode access",
      "switchport access vlan 120", "shutdown", "exit"}},
    {"arista_eos",
     "Ethernet1-12",
     {"Ethernet1", "Ethernet2", "Ethernet10"},
     {"interface Ethernet2", "description web01", "switchport access vlan 120", "shutdown",
      "exit"}},
    {"juniper_junos",
     "ge-0/0/0-11",
     {"ge-0/0/1", "ge-0/0/2", "ge-0/0/10"},
     {"set interfaces ge-0/0/2 description web01",
      "set interfaces ge-0/0/2 unit 0 family ethernet-switching vlan members 120",
      "set interfaces ge-0/0/2 disable"}},
    {"huawei_vrp",
     "GigabitEthernet0/0/1-12",
     {"GigabitEthernet0/0/1", "GigabitEthernet0/0/2", "GigabitEthernet0/0/10"},
     {"interface GigabitEthernet0/0/2", "description web01", "port link-type access",
      "port default vlan 120", "shutdown", "quit"}},
    {"hp_comware",
     "GigabitEthernet1/0/1-12",
     {"GigabitEthernet1/0/1", "GigabitEthernet1/0/2", "GigabitEthernet1/0/10"},
     {"interface GigabitEthernet1/0/2", "description web01", "port access vlan 120", "shutdown",
      "quit"}},
};

Device open(const SwitchSim& sim, const std::string& vendor) {
  SshOptions o;
  o.host = "127.0.0.1";
  o.port = sim.port("sw");
  o.username = "colo";
  o.password = "s3cret-pw";
  o.known_hosts = sim.knownHosts();
  Device d("sw", openSsh(o), *dialectFor(vendor), 5000ms);
  d.open();
  return d;
}

}  // namespace

TEST_CASE("each dialect reads all of a job's ports with one command, as one by one") {
  for (const auto& v : kVendors) {
    INFO(v.vendor);
    SwitchSim sim(colo::test::Switches{simSwitch("sw", v.vendor, v.ports)});
    auto d = open(sim, v.vendor);
    d.configure(v.configure);
    std::vector<PortState> oneByOne;
    for (const auto& p : v.names) oneByOne.push_back(d.readPort(p));
    auto before = d.roundTrips();
    auto all = d.readPorts(v.names);
    // One command and the check that nothing follows its prompt, however
    // many ports.
    CHECK(d.roundTrips() - before == 2);
    CHECK(d.transcript().back() == d.dialect().showPorts(v.names));
    REQUIRE(all.size() == v.names.size());
    for (std::size_t i = 0; i < all.size(); ++i) {
      INFO(v.names[i]);
      CHECK(all[i].lines == oneByOne[i].lines);
    }
    CHECK(all[1].description == "web01");
    CHECK(all[1].vlan == 120);
    CHECK_FALSE(all[1].enabled);
    CHECK(all[0].description.empty());
  }
}

TEST_CASE("a listing of every port is read as strictly as one port") {
  const std::vector<std::string> ports = {"GigabitEthernet1/0/1", "GigabitEthernet1/0/2"};
  SECTION("IOS and EOS") {
    const auto& ios = *dialectFor("cisco_ios");
    auto lines = ios.portsLines(
        "interface GigabitEthernet1/0/1\n"
        "interface GigabitEthernet1/0/2\n description web01\n switchport access vlan 120\n"
        "interface Vlan1\n no ip address\n",
        ports);
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].empty());
    CHECK(lines[1] == std::vector<std::string>{"description web01", "switchport access vlan 120"});
    // A port the listing does not show is not "no configuration".
    CHECK_THAT(protocolError([&] { ios.portsLines("interface GigabitEthernet1/0/1\n", ports); }),
               Catch::Contains("does not show 'interface GigabitEthernet1/0/2'"));
    CHECK_THAT(protocolError([&] {
                 ios.portsLines("interface GigabitEthernet1/0/1\ninterface Gi1/0/2\n", ports);
               }),
               Catch::Contains("'Gi1/0/2'"));
    // A log message inside, a stanza twice, a line before any stanza.
    CHECK_THAT(
        protocolError([&] {
          ios.portsLines(
              "interface GigabitEthernet1/0/1\n description a\n*Mar  1 00:01: %LINK-3-UPDOWN\n"
              "interface GigabitEthernet1/0/2\n",
              ports);
        }),
        Catch::Contains("%LINK-3-UPDOWN"));
    CHECK_THAT(protocolError([&] {
                 ios.portsLines(
                     "interface GigabitEthernet1/0/1\ninterface GigabitEthernet1/0/2\n"
                     "interface GigabitEthernet1/0/1\n description b\n",
                     ports);
               }),
               Catch::Contains("a second time"));
    CHECK_THAT(protocolError([&] {
                 ios.portsLines(" description a\ninterface GigabitEthernet1/0/1\n", ports);
               }),
               Catch::Contains("outside any interface"));
  }
  SECTION("Huawei and H3C: closed by return") {
    const auto& vrp = *dialectFor("huawei_vrp");
    const std::vector<std::string> ge = {"GigabitEthernet0/0/1", "GigabitEthernet0/0/2"};
    std::string listing =
        "[V200R009C00SPC500]\n#\ninterface GigabitEthernet0/0/1\n#\ninterface "
        "GigabitEthernet0/0/2\n description web01\n port default vlan 120\n#\n";
    auto lines = vrp.portsLines(listing + "return\n", ge);
    REQUIRE(lines.size() == 2);
    CHECK(lines[1] == std::vector<std::string>{"description web01", "port default vlan 120"});
    CHECK_THAT(protocolError([&] { vrp.portsLines(listing, ge); }), Catch::Contains("cut off"));
    CHECK_THAT(protocolError([&] { vrp.portsLines(listing + "return\n<tor-r09>\n", ge); }),
               Catch::Contains("after the listing's closing line"));
    CHECK_THAT(protocolError([&] {
                 vrp.portsLines(
                     "#\ninterface GE0/0/1\n#\ninterface GigabitEthernet0/0/2\n#\nreturn\n", ge);
               }),
               Catch::Contains("'GE0/0/1'"));
  }
  SECTION("Junos: set lines only; a port nobody configured has none") {
    const auto& junos = *dialectFor("juniper_junos");
    const std::vector<std::string> ge = {"ge-0/0/1", "ge-0/0/10", "ge-0/0/2"};
    auto lines = junos.portsLines(
        "{master:0}\nset interfaces ge-0/0/1 description web01\n"
        "set interfaces ge-0/0/10 disable\nset interfaces ae0 unit 0\n",
        ge);
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] == std::vector<std::string>{"set interfaces ge-0/0/1 description web01"});
    CHECK(lines[1] == std::vector<std::string>{"set interfaces ge-0/0/10 disable"});
    CHECK(lines[2].empty());
    CHECK_THAT(protocolError([&] {
                 junos.portsLines(
                     "set interfaces ge-0/0/1 disable\nMessage from syslogd@sw at Dec 6\n", ge);
               }),
               Catch::Contains("syslogd"));
  }
}

TEST_CASE("configuration lines are typed ahead, and a refused one is named exactly") {
  for (const auto& v : kVendors) {
    INFO(v.vendor);
    SwitchSim sim(colo::test::Switches{simSwitch("sw", v.vendor, v.ports)});
    auto d = open(sim, v.vendor);
    // The same lines for three ports: one round trip for them all, plus
    // entering and leaving configuration mode.
    std::vector<std::string> lines;
    for (const auto& port : v.names)
      for (auto l : v.configure) {
        for (auto at = l.find(v.names[1]); at != std::string::npos;
             at = l.find(v.names[1], at + port.size()))
          l.replace(at, v.names[1].size(), port);
        lines.push_back(l);
      }
    auto before = d.roundTrips();
    d.configure(lines);
    CHECK(d.roundTrips() - before ==
          1 + d.dialect().enterConfig().size() + d.dialect().commitConfig().size());
    for (const auto& state : d.readPorts(v.names)) {
      CHECK(state.description == "web01");
      CHECK(state.vlan == 120);
    }
    // A line the switch refuses, in the middle: the error names it and what
    // the switch said, whatever came before and after it.
    auto bad = lines;
    std::string wrong = v.vendor == "juniper_junos" ? "set interfaces ge-0/0/2 bogus-knob 1"
                                                    : "description";  // incomplete
    bad.insert(bad.begin() + 3, wrong);
    try {
      d.configure(bad);
      FAIL("the refused line went unnoticed");
    } catch (const DriverError& e) {
      CHECK(e.kind() == DriverErrorKind::rejected);
      CHECK_THAT(e.what(), Catch::Contains("refused '" + wrong + "'"));
    }
  }
}
