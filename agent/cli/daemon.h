// `colo agent`: the HTTP API, a pool of workers running durable jobs from
// the ledger, recovery of interrupted jobs at start-up, structured logs.
#pragma once

#include "colo/inventory/model.h"
#include "core/config.h"
#include "engine/playbook.h"

namespace colo::agent {

// Serves until SIGINT/SIGTERM; returns the exit code. The ledger must exist
// (colo init) unless `createLedger`.
int runAgent(const Config& config, const inventory::Inventory& inventory,
             const Playbooks& playbooks, bool createLedger = false);

}  // namespace colo::agent
