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
}
