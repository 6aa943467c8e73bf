// The ledger's part of /metrics: requests by status, the SLA, rack units,
// feed watts, pool addresses and callbacks. A scrape costs the racks, feeds
// and pools and what changed since the last one, never the whole history:
// counts come from the ledger's tallies, the SLA from what changed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "colo/inventory/ledger.h"
#include "colo/inventory/model.h"
#include "core/sla.h"

namespace colo::agent {

class LedgerMetrics {
 public:
  LedgerMetrics(const inventory::Inventory& inventory, const SlaCalendar& sla);
  ~LedgerMetrics();
  // Prometheus text; not thread-safe (the caller holds the ledger's lock).
  std::string text(inventory::Ledger& ledger, std::int64_t now);

  // The SLA as last counted: requests past their due date, unfinished
  // (overdue) or finished late (missed counts both).
  struct SlaCounts {
    long missed = 0, overdue = 0;
  };
  SlaCounts sla(inventory::Ledger& ledger, std::int64_t now);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace colo::agent
