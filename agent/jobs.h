// Jobs: who owns them, and the agent's workers that run them.
//
// A request in progress (planning, configuring, releasing) names its owner,
// a colo process. Each process holds a lock file under LOCKDIR/owners/ for
// its lifetime, so any other process can tell whether an owner is alive: a
// job whose owner died (kill -9, a crash, a power cut) is adopted and
// continued from where it stood, by the agent's workers (at start and every
// few seconds) or by `colo provision`/`colo release` of that request.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "colo/inventory/ledger.h"
#include "colo/inventory/model.h"
#include "config.h"
#include "playbook.h"
#include "sla.h"

namespace colo::agent {

// This process, as the owner of the jobs it works on.
class ProcessOwner {
 public:
  // `kind`: "agent" or "cli". Creates and locks LOCKDIR/owners/<id>.lock.
  ProcessOwner(const std::string& lockDir, const std::string& kind);
  ~ProcessOwner();  // unlocks and removes the file
  ProcessOwner(const ProcessOwner&) = delete;
  ProcessOwner& operator=(const ProcessOwner&) = delete;

  const std::string& id() const { return id_; }
  // Whether the process that is `owner` still runs (its lock is held).
  static bool alive(const std::string& lockDir, const std::string& owner);

 private:
  std::string id_, path_;
  int fd_ = -1;
};

struct WorkerSetup {
  const Config* config = nullptr;
  const inventory::Inventory* inventory = nullptr;
  const Playbooks* playbooks = nullptr;
  const SlaCalendar* sla = nullptr;
  std::string lockDir;
  std::string owner;                                          // ProcessOwner::id()
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
  void wake();  // a request was queued or a release asked for
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
