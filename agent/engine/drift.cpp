#include "engine/drift.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>

#include "engine/switch_access.h"
#include "engine/switch_work.h"

namespace colo::agent {

namespace inv = colo::inventory;

std::map<std::pair<std::string, std::string>, HeldPort> heldPorts(inv::Ledger& ledger,
                                                                  const Playbooks& pb) {
  std::map<std::pair<std::string, std::string>, HeldPort> held;
  std::map<std::string, std::set<std::pair<std::string, std::string>>> claimed;  // by request
  for (const auto& c : ledger.claims().all().ports)
    claimed[c.request_id].insert({c.switch_name, c.port});
  for (const auto& [id, ports] : claimed) {
    auto r = ledger.requests().find(id);
    if (!r || !r->allocation) continue;
    Held kind = r->status == inv::Status::completed  ? Held::colos
                : r->status == inv::Status::released ? Held::to_clean
                                                     : Held::either;
    for (auto& c : portChanges(*r->allocation, r->tenant_code, pb))
      if (ports.count({c.switch_name, c.port})) held[{c.switch_name, c.port}] = {c, kind};
  }
  return held;
}

std::vector<std::string> freeForgottenPortsGone(const inv::Inventory& inventory,
                                                inv::Ledger& ledger) {
  std::vector<std::string> out;
  for (const auto& c : ledger.claims().all().ports) {
    const auto* sw = inventory.switchNamed(c.switch_name);
    bool listed = sw && std::find(sw->access_ports.begin(), sw->access_ports.end(), c.port) !=
                            sw->access_ports.end();
    if (listed) continue;
    auto r = ledger.requests().find(c.request_id);
    if (!r || r->status != inv::Status::released) continue;
    bool freed = false;
    ledger.write([&] { freed = ledger.claims().unclaimPort(c.request_id, c.switch_name, c.port); });
    if (freed)
      out.push_back("switch " + c.switch_name + " port " + c.port + " (to clean since " +
                    c.request_id + " was released without touching the switches) is " +
                    (sw ? "no longer an access port" : "on a switch gone from the inventory") +
                    ": no longer held");
  }
  return out;
}

DriftReport switchDrift(const inv::Inventory& inventory, inv::Ledger& ledger, const Playbooks& pb,
                        SwitchOpener& opener) {
  // (switch, port) -> the change colo made there, and what must be there now.
  auto held = heldPorts(ledger, pb);
  // Ports to clean found unused, freed below (one writer, this thread).
  std::mutex cleanMutex;
  std::vector<std::pair<PortChange, std::string>> clean;
  auto check = [&](const inv::Switch& sw) {
    std::vector<std::string> out;
    try {
      opener.preflight(sw);
      auto session = opener.open(sw);
      auto& dev = session->device();
      std::set<std::string> inUse(sw.in_use.begin(), sw.in_use.end());
      std::vector<std::string> ports;
      for (const auto& port : sw.access_ports)
        if (!inUse.count(port)) ports.push_back(port);
      // One reading for every port (Device::readPorts).
      auto states = dev.readPorts(ports);
      for (std::size_t i = 0; i < ports.size(); ++i) {
        const auto& port = ports[i];
        const auto& state = states[i];
        auto it = held.find({sw.name, port});
        if (it == held.end()) {
          drivers::TemplateValues v = {{"port", port}, {"vlan", "0"},    {"description", ""},
                                       {"tenant", ""}, {"hostname", ""}, {"request_id", ""},
                                       {"nic", "0"}};
          if (!portUnused(sw, pb, v, state))
            out.push_back("switch " + sw.name + " port " + port +
                          " is free in the ledger but in use (" + describePort(state) +
                          "): mark it in_use in the inventory, or free it");
          continue;
        }
        const auto& [change, kind] = it->second;
        const auto& id = change.values.at("request_id");
        bool unused = portUnused(sw, pb, change.values, state);
        if (kind == Held::to_clean) {
          if (unused) {
            std::lock_guard lock(cleanMutex);
            clean.emplace_back(change, describePort(state));
          } else {
            out.push_back("switch " + sw.name + " port " + port + " is to be cleaned by hand (" +
                          id + " was released without touching the switches) but shows " +
                          describePort(state) + ": return it to unused; it stays held until then");
          }
          continue;
        }
        bool colos = portIsColos(sw, pb, change, state);
        if (!colos && (kind == Held::colos || !unused))
          out.push_back("switch " + sw.name + " port " + port + " is held by " + id +
                        " but shows " + describePort(state) + ", not colo's configuration for it");
      }
    } catch (const std::exception& e) {
      out.push_back(e.what());
    }
    return out;
  };
  // A few switches at a time: each is an SSH session.
  DriftReport report;
  auto& problems = report.problems;
  for (auto& found : forEachSwitch(inventory.switches, check))
    for (auto& p : found) problems.push_back(std::move(p));
  for (const auto& found : clean) {
    const auto& change = found.first;
    const auto& shows = found.second;
    const auto& id = change.values.at("request_id");
    bool freed = false;
    ledger.write([&] { freed = ledger.claims().unclaimPort(id, change.switch_name, change.port); });
    if (freed)
      report.cleaned.push_back("switch " + change.switch_name + " port " + change.port +
                               " (to clean since " + id +
                               " was released without touching the switches) shows " + shows +
                               ": cleaned, no longer held");
  }
  return report;
}

}  // namespace colo::agent
