// What a request gets: per server a rack, units, power feeds, switch ports and
// addresses. The allocator makes a Plan; the ledger stores it.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "colo/inventory/ip.h"

namespace colo::inventory {

struct AddressAssignment {
  std::string pool;
  IpAddress address;
  int prefix_length = 0;
  std::optional<IpAddress> gateway;
};

struct NicAssignment {
  int index = 0;
  std::string switch_name;
  std::string port;
  int vlan = 0;
  std::vector<AddressAssignment> addresses;
};

struct FeedCharge {
  std::string feed;
  int watts = 0;
};

struct ServerPlacement {
  std::string hostname;
  std::string rack;
  int first_unit = 0;  // lowest unit
  int height = 0;
  int power_watts = 0;
  bool redundant_power = false;
  std::vector<FeedCharge> feeds;
  std::vector<NicAssignment> nics;

  int last_unit() const { return first_unit + height - 1; }
};

struct Plan {
  std::string request_id;
  std::vector<ServerPlacement> servers;
};

nlohmann::json toJson(const Plan& plan);
Plan planFromJson(const nlohmann::json& j);

}  // namespace colo::inventory
