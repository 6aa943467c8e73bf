// What the agent's HTTP routes (the API and the console) work with.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "colo/inventory/ledger.h"
#include "colo/inventory/model.h"
#include "core/config.h"
#include "core/sla.h"

namespace colo::agent {

// What the routes need. The ledger is shared with the workers: every use is
// under `ledgerMutex`.
struct ApiContext {
  const Config* config = nullptr;
  const inventory::Inventory* inventory = nullptr;
  inventory::Ledger* ledger = nullptr;
  std::mutex* ledgerMutex = nullptr;
  const SlaCalendar* sla = nullptr;
  std::function<std::int64_t()> now;     // epoch seconds
  std::function<void()> wakeWorkers;     // a request was queued or released
  std::function<void()> callbackQueued;  // a delivery was queued
  std::function<std::string()> metrics;  // Prometheus text
  std::function<bool()> ready;
  // Whether new work may be taken (false once the ledger file was deleted
  // or replaced under the agent): a request is then answered 503.
  std::function<bool()> acceptingWork;
};

}  // namespace colo::agent
