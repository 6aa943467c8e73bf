#include "engine/reconcile.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>

#include "colo/inventory/error.h"
#include "engine/drift.h"
#include "engine/switch_work.h"

namespace colo::agent {

namespace inv = colo::inventory;

ReconcileReport compareIntent(const inv::Inventory& inventory, inv::Ledger& ledger,
                              const Playbooks& pb, SwitchOpener& opener,
                              const std::vector<std::string>& only,
                              const std::function<bool()>& interrupt, std::size_t width) {
  std::vector<inv::Switch> switches;
  for (const auto& name : only)
    if (!inventory.switchNamed(name)) {
      std::string known;
      for (const auto& sw : inventory.switches) known += (known.empty() ? "" : ", ") + sw.name;
      throw inv::Error(inv::ErrorKind::invalid_input,
                       "no switch " + name + " in the inventory (it has " + known + ")");
    }
  for (const auto& sw : inventory.switches)
    if (only.empty() || std::find(only.begin(), only.end(), sw.name) != only.end())
      switches.push_back(sw);
  auto held = heldPorts(ledger, pb);
  auto read = [&](const inv::Switch& sw) {
    SwitchDrift out;
    out.switch_name = sw.name;
    try {
      opener.preflight(sw);
      auto session = opener.open(sw, interrupt);
      auto& dev = session->device();
      const auto& dialect = dev.dialect();
      std::set<std::string> inUse(sw.in_use.begin(), sw.in_use.end());
      std::vector<std::string> ports;
      for (const auto& port : sw.access_ports)
        if (!inUse.count(port)) ports.push_back(port);
      // One reading for every port (Device::readPorts).
      auto states = dev.readPorts(ports);
      out.ports_read += static_cast<int>(ports.size());
      for (std::size_t i = 0; i < ports.size(); ++i) {
        const auto& port = ports[i];
        const auto& state = states[i];
        auto it = held.find({sw.name, port});
        if (it == held.end()) {
          drivers::TemplateValues v = {{"port", port}, {"vlan", "0"},    {"description", ""},
                                       {"tenant", ""}, {"hostname", ""}, {"request_id", ""},
                                       {"nic", "0"}};
          if (!portUnused(sw, pb, v, state)) {
            PortDrift d;
            d.switch_name = sw.name;
            d.port = port;
            d.kind = "foreign";
            d.running = state.lines;
            d.differences = {"free in the ledger, but it shows " + describePort(state) +
                             ": someone else configured it; colo leaves it alone (mark it in_use "
                             "in the inventory, or free it by hand)"};
            out.ports.push_back(std::move(d));
          }
          continue;
        }
        const auto& [change, kind] = it->second;
        // Only a completed request's ports must show colo's configuration;
        // the others are `colo validate --online`'s to judge.
        if (kind != Held::colos) continue;
        PortDrift d;
        d.switch_name = sw.name;
        d.port = port;
        d.request_id = change.values.at("request_id");
        d.hostname = change.values.at("hostname");
        d.nic = std::stoi(change.values.at("nic"));
        d.running = state.lines;
        d.differences = intentDifferences(sw, pb, dialect, change, state, d.intent);
        if (!d.differences.empty()) {
          d.kind = "changed";
          out.ports.push_back(std::move(d));
          continue;
        }
        auto showSaved = dialect.showSavedPort(port);
        if (showSaved.empty()) continue;  // saved as it takes effect
        d.saved = dialect.savedPortLines(dev.run(showSaved), port);
        std::vector<std::string> intent;
        auto savedState = dialect.parsePort(d.saved);
        if (intentDifferences(sw, pb, dialect, change, savedState, intent).empty()) continue;
        d.kind = "unsaved";
        d.differences = {
            "running as colo configured it, but not saved: a reload of the switch "
            "brings back " +
            describePort(savedState)};
        out.ports.push_back(std::move(d));
      }
    } catch (const std::exception& e) {
      out.error = e.what();
    }
    return out;
  };
  ReconcileReport report;
  report.switches = forEachSwitch(switches, read, width);
  return report;
}

namespace {

// The request's step log, from the switches' threads.
class ReconcileSteps final : public StepSink {
 public:
  ReconcileSteps(inv::Ledger& ledger, std::string id, std::string actor)
      : ledger_(ledger), id_(std::move(id)), actor_(std::move(actor)) {}
  void step(const std::string& sw, const std::string& kind, const std::string& detail) override {
    std::lock_guard lock(m_);
    ledger_.write([&] {
      ledger_.requests().appendEvent(actor_, id_, "reconcile", sw + " " + kind + ": " + detail);
    });
  }

 private:
  inv::Ledger& ledger_;
  std::string id_, actor_;
  std::mutex m_;
};

}  // namespace

ReconcileApplied applyIntent(const inv::Inventory& inventory, inv::Ledger& ledger,
                             const Playbooks& pb, SwitchOpener& opener,
                             const ReconcileReport& report, const std::string& actor,
                             const std::function<bool()>& interrupt) {
  // Per request: its changed ports, and the switches where it is unsaved.
  std::map<std::string, std::vector<const PortDrift*>> byRequest;
  for (const auto& s : report.switches)
    for (const auto& p : s.ports)
      if (p.kind == "changed" || p.kind == "unsaved") byRequest[p.request_id].push_back(&p);
  ReconcileApplied out;
  for (const auto& entry : byRequest) {
    const std::string& id = entry.first;
    const auto& drifted = entry.second;
    auto rec = ledger.requests().find(id);
    std::set<std::pair<std::string, std::string>> changed, unsaved;
    for (const auto* p : drifted)
      (p->kind == "changed" ? changed : unsaved).insert({p->switch_name, p->port});
    std::vector<PortChange> changes;
    if (rec && rec->allocation)
      for (auto& c : portChanges(*rec->allocation, rec->tenant_code, pb))
        if (changed.count({c.switch_name, c.port}) || unsaved.count({c.switch_name, c.port}))
          changes.push_back(std::move(c));
    ReconcileSteps sink(ledger, id, actor);
    SwitchWorkOptions options;
    options.interrupt = interrupt;
    options.reclaim = changed;
    // Still completed, still holding each port, once its switches are held:
    // a release that ran meanwhile wins, and nothing is sent.
    options.held = [&] {
      auto now = ledger.requests().find(id);
      if (!now || now->status != inv::Status::completed)
        throw drivers::DriverError(drivers::DriverErrorKind::foreign_port,
                                   "request " + id + " is " +
                                       (now ? std::string(inv::name(now->status)) : "gone") +
                                       " now; its ports are no longer colo's to put back");
      std::set<std::pair<std::string, std::string>> mine;
      for (const auto& c : ledger.claims().portsOf(id)) mine.insert({c.switch_name, c.port});
      for (const auto& c : changes)
        if (!mine.count({c.switch_name, c.port}))
          throw drivers::DriverError(
              drivers::DriverErrorKind::foreign_port,
              "request " + id + " no longer holds " + c.switch_name + " " + c.port);
    };
    std::string ports;
    for (const auto& c : changes)
      ports += (ports.empty() ? "" : ", ") + c.switch_name + " " + c.port;
    if (changes.empty()) {
      out.failed.push_back(id + ": it no longer holds these ports; left alone");
      continue;
    }
    try {
      // Colo's configuration again on every port listed (the unsaved ones
      // show it already: the same commands change nothing), verified and
      // saved: the save is what the unsaved ones need.
      applyPortChanges(inventory, pb, opener, sink, changes, PortAction::configure, options);
      ledger.write([&] {
        ledger.requests().appendEvent(actor, id, "reconciled",
                                      "colo's configuration put back and saved on " + ports);
      });
      out.fixed.push_back(id + ": " + ports + ": colo's configuration put back, verified, saved");
    } catch (const ChangeFailed& e) {
      out.failed.push_back(id + ": " + ports + ": " + e.what());
    } catch (const drivers::DriverError& e) {
      out.failed.push_back(id + ": " + ports + ": " + e.what());
    }
  }
  return out;
}

}  // namespace colo::agent
