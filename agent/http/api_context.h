// What the agent's HTTP routes (the API and the console) work with.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "colo/inventory/ledger.h"
#include "colo/inventory/model.h"
#include "colo/inventory/occupancy_cache.h"
#include "core/auth_throttle.h"
#include "core/live_config.h"
#include "core/port_drift.h"
#include "core/sla.h"
#include "http/types.h"

namespace colo::agent {

struct Playbooks;

// What the routes need. The ledger is shared with the workers: every use is
// under `ledgerMutex`.
struct ApiContext {
  // The config as it stands (a reload replaces it): take a snapshot per use.
  const LiveConfig* config = nullptr;
  const inventory::Inventory* inventory = nullptr;
  inventory::Ledger* ledger = nullptr;
  std::mutex* ledgerMutex = nullptr;
  // The process's occupancy, shared with its workers (none: the API keeps
  // its own).
  inventory::OccupancyCache* occupancy = nullptr;
  const SlaCalendar* sla = nullptr;
  // The port templates, for showing what a release will send (none: the
  // console names the ports without their commands).
  const Playbooks* playbooks = nullptr;
  std::function<std::int64_t()> now;     // epoch seconds
  std::function<void()> wakeWorkers;     // a request was queued or released
  std::function<void()> callbackQueued;  // a delivery was queued
  // A delivery to `url` was asked for again: its receiver's backoff ends.
  std::function<void(const std::string& url)> redelivered;
  std::function<std::string()> metrics;  // Prometheus text
  // The drift watch (design.md §18; none: no Drift page): what it found,
  // a reading now, a reconcile now by an actor ("ui:budi").
  std::function<DriftState()> driftState;
  std::function<void()> readDrift;
  std::function<void(const std::string&)> reconcile;
  // What /readyz checks, each true when it holds (none: ready).
  struct Readiness {
    bool workers = true;   // the job workers run
    bool lease = true;     // this agent may take work (its ledger, its lease)
    bool ledger = true;    // the ledger answers
    bool switches = true;  // every switch's credentials resolve, its host key is known
    bool ok() const { return workers && lease && ledger && switches; }
  };
  std::function<Readiness()> ready;
  // Why no new work may be taken, empty while it may (the ledger is not the
  // one the agent opened, or its lease lapsed): a request is then answered
  // 503 with this reason.
  std::function<std::string()> refusingWork;
  // Whether the owner of a job (an agent or a CLI process) is still alive
  // (none: every owner counts as alive, so nothing is taken from one).
  std::function<bool(const std::string&)> ownerAlive;
  // This process as its jobs and the agents table name it.
  std::string self;
  // Failed authentications per client address, API and console alike
  // (none: not slowed).
  std::shared_ptr<AuthThrottle> throttle;
};

// Whether `remote` may try credentials now; if not, the 429 to answer
// (with Retry-After). `failedAuth` counts a failure and logs the start of a
// burst once.
std::optional<HttpResponse> throttled(const ApiContext& context, const std::string& remote);
void failedAuth(const ApiContext& context, const std::string& remote, const std::string& path);

}  // namespace colo::agent
