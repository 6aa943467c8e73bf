// Switch work for a plan: capture, apply, verify, save on every switch in
// parallel (one session per switch), and on any failure put every touched
// port back as captured.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "colo/drivers/template.h"
#include "colo/inventory/allocator.h"
#include "colo/inventory/model.h"
#include "colo/inventory/plan.h"
#include "playbook.h"
#include "switch_access.h"

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

// Captures taken earlier (by a run that crashed), by (switch, port).
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

// The exact commands each switch will receive, in order.
std::map<std::string, std::vector<std::string>> commandsBySwitch(
    const inventory::Inventory& inv, const Playbooks& playbooks,
    const std::vector<PortChange>& changes, PortAction action);

// A change that failed. `restored` is false when some port could not be put
// back; the message then names them, for a technician to look at.
class ChangeFailed : public std::runtime_error {
 public:
  ChangeFailed(const std::string& what, bool restored) : std::runtime_error(what), restored_(restored) {}
  bool restored() const { return restored_; }

 private:
  bool restored_;
};

// Runs the change. Throws ChangeFailed after restoring.
void applyPortChanges(const inventory::Inventory& inv, const Playbooks& playbooks,
                      SwitchOpener& opener, StepSink& sink, const std::vector<PortChange>& changes,
                      PortAction action, const PriorCaptures& prior = {});

// A whole request, as `colo provision` and the agent's workers run it:
// reserve, configure, verify, save, complete; on failure restore, release and
// mark it failed. Records every step in the ledger.
struct ProvisionOutcome {
  inventory::Plan plan;
  bool already_completed = false;
  bool failed = false;
  std::string error;  // when failed
};

class Provisioner {
 public:
  Provisioner(inventory::Ledger& ledger, const inventory::Inventory& inv, const Playbooks& playbooks,
              SwitchOpener& opener, std::string actor, bool showProgress = false);

  ProvisionOutcome provision(const inventory::Request& request);
  // Finishes a request a crash left "configuring": configure again from the
  // stored captures; on failure restore to them and release.
  ProvisionOutcome resume(const std::string& requestId);
  // Unconfigures the ports of a request that had switch work, then frees
  // everything. Throws ChangeFailed (nothing freed) when the switches refuse.
  void release(const std::string& requestId);

 private:
  ProvisionOutcome configure(const inventory::Request& req, ProvisionOutcome out,
                             const PriorCaptures& prior = {});

  inventory::Ledger& ledger_;
  const inventory::Inventory& inv_;
  const Playbooks& playbooks_;
  SwitchOpener& opener_;
  std::string actor_;
  bool progress_;
  std::unique_ptr<inventory::Occupancy> cache_;
};

}  // namespace colo::agent
