// IPv4 and IPv6 addresses and prefixes as 128-bit integers, and the interval
// set that answers "lowest free address" without scanning.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace colo::inventory {

__extension__ using u128 = unsigned __int128;

// An address of either family. IPv4 addresses use the low 32 bits.
struct IpAddress {
  u128 value = 0;
  bool v6 = false;

  static std::optional<IpAddress> parse(std::string_view text);
  // Dotted quad for IPv4, RFC 5952 canonical form for IPv6.
  std::string str() const;
  int bits() const { return v6 ? 128 : 32; }

  friend bool operator==(const IpAddress&, const IpAddress&) = default;
  friend auto operator<=>(const IpAddress& a, const IpAddress& b) {
    if (a.v6 != b.v6) return a.v6 <=> b.v6;
    return a.value <=> b.value;
  }
};

// A network prefix such as 203.0.113.0/24 or 2001:db8::/64.
struct IpPrefix {
  IpAddress network;
  int length = 0;

  // Rejects host bits set after the prefix ("203.0.113.5/24") with a message
  // naming the network that was probably meant.
  static std::optional<IpPrefix> parse(std::string_view text, std::string* why = nullptr);
  std::string str() const;

  u128 first() const { return network.value; }
  u128 last() const;
  bool contains(const IpAddress& a) const {
    return a.v6 == network.v6 && a.value >= first() && a.value <= last();
  }
  bool overlaps(const IpPrefix& other) const {
    return other.network.v6 == network.v6 && other.first() <= last() && first() <= other.last();
  }
  // Number of addresses, saturating at 2^128 - 1 for ::/0.
  u128 size() const;
};

// A set of closed integer ranges, coalesced: adjacent and overlapping ranges
// merge, so a pool with 100,000 consecutive addresses taken is one entry and
// the next free address is found in O(log n).
class IntervalSet {
 public:
  void insert(u128 lo, u128 hi);
  void insert(u128 v) { insert(v, v); }
  // Removes one value (a no-op when it is not in the set).
  void erase(u128 v);
  bool contains(u128 v) const;
  // Lowest value in [lo, hi] that is not in the set.
  std::optional<u128> firstGap(u128 lo, u128 hi) const;
  // How many values of [lo, hi] are in the set.
  u128 countWithin(u128 lo, u128 hi) const;
  // The first `limit` runs of [lo, hi] not in the set, in order.
  std::vector<std::pair<u128, u128>> gaps(u128 lo, u128 hi, std::size_t limit) const;
  std::size_t ranges() const { return ranges_.size(); }
  bool operator==(const IntervalSet&) const = default;

 private:
  std::map<u128, u128> ranges_;  // start -> end (inclusive)
};

std::string toDecimal(u128 v);

}  // namespace colo::inventory
