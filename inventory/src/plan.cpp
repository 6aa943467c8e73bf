#include "colo/inventory/plan.h"

#include <nlohmann/json.hpp>

#include "colo/inventory/error.h"

namespace colo::inventory {

using nlohmann::json;

json toJson(const Plan& plan) {
  json servers = json::array();
  for (const auto& s : plan.servers) {
    json feeds = json::array(), nics = json::array();
    for (const auto& f : s.feeds) feeds.push_back({{"feed", f.feed}, {"watts", f.watts}});
    for (const auto& n : s.nics) {
      json addrs = json::array();
      for (const auto& a : n.addresses) {
        json aj = {{"pool", a.pool},
                   {"address", a.address.str()},
                   {"prefix_length", a.prefix_length},
                   {"family", a.address.v6 ? "ipv6" : "ipv4"}};
        aj["gateway"] = a.gateway ? json(a.gateway->str()) : json(nullptr);
        addrs.push_back(std::move(aj));
      }
      nics.push_back({{"index", n.index},
                      {"switch", n.switch_name},
                      {"port", n.port},
                      {"vlan", n.vlan},
                      {"addresses", std::move(addrs)}});
    }
    servers.push_back({{"hostname", s.hostname},
                       {"rack", s.rack},
                       {"units", {{"first", s.first_unit}, {"last", s.last_unit()}}},
                       {"power_watts", s.power_watts},
                       {"redundant_power", s.redundant_power},
                       {"feeds", std::move(feeds)},
                       {"nics", std::move(nics)}});
  }
  return {{"request_id", plan.request_id}, {"servers", std::move(servers)}};
}

Plan planFromJson(const json& j) {
  try {
    Plan plan;
    plan.request_id = j.at("request_id").get<std::string>();
    for (const auto& sj : j.at("servers")) {
      ServerPlacement s;
      s.hostname = sj.at("hostname").get<std::string>();
      s.rack = sj.at("rack").get<std::string>();
      s.first_unit = sj.at("units").at("first").get<int>();
      s.height = sj.at("units").at("last").get<int>() - s.first_unit + 1;
      s.power_watts = sj.at("power_watts").get<int>();
      s.redundant_power = sj.at("redundant_power").get<bool>();
      for (const auto& f : sj.at("feeds"))
        s.feeds.push_back({f.at("feed").get<std::string>(), f.at("watts").get<int>()});
      for (const auto& nj : sj.at("nics")) {
        NicAssignment n;
        n.index = nj.at("index").get<int>();
        n.switch_name = nj.at("switch").get<std::string>();
        n.port = nj.at("port").get<std::string>();
        n.vlan = nj.at("vlan").get<int>();
        for (const auto& aj : nj.at("addresses")) {
          AddressAssignment a;
          a.pool = aj.at("pool").get<std::string>();
          auto addr = IpAddress::parse(aj.at("address").get<std::string>());
          if (!addr) throw Error(ErrorKind::storage, "bad address in stored plan");
          a.address = *addr;
          a.prefix_length = aj.at("prefix_length").get<int>();
          if (!aj.at("gateway").is_null()) a.gateway = IpAddress::parse(aj.at("gateway").get<std::string>());
          n.addresses.push_back(std::move(a));
        }
        s.nics.push_back(std::move(n));
      }
      plan.servers.push_back(std::move(s));
    }
    return plan;
  } catch (const json::exception& e) {
    throw Error(ErrorKind::storage, std::string("stored allocation is unreadable: ") + e.what());
  }
}

}  // namespace colo::inventory
