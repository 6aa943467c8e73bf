// The agent's drift watch (docs/design.md §18): every drift.interval_s it
// compares each switch's ports with colo's intent, read-only, one switch at
// a time, and keeps what it found for /metrics (colo_port_drift) and the
// console's Drift page. Asked to (the console's button), it reconciles:
// colo's configuration put back on colo's ports, as `colo reconcile
// --apply` does.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "colo/inventory/model.h"
#include "core/live_config.h"
#include "core/port_drift.h"
#include "engine/playbook.h"
#include "jobs/ownership.h"

namespace colo::agent {

class DriftWatch {
 public:
  DriftWatch(const LiveConfig& config, const inventory::Inventory& inventory,
             const Playbooks& playbooks, std::shared_ptr<Ownership> ownership);
  ~DriftWatch();
  DriftWatch(const DriftWatch&) = delete;
  DriftWatch& operator=(const DriftWatch&) = delete;

  // Rounds every drift.interval_s from now (read anew each time; 0: only
  // when asked); until stop().
  void start();
  void stop();
  // A round now; and a reconcile (by `actor`, for the step log) right
  // after it. Both return at once: the watch's thread does the work.
  void readNow();
  void reconcileNow(const std::string& actor);

  DriftState state() const;
  // colo_port_drift{switch,port,kind} 1 per port that differs,
  // colo_drift_switches_unread, colo_drift_read_timestamp_seconds.
  std::string metrics() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace colo::agent
