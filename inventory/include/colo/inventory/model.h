// The inventory as administrators describe it in YAML (design.md §3). Every item
// remembers where it was written, so errors can point at file:line:col.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "colo/inventory/ip.h"

namespace colo::inventory {

struct SourceLocation {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based
  std::string str() const;
};

// Request ids, hostnames, tenant codes and inventory names:
// [A-Za-z0-9._-]{1,63}.
bool isSafeName(std::string_view s);

struct PowerFeed {
  std::string name;
  int capacity_watts = 0;
  SourceLocation where;
};

struct Device {
  std::string name;
  int position = 0;  // lowest unit it occupies
  int height = 1;
  int power_watts = 0;
  std::string tenant;
  // Feeds the device draws from, each carrying its full draw; empty means
  // every feed of the rack (the usual dual-corded device).
  std::vector<std::string> feeds;
  SourceLocation where;

  int top() const { return position + height - 1; }
};

struct Rack {
  std::string name;
  std::string room;
  int height = 42;
  double derate = 0.8;  // usable fraction of each feed
  std::vector<PowerFeed> feeds;
  std::vector<std::string> switches;
  std::vector<int> reserved_units;
  std::vector<Device> devices;
  SourceLocation where;

  int usableWatts(const PowerFeed& f) const {
    return static_cast<int>(static_cast<double>(f.capacity_watts) * derate);
  }
};

struct Switch {
  std::string name;
  std::string vendor;
  std::string address;  // management address
  int port = 22;
  std::string credentials;
  std::vector<std::string> access_ports;  // expanded, in allocation order
  std::vector<std::string> in_use;        // never allocated
  SourceLocation where;
};

struct Vlan {
  int id = 0;
  std::string name;
  SourceLocation where;
};

struct AddressRange {
  IpAddress first, last;
};

struct IpPool {
  std::string name;
  IpPrefix prefix;
  std::optional<IpAddress> gateway;
  int vlan = 0;
  std::vector<AddressRange> reserved;
  SourceLocation where;

  // Lowest and highest address that may ever be handed out: the network
  // address is never usable, nor IPv4's broadcast (except in /31 and /32).
  u128 firstUsable() const;
  u128 lastUsable() const;
};

struct Site {
  std::string name;
  std::string timezone = "UTC";
};

// How the allocator chooses among racks where a server fits (design.md §5).
enum class Placement {
  balance,  // the most headroom left on the rack's worst feed
  pack,     // the smallest free run that fits
};

// Names to positions, looked up by string_view without a copy: a hash,
// since a start looks up a rack, switch or pool for each of hundreds of
// thousands of claims (design.md §5).
struct NameHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};
using NameIndex = std::unordered_map<std::string, std::size_t, NameHash, std::equal_to<>>;

struct Inventory {
  Site site;
  Placement placement = Placement::balance;  // the config's placement.policy
  std::vector<Rack> racks;
  std::vector<Switch> switches;
  std::vector<Vlan> vlans;
  std::vector<IpPool> pools;
  std::vector<std::string> files;  // the YAML files it was read from

  const Rack* rack(std::string_view name) const;
  const Switch* switchNamed(std::string_view name) const;
  const IpPool* pool(std::string_view name) const;
  const Vlan* vlan(int id) const;
  // Rebuilds the name indexes; call after changing the vectors.
  void index();

 private:
  NameIndex rackIndex_, switchIndex_, poolIndex_;
};

}  // namespace colo::inventory
