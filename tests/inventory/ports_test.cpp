#include <catch2/catch.hpp>

#include "colo/inventory/ports.h"

using namespace colo::inventory;

TEST_CASE("port ranges of the three vendors expand in order") {
  std::string why;
  auto cisco = expandPortRange("GigabitEthernet1/0/1-44", &why);
  REQUIRE(cisco);
  CHECK(cisco->size() == 44);
  CHECK(cisco->front() == "GigabitEthernet1/0/1");
  CHECK(cisco->back() == "GigabitEthernet1/0/44");
  auto arista = expandPortRange("Ethernet1-48", &why);
  REQUIRE(arista);
  CHECK(arista->at(9) == "Ethernet10");
  auto junos = expandPortRange("ge-0/0/0-47", &why);
  REQUIRE(junos);
  CHECK(junos->size() == 48);
  CHECK(junos->front() == "ge-0/0/0");
  auto single = expandPortRange("ge-0/0/5", &why);
  REQUIRE(single);
  CHECK(*single == std::vector<std::string>{"ge-0/0/5"});
  auto list = expandPortRange("Ethernet1-2, Ethernet7", &why);
  REQUIRE(list);
  CHECK(*list == std::vector<std::string>{"Ethernet1", "Ethernet2", "Ethernet7"});
}

TEST_CASE("bad port ranges are refused with a reason") {
  std::string why;
  CHECK_FALSE(expandPortRange("Ethernet48-1", &why));
  CHECK(why == "'Ethernet48-1': range end 1 is below its start 48");
  CHECK_FALSE(expandPortRange("Ethernet", &why));
  CHECK(why == "'Ethernet' does not end in a port number");
  CHECK_FALSE(expandPortRange("Eth 1", &why));
  CHECK_FALSE(expandPortRange("Ethernet1;reload-2", &why));
  CHECK_FALSE(expandPortRange("", &why));
  CHECK_FALSE(isInterfaceName("Ethernet1\nreload"));
  CHECK(isInterfaceName("xe-0/0/0:1"));
  CHECK_FALSE(isInterfaceName("1/0/1"));
  CHECK_FALSE(isInterfaceName("-GE1"));
}

TEST_CASE("port ranges of Huawei and H3C switches expand in order") {
  std::string why;
  auto ce = expandPortRange("10GE1/0/1-4", &why);
  REQUIRE(ce);
  CHECK(*ce == std::vector<std::string>{"10GE1/0/1", "10GE1/0/2", "10GE1/0/3", "10GE1/0/4"});
  auto h3c = expandPortRange("Ten-GigabitEthernet1/0/49-52", &why);
  REQUIRE(h3c);
  CHECK(h3c->size() == 4);
  CHECK(h3c->front() == "Ten-GigabitEthernet1/0/49");
  auto single = expandPortRange("Ten-GigabitEthernet1/0/49", &why);
  REQUIRE(single);
  CHECK(single->size() == 1);
  auto vrp = expandPortRange("GigabitEthernet0/0/1-24, XGigabitEthernet0/0/1-4", &why);
  REQUIRE(vrp);
  CHECK(vrp->size() == 28);
  CHECK(vrp->back() == "XGigabitEthernet0/0/4");
}
