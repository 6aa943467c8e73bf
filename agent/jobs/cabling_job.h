// Running a cabling check a process took (design.md §17): the engine reads
// the switches; then, in one ledger write, the result, the request's
// step-log entry and its request.checked callback. The same path for an
// agent's worker and for `colo check`.
#pragma once

#include <functional>
#include <string>

#include "colo/inventory/ledger.h"
#include "colo/inventory/model.h"
#include "core/cabling.h"
#include "engine/switch_access.h"

namespace colo::agent {

// Why `request` cannot have its cabling checked ("" when it can): only a
// completed request's ports are configured for its servers.
std::string checkRefusal(const inventory::RequestRecord& request);

struct CheckRun {
  inventory::CablingCheck check;  // as recorded
  CablingReport report;           // empty when it failed
  bool recorded = false;          // false: another process took it over meanwhile
};

// Runs `taken` (owned by `owner`) to its end and records it. `actor` for
// the step log ("agent:worker-1", "cli:alice").
CheckRun runCheck(inventory::Ledger& ledger, const inventory::Inventory& inventory,
                  SwitchOpener& opener, const inventory::CablingCheck& taken,
                  const std::string& owner, const std::string& actor,
                  const std::function<bool()>& interrupt = {});

}  // namespace colo::agent
