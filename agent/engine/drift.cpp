#include "engine/drift.h"

#include <future>
#include <map>
#include <set>

#include "engine/switch_work.h"

namespace colo::agent {

namespace inv = colo::inventory;

std::vector<std::string> switchDrift(const inv::Inventory& inventory, inv::Ledger& ledger,
                                     const Playbooks& pb, SwitchOpener& opener) {
  // (switch, port) -> the change colo made there, and whether it must be there.
  std::map<std::pair<std::string, std::string>, std::pair<PortChange, bool>> held;
  for (const auto& r : ledger.requests().all()) {
    if (!r.allocation || !ledger.claims().holds(r.id)) continue;
    for (auto& c : portChanges(*r.allocation, r.tenant_code, pb))
      held[{c.switch_name, c.port}] = {c, r.status == inv::Status::completed};
  }
  auto check = [&](const inv::Switch& sw) {
    std::vector<std::string> out;
    try {
      opener.preflight(sw);
      auto session = opener.open(sw);
      auto& dev = session->device();
      std::set<std::string> inUse(sw.in_use.begin(), sw.in_use.end());
      for (const auto& port : sw.access_ports) {
        if (inUse.count(port)) continue;
        auto state = dev.readPort(port);
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
        const auto& [change, mustBeColos] = it->second;
        bool colos = portIsColos(sw, pb, change, state);
        if (!colos && (mustBeColos || !portUnused(sw, pb, change.values, state)))
          out.push_back("switch " + sw.name + " port " + port + " is held by " +
                        change.values.at("request_id") + " but shows " + describePort(state) +
                        ", not colo's configuration for it");
      }
    } catch (const std::exception& e) {
      out.push_back(e.what());
    }
    return out;
  };
  // A few switches at a time: each is an SSH session.
  std::vector<std::string> problems;
  for (std::size_t i = 0; i < inventory.switches.size(); i += 8) {
    std::vector<std::future<std::vector<std::string>>> batch;
    for (std::size_t j = i; j < std::min(i + 8, inventory.switches.size()); ++j)
      batch.push_back(std::async(std::launch::async, check, std::cref(inventory.switches[j])));
    for (auto& f : batch)
      for (auto& p : f.get()) problems.push_back(std::move(p));
  }
  return problems;
}

}  // namespace colo::agent
