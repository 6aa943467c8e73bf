#include "provision.h"

#include <unistd.h>

#include <iostream>
#include <mutex>
#include <thread>

#include "colo/drivers/error.h"
#include "colo/inventory/error.h"

namespace colo::agent {

namespace {

using drivers::DriverError;
using drivers::DriverErrorKind;

const PortTemplate& templateFor(const Playbooks& pb, const std::string& vendor, PortAction action) {
  auto it = pb.vendors.find(vendor);
  if (it == pb.vendors.end())
    throw DriverError(DriverErrorKind::invalid_value,
                      "no templates for vendor " + vendor + " in " + pb.dir + "/templates/");
  return action == PortAction::configure ? it->second.configure : it->second.unconfigure;
}

const char* templateName(PortAction a) {
  return a == PortAction::configure ? "configure_port" : "unconfigure_port";
}

// Differences between what the template expects and what the port shows.
std::string mismatch(const std::map<std::string, std::string>& expect, const drivers::PortState& got) {
  std::string out;
  auto differs = [&](const std::string& key, const std::string& want, const std::string& have) {
    if (want != have) out += (out.empty() ? "" : ", ") + key + " is '" + have + "', expected '" + want + "'";
  };
  for (const auto& [key, want] : expect) {
    if (key == "description") differs(key, want, got.description);
    if (key == "mode") differs(key, want, got.mode);
    if (key == "vlan") differs(key, want, got.vlan ? std::to_string(got.vlan) : "");
    if (key == "enabled") differs(key, want, got.enabled ? "true" : "false");
  }
  return out;
}

struct PortWork {
  const PortChange* change;
  std::vector<std::string> commands;
  std::map<std::string, std::string> expect;
  drivers::PortState captured;
};

struct SwitchWork {
  const inventory::Switch* sw = nullptr;
  std::vector<PortWork> ports;
  std::unique_ptr<SwitchSession> session;
  bool touched = false, saved = false;
  std::string error;  // empty while all goes well
};

template <typename F>
void inParallel(std::vector<SwitchWork>& work, F&& f) {
  std::vector<std::thread> threads;
  for (auto& w : work) threads.emplace_back([&w, &f] {
    try {
      f(w);
    } catch (const DriverError& e) {
      w.error = e.what();
    } catch (const std::exception& e) {
      w.error = std::string("switch ") + w.sw->name + ": " + e.what();
    }
  });
  for (auto& t : threads) t.join();
}

}  // namespace

std::vector<PortChange> portChanges(const inventory::Plan& plan, const std::string& tenant,
                                    const Playbooks& playbooks) {
  std::vector<PortChange> out;
  for (const auto& s : plan.servers) {
    for (const auto& n : s.nics) {
      PortChange c;
      c.switch_name = n.switch_name;
      c.port = n.port;
      drivers::TemplateValues base = {{"tenant", tenant},
                                      {"hostname", s.hostname},
                                      {"request_id", plan.request_id},
                                      {"nic", std::to_string(n.index)}};
      c.values = base;
      c.values["port"] = n.port;
      c.values["vlan"] = std::to_string(n.vlan);
      c.values["description"] = drivers::renderLine("port_description", playbooks.port_description, base);
      for (const auto& [k, v] : c.values) drivers::checkCliValue(k, v);
      out.push_back(std::move(c));
    }
  }
  return out;
}

std::map<std::string, std::vector<std::string>> commandsBySwitch(
    const inventory::Inventory& inv, const Playbooks& pb, const std::vector<PortChange>& changes,
    PortAction action) {
  std::map<std::string, std::vector<std::string>> body;
  for (const auto& c : changes) {
    const auto* sw = inv.switchNamed(c.switch_name);
    const auto& t = templateFor(pb, sw->vendor, action);
    auto lines = drivers::renderTemplate(templateName(action), t.commands, c.values);
    auto& cmds = body[c.switch_name];
    cmds.insert(cmds.end(), lines.begin(), lines.end());
  }
  std::map<std::string, std::vector<std::string>> out;
  for (auto& [name, cmds] : body) {
    const auto* d = drivers::dialectFor(inv.switchNamed(name)->vendor);
    auto& all = out[name];
    for (const auto& c : d->enterConfig()) all.push_back(c);
    all.insert(all.end(), cmds.begin(), cmds.end());
    for (const auto& c : d->commitConfig()) all.push_back(c);
    if (pb.has("save"))
      for (const auto& c : d->save()) all.push_back(c);
  }
  return out;
}

void applyPortChanges(const inventory::Inventory& inv, const Playbooks& pb, SwitchOpener& opener,
                      StepSink& sink, const std::vector<PortChange>& changes, PortAction action,
                      const PriorCaptures& prior) {
  // Group by switch; render everything before any connection.
  std::vector<SwitchWork> work;
  for (const auto& c : changes) {
    const auto* sw = inv.switchNamed(c.switch_name);
    if (!sw) throw DriverError(DriverErrorKind::invalid_value, "switch " + c.switch_name + " is not in the inventory");
    auto it = std::find_if(work.begin(), work.end(), [&](const SwitchWork& w) { return w.sw == sw; });
    if (it == work.end()) {
      work.push_back({});
      work.back().sw = sw;
      it = work.end() - 1;
    }
    const auto& t = templateFor(pb, sw->vendor, action);
    PortWork pw;
    pw.change = &c;
    pw.commands = drivers::renderTemplate(templateName(action), t.commands, c.values);
    for (const auto& [k, v] : t.expect) pw.expect[k] = drivers::renderLine(templateName(action), v, c.values);
    it->ports.push_back(std::move(pw));
  }

  // Phase 1, per switch: capture, apply, verify.
  inParallel(work, [&](SwitchWork& w) {
    sink.step(w.sw->name, "connect", w.sw->address + ":" + std::to_string(w.sw->port));
    w.session = opener.open(*w.sw);
    auto& dev = w.session->device();
    for (auto& p : w.ports) {
      // A port captured by an earlier, interrupted run keeps that capture:
      // what it shows now may be half our own doing.
      if (auto it = prior.find({w.sw->name, p.change->port}); it != prior.end())
        p.captured = dev.dialect().parsePort(it->second);
      else
        p.captured = dev.readPort(p.change->port);
      sink.captured(w.sw->name, p.change->port, p.captured.lines);
      sink.step(w.sw->name, "capture", p.change->port + ": " +
                                           (p.captured.lines.empty() ? "(no configuration)" : std::to_string(p.captured.lines.size()) + " lines"));
    }
    std::vector<std::string> all;
    for (const auto& p : w.ports) all.insert(all.end(), p.commands.begin(), p.commands.end());
    w.touched = true;  // from the first command on, the switch may have changed
    dev.configure(all);
    sink.step(w.sw->name, "apply", std::to_string(all.size()) + " commands on " + std::to_string(w.ports.size()) + " port(s)");
    if (pb.has("verify")) {
      for (const auto& p : w.ports) {
        auto got = dev.readPort(p.change->port);
        auto diff = mismatch(p.expect, got);
        if (!diff.empty())
          throw DriverError(DriverErrorKind::verify, "switch " + w.sw->name + " port " + p.change->port +
                                                         " does not read back as configured: " + diff);
        sink.step(w.sw->name, "verify", p.change->port + ": as expected");
      }
    }
  });

  // Phase 2, only when every switch got this far: save everywhere.
  bool ok = std::all_of(work.begin(), work.end(), [](const SwitchWork& w) { return w.error.empty(); });
  if (ok && pb.has("save")) {
    inParallel(work, [&](SwitchWork& w) {
      w.session->device().save();
      w.saved = true;
      sink.step(w.sw->name, "save", "configuration saved");
    });
    ok = std::all_of(work.begin(), work.end(), [](const SwitchWork& w) { return w.error.empty(); });
  }
  if (ok) return;

  std::string firstError;
  for (const auto& w : work)
    if (!w.error.empty() && firstError.empty()) firstError = w.error;

  // Restore every touched port, on every switch, as captured.
  std::vector<std::string> unrestored;
  std::mutex m;
  for (auto& w : work) w.error.clear();
  inParallel(work, [&](SwitchWork& w) {
    if (!w.touched) return;
    try {
      // The old session may be the thing that broke: start afresh, and
      // try a few times, since a restore matters more than anything else.
      w.session.reset();
      for (int attempt = 1;; ++attempt) {
        try {
          w.session = opener.open(*w.sw);
          break;
        } catch (const DriverError& e) {
          if (attempt == 3 || e.kind() == DriverErrorKind::host_key || e.kind() == DriverErrorKind::auth)
            throw;
          sink.step(w.sw->name, "reconnect", e.what());
          std::this_thread::sleep_for(std::chrono::milliseconds(200 * attempt));
        }
      }
      auto& dev = w.session->device();
      std::vector<std::string> cmds;
      for (const auto& p : w.ports) {
        auto r = dev.dialect().restorePort(p.change->port, p.captured);
        cmds.insert(cmds.end(), r.begin(), r.end());
      }
      dev.configure(cmds);
      for (const auto& p : w.ports) {
        auto now = dev.readPort(p.change->port);
        if (now.lines != p.captured.lines)
          throw DriverError(DriverErrorKind::verify, "port " + p.change->port + " does not read back as captured");
      }
      // Save only where this run saved: never persist someone else's
      // unsaved changes.
      if (w.saved) dev.save();
      sink.step(w.sw->name, "restore", std::to_string(w.ports.size()) + " port(s) restored as captured");
    } catch (const std::exception& e) {
      std::lock_guard lock(m);
      for (const auto& p : w.ports) unrestored.push_back(w.sw->name + " " + p.change->port);
      sink.step(w.sw->name, "restore-failed", e.what());
      throw;
    }
  });
  bool restored = unrestored.empty();
  std::string msg = firstError;
  if (!restored) {
    msg += "; RESTORE FAILED for";
    for (const auto& u : unrestored) msg += " " + u;
    msg += ": check these ports by hand";
  }
  throw ChangeFailed(msg, restored);
}

}  // namespace colo::agent

namespace colo::agent {

namespace {

// Records each step in the ledger's step log and, on a terminal, shows it.
class LedgerSteps final : public StepSink {
 public:
  LedgerSteps(inventory::Ledger& ledger, std::string requestId, std::string actor, bool show)
      : ledger_(ledger), id_(std::move(requestId)), actor_(std::move(actor)), show_(show) {}

  void step(const std::string& sw, const std::string& kind, const std::string& detail) override {
    std::lock_guard lock(m_);
    ledger_.write([&] { ledger_.appendEvent(actor_, id_, kind, sw + ": " + detail); });
    if (show_) std::cerr << "  " << sw << "  " << kind << "  " << detail << "\n";
  }

  void captured(const std::string& sw, const std::string& port,
                const std::vector<std::string>& lines) override {
    std::lock_guard lock(m_);
    ledger_.saveCapture(id_, sw, port, lines);
  }

  void note(const std::string& kind, const std::string& detail, const std::string& status = "",
            const std::string& error = "") {
    std::lock_guard lock(m_);
    ledger_.write([&] {
      if (!status.empty()) ledger_.setStatus(id_, status, error);
      ledger_.appendEvent(actor_, id_, kind, detail);
    });
  }

 private:
  inventory::Ledger& ledger_;
  std::string id_, actor_;
  bool show_;
  std::mutex m_;
};

}  // namespace

Provisioner::Provisioner(inventory::Ledger& ledger, const inventory::Inventory& inv,
                         const Playbooks& playbooks, SwitchOpener& opener, std::string actor,
                         bool showProgress)
    : ledger_(ledger),
      inv_(inv),
      playbooks_(playbooks),
      opener_(opener),
      actor_(std::move(actor)),
      progress_(showProgress) {}

ProvisionOutcome Provisioner::provision(const inventory::Request& req) {
  ProvisionOutcome out;
  if (auto rec = ledger_.request(req.id);
      rec && rec->fingerprint == req.fingerprint && rec->status == "completed" && rec->allocation) {
    out.plan = *rec->allocation;
    out.already_completed = true;
    return out;
  }
  auto reservation = inventory::reserve(ledger_, inv_, req, actor_, cache_);
  out.plan = reservation.plan;
  return configure(req, out);
}

ProvisionOutcome Provisioner::resume(const std::string& id) {
  auto rec = ledger_.request(id);
  if (!rec || !rec->allocation)
    throw inventory::Error(inventory::ErrorKind::not_found, "request " + id + " has nothing to resume");
  auto req = inventory::parseRequestJson(rec->body);
  ProvisionOutcome out;
  out.plan = *rec->allocation;
  LedgerSteps(ledger_, id, actor_, progress_).note("resuming", "after an interruption, from the stored captures");
  return configure(req, out, ledger_.captures(id));
}

ProvisionOutcome Provisioner::configure(const inventory::Request& req, ProvisionOutcome out,
                                        const PriorCaptures& prior) {
  LedgerSteps steps(ledger_, req.id, actor_, progress_);
  auto changes = portChanges(out.plan, req.tenant.code, playbooks_);
  steps.note("configuring", std::to_string(changes.size()) + " port(s)", "configuring");
  if (progress_) std::cerr << "provisioning " << req.id << ": " << changes.size() << " port(s)\n";
  try {
    applyPortChanges(inv_, playbooks_, opener_, steps, changes, PortAction::configure, prior);
  } catch (const ChangeFailed& e) {
    out.failed = true;
    if (e.restored()) {
      out.error = std::string(e.what()) + "; every touched port was restored and the reservation released";
      ledger_.write([&] {
        ledger_.unclaim(req.id);
        ledger_.setStatus(req.id, "failed", e.what());
        ledger_.appendEvent(actor_, req.id, "failed", "every touched port restored; reservation released");
      });
    } else {
      out.error = std::string(e.what()) + "; the reservation is kept until 'colo release " + req.id +
                  "' succeeds";
      steps.note("failed", "some ports could not be restored; reservation kept", "failed", e.what());
    }
    return out;
  }
  steps.note("completed", "ports configured, verified and saved", "completed");
  return out;
}

void Provisioner::release(const std::string& id) {
  auto rec = ledger_.request(id);
  if (!rec) throw inventory::Error(inventory::ErrorKind::not_found, "request " + id + " is not in the ledger");
  // Ports were configured (or may have been): return them to unused first.
  bool configured = rec->allocation && ledger_.holdsClaims(id) &&
                    (rec->status == "completed" || rec->status == "configuring" || rec->status == "failed");
  if (configured) {
    auto changes = portChanges(*rec->allocation, rec->tenant_code, playbooks_);
    LedgerSteps steps(ledger_, id, actor_, progress_);
    steps.note("unconfiguring", std::to_string(changes.size()) + " port(s)");
    try {
      applyPortChanges(inv_, playbooks_, opener_, steps, changes, PortAction::unconfigure);
    } catch (const ChangeFailed& e) {
      steps.note("release-failed", e.what());
      throw;
    }
  }
  inventory::release(ledger_, id, actor_);
}

}  // namespace colo::agent
