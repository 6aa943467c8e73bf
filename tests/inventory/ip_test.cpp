#include <catch2/catch.hpp>

#include "colo/inventory/ip.h"

using namespace colo::inventory;

TEST_CASE("IPv4 and IPv6 addresses parse and print canonically") {
  CHECK(IpAddress::parse("203.0.113.7")->str() == "203.0.113.7");
  CHECK(IpAddress::parse("2001:DB8:0:0::1")->str() == "2001:db8::1");
  CHECK_FALSE(IpAddress::parse("203.0.113.256"));
  CHECK_FALSE(IpAddress::parse("1.2.3"));
  CHECK_FALSE(IpAddress::parse(""));
  CHECK_FALSE(IpAddress::parse("2001:db8::1\n"));
}

TEST_CASE("prefixes reject host bits and bad lengths, naming what was meant") {
  std::string why;
  auto p = IpPrefix::parse("2001:db8:20::/64", &why);
  REQUIRE(p);
  CHECK(p->size() == (u128{1} << 64));
  CHECK(p->contains(*IpAddress::parse("2001:db8:20::ffff")));
  CHECK_FALSE(p->contains(*IpAddress::parse("2001:db8:21::")));
  CHECK_FALSE(p->contains(*IpAddress::parse("203.0.113.1")));
  CHECK_FALSE(IpPrefix::parse("203.0.113.5/24", &why));
  CHECK(why == "host bits are set; did you mean 203.0.113.0/24?");
  CHECK_FALSE(IpPrefix::parse("203.0.113.0/33", &why));
  CHECK(why == "prefix length '33' is not between 0 and 32");
  CHECK_FALSE(IpPrefix::parse("203.0.113.0", &why));
  CHECK(IpPrefix::parse("198.18.0.0/15")->overlaps(*IpPrefix::parse("198.19.128.0/17")));
  CHECK_FALSE(IpPrefix::parse("192.0.2.0/25")->overlaps(*IpPrefix::parse("192.0.2.128/25")));
}

TEST_CASE("interval set coalesces and finds the first gap without scanning") {
  IntervalSet s;
  s.insert(10, 19);
  s.insert(20, 29);  // adjacent: merges
  s.insert(40);
  CHECK(s.ranges() == 2);
  CHECK(s.firstGap(10, 100) == u128{30});
  CHECK(s.firstGap(0, 100) == u128{0});
  CHECK(s.firstGap(10, 29) == std::nullopt);
  CHECK(s.countWithin(0, 100) == 21);
  s.insert(30, 39);  // bridges both
  CHECK(s.ranges() == 1);
  CHECK(s.firstGap(10, 100) == u128{41});
  CHECK(s.contains(25));
  CHECK_FALSE(s.contains(41));
}

TEST_CASE("interval set handles the top of the IPv6 space") {
  IntervalSet s;
  u128 top = ~u128{0};
  s.insert(top - 1, top);
  s.insert(top - 3, top - 2);
  CHECK(s.ranges() == 1);
  CHECK(s.firstGap(top - 3, top) == std::nullopt);
  CHECK(toDecimal(u128{1} << 64) == "18446744073709551616");
}
