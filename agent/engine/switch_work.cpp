#include "engine/switch_work.h"

#include <algorithm>
#include <mutex>
#include <thread>

#include "colo/drivers/error.h"

namespace colo::agent {

namespace {

using drivers::DriverError;
using drivers::DriverErrorKind;

const VendorTemplates& vendorTemplates(const Playbooks& pb, const std::string& vendor) {
  auto it = pb.vendors.find(vendor);
  if (it == pb.vendors.end())
    throw DriverError(DriverErrorKind::invalid_value,
                      "no templates for vendor " + vendor + " in " + pb.dir + "/templates/");
  return it->second;
}

const PortTemplate& templateFor(const Playbooks& pb, const std::string& vendor, PortAction action) {
  const auto& v = vendorTemplates(pb, vendor);
  return action == PortAction::configure ? v.configure : v.unconfigure;
}

const char* templateName(PortAction a) {
  return a == PortAction::configure ? "configure_port" : "unconfigure_port";
}

using Expect = std::map<std::string, std::string>;

Expect renderExpect(const PortTemplate& t, PortAction action,
                    const drivers::TemplateValues& values) {
  Expect out;
  for (const auto& [k, v] : t.expect) out[k] = drivers::renderLine(templateName(action), v, values);
  return out;
}

// Differences between what the template expects and what the port shows.
std::string mismatch(const Expect& expect, const drivers::PortState& got) {
  std::string out;
  auto differs = [&](const std::string& key, const std::string& want, const std::string& have) {
    if (want != have)
      out += (out.empty() ? "" : ", ") + key + " is '" + have + "', expected '" + want + "'";
  };
  for (const auto& [key, want] : expect) {
    if (key == "description") differs(key, want, got.description);
    if (key == "mode") differs(key, want, got.mode);
    if (key == "vlan") differs(key, want, got.vlan ? std::to_string(got.vlan) : "");
    if (key == "enabled") differs(key, want, got.enabled ? "true" : "false");
  }
  return out;
}

}  // namespace

std::string describePort(const drivers::PortState& s) {
  std::string out = s.enabled ? "up" : "shut";
  if (!s.description.empty()) out += ", description '" + s.description + "'";
  if (!s.mode.empty()) out += ", mode " + s.mode;
  if (s.vlan) out += ", vlan " + std::to_string(s.vlan);
  return out;
}

namespace {

// A port's lines for a message: "(no configuration)" or the lines, ';'-joined.
std::string describeLines(const drivers::PortState& s) {
  if (s.lines.empty()) return "(no configuration)";
  std::string out = "'";
  for (const auto& l : s.lines) out += (out.size() > 1 ? "; " : "") + l;
  return out + "'";
}

struct PortWork {
  const PortChange* change;
  std::vector<std::string> commands;
  Expect expect;
  drivers::PortState captured;
};

struct SwitchWork {
  const inventory::Switch* sw = nullptr;
  std::vector<PortWork> ports;
  std::unique_ptr<SwitchSession> session;
  bool touched = false;        // a configuration command may have been sent
  bool saveAttempted = false;  // `write memory` may have been sent: possibly saved
  std::string error;           // empty while all goes well
  std::string_view reason;     // the error's reason (kReasons)
};

// The ports of `w` to read from the switch: all but those captured before
// an interruption (options.prior).
std::vector<std::string> portsToRead(const SwitchWork& w, const PriorCaptures& prior) {
  std::vector<std::string> ports;
  for (const auto& p : w.ports)
    if (!prior.count({w.sw->name, p.change->port})) ports.push_back(p.change->port);
  return ports;
}

// Runs `f` on every switch at once and waits for all; a switch's failure is
// kept in its `error`, never thrown past here.
template <typename F>
void inParallel(std::vector<SwitchWork>& work, F&& f) {
  std::vector<std::thread> threads;
  for (auto& w : work)
    threads.emplace_back([&w, &f] {
      try {
        f(w);
      } catch (const DriverError& e) {
        w.error = e.what();
        w.reason = reasonOf(e.kind());
      } catch (const std::exception& e) {
        w.error = std::string("switch ") + w.sw->name + ": " + e.what();
        w.reason = "internal_error";
      }
    });
  for (auto& t : threads) t.join();
}

bool allOk(const std::vector<SwitchWork>& work) {
  return std::all_of(work.begin(), work.end(), [](const SwitchWork& w) { return w.error.empty(); });
}

std::string firstError(const std::vector<SwitchWork>& work) {
  for (const auto& w : work)
    if (!w.error.empty()) return w.error;
  return {};
}

std::string_view firstReason(const std::vector<SwitchWork>& work) {
  for (const auto& w : work)
    if (!w.error.empty()) return w.reason.empty() ? "internal_error" : w.reason;
  return "internal_error";
}

// Puts every touched port back as captured, on a fresh session (the old one
// may be what broke). Returns the ports it could not restore.
void restore(std::vector<SwitchWork>& work, SwitchOpener& opener, StepSink& sink,
             bool possiblySaved, const std::function<bool()>& abandon,
             std::vector<std::string>& restored, std::vector<std::string>& unrestored) {
  std::mutex m;
  for (auto& w : work) w.error.clear();
  inParallel(work, [&](SwitchWork& w) {
    if (!w.touched) return;
    try {
      w.session.reset();
      for (int attempt = 1;; ++attempt) {
        try {
          // An operator's interrupt does not stop a restore; only the
          // process stopping does, and its next start restores from the
          // stored captures.
          w.session = opener.open(*w.sw, abandon);
          break;
        } catch (const DriverError& e) {
          if (attempt == 3 || e.kind() == DriverErrorKind::host_key ||
              e.kind() == DriverErrorKind::auth || e.kind() == DriverErrorKind::credentials)
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
      std::vector<std::string> ports;
      for (const auto& p : w.ports) ports.push_back(p.change->port);
      auto readBack = dev.readPorts(ports);
      for (std::size_t i = 0; i < w.ports.size(); ++i) {
        const auto& p = w.ports[i];
        if (readBack[i].lines != p.captured.lines)
          throw DriverError(DriverErrorKind::verify,
                            "port " + p.change->port + " does not read back as captured");
      }
      // Save where the startup configuration may hold colo's change: never
      // otherwise, so someone else's unsaved work is not made permanent.
      if (w.saveAttempted || possiblySaved) dev.save();
      sink.step(w.sw->name, "restore",
                std::to_string(w.ports.size()) + " port(s) restored as captured" +
                    (w.saveAttempted || possiblySaved ? " and saved" : ""));
      std::lock_guard lock(m);
      for (const auto& p : w.ports) restored.push_back(w.sw->name + " " + p.change->port);
    } catch (const std::exception& e) {
      std::lock_guard lock(m);
      for (const auto& p : w.ports) unrestored.push_back(w.sw->name + " " + p.change->port);
      sink.step(w.sw->name, "restore-failed", e.what());
      throw;
    }
  });
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
      c.values["description"] =
          drivers::renderLine("port_description", playbooks.port_description, base);
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
    if (!sw)
      throw DriverError(DriverErrorKind::invalid_value,
                        "switch " + c.switch_name + " is not in the inventory");
    const auto& t = templateFor(pb, sw->vendor, action);
    auto lines = drivers::renderTemplate(templateName(action), t.commands, c.values);
    renderExpect(t, action, c.values);  // an expectation that does not render fails here too
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

std::map<std::string, std::vector<std::string>> unconfigureCommands(
    const inventory::Inventory& inv, const Playbooks& pb, const inventory::Plan& plan,
    const std::string& tenant, const std::vector<std::pair<std::string, std::string>>& ports) {
  std::vector<PortChange> changes;
  for (auto& c : portChanges(plan, tenant, pb))
    if (inv.switchNamed(c.switch_name) &&
        std::find(ports.begin(), ports.end(), std::pair{c.switch_name, c.port}) != ports.end())
      changes.push_back(std::move(c));
  return commandsBySwitch(inv, pb, changes, PortAction::unconfigure);
}

bool portUnused(const inventory::Switch& sw, const Playbooks& pb,
                const drivers::TemplateValues& values, const drivers::PortState& state) {
  if (state.lines.empty()) return true;                          // never configured
  if (!state.enabled && state.description.empty()) return true;  // shut, nobody's
  const auto& t = vendorTemplates(pb, sw.vendor);
  return mismatch(renderExpect(t.unconfigure, PortAction::unconfigure, values), state).empty();
}

bool portIsColos(const inventory::Switch& sw, const Playbooks& pb, const PortChange& change,
                 const drivers::PortState& state) {
  const auto& t = vendorTemplates(pb, sw.vendor);
  return mismatch(renderExpect(t.configure, PortAction::configure, change.values), state).empty();
}

std::vector<std::string> intentDifferences(const inventory::Switch& sw, const Playbooks& pb,
                                           const drivers::Dialect& dialect,
                                           const PortChange& change,
                                           const drivers::PortState& state,
                                           std::vector<std::string>& intent) {
  const auto& t = vendorTemplates(pb, sw.vendor).configure;
  auto commands = drivers::renderTemplate("configure_port", t.commands, change.values);
  intent = dialect.shownLines(commands, change.port);
  std::vector<std::string> out;
  if (auto diff = mismatch(renderExpect(t, PortAction::configure, change.values), state);
      !diff.empty())
    out.push_back(diff);
  // A line that only carries another value of a line colo sets ("switchport
  // access vlan 99") is the field difference above, said once.
  auto setting = [](const std::string& line) {
    if (auto d = line.find("description"); d != std::string::npos) return line.substr(0, d + 11);
    auto last = line.rfind(' ');
    return last == std::string::npos ? line : line.substr(0, last);
  };
  for (const auto& line : state.lines) {
    if (std::find(intent.begin(), intent.end(), line) != intent.end()) continue;
    bool anotherValue = std::any_of(intent.begin(), intent.end(), [&](const std::string& i) {
      return setting(i) == setting(line);
    });
    if (!anotherValue || out.empty())
      out.push_back("it shows '" + line + "', which colo's configuration does not set");
  }
  return out;
}

std::optional<std::string> notColosToChange(const inventory::Switch& sw, const Playbooks& pb,
                                            const PortChange& change,
                                            const drivers::PortState& state) {
  if (portUnused(sw, pb, change.values, state) || portIsColos(sw, pb, change, state))
    return std::nullopt;
  return "switch " + sw.name + " port " + change.port +
         " is in use by something colo did not put there (" + describePort(state) +
         "); colo changes only unused ports and its own for " + change.values.at("request_id") +
         ". Free the port by hand (shut, no description) or mark it in_use in the inventory";
}

void applyPortChanges(const inventory::Inventory& inv, const Playbooks& pb, SwitchOpener& opener,
                      StepSink& sink, const std::vector<PortChange>& changes, PortAction action,
                      const SwitchWorkOptions& options) {
  // Group by switch; render everything before any connection.
  std::vector<SwitchWork> work;
  for (const auto& c : changes) {
    const auto* sw = inv.switchNamed(c.switch_name);
    if (!sw)
      throw DriverError(DriverErrorKind::invalid_value,
                        "switch " + c.switch_name + " is not in the inventory");
    auto it =
        std::find_if(work.begin(), work.end(), [&](const SwitchWork& w) { return w.sw == sw; });
    if (it == work.end()) {
      work.push_back({});
      work.back().sw = sw;
      it = work.end() - 1;
    }
    const auto& t = templateFor(pb, sw->vendor, action);
    PortWork pw;
    pw.change = &c;
    pw.commands = drivers::renderTemplate(templateName(action), t.commands, c.values);
    pw.expect = renderExpect(t, action, c.values);
    it->ports.push_back(std::move(pw));
  }
  auto abandoning = [&] { return options.abandon && options.abandon(); };
  auto interrupted = [&] { return (options.interrupt && options.interrupt()) || abandoning(); };
  std::function<bool()> stopSessions = interrupted;
  auto stopIfInterrupted = [&] {
    if (interrupted())
      throw DriverError(DriverErrorKind::interrupted,
                        "interrupted by the operator; no further command sent");
  };

  // Every switch of the change, locked for the whole job (restore included)
  // in one global order.
  std::vector<std::string> names;
  for (const auto& w : work) names.push_back(w.sw->name);
  stopIfInterrupted();
  auto locks = opener.lock(names, stopSessions);
  if (options.held) options.held();

  // Phase 1, every switch: capture each port and check it is colo's to
  // change. Nothing is changed anywhere until every port passed.
  inParallel(work, [&](SwitchWork& w) {
    stopIfInterrupted();
    sink.step(w.sw->name, "connect", w.sw->address + ":" + std::to_string(w.sw->port));
    w.session = opener.open(*w.sw, stopSessions);
    auto& dev = w.session->device();
    // Every port is read with one command (Device::readPorts) ...
    auto read = dev.readPorts(portsToRead(w, options.prior));
    std::size_t next = 0;
    for (auto& p : w.ports) {
      // ... but a port captured earlier in this attempt (by a run that was
      // interrupted) keeps that capture: what it shows now may be half our
      // own doing.
      bool earlier = false;
      if (auto it = options.prior.find({w.sw->name, p.change->port}); it != options.prior.end()) {
        p.captured = dev.dialect().parsePort(it->second);
        earlier = true;
      } else {
        p.captured = std::move(read[next++]);
      }
      if (!options.reclaim.count({w.sw->name, p.change->port}))
        if (auto why = notColosToChange(*w.sw, pb, *p.change, p.captured))
          throw DriverError(DriverErrorKind::foreign_port, *why);
      sink.captured(w.sw->name, p.change->port, p.captured.lines);
      sink.step(w.sw->name, "capture",
                p.change->port + ": " + (earlier ? "as captured before the interruption, " : "") +
                    (p.captured.lines.empty() ? "(no configuration)" : describePort(p.captured)));
    }
  });

  // Phase 2, only when every port may be changed: apply and verify.
  if (allOk(work)) {
    inParallel(work, [&](SwitchWork& w) {
      stopIfInterrupted();
      auto& dev = w.session->device();
      // Changed under our hands: the ports are read again in the session
      // that changes them, right before the change; anything moved since
      // the capture (another administrator at work) stops the job with
      // nothing sent (docs/design.md §8). A port captured before an
      // interruption may already carry our change: it is not compared.
      auto reread = dev.readPorts(portsToRead(w, options.prior));
      std::size_t next = 0;
      for (const auto& p : w.ports) {
        if (options.prior.count({w.sw->name, p.change->port})) continue;
        const auto& now = reread[next++];
        if (now.lines != p.captured.lines)
          throw DriverError(DriverErrorKind::foreign_port,
                            "switch " + w.sw->name + " port " + p.change->port +
                                " changed since colo captured it (now " + describeLines(now) +
                                ", then " + describeLines(p.captured) +
                                "); someone else is working on it, so colo changed nothing");
      }
      std::vector<std::string> all;
      for (const auto& p : w.ports) all.insert(all.end(), p.commands.begin(), p.commands.end());
      w.touched = true;  // from the first command on, the switch may have changed
      dev.configure(all);
      sink.step(w.sw->name, "apply",
                std::to_string(all.size()) + " commands on " + std::to_string(w.ports.size()) +
                    " port(s)");
      if (pb.has("verify")) {
        // The whole port block: the expected fields, and no line the
        // template does not set.
        std::vector<std::string> ports;
        for (const auto& p : w.ports) ports.push_back(p.change->port);
        auto readBack = dev.readPorts(ports);
        for (std::size_t i = 0; i < w.ports.size(); ++i) {
          const auto& p = w.ports[i];
          const auto& got = readBack[i];
          auto diff = mismatch(p.expect, got);
          auto shown = dev.dialect().shownLines(p.commands, p.change->port);
          for (const auto& line : got.lines)
            if (std::find(shown.begin(), shown.end(), line) == shown.end())
              diff += (diff.empty() ? "" : ", ") + std::string("it shows '") + line + "', which " +
                      templateName(action) + " does not set";
          if (!diff.empty())
            throw DriverError(DriverErrorKind::verify,
                              "switch " + w.sw->name + " port " + p.change->port +
                                  " does not read back as configured: " + diff);
          sink.step(w.sw->name, "verify", p.change->port + ": as expected, line by line");
        }
      }
    });
  } else if (!options.prior.empty()) {
    // A resumed attempt may have changed ports before the interruption,
    // even though nothing was sent in this run.
    for (auto& w : work)
      w.touched = std::any_of(w.ports.begin(), w.ports.end(), [&](const PortWork& p) {
        return options.prior.count({w.sw->name, p.change->port}) != 0;
      });
  }

  // Phase 3, only when every switch got this far: save everywhere.
  if (allOk(work) && pb.has("save")) {
    inParallel(work, [&](SwitchWork& w) {
      stopIfInterrupted();
      // Once `write memory` is sent its outcome may be unknown (a timeout, a
      // dropped session): count it as saved from here on.
      w.saveAttempted = true;
      w.session->device().save();
      sink.step(w.sw->name, "save", "configuration saved");
    });
  }
  if (allOk(work)) return;

  if (abandoning()) throw JobAbandoned();
  std::string error = firstError(work);
  auto reason = firstReason(work);
  if (options.prior.empty() &&
      std::none_of(work.begin(), work.end(), [](const SwitchWork& w) { return w.touched; }))
    throw ChangeFailed(error + "; no switch was changed", true, {}, reason);
  std::vector<std::string> restored, unrestored;
  restore(work, opener, sink, options.possibly_saved, options.abandon, restored, unrestored);
  if (abandoning()) throw JobAbandoned();
  if (!unrestored.empty()) {
    error += "; RESTORE FAILED for";
    for (const auto& u : unrestored) error += " " + u;
    error += ": check these ports by hand";
  }
  throw ChangeFailed(error, unrestored.empty(), restored, reason);
}

std::string_view reasonOf(DriverErrorKind kind) {
  switch (kind) {
    case DriverErrorKind::connect:
      return "switch_unreachable";
    case DriverErrorKind::host_key:
      return "host_key_unknown";
    case DriverErrorKind::auth:
      return "switch_auth_failed";
    case DriverErrorKind::credentials:
      return "credentials_missing";
    case DriverErrorKind::timeout:
    case DriverErrorKind::disconnected:
      return "switch_timeout";
    case DriverErrorKind::rejected:
      return "switch_refused";
    case DriverErrorKind::verify:
      return "verify_failed";
    case DriverErrorKind::foreign_port:
      return "foreign_port";
    case DriverErrorKind::invalid_value:
      return "invalid_request";
    case DriverErrorKind::interrupted:
      return "interrupted";
    case DriverErrorKind::protocol:
      break;
  }
  return "internal_error";
}

}  // namespace colo::agent
