// Status changes with their consequences (SPEC §10). The statuses and the
// table of allowed transitions are inventory/lifecycle.h, where the ledger
// enforces them; this is where colo makes a change: the compare-and-set, its
// step-log entry and, for a status that ends the request, its callback in
// the outbox, all in one ledger transaction. No other code changes a status.
#pragma once

#include <string>

#include "colo/inventory/ledger.h"
#include "colo/inventory/lifecycle.h"
#include "core/sla.h"

namespace colo::agent {

class Lifecycle {
 public:
  // `publicUrl`: how receivers reach the agent, for the letter's URL in a
  // completion callback (Config::public_url).
  Lifecycle(inventory::Ledger& ledger, const SlaCalendar& sla, std::string publicUrl)
      : ledger_(ledger), sla_(sla), publicUrl_(std::move(publicUrl)) {}

  // Moves `id` from `from` to `to` (Error(moved) when it is no longer
  // `from`). Inside or outside a Ledger::write.
  void move(const std::string& id, inventory::Status from, inventory::Status to,
            const inventory::StepNote& note);
  // Queues the callback of the status `id` ended in, if it asks for one;
  // for an ending made by another module (inventory::release). Inside a
  // Ledger::write.
  void announce(const std::string& id);

  inventory::Ledger& ledger() { return ledger_; }

 private:
  inventory::Ledger& ledger_;
  const SlaCalendar& sla_;
  std::string publicUrl_;
};

}  // namespace colo::agent
