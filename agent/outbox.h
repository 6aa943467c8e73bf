// Callbacks to the request system (SPEC §7): what a callback says, and the
// deliverer that POSTs them from the ledger's durable outbox, with retries.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "colo/inventory/ledger.h"
#include "config.h"
#include "sla.h"

namespace colo::agent {

// The callback for a request's current status when that status ends it
// (completed, failed, released) and the request names a callback_url:
// everything the confirmation letter states. Its delivery id is stable per
// event and attempt, so enqueueing it twice sends it once.
std::optional<inventory::OutboxEntry> callbackFor(const inventory::RequestRecord& r,
                                                  const SlaCalendar& sla, std::int64_t nowMs);

std::int64_t nowMs();

// Delivers callbacks from the ledger's outbox on its own thread until stopped.
class Deliverer {
 public:
  Deliverer(const Config& cfg, std::string secret);
  ~Deliverer();
  void start();
  void wake();  // a callback was queued
  void stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace colo::agent
