// Switch work for a plan: capture, apply, verify, save on every switch in
// parallel (one session per switch), and on any failure put every touched
// port back as captured. The request-level flow around it is provision.h.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "colo/drivers/dialect.h"
#include "colo/drivers/error.h"
#include "colo/drivers/template.h"
#include "colo/inventory/model.h"
#include "colo/inventory/plan.h"
#include "engine/playbook.h"
#include "engine/switch_access.h"

namespace colo::agent {

// Where progress goes: the ledger's step log and the terminal.
class StepSink {
 public:
  virtual ~StepSink() = default;
  // Called from the switches' worker threads; implementations synchronize.
  virtual void step(const std::string& switchName, const std::string& kind,
                    const std::string& detail) = 0;
  // A port's configuration before it is touched; kept durably so that a
  // restore after a crash puts back the original.
  virtual void captured(const std::string& /*switchName*/, const std::string& /*port*/,
                        const std::vector<std::string>& /*lines*/) {}
};

// Captures taken earlier in this attempt (by a run that crashed), by (switch, port).
using PriorCaptures = std::map<std::pair<std::string, std::string>, std::vector<std::string>>;

struct PortChange {
  std::string switch_name;
  std::string port;
  drivers::TemplateValues values;  // port, vlan, description, tenant, hostname, request_id, nic
};

enum class PortAction { configure, unconfigure };

// The port changes of a plan, with every template value checked: a value a
// switch CLI could misread fails here, before any connection.
std::vector<PortChange> portChanges(const inventory::Plan& plan, const std::string& tenant,
                                    const Playbooks& playbooks);

// The exact commands each switch will receive, in order. Throws when a
// switch's vendor has no templates or a template does not render.
std::map<std::string, std::vector<std::string>> commandsBySwitch(
    const inventory::Inventory& inv, const Playbooks& playbooks,
    const std::vector<PortChange>& changes, PortAction action);

// The commands that return the given ports of a request (its plan and
// tenant) to unused, switch by switch: the ports of `plan` that are in
// `ports` (switch name, port) on switches the inventory still lists. Throws
// as commandsBySwitch.
std::map<std::string, std::vector<std::string>> unconfigureCommands(
    const inventory::Inventory& inv, const Playbooks& playbooks, const inventory::Plan& plan,
    const std::string& tenant, const std::vector<std::pair<std::string, std::string>>& ports);

// A port nobody uses: no configuration; shut without a description; or the
// unconfigure template's state (as colo leaves a released port).
bool portUnused(const inventory::Switch& sw, const Playbooks& playbooks,
                const drivers::TemplateValues& values, const drivers::PortState& state);
// Exactly what colo's configure template puts there for `change`.
bool portIsColos(const inventory::Switch& sw, const Playbooks& playbooks, const PortChange& change,
                 const drivers::PortState& state);
// How a port colo holds differs from what its configure template puts there
// for `change` (colo reconcile, design.md §18): each field that differs and
// each line the template does not set, for people; empty when the port is
// exactly colo's. `intent` is set to the lines the template shows there.
std::vector<std::string> intentDifferences(const inventory::Switch& sw, const Playbooks& playbooks,
                                           const drivers::Dialect& dialect,
                                           const PortChange& change,
                                           const drivers::PortState& state,
                                           std::vector<std::string>& intent);

// What a port shows, in a few words: "up, description 'x', mode access, vlan 120".
std::string describePort(const drivers::PortState& state);

// Whether colo may change a port that shows `state`: it must be unused or
// exactly what colo puts there for `change`. Returns why not, naming what is
// on the port; nullopt when it may.
std::optional<std::string> notColosToChange(const inventory::Switch& sw, const Playbooks& playbooks,
                                            const PortChange& change,
                                            const drivers::PortState& state);

// A change that failed. `restored` is false when some port could not be put
// back; the message then names them, for a technician to look at.
// The ending reason (inventory/lifecycle.h, kReasons) of a driver error.
std::string_view reasonOf(drivers::DriverErrorKind kind);

class ChangeFailed : public std::runtime_error {
 public:
  ChangeFailed(const std::string& what, bool restored, std::vector<std::string> restoredPorts,
               std::string_view reason = "internal_error")
      : std::runtime_error(what),
        restored_(restored),
        restoredPorts_(std::move(restoredPorts)),
        reason_(reason) {}
  bool restored() const { return restored_; }
  // Why, for programs: the first failure's reason (kReasons).
  const std::string& reason() const { return reason_; }
  // "switch port" of every port put back as captured.
  const std::vector<std::string>& restoredPorts() const { return restoredPorts_; }

 private:
  bool restored_;
  std::vector<std::string> restoredPorts_;
  std::string reason_;
};

// The agent is stopping: the change was abandoned where it stood, without a
// restore. The job stays in progress, and its stored captures let the next
// start continue it, exactly as after a crash.
struct JobAbandoned : std::runtime_error {
  JobAbandoned()
      : std::runtime_error(
            "abandoned: colo is stopping, or its lease may have lapsed; the job stays in "
            "progress, to be continued") {}
  explicit JobAbandoned(const std::string& what) : std::runtime_error(what) {}
};

struct SwitchWorkOptions {
  // This attempt's captures from a run that was interrupted: restore targets.
  PriorCaptures prior;
  // A run of this attempt may already have saved (it was interrupted): a
  // restore saves too, so the startup configuration cannot keep colo's lines.
  bool possibly_saved = false;
  // The operator interrupted: no new command is sent; restore and give up.
  std::function<bool()> interrupt;
  // The process is stopping: no new command is sent, nothing is restored
  // (JobAbandoned); the next start continues the job.
  std::function<bool()> abandon;
  // Ports colo holds whose configuration drifted from colo's (colo
  // reconcile --apply): changed whatever they show, which is what a failure
  // puts back.
  std::set<std::pair<std::string, std::string>> reclaim;
  // Called once every switch is held, before anything is read: throws to
  // give up with nothing sent (what a caller decided before holding them
  // may no longer stand).
  std::function<void()> held;
};

// Runs the change. Throws ChangeFailed after restoring.
void applyPortChanges(const inventory::Inventory& inv, const Playbooks& playbooks,
                      SwitchOpener& opener, StepSink& sink, const std::vector<PortChange>& changes,
                      PortAction action, const SwitchWorkOptions& options = {});

}  // namespace colo::agent
