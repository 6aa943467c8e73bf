// A request's jobs from start to end, as `colo provision`/`colo release` and
// the agent's workers run them: check, reserve, configure, verify, save,
// complete; on failure restore, release and fail; release; and resuming any
// of these after a crash. Every status change goes through StatusWriter; the
// switch work itself is switch_work.h.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "colo/inventory/ledger.h"
#include "colo/inventory/model.h"
#include "colo/inventory/occupancy_cache.h"
#include "colo/inventory/plan.h"
#include "colo/inventory/request.h"
#include "engine/playbook.h"
#include "engine/switch_access.h"
#include "engine/switch_work.h"
#include "jobs/status_writer.h"

namespace colo::agent {

struct ProvisionOutcome {
  std::string id;
  inventory::Plan plan;
  bool already_completed = false;
  std::string nothing_to_do;  // why nothing was done, when nothing needed to be (release)
  bool failed = false;
  std::string error;                  // when failed
  bool invalid_input = false;         // failed on a value: the request, a template, the inventory
  std::vector<std::string> restored;  // "switch port" put back as captured
};

// Who runs the jobs, and what they may consult.
struct JobContext {
  std::string actor;  // for the step log: "cli:alice", "agent:worker-1"
  std::string owner;  // this process, as owner of the jobs it works on
  // Whether another owner (a process) is still alive; a job whose owner is
  // gone may be taken over.
  std::function<bool(const std::string&)> ownerAlive;
  std::function<bool()> interrupt;  // the operator asked to stop (CLI): restore, then fail
  std::function<bool()> shutdown;   // the agent is stopping: leave the job to the next start
  bool progress = false;            // show steps on stderr
};

class Provisioner {
 public:
  // `occupancy` is the process's, shared with its other workers.
  Provisioner(StatusWriter& status, inventory::OccupancyCache& occupancy,
              const Playbooks& playbooks, SwitchOpener& opener, JobContext context);

  // `colo provision`: stores the request (or takes it where it stands: a
  // reservation, a failed attempt, a job whose process died) and runs it to
  // its end. Error(conflict) when another live process works on it.
  ProvisionOutcome provision(const inventory::Request& request);
  // A request this owner holds in `planning` (a worker took it): checks,
  // reserves and configures it.
  ProvisionOutcome run(const std::string& id);
  // A request this owner adopted in `configuring` after a crash: configures
  // again from this attempt's stored captures; on failure restores to them.
  ProvisionOutcome resume(const std::string& id);

  // `colo release`: moves an ended request to releasing (or takes over a
  // release whose process died) and finishes it. Throws ChangeFailed
  // (nothing freed) when the switches refuse.
  ProvisionOutcome release(const std::string& id);
  // A request this owner holds in `releasing`: unconfigures its ports,
  // then frees everything; on failure restores the ports and moves it back.
  ProvisionOutcome finishRelease(const std::string& id);

  // Runs whatever the job in `status` needs next (a worker's dispatch).
  ProvisionOutcome continueJob(const std::string& id, inventory::Status status);

 private:
  ProvisionOutcome configure(const inventory::RequestRecord& rec, const inventory::Request& req,
                             inventory::Plan plan, bool resumed);
  ProvisionOutcome fail(const std::string& id, inventory::Status from, const std::string& why,
                        std::string_view reason, bool invalidInput = false);
  // Everything about a plan that can be checked before reserving it.
  void checkPlan(const inventory::Plan& plan, const std::string& tenant);

  // Why a configuring job whose process ended cannot be released yet.
  std::string orphanRefusal(const std::string& id, const std::string& owner);
  static JobAbandoned left(const std::string& id, const inventory::Plan& plan, bool releasing);

  StatusWriter& status_;
  inventory::Ledger& ledger_;
  const inventory::Inventory& inv_;
  const Playbooks& playbooks_;
  SwitchOpener& opener_;
  JobContext ctx_;
  inventory::OccupancyCache& occupancy_;
};

}  // namespace colo::agent
