#include "colo/inventory/occupancy.h"

#include <algorithm>
#include <map>

namespace colo::inventory {

Occupancy Occupancy::seenBy(const std::function<bool(const std::string&)>& own) const {
  Occupancy out(*this);
  for (auto& rack : out.racks_) {
    // One alias per occupant, shared by its units and its load.
    std::map<std::pair<std::string, std::string>, std::string> alias;
    auto hide = [&](std::string& name, std::string& requestId) {
      auto& a = alias[{name, requestId}];
      if (a.empty()) a = "occupied " + std::to_string(alias.size());
      name = a;
      requestId.clear();
    };
    for (auto& u : rack.units) {
      bool foreign = u.kind == UnitOccupant::Kind::device ||
                     (u.kind == UnitOccupant::Kind::claimed && !own(u.request_id));
      if (!foreign) continue;
      hide(u.name, u.request_id);
      u.tenant.clear();
    }
    for (auto& l : rack.loads)
      if (l.request_id.empty() || !own(l.request_id)) hide(l.name, l.request_id);
  }
  for (auto& sw : out.switches_)
    for (auto& h : sw.holders)
      if (!h.request_id.empty() && !own(h.request_id)) {
        h.request_id.clear();
        h.hostname.clear();
      }
  return out;
}

Occupancy::Occupancy(const Inventory& inv, const Claims& claims, std::int64_t generation)
    : inv_(inv), generation_(generation) {
  racks_.resize(inv.racks.size());
  for (std::size_t r = 0; r < inv.racks.size(); ++r) {
    const Rack& rack = inv.racks[r];
    auto& st = racks_[r];
    st.units.resize(static_cast<std::size_t>(rack.height) + 1);
    st.drawn.assign(rack.feeds.size(), 0);
    for (int u : rack.reserved_units)
      if (u >= 1 && u <= rack.height)
        st.units[static_cast<std::size_t>(u)] = {UnitOccupant::Kind::reserved, "", "", ""};
    for (const auto& d : rack.devices) {
      for (int u = d.position; u <= std::min(d.top(), rack.height); ++u)
        st.units[static_cast<std::size_t>(u)] = {UnitOccupant::Kind::device, d.name, d.tenant, ""};
      PowerLoad load{d.name, "", d.power_watts, {}};
      for (std::size_t f = 0; f < rack.feeds.size(); ++f)
        if (d.feeds.empty() ||
            std::find(d.feeds.begin(), d.feeds.end(), rack.feeds[f].name) != d.feeds.end()) {
          st.drawn[f] += d.power_watts;
          load.feeds.push_back(f);
        }
      st.loads.push_back(std::move(load));
    }
  }
  switches_.resize(inv.switches.size());
  portIndex_.resize(inv.switches.size());
  for (std::size_t s = 0; s < inv.switches.size(); ++s) {
    const Switch& sw = inv.switches[s];
    auto& st = switches_[s];
    st.taken.assign(sw.access_ports.size(), 0);
    st.holders.resize(sw.access_ports.size());
    for (std::size_t p = 0; p < sw.access_ports.size(); ++p)
      portIndex_[s].emplace(sw.access_ports[p], p);
    for (const auto& port : sw.in_use)
      if (auto p = portIndex(s, port)) st.taken[*p] = 1;
    st.free = static_cast<std::size_t>(std::count(st.taken.begin(), st.taken.end(), 0));
  }
  pools_.resize(inv.pools.size());
  for (std::size_t p = 0; p < inv.pools.size(); ++p) {
    const IpPool& pool = inv.pools[p];
    if (pool.gateway) pools_[p].taken.insert(pool.gateway->value);
    for (const auto& r : pool.reserved) pools_[p].taken.insert(r.first.value, r.last.value);
  }
  for (const auto& u : claims.units) claimUnit(u);
  for (const auto& p : claims.power) claimPower(p);
  for (const auto& p : claims.ports) claimPort(p);
  for (const auto& a : claims.addresses) claimAddress(a);
}

std::optional<std::size_t> Occupancy::portIndex(std::size_t s, std::string_view port) const {
  auto it = portIndex_[s].find(port);
  if (it == portIndex_[s].end()) return std::nullopt;
  return it->second;
}

void Occupancy::conflict(const SourceLocation& where, std::string message) {
  conflicts_.push_back({where, std::move(message)});
}

namespace {
std::string holder(const std::string& request_id, const std::string& hostname) {
  return "request " + request_id + " (" + hostname + ")";
}
SourceLocation fileOf(const Inventory& inv) {
  return {inv.files.empty() ? std::string("inventory") : inv.files.front(), 0, 0};
}
}  // namespace

void Occupancy::claimUnit(const Claims::Unit& c) {
  const Rack* rack = inv_.rack(c.rack);
  if (!rack) {
    conflict(fileOf(inv_),
             "rack '" + c.rack + "' is gone from the inventory, but the ledger holds unit " +
                 std::to_string(c.unit) + " of it for " + holder(c.request_id, c.hostname));
    return;
  }
  if (c.unit < 1 || c.unit > rack->height) {
    conflict(rack->where, "rack '" + c.rack + "' is now " + std::to_string(rack->height) +
                              " units high, but the ledger holds unit " + std::to_string(c.unit) +
                              " for " + holder(c.request_id, c.hostname));
    return;
  }
  auto& slot = racks_[rackIndex(*rack)].units[static_cast<std::size_t>(c.unit)];
  if (slot.kind == UnitOccupant::Kind::device) {
    auto d = std::find_if(rack->devices.begin(), rack->devices.end(),
                          [&](const Device& x) { return x.name == slot.name; });
    conflict(d != rack->devices.end() ? d->where : rack->where,
             "device '" + slot.name + "' occupies unit " + std::to_string(c.unit) + " of rack '" +
                 c.rack + "', which colo reserved for " + holder(c.request_id, c.hostname));
  } else if (slot.kind == UnitOccupant::Kind::reserved) {
    conflict(rack->where, "rack '" + c.rack + "' marks unit " + std::to_string(c.unit) +
                              " reserved, but colo holds it for " +
                              holder(c.request_id, c.hostname));
  }
  slot = {UnitOccupant::Kind::claimed, c.hostname, c.tenant, c.request_id};
}

void Occupancy::claimPower(const Claims::Power& c) {
  const Rack* rack = inv_.rack(c.rack);
  if (!rack) return;  // reported with its units
  auto r = rackIndex(*rack);
  for (std::size_t f = 0; f < rack->feeds.size(); ++f) {
    if (rack->feeds[f].name != c.feed) continue;
    int before = racks_[r].drawn[f];
    racks_[r].drawn[f] += c.watts;
    auto& loads = racks_[r].loads;
    auto it = std::find_if(loads.begin(), loads.end(), [&](const PowerLoad& l) {
      return l.request_id == c.request_id && l.name == c.hostname;
    });
    if (it == loads.end()) it = loads.insert(loads.end(), {c.hostname, c.request_id, c.watts, {}});
    it->feeds.push_back(f);
    int usable = rack->usableWatts(rack->feeds[f]);
    if (racks_[r].drawn[f] > usable && before <= usable)
      conflict(rack->feeds[f].where, "feed '" + c.feed + "' of rack '" + c.rack + "' now carries " +
                                         std::to_string(racks_[r].drawn[f]) +
                                         " W with what colo reserved, more than its " +
                                         std::to_string(usable) + " W usable");
    return;
  }
  conflict(rack->where, "rack '" + c.rack + "' has no feed '" + c.feed +
                            "', but the ledger charges " + std::to_string(c.watts) +
                            " W to it for " + holder(c.request_id, c.hostname));
}

void Occupancy::claimPort(const Claims::Port& c) {
  const Switch* sw = inv_.switchNamed(c.switch_name);
  if (!sw) {
    conflict(fileOf(inv_), "switch '" + c.switch_name +
                               "' is gone from the inventory, but the ledger holds its port " +
                               c.port + " for " + holder(c.request_id, c.hostname));
    return;
  }
  auto s = switchIndex(*sw);
  auto p = portIndex(s, c.port);
  if (!p) {
    conflict(sw->where, "switch '" + c.switch_name + "' no longer lists " + c.port +
                            " in access_ports, but the ledger holds it for " +
                            holder(c.request_id, c.hostname));
    return;
  }
  if (std::find(sw->in_use.begin(), sw->in_use.end(), c.port) != sw->in_use.end())
    conflict(sw->where, "switch '" + c.switch_name + "' marks " + c.port +
                            " in_use, but colo holds it for " + holder(c.request_id, c.hostname));
  if (!switches_[s].taken[*p]) --switches_[s].free;
  switches_[s].taken[*p] = 1;
  switches_[s].holders[*p] = c;
}

void Occupancy::claimAddress(const Claims::Address& c) {
  const IpPool* pool = inv_.pool(c.pool);
  if (!pool) {
    conflict(fileOf(inv_), "ip pool '" + c.pool +
                               "' is gone from the inventory, but the ledger holds " +
                               c.address.str() + " of it for " + holder(c.request_id, c.hostname));
    return;
  }
  auto p = poolIndex(*pool);
  if (!pool->prefix.contains(c.address))
    conflict(pool->where, "ip pool '" + c.pool + "' no longer contains " + c.address.str() +
                              ", which colo holds for " + holder(c.request_id, c.hostname));
  else if (pools_[p].taken.contains(c.address.value))
    conflict(pool->where, "ip pool '" + c.pool + "' now reserves " + c.address.str() +
                              " (gateway or reserved range), which colo holds for " +
                              holder(c.request_id, c.hostname));
  pools_[p].taken.insert(c.address.value);
  ++pools_[p].claimed;
}

void Occupancy::add(const Plan& plan, const std::string& tenant, std::int64_t generation) {
  for (const auto& s : plan.servers) {
    for (int u = s.first_unit; u <= s.last_unit(); ++u)
      claimUnit({s.rack, u, plan.request_id, s.hostname, tenant});
    for (const auto& f : s.feeds)
      claimPower({s.rack, f.feed, f.watts, plan.request_id, s.hostname});
    for (const auto& n : s.nics) {
      claimPort({n.switch_name, n.port, n.vlan, plan.request_id, s.hostname});
      for (const auto& a : n.addresses)
        claimAddress({a.pool, a.address, plan.request_id, s.hostname});
    }
  }
  generation_ = generation;
}

}  // namespace colo::inventory
