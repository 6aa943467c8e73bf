// The agent's workers, which run jobs.
//
// A request in progress (planning, configuring, releasing) names its owner,
// a colo process (ownership.h says how others tell whether it lives). A job
// whose owner is gone (kill -9, a crash, a power cut, a lapsed lease) is
// adopted and continued from where it stood, by an agent's workers (at start
// and every few seconds) or by `colo provision`/`colo release` of that
// request.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "colo/inventory/ledger.h"
#include "colo/inventory/model.h"
#include "colo/inventory/occupancy_cache.h"
#include "core/live_config.h"
#include "core/sla.h"
#include "engine/playbook.h"
#include "jobs/ownership.h"

namespace colo::agent {

struct WorkerSetup {
  const LiveConfig* config = nullptr;  // read anew for each job
  const inventory::Inventory* inventory = nullptr;
  // The process's, shared by the workers (none: the workers keep their own).
  inventory::OccupancyCache* occupancy = nullptr;
  const Playbooks* playbooks = nullptr;
  const SlaCalendar* sla = nullptr;
  std::shared_ptr<Ownership> ownership;                       // this agent
  std::function<void()> callbackQueued;                       // a job ended: wake the deliverer
  std::function<void(const std::string&, double)> recordJob;  // outcome, seconds
};

// The agent's worker pool: takes queued requests and releases from the
// ledger, and adopts orphaned jobs. One job's failure, expected or not, is
// logged and never ends a worker.
class Workers {
 public:
  explicit Workers(WorkerSetup setup);
  ~Workers();
  // `adopted`: jobs this process took over at start-up.
  void start(std::vector<inventory::Job> adopted);
  // A request was queued or a release asked for: an idle worker looks for
  // work. Wakes while every worker is busy are not all kept: a worker looks
  // again whenever it finishes a job, so at most one a worker is pending.
  void wake();
  int pendingWakes() const;
  // Running jobs stop sending commands and are left as they stand, for the
  // next start to continue (as after a crash); then joins. Bounded: within
  // about 100 ms of the switches' sessions noticing.
  void stop();
  bool running() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace colo::agent
