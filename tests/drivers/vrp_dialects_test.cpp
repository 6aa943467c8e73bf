// Huawei VRP and H3C Comware: what colo reads from them, from output in
// each platform's own format. The fixtures are written here with made-up
// values; their layout follows real devices' output as public parser
// projects publish it (ntc-templates' raw samples for huawei_vrp "display
// interface", "display mac-address" and "display lldp neighbor", and for
// hp_comware "display interface", "display mac-address" and "display lldp
// neighbor-information verbose"; Netmiko's huawei and hp_comware drivers
// for prompts, the save question and the cursor junk).
#include <catch2/catch.hpp>

#include <functional>
#include <regex>

#include "../support/driver_errors.h"
#include "colo/drivers/dialect.h"
#include "colo/drivers/error.h"
#include "colo/encoding/mac.h"

using namespace colo::drivers;
using colo::test::protocolError;

namespace {

const Dialect& vrp() {
  return *dialectFor("huawei_vrp");
}
const Dialect& h3c() {
  return *dialectFor("hp_comware");
}

}  // namespace

TEST_CASE("VRP and Comware are known vendors") {
  auto known = knownVendors();
  CHECK(known == std::vector<std::string>{"cisco_ios", "arista_eos", "juniper_junos", "huawei_vrp",
                                          "hp_comware"});
}

TEST_CASE("prompts: user, system and interface views, anchored to the device's name") {
  std::regex login(vrp().promptPattern());
  CHECK(std::regex_search("<tor-r09>", login));
  CHECK_FALSE(std::regex_search("[V200R009C00SPC500]", login));
  CHECK(vrp().hostOf("<tor-r09>") == "tor-r09");
  CHECK(h3c().hostOf("<H3C.S5130>") == "H3C.S5130");
  for (const Dialect* d : {&vrp(), &h3c()}) {
    std::regex prompt(d->hostPromptPattern("tor-r09"));
    CHECK(std::regex_search("<tor-r09>", prompt));
    CHECK(std::regex_search("[tor-r09]", prompt));
    CHECK(std::regex_search("[tor-r09] ", prompt));  // VRP's " ESC[1D", sanitized
    CHECK(std::regex_search("[tor-r09-GigabitEthernet0/0/5]", prompt));
    CHECK(std::regex_search("[tor-r09-Ten-GigabitEthernet1/0/49]", prompt));
    CHECK(std::regex_search("[~tor-r09-10GE1/0/1]", prompt));
    CHECK_FALSE(std::regex_search("[V200R009C00SPC500]", prompt));
    CHECK_FALSE(std::regex_search("<tor-r10>", prompt));
    CHECK_FALSE(std::regex_search(" description [tor-r09]", prompt));
  }
  // A name with regex characters is matched literally.
  std::regex dotted(vrp().hostPromptPattern("a.b"));
  CHECK(std::regex_search("<a.b>", dotted));
  CHECK_FALSE(std::regex_search("<axb>", dotted));
}

TEST_CASE("questions: every VRP and Comware form, and which commands expect one") {
  std::regex q(vrp().questionPattern());
  for (const char* s :
       {"Are you sure to continue?[Y/N]",
        "Continue? [Y/N]:", "Are you sure to continue? (y/n)[n]:", "Continue? [Y/N] :",
        "This command will restore the default settings. Continue? [Y/N]:", "Are you sure? [y/n]"})
    CHECK(std::regex_search(s, q));
  CHECK_FALSE(std::regex_search("<tor-r09>", q));
  CHECK(vrp().expectsQuestion("save"));
  CHECK(vrp().expectsQuestion("clear configuration interface GigabitEthernet0/0/5"));
  CHECK_FALSE(vrp().expectsQuestion("reset saved-configuration"));
  CHECK_FALSE(vrp().expectsQuestion("undo shutdown"));
  CHECK(h3c().expectsQuestion("default"));
  CHECK_FALSE(h3c().expectsQuestion("save"));  // colo's save is "save force"
  CHECK(
      vrp().saveSucceeded("Now saving the current configuration to the slot 0.\n"
                          "Save the configuration successfully."));
  CHECK(vrp().saveSucceeded("Configuration file had been saved successfully"));
  CHECK_FALSE(vrp().saveSucceeded("Error: The file system is full."));
  CHECK(
      h3c().saveSucceeded("Validating file. Please wait...\n"
                          "Saved the current configuration to mainboard device successfully."));
}

TEST_CASE("refusals: VRP's Error lines and Comware's % lines") {
  CHECK(vrp().refused("                 ^\nError: Unrecognized command found at '^' position."));
  CHECK(vrp().refused("Error:Too many parameters found at '^' position."));
  CHECK(vrp().refused("Error: Please renew the default configurations."));
  CHECK_FALSE(
      vrp().refused("Info: The configuration takes effect on the current user terminal "
                    "interface only."));
  CHECK_FALSE(vrp().refused("Warning: All configurations of the interface will be cleared"));
  CHECK(h3c().refused("                 ^\n % Unrecognized command found at '^' position."));
  CHECK(h3c().refused("% Wrong parameter found at '^' position."));
  CHECK(h3c().refused(" % Incomplete command found at '^' position."));
  CHECK_FALSE(h3c().refused("System View: return to User View with Ctrl+Z."));
}

TEST_CASE("cursor junk is not text") {
  CHECK(vrp().trimOutput("[tor-r09] \x1b[1Dsystem-view") == "[tor-r09]system-view");
  CHECK(vrp().trimOutput("line 1\n\x1b[42D" + std::string(42, ' ') + "\x1b[42Dline 2") ==
        "line 1\nline 2");
  CHECK(h3c().trimOutput("plain") == "plain");
}

TEST_CASE("a VRP port's configuration is read strictly") {
  const std::string port = "GigabitEthernet0/0/5";
  auto lines = vrp().portLines(
      "[V200R009C00SPC500]\n#\ninterface GigabitEthernet0/0/5\n description colo BAPPEDA web01 "
      "REQ-1\n port link-type access\n port default vlan 120\n stp edged-port enable\n#\nreturn\n",
      port);
  CHECK(lines == std::vector<std::string>{"description colo BAPPEDA web01 REQ-1",
                                          "port link-type access", "port default vlan 120",
                                          "stp edged-port enable"});
  auto p = vrp().parsePort(lines);
  CHECK(p.description == "colo BAPPEDA web01 REQ-1");
  CHECK(p.mode == "access");
  CHECK(p.vlan == 120);
  CHECK(p.enabled);
  CHECK_FALSE(vrp().parsePort({"shutdown"}).enabled);
  CHECK(vrp()
            .portLines("!Software Version V200R011C10SPC500\n#\ninterface "
                       "GigabitEthernet0/0/5\n#\nreturn",
                       port)
            .empty());
  // Cut off before "return", a log line inside, a prompt-shaped line.
  CHECK(protocolError([&] {
          vrp().portLines("#\ninterface GigabitEthernet0/0/5\n port default vlan 120\n", port);
        }).find("'return'") != std::string::npos);
  CHECK(protocolError([&] {
          vrp().portLines(
              "#\ninterface GigabitEthernet0/0/5\nDec  6 2026 10:00:01 tor-r09 "
              "%%01IFNET/4/LINK_STATE(l)[0]:The line protocol on the interface "
              "changed.\n port default vlan 120\n#\nreturn\n",
              port);
        }).find("inside the port's configuration") != std::string::npos);
  CHECK(protocolError([&] {
          vrp().portLines("<tor-r09>\n#\nreturn\n", port);
        }).find("'<tor-r09>'") != std::string::npos);
  // The inventory wrote the short name the switch prints in its tables.
  CHECK(protocolError([&] {
          vrp().portLines("#\ninterface GigabitEthernet0/0/5\n#\nreturn\n", "GE0/0/5");
        }) ==
        "the switch writes port 'GE0/0/5' as 'GigabitEthernet0/0/5': write it so in the "
        "inventory's access_ports, as the switch's configuration does");
  CHECK(protocolError([&] {
          vrp().portLines("#\n", port);
        }).find("does not show 'interface GigabitEthernet0/0/5'") != std::string::npos);
  // The template's lines, and what a restore sends.
  std::vector<std::string> cmds = {"clear configuration interface " + port,
                                   "interface " + port,
                                   "description x",
                                   "port link-type access",
                                   "port default vlan 120",
                                   "undo shutdown",
                                   "quit"};
  CHECK(vrp().shownLines(cmds, port) == std::vector<std::string>{"description x",
                                                                 "port link-type access",
                                                                 "port default vlan 120"});
  for (const auto& c : cmds) CHECK(vrp().portCommand(c, port));
  CHECK_FALSE(vrp().portCommand("reboot", port));
  CHECK_FALSE(vrp().portCommand("interface GigabitEthernet0/0/6", port));
  CHECK_FALSE(vrp().portCommand("clear configuration interface GigabitEthernet0/0/6", port));
  CHECK(vrp().restorePort(port, vrp().parsePort({"description old", "shutdown"})) ==
        std::vector<std::string>{"clear configuration interface " + port, "interface " + port,
                                 "description old", "shutdown", "quit"});
  CHECK(vrp().restorePort(port, vrp().parsePort({})) ==
        std::vector<std::string>{"clear configuration interface " + port, "interface " + port,
                                 "undo shutdown", "quit"});
  // The saved configuration: the stanza at the start, the rest not read.
  CHECK(vrp().savedPortLines("interface GigabitEthernet0/0/5\n port default vlan 99\n#\ninterface "
                             "NULL0\n#\nreturn\n",
                             port) == std::vector<std::string>{"port default vlan 99"});
  CHECK(vrp().savedPortLines("", port).empty());
}

TEST_CASE("a Comware port's configuration: access by default, link-mode is the hardware's") {
  const std::string port = "Ten-GigabitEthernet1/0/49";
  auto lines = h3c().portLines(
      "#\ninterface Ten-GigabitEthernet1/0/49\n port link-mode bridge\n description colo x\n "
      "port access vlan 120\n#\nreturn\n",
      port);
  auto p = h3c().parsePort(lines);
  CHECK(p.lines == std::vector<std::string>{"description colo x", "port access vlan 120"});
  CHECK(p.mode == "access");
  CHECK(p.vlan == 120);
  CHECK(h3c().parsePort({"port link-mode bridge"}).lines.empty());  // a port nobody configured
  CHECK(h3c().parsePort({"port link-type trunk"}).mode == "trunk");
  CHECK(h3c().restorePort(port, p) == std::vector<std::string>{"interface " + port, "default",
                                                               "description colo x",
                                                               "port access vlan 120", "quit"});
  CHECK(h3c().portCommand("default", port));
  CHECK(h3c().portCommand("undo port access vlan", port));
  CHECK_FALSE(h3c().portCommand("clear configuration interface " + port, port));
}

TEST_CASE("link and input errors, VRP and Comware display interface") {
  SECTION("VRP") {
    const char* up = R"(GigabitEthernet0/0/5 current state : UP
Line protocol current state : UP
Description:colo BAPPEDA web01 REQ-1
Switch Port, PVID :  120, TPID : 8100(Hex), The Maximum Frame Length is 9216
IP Sending Frames' Format is PKTFMT_ETHNT_2, Hardware address is 70e4-2271-0a05
Last physical up time   : 2026-12-01 09:12:44
Port Mode: COMMON COPPER
Speed : 1000,  Loopback: NONE
Duplex: FULL,  Negotiation: ENABLE

Input:  18213 packets, 2231945 bytes
  Unicast:                  18000,  Multicast:                   200
  Broadcast:                13,  Jumbo:                       0
  Discard:                  0,  Total Error:                 17

  CRC:                      17,  Giants:                      0

Output:  9120 packets, 1143610 bytes
  Unicast:                  9000,  Multicast:                   120
  Discard:                  0,  Total Error:                 4
)";
    auto r = vrp().parseLink(up, "GigabitEthernet0/0/5");
    CHECK(r.state == LinkReading::State::up);
    CHECK(r.said == "UP");
    CHECK(r.input_errors == 17u);
    CHECK(vrp()
              .parseLink("GigabitEthernet0/0/5 current state : Administratively DOWN\nLine "
                         "protocol current state : DOWN\n",
                         "GigabitEthernet0/0/5")
              .state == LinkReading::State::disabled);
    auto err = vrp().parseLink(
        "GigabitEthernet0/0/5 current state : ERROR DOWN(bpdu-protection)\nLine protocol current "
        "state : DOWN\n",
        "GigabitEthernet0/0/5");
    CHECK(err.state == LinkReading::State::err_disabled);
    CHECK(err.said == "ERROR DOWN(bpdu-protection)");
    CHECK(vrp()
              .parseLink("GigabitEthernet0/0/5 current state : DOWN\nLine protocol current state "
                         ": DOWN\n",
                         "GigabitEthernet0/0/5")
              .state == LinkReading::State::down);
    // Up physically, the protocol down: no link colo can use.
    CHECK(vrp()
              .parseLink("GigabitEthernet0/0/5 current state : UP\nLine protocol current state : "
                         "DOWN\n",
                         "GigabitEthernet0/0/5")
              .state == LinkReading::State::down);
    CHECK(protocolError([] {
            vrp().parseLink("GigabitEthernet0/0/6 current state : UP\n", "GigabitEthernet0/0/5");
          }).find("current state") != std::string::npos);
  }
  SECTION("Comware") {
    const char* up = R"(GigabitEthernet1/0/5
Current state: UP
Line protocol state: UP
IP packet frame type: Ethernet II, hardware address: 70e4-2271-0a05
Description: colo BAPPEDA web01 REQ-1
Bandwidth: 1000000 kbps
Last clearing of counters: Never
Input (total):  18213 packets, 2231945 bytes
Input:  3 input errors, 0 runts, 0 giants, 0 throttles
        3 CRC, 0 frame, - overruns, 0 aborts
Output: 0 output errors, - underruns, - buffer failures
)";
    auto r = h3c().parseLink(up, "GigabitEthernet1/0/5");
    CHECK(r.state == LinkReading::State::up);
    CHECK(r.input_errors == 3u);
    CHECK(h3c()
              .parseLink("GigabitEthernet1/0/5\nCurrent state: Administratively DOWN\n",
                         "GigabitEthernet1/0/5")
              .state == LinkReading::State::disabled);
    CHECK(h3c()
              .parseLink("GigabitEthernet1/0/5\nCurrent state: STP DOWN\n", "GigabitEthernet1/0/5")
              .state == LinkReading::State::err_disabled);
    CHECK(h3c()
              .parseLink("GigabitEthernet1/0/5\nCurrent state: DOWN\n", "GigabitEthernet1/0/5")
              .state == LinkReading::State::down);
    // Another port's block is not this port's.
    CHECK(protocolError([] {
            h3c().parseLink("GigabitEthernet1/0/6\nCurrent state: UP\n", "GigabitEthernet1/0/5");
          }).find("Current state") != std::string::npos);
  }
}

TEST_CASE("MAC address tables of VRP and Comware, short port names in full") {
  SECTION("VRP, VLAN/VSI/BD and short names") {
    auto rows = vrp().parseMacs(
        R"(-------------------------------------------------------------------------------
MAC Address    VLAN/VSI/BD                       Learned-From        Type
-------------------------------------------------------------------------------
0050-56a3-1b2c 120/-/-                           GE0/0/5             dynamic
 0050-56a3-77e1 120/-/-                           XGE0/0/1            dynamic
5254-0014-2003 120/-/-                           Eth-Trunk1          dynamic

-------------------------------------------------------------------------------
Total items displayed = 3
)");
    REQUIRE(rows.size() == 3);
    CHECK(rows[0].mac == "00:50:56:a3:1b:2c");
    CHECK(rows[0].vlan == "120");
    CHECK(rows[0].port == "GigabitEthernet0/0/5");
    CHECK(samePort(rows[0].port, "GigabitEthernet0/0/5"));
    CHECK(rows[1].port == "XGigabitEthernet0/0/1");
    CHECK(isAggregate(rows[2].port));
    CHECK(vrp().showMacWhere("00:50:56:a3:1b:2c") == "display mac-address 0050-56a3-1b2c");
    CHECK(vrp().showMacsOn("GigabitEthernet0/0/5") ==
          "display mac-address dynamic GigabitEthernet0/0/5");
  }
  SECTION("VRP, the older VLAN/VSI layout") {
    auto rows = vrp().parseMacs(
        R"(-------------------------------------------------------------------------------
MAC Address    VLAN/VSI                          Learned-From        Type
-------------------------------------------------------------------------------
0050-56a3-1b2c 1/-                               GE0/0/25            dynamic
-------------------------------------------------------------------------------
Total items displayed = 1
)");
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].vlan == "1");
    CHECK(rows[0].port == "GigabitEthernet0/0/25");
  }
  SECTION("Comware") {
    auto rows = h3c().parseMacs(
        R"(MAC ADDR       VLAN ID  STATE          PORT INDEX               AGING TIME(s)
0050-56a3-1b2c 120      Learned        GigabitEthernet1/0/5     AGING
0050-56a3-77e1 120      Learned        BAGG1                    AGING
5254-0014-2003 10       Learned        XGE1/0/49                NOAGED
)");
    REQUIRE(rows.size() == 3);
    CHECK(rows[0].vlan == "120");
    CHECK(rows[0].port == "GigabitEthernet1/0/5");
    CHECK(rows[1].port == "Bridge-Aggregation1");
    CHECK(isAggregate(rows[1].port));
    CHECK(rows[2].port == "Ten-GigabitEthernet1/0/49");
    CHECK(h3c().showMacsOn("GigabitEthernet1/0/5") ==
          "display mac-address interface GigabitEthernet1/0/5");
  }
}

TEST_CASE("LLDP neighbours, VRP and Comware") {
  SECTION("VRP, both spacings") {
    auto n = vrp().parseLldp(R"(GigabitEthernet0/0/5 has 1 neighbor(s):

Neighbor index :1
Chassis type   :MAC address
Chassis ID     :5254-0014-2001
Port ID type   :Interface name
Port ID        :eno1
Port description    :Intel Corporation I350 Gigabit Network Connection
System name         :bappeda-web01.example
System description  :Debian GNU/Linux 12 (bookworm)
Technical Support: none
System capabilities supported   :bridge router
Management address type  :ipv4
Expired time   :104s

Port VLAN ID(PVID)  :0
)");
    REQUIRE(n.size() == 1);
    CHECK(n[0].system_name == "bappeda-web01.example");
    CHECK(n[0].port_id == "eno1");
    CHECK(n[0].chassis_id == "5254-0014-2001");
    CHECK(n[0].port_description == "Intel Corporation I350 Gigabit Network Connection");
    auto wide = vrp().parseLldp(R"(GE1/0/25 has 2 neighbor(s):

Neighbor index                     :1
Chassis type                       :MAC Address
Chassis ID                         :5254-0014-2001
Port ID subtype                    :Interface Name
Port ID                            :eno1
Port description                   :--
System name                        :--

Neighbor index                     :2
Chassis ID                         :5254-0014-2002
Port ID                            :eno2
System name                        :web02
)");
    REQUIRE(wide.size() == 2);
    CHECK(wide[0].system_name.empty());  // "--": not advertised
    CHECK(wide[0].port_description.empty());
    CHECK(wide[1].system_name == "web02");
    CHECK(vrp().parseLldp("GigabitEthernet0/0/5 has 0 neighbor(s):\n").empty());
    CHECK(vrp().showLldp("GigabitEthernet0/0/5") ==
          "display lldp neighbor interface GigabitEthernet0/0/5");
  }
  SECTION("Comware verbose") {
    auto n = h3c().parseLldp(R"(LLDP neighbor-information of port 5[GigabitEthernet1/0/5]:
LLDP agent nearest-bridge:
 LLDP neighbor index : 1
 Update time         : 0 days, 0 hours, 1 minutes, 11 seconds
 Chassis type        : MAC address
 Chassis ID          : 5254-0014-2001
 Port ID type        : Interface name
 Port ID             : eno1
 Time to live        : 120
 Port description    : N/A
 System name         : bappeda-web01
 System description  : Debian GNU/Linux 12 (bookworm) Linux 6.1.0-26-amd64
                       x86_64
 System capabilities supported : Bridge, Router
)");
    REQUIRE(n.size() == 1);
    CHECK(n[0].system_name == "bappeda-web01");
    CHECK(n[0].port_id == "eno1");
    CHECK(n[0].port_description.empty());
    CHECK(h3c().parseLldp("").empty());
    CHECK(h3c().showLldp("GigabitEthernet1/0/5") ==
          "display lldp neighbor-information interface GigabitEthernet1/0/5 verbose");
  }
}

TEST_CASE("port names Huawei and H3C write") {
  CHECK(samePort("10GE1/0/1", "10GE1/0/1"));
  CHECK(samePort("10ge1/0/1", "10GE1/0/1"));
  CHECK_FALSE(samePort("10GE1/0/1", "10GE1/0/10"));
  CHECK_FALSE(samePort("10GE1/0/1", "40GE1/0/1"));
  CHECK(samePort("Ten-GigabitEthernet1/0/49", "Ten-GigabitEthernet1/0/49"));
  CHECK_FALSE(samePort("XGigabitEthernet0/0/1", "GigabitEthernet0/0/1"));
  CHECK(samePort("ge-0/0/5.0", "ge-0/0/5"));  // unchanged for Junos
  CHECK(isAggregate("Eth-Trunk1"));
  CHECK(isAggregate("Bridge-Aggregation2"));
  CHECK_FALSE(isAggregate("GigabitEthernet0/0/1"));
  CHECK(colo::encoding::canonicalMac("5254-0014-2002") == "52:54:00:14:20:02");
  CHECK(colo::encoding::dashedMac("52:54:00:14:20:02") == "5254-0014-2002");
  CHECK_FALSE(colo::encoding::canonicalMac("5254-0014-20"));
  CHECK_FALSE(colo::encoding::canonicalMac("52-5400-1420-02"));
}
