// Reading what a switch sees of a server (the cabling check's commands),
// from output in each platform's own format: Catalyst IOS 15, EOS 4.x and
// Junos EX/QFX (ELS and the older EX table). The fixtures are written here
// with made-up values; their layout follows real devices' output as public
// parser projects publish it (ntc-templates' raw samples for IOS "show
// interfaces", "show lldp neighbors detail" and "show mac address-table",
// EOS "show interfaces", "show lldp neighbors detail" and "show mac
// address-table", Junos "show ethernet-switching table"; Junos "show lldp
// neighbors interface" as Juniper documents it).
#include <catch2/catch.hpp>

#include "colo/drivers/dialect.h"
#include "colo/drivers/error.h"
#include "colo/encoding/mac.h"

using namespace colo::drivers;
using colo::encoding::canonicalMac;

namespace {

const Dialect& ios() {
  return *dialectFor("cisco_ios");
}
const Dialect& eos() {
  return *dialectFor("arista_eos");
}
const Dialect& junos() {
  return *dialectFor("juniper_junos");
}

const char* const kIosUp = R"(GigabitEthernet1/0/5 is up, line protocol is up (connected)
  Hardware is Gigabit Ethernet, address is 70e4.2271.0a05 (bia 70e4.2271.0a05)
  Description: colo DINKES web01 nic0
  MTU 1500 bytes, BW 1000000 Kbit/sec, DLY 10 usec,
     reliability 255/255, txload 1/255, rxload 1/255
  Encapsulation ARPA, loopback not set
  Keepalive set (10 sec)
  Full-duplex, 1000Mb/s, media type is 10/100/1000BaseTX
  input flow-control is off, output flow-control is unsupported
  ARP type: ARPA, ARP Timeout 04:00:00
  Last input 00:00:01, output 00:00:00, output hang never
  Last clearing of "show interface" counters never
  Input queue: 0/75/0/0 (size/max/drops/flushes); Total output drops: 0
  Queueing strategy: fifo
  Output queue: 0/40 (size/max)
  5 minute input rate 2000 bits/sec, 3 packets/sec
  5 minute output rate 9000 bits/sec, 11 packets/sec
     18213 packets input, 2231945 bytes, 0 no buffer
     Received 310 broadcasts (201 multicasts)
     0 runts, 0 giants, 0 throttles
     37 input errors, 35 CRC, 2 frame, 0 overrun, 0 ignored
     0 watchdog, 201 multicast, 0 pause input
     0 input packets with dribble condition detected
     90321 packets output, 10233411 bytes, 0 underruns
     0 output errors, 0 collisions, 1 interface resets
)";

}  // namespace

TEST_CASE("MAC addresses are read in every form and kept in one") {
  CHECK(canonicalMac("0050.56A3.1b2c") == "00:50:56:a3:1b:2c");
  CHECK(canonicalMac("00:50:56:a3:1B:2C") == "00:50:56:a3:1b:2c");
  CHECK(canonicalMac("00-50-56-a3-1b-2c") == "00:50:56:a3:1b:2c");
  CHECK(canonicalMac("005056a31b2c") == "00:50:56:a3:1b:2c");
  for (const char* bad :
       {"", "0050.56a3.1b2", "00:50:56:a3:1b", "00:50:56-a3:1b:2c", "0050.56a3.1b2c.",
        "00:50:56:a3:1b:2g", "005.056a3.1b2c", "00:50:56:a3:1b:2c:00", "web01.example"})
    CHECK_FALSE(canonicalMac(bad));
  CHECK(colo::encoding::dottedMac("00:50:56:a3:1b:2c") == "0050.56a3.1b2c");
}

TEST_CASE("a port the inventory abbreviates is named as the switch writes it") {
  try {
    ios().portLines(
        "Building configuration...\n\ninterface GigabitEthernet1/0/5\n no shutdown\nend\n",
        "Gi1/0/5");
    FAIL("read");
  } catch (const DriverError& e) {
    CHECK(std::string(e.what()) ==
          "the switch writes port 'Gi1/0/5' as 'GigabitEthernet1/0/5': write it so in the "
          "inventory's access_ports, as the switch's configuration does");
  }
}

TEST_CASE("port names: abbreviations, Junos units, aggregates") {
  CHECK(samePort("Gi1/0/5", "GigabitEthernet1/0/5"));
  CHECK(samePort("GigabitEthernet1/0/5", "gi1/0/5"));
  CHECK(samePort("Et5", "Ethernet5"));
  CHECK(samePort("ge-0/0/5.0", "ge-0/0/5"));
  CHECK(samePort("Po1", "Port-channel1"));
  CHECK_FALSE(samePort("Gi1/0/5", "GigabitEthernet1/0/50"));
  CHECK_FALSE(samePort("Te1/0/5", "GigabitEthernet1/0/5"));
  CHECK_FALSE(samePort("Et5", "Ethernet5/1"));
  CHECK(isAggregate("Po12"));
  CHECK(isAggregate("Port-Channel7"));
  CHECK(isAggregate("ae3.0"));
  CHECK_FALSE(isAggregate("Gi1/0/5"));
  CHECK_FALSE(isAggregate("ge-0/0/5.0"));
}

TEST_CASE("link and input errors, IOS and EOS show interfaces") {
  auto up = ios().parseLink(kIosUp, "GigabitEthernet1/0/5");
  CHECK(up.state == LinkReading::State::up);
  CHECK(up.said == "connected");
  CHECK(up.input_errors == 37u);
  CHECK(ios().showLink("GigabitEthernet1/0/5") == "show interfaces GigabitEthernet1/0/5");

  auto down = ios().parseLink(
      "GigabitEthernet1/0/6 is down, line protocol is down (notconnect)\n"
      "  Hardware is Gigabit Ethernet, address is 70e4.2271.0a06 (bia 70e4.2271.0a06)\n"
      "     0 input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored\n",
      "GigabitEthernet1/0/6");
  CHECK(down.state == LinkReading::State::down);
  CHECK(down.said == "notconnect");
  CHECK(down.input_errors == 0u);

  auto shut = ios().parseLink(
      "GigabitEthernet1/0/7 is administratively down, line protocol is down (disabled)\n",
      "GigabitEthernet1/0/7");
  CHECK(shut.state == LinkReading::State::disabled);
  CHECK_FALSE(shut.input_errors);

  auto err = ios().parseLink("GigabitEthernet1/0/8 is down, line protocol is down (err-disabled)\n",
                             "Gi1/0/8");
  CHECK(err.state == LinkReading::State::err_disabled);

  auto eosUp = eos().parseLink(R"(Ethernet5 is up, line protocol is up (connected)
  Hardware is Ethernet, address is 444c.a8b1.0005 (bia 444c.a8b1.0005)
  Description: colo DINKES web01 nic0
  Ethernet MTU 9214 bytes , BW 10000000 kbit
  Full-duplex, 10Gb/s, auto negotiation: off, uni-link: n/a
  Up 3 days, 2 hours, 11 minutes, 4 seconds
  Loopback Mode : None
  2 link status changes since last clear
  Last clearing of "show interface" counters never
  5 minutes input rate 1.21 kbps (0.0% with framing overhead), 1 packets/sec
  5 minutes output rate 3.87 kbps (0.0% with framing overhead), 3 packets/sec
     221870 packets input, 20881903 bytes
     Received 12 broadcasts, 3381 multicast
     0 runts, 0 giants
     4 input errors, 4 CRC, 0 alignment, 0 symbol, 0 input discards
     0 PAUSE input
     612004 packets output, 61110334 bytes
     Sent 51 broadcasts, 40020 multicast
     0 output errors, 0 collisions
     0 late collision, 0 deferred, 0 output discards
     0 PAUSE output
)",
                               "Ethernet5");
  CHECK(eosUp.state == LinkReading::State::up);
  CHECK(eosUp.input_errors == 4u);

  SECTION("an answer about another port, or none, is not read as a link") {
    CHECK_THROWS_AS(ios().parseLink(kIosUp, "GigabitEthernet1/0/6"), DriverError);
    CHECK_THROWS_AS(ios().parseLink("", "GigabitEthernet1/0/6"), DriverError);
    CHECK_THROWS_AS(ios().parseLink("% Invalid input detected at '^' marker.\n", "Gi1/0/6"),
                    DriverError);
  }
}

TEST_CASE("link and input errors, Junos show interfaces extensive") {
  const char* up = R"(Physical interface: ge-0/0/5, Enabled, Physical link is Up
  Interface index: 654, SNMP ifIndex: 521, Generation: 157
  Description: colo DINKES web01 nic0
  Link-level type: Ethernet, MTU: 1514, Link-mode: Full-duplex, Speed: 1000mbps,
  Device flags   : Present Running
  Interface flags: SNMP-Traps Internal: 0x0
  Current address: 88:e0:f3:4a:10:05, Hardware address: 88:e0:f3:4a:10:05
  Last flapped   : 2026-12-01 08:12:40 WIB (4d 01:12 ago)
  Traffic statistics:
   Input  bytes  :             20881903                  872 bps
   Output bytes  :             61110334                 2312 bps
  Input errors:
    Errors: 6, Drops: 0, Framing errors: 6, Runts: 0, Policed discards: 0, L3 incompletes: 0,
    L2 channel errors: 0, L2 mismatch timeouts: 0, FIFO errors: 0, Resource errors: 0
  Output errors:
    Carrier transitions: 3, Errors: 0, Drops: 0, Collisions: 0, Aged packets: 0,
    FIFO errors: 0, HS link CRC errors: 0, MTU errors: 0, Resource errors: 0
)";
  auto r = junos().parseLink(up, "ge-0/0/5");
  CHECK(r.state == LinkReading::State::up);
  CHECK(r.input_errors == 6u);
  auto off = junos().parseLink(
      "Physical interface: ge-0/0/6, Administratively down, Physical link is Down\n", "ge-0/0/6");
  CHECK(off.state == LinkReading::State::disabled);
  auto down = junos().parseLink(
      "Physical interface: ge-0/0/7, Enabled, Physical link is Down\n"
      "  Input errors:\n    Errors: 0, Drops: 0, Framing errors: 0, Runts: 0,\n",
      "ge-0/0/7");
  CHECK(down.state == LinkReading::State::down);
  CHECK(down.input_errors == 0u);
  CHECK_THROWS_AS(junos().parseLink(up, "ge-0/0/6"), DriverError);
}

TEST_CASE("MAC address tables of each platform") {
  SECTION("IOS 15 (Catalyst)") {
    auto rows = ios().parseMacs(R"(          Mac Address Table
-------------------------------------------

Vlan    Mac Address       Type        Ports
----    -----------       --------    -----
 120    0050.56a3.1b2c    DYNAMIC     Gi1/0/5
 120    0050.56a3.77e1    DYNAMIC     Gi1/0/5
Total Mac Addresses for this criterion: 2
)");
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].mac == "00:50:56:a3:1b:2c");
    CHECK(rows[0].vlan == "120");
    CHECK(rows[0].port == "Gi1/0/5");
    CHECK(ios().showMacWhere("00:50:56:a3:1b:2c") ==
          "show mac address-table address 0050.56a3.1b2c");
  }
  SECTION("IOS, the older layout (address first)") {
    auto rows = ios().parseMacs(R"(Non-static Address Table:
Destination Address  Address Type  VLAN  Destination Port
-------------------  ------------  ----  --------------------
0050.56a3.1b2c       Dynamic        120  FastEthernet0/5
)");
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].vlan == "120");
    CHECK(rows[0].port == "FastEthernet0/5");
  }
  SECTION("EOS, with moves and last move, on a port-channel") {
    auto rows = eos().parseMacs(R"(          Mac Address Table
------------------------------------------------------------------

Vlan    Mac Address       Type        Ports      Moves   Last Move
----    -----------       ----        -----      -----   ---------
 120    0050.56a3.1b2c    DYNAMIC     Po12       1       0:04:12 ago
 120    0050.56a3.77e1    DYNAMIC     Et7        2       9 days, 15:57:28 ago
Total Mac Addresses for this criterion: 2

          Multicast Mac Address Table
------------------------------------------------------------------

Vlan    Mac Address       Type        Ports
----    -----------       ----        -------
Total Mac Addresses for this criterion: 0
)");
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].port == "Po12");
    CHECK(isAggregate(rows[0].port));
    CHECK(rows[1].port == "Et7");
  }
  SECTION("Junos ELS (EX4300, QFX)") {
    auto rows = junos().parseMacs(R"(
MAC flags (S - static MAC, D - dynamic MAC, L - locally learned, P - Persistent static
           SE - statistics enabled, NM - non configured MAC, R - remote PE MAC, O - ovsdb MAC)


Ethernet switching table : 2 entries, 2 learned
Routing instance : default-switch
   Vlan                MAC                 MAC         Age    Logical                NH        RTR
   name                address             flags              interface              Index     ID
   v120                00:50:56:a3:1b:2c   D             -   ge-0/0/5.0             0         0
   v120                00:50:56:a3:77:e1   D             -   ae2.0                  0         0

{master:0}
)");
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].vlan == "v120");
    CHECK(rows[0].port == "ge-0/0/5.0");
    CHECK(samePort(rows[0].port, "ge-0/0/5"));
    CHECK(isAggregate(rows[1].port));
  }
  SECTION("Junos, the older EX table") {
    auto rows = junos().parseMacs(R"(Ethernet-switching table: 2 entries, 1 learned
  VLAN              MAC address       Type         Age Interfaces
  v120              *                 Flood          - All-members
  v120              00:50:56:a3:1b:2c Learn          0 ge-0/0/5.0
)");
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].port == "ge-0/0/5.0");
  }
  SECTION("an empty table, and lines that only look like one") {
    CHECK(ios()
              .parseMacs("          Mac Address Table\n---\nTotal Mac Addresses for this "
                         "criterion: 0\n")
              .empty());
    CHECK(ios().parseMacs("All    0100.0ccc.cccc    STATIC      CPU\n").empty());
  }
}

TEST_CASE("LLDP neighbours, IOS detail") {
  auto n = ios().parseLldp(R"(------------------------------------------------
Local Intf: Gi1/0/5
Chassis id: 0050.56a3.1b2c
Port id: 0050.56a3.1b2c
Port Description: eno1
System Name: web01.dinkes.kalbarprov.go.id

System Description:
Debian GNU/Linux 12 (bookworm) Linux 6.1.0-27-amd64 #1 SMP PREEMPT_DYNAMIC x86_64

Time remaining: 104 seconds
System Capabilities: B,W,R,S
Enabled Capabilities: R
Management Addresses:
    IP: 192.0.2.10
Auto Negotiation - supported, enabled
Physical media capabilities:
    1000baseT(FD)
Media Attachment Unit type: 30
Vlan ID: - not advertised

------------------------------------------------
Local Intf: Gi1/0/5
Chassis id: 7c25.86c9.aa10
Port id: 502
Port Description - not advertised
System Name - not advertised

System Description:
Embedded BMC

Time remaining: 91 seconds
System Capabilities - not advertised
Enabled Capabilities - not advertised
Management Addresses - not advertised
Auto Negotiation - not supported
Physical media capabilities - not advertised
Media Attachment Unit type - not advertised
Vlan ID: - not advertised


Total entries displayed: 2
)");
  REQUIRE(n.size() == 2);
  CHECK(n[0].system_name == "web01.dinkes.kalbarprov.go.id");
  CHECK(n[0].chassis_id == "0050.56a3.1b2c");
  CHECK(n[0].port_id == "0050.56a3.1b2c");
  CHECK(n[0].port_description == "eno1");
  CHECK(n[1].system_name.empty());
  CHECK(n[1].port_id == "502");
  CHECK(ios().parseLldp("\nTotal entries displayed: 0\n").empty());
  CHECK(ios().showLldp("Gi1/0/5") == "show lldp neighbors Gi1/0/5 detail");
}

TEST_CASE("LLDP neighbours, EOS detail") {
  auto n = eos().parseLldp(R"x(Interface Ethernet5 detected 1 LLDP neighbors:

  Neighbor 0050.56a3.1b2c/"eno1", age 14 seconds
  Discovered 2 days, 1:02:11 ago; Last changed 2 days, 1:02:11 ago
  - Chassis ID type: MAC address (4)
    Chassis ID     : 0050.56a3.1b2c
  - Port ID type: Interface name (5)
    Port ID     : "eno1"
  - Time To Live: 120 seconds
  - Port Description: "Interface    2 as eno1"
  - System Name: "web01"
  - System Description: "Debian GNU/Linux 12 (bookworm)"
  - System Capabilities : Bridge, Router, Station Only
    Enabled Capabilities: Station Only
  - Management Address Subtype: IPv4 (1)
    Management Address        : 192.0.2.10
    Interface Number Subtype  : ifIndex (2)
    Interface Number          : 2
    OID String                :
  - IEEE802.1/IEEE802.3 Link Aggregation
    Link Aggregation Status: Capable, Disabled (0x01)
    Port ID                : 0
  - IEEE802.3 Maximum Frame Size: 1514 bytes
)x");
  REQUIRE(n.size() == 1);
  CHECK(n[0].system_name == "web01");
  CHECK(n[0].chassis_id == "0050.56a3.1b2c");
  CHECK(n[0].port_id == "eno1");
  CHECK(n[0].port_description == "Interface    2 as eno1");
  CHECK(eos().parseLldp("Interface Ethernet6 detected 0 LLDP neighbors:\n").empty());
}

TEST_CASE("LLDP neighbours, Junos show lldp neighbors interface") {
  auto n = junos().parseLldp(R"(LLDP Neighbor Information:
Local Information:
Index: 7 Time to live: 120 Time mark: Sat Dec  5 10:31:08 2026 Age: 17 secs
Local Interface    : ge-0/0/5
Parent Interface   : -
Local Port ID      : 517
Ageout Count       : 0

Neighbour Information:
Chassis type       : Mac address
Chassis ID         : 00:50:56:a3:1b:2c
Port type          : Mac address
Port ID            : 00:50:56:a3:1b:2c
Port description   : eno1
System name        : web01.dinkes.kalbarprov.go.id

System Description : Debian GNU/Linux 12 (bookworm) Linux 6.1.0-27-amd64

System capabilities
        Supported  : Bridge Router Station Only
        Enabled    : Station Only

Management Info
        Type              : IPv4
        Address           : 192.0.2.10
        Port ID           : 2
        Subtype           : 2
        Interface Subtype : ifIndex(2)
        OID               : 1.3.6.1.2.1.31.1.1.1.1.2
)");
  REQUIRE(n.size() == 1);
  CHECK(n[0].system_name == "web01.dinkes.kalbarprov.go.id");
  CHECK(n[0].port_id == "00:50:56:a3:1b:2c");
  CHECK(n[0].chassis_id == "00:50:56:a3:1b:2c");
  CHECK(junos().parseLldp("").empty());
}

TEST_CASE("what a switch sends in a name is made printable and bounded") {
  auto n = ios().parseLldp("Chassis id: 0050.56a3.1b2c\nSystem Name: web\x1b]0;x\x07" +
                           std::string(400, 'a') + "\n");
  REQUIRE(n.size() == 1);
  CHECK(n[0].system_name.size() == 255);
  CHECK(n[0].system_name.find('\x1b') == std::string::npos);
}
