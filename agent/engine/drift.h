// `colo validate --online`: every switch, read-only. Its credentials and
// host key work, and each access port shows what the ledger says it should:
// a free port unused, a port of a completed request colo's configuration for
// it.
#pragma once

#include <string>
#include <vector>

#include "colo/inventory/ledger.h"
#include "colo/inventory/model.h"
#include "engine/playbook.h"
#include "engine/switch_access.h"

namespace colo::agent {

// Every difference found, for people ("switch tor-r01 port Gi1/0/5 is free
// in the ledger but in use (...)"); empty when all agrees. A few switches at
// a time, one SSH session each.
std::vector<std::string> switchDrift(const inventory::Inventory& inventory,
                                     inventory::Ledger& ledger, const Playbooks& playbooks,
                                     SwitchOpener& opener);

}  // namespace colo::agent
