#include "colo/inventory/ip.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace colo::inventory {

namespace {

u128 hostMask(int bits, int length) {
  int host = bits - length;
  if (host <= 0) return 0;
  if (host >= 128) return ~u128{0};
  return (u128{1} << host) - 1;
}

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  std::string s(text);
  if (s.find(':') == std::string::npos) {
    in_addr a{};
    if (inet_pton(AF_INET, s.c_str(), &a) != 1) return std::nullopt;
    return IpAddress{ntohl(a.s_addr), false};
  }
  in6_addr a{};
  if (inet_pton(AF_INET6, s.c_str(), &a) != 1) return std::nullopt;
  u128 v = 0;
  for (unsigned char byte : a.s6_addr) v = (v << 8) | byte;
  return IpAddress{v, true};
}

std::string IpAddress::str() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (!v6) {
    in_addr a{};
    a.s_addr = htonl(static_cast<std::uint32_t>(value));
    inet_ntop(AF_INET, &a, buf, sizeof buf);
  } else {
    in6_addr a{};
    u128 v = value;
    for (int i = 15; i >= 0; --i) {
      a.s6_addr[i] = static_cast<unsigned char>(v & 0xff);
      v >>= 8;
    }
    inet_ntop(AF_INET6, &a, buf, sizeof buf);
  }
  return buf;
}

std::optional<IpPrefix> IpPrefix::parse(std::string_view text, std::string* why) {
  auto fail = [&](std::string msg) -> std::optional<IpPrefix> {
    if (why) *why = std::move(msg);
    return std::nullopt;
  };
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return fail("missing '/length'");
  auto addr = IpAddress::parse(text.substr(0, slash));
  if (!addr) return fail("'" + std::string(text.substr(0, slash)) + "' is not an IP address");
  auto lenText = text.substr(slash + 1);
  int length = -1;
  auto [ptr, ec] = std::from_chars(lenText.data(), lenText.data() + lenText.size(), length);
  if (ec != std::errc{} || ptr != lenText.data() + lenText.size() || length < 0 ||
      length > addr->bits())
    return fail("prefix length '" + std::string(lenText) + "' is not between 0 and " +
                std::to_string(addr->bits()));
  IpPrefix p{*addr, length};
  u128 mask = hostMask(addr->bits(), length);
  if (addr->value & mask) {
    IpPrefix meant{{addr->value & ~mask, addr->v6}, length};
    return fail("host bits are set; did you mean " + meant.str() + "?");
  }
  return p;
}

std::string IpPrefix::str() const {
  return network.str() + "/" + std::to_string(length);
}

u128 IpPrefix::last() const {
  return network.value | hostMask(network.bits(), length);
}

u128 IpPrefix::size() const {
  u128 m = hostMask(network.bits(), length);
  return m == ~u128{0} ? m : m + 1;
}

void IntervalSet::insert(u128 lo, u128 hi) {
  if (lo > hi) return;
  // Merge with a range that starts at or before lo and touches it.
  auto it = ranges_.upper_bound(lo);
  if (it != ranges_.begin()) {
    auto prev = std::prev(it);
    if (prev->second == ~u128{0} || prev->second + 1 >= lo) {
      lo = prev->first;
      hi = std::max(hi, prev->second);
      it = ranges_.erase(prev);
    }
  }
  // Swallow ranges that start inside or right after [lo, hi].
  while (it != ranges_.end() && (hi == ~u128{0} || it->first <= hi + 1)) {
    hi = std::max(hi, it->second);
    it = ranges_.erase(it);
  }
  ranges_.emplace(lo, hi);
}

void IntervalSet::erase(u128 v) {
  auto it = ranges_.upper_bound(v);
  if (it == ranges_.begin()) return;
  auto range = std::prev(it);
  auto [lo, hi] = *range;
  if (hi < v) return;
  ranges_.erase(range);
  if (lo < v) ranges_.emplace(lo, v - 1);
  if (v < hi) ranges_.emplace(v + 1, hi);
}

bool IntervalSet::contains(u128 v) const {
  auto it = ranges_.upper_bound(v);
  if (it == ranges_.begin()) return false;
  return std::prev(it)->second >= v;
}

std::optional<u128> IntervalSet::firstGap(u128 lo, u128 hi) const {
  if (lo > hi) return std::nullopt;
  auto it = ranges_.upper_bound(lo);
  if (it == ranges_.begin()) return lo;
  auto prev = std::prev(it);
  if (prev->second < lo) return lo;
  // Ranges are coalesced, so the value after this range is free.
  if (prev->second >= hi) return std::nullopt;
  return prev->second + 1;
}

std::vector<std::pair<u128, u128>> IntervalSet::gaps(u128 lo, u128 hi, std::size_t limit) const {
  std::vector<std::pair<u128, u128>> out;
  while (out.size() < limit) {
    auto start = firstGap(lo, hi);
    if (!start) break;
    auto next = ranges_.upper_bound(*start);  // the first taken range after it
    u128 end = next == ranges_.end() || next->first > hi ? hi : next->first - 1;
    out.emplace_back(*start, end);
    if (end >= hi) break;
    lo = end + 1;
  }
  return out;
}

u128 IntervalSet::countWithin(u128 lo, u128 hi) const {
  u128 n = 0;
  auto it = ranges_.upper_bound(lo);
  if (it != ranges_.begin()) --it;
  for (; it != ranges_.end() && it->first <= hi; ++it) {
    u128 a = std::max(lo, it->first), b = std::min(hi, it->second);
    if (a <= b) n += b - a + 1;
  }
  return n;
}

std::string toDecimal(u128 v) {
  if (v == 0) return "0";
  std::string s;
  while (v) {
    s.push_back(static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  std::reverse(s.begin(), s.end());
  return s;
}

}  // namespace colo::inventory
