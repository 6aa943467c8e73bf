// `colo validate --online`: every switch, read-only. Its credentials and
// host key work, and each access port shows what the ledger says it should:
// a free port unused, a port of a completed request colo's configuration for
// it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "colo/inventory/ledger.h"
#include "colo/inventory/model.h"
#include "engine/playbook.h"
#include "engine/switch_access.h"
#include "engine/switch_work.h"

namespace colo::agent {

enum class Held {
  colos,     // a completed request's: colo's configuration must be there
  either,    // a request in progress, failed or reserved: colo's, or unused
  to_clean,  // a released request's (its switches forgotten): to clean by hand
};

struct HeldPort {
  PortChange change;
  Held kind;
};

// Every port the ledger holds, by (switch, port): the change colo made (or
// makes) there for its request, and what must be there now.
std::map<std::pair<std::string, std::string>, HeldPort> heldPorts(inventory::Ledger& ledger,
                                                                  const Playbooks& playbooks);

struct DriftReport {
  // Every difference found, for people ("switch tor-r01 port Gi1/0/5 is
  // free in the ledger but in use (...)"); empty when all agrees.
  std::vector<std::string> problems;
  // Ports to clean by hand (a request released without touching the
  // switches, design.md §7) found unused: no longer held, each a line.
  std::vector<std::string> cleaned;
};

// Every switch, a few at a time, one SSH session each. Read-only, except
// that a port to clean by hand that shows unused is returned to the free
// ports.
DriftReport switchDrift(const inventory::Inventory& inventory, inventory::Ledger& ledger,
                        const Playbooks& playbooks, SwitchOpener& opener);

// Ports to clean by hand on a switch (or at a port) the inventory no
// longer has: nothing can be placed there, so they are no longer held.
// One line per port freed.
std::vector<std::string> freeForgottenPortsGone(const inventory::Inventory& inventory,
                                                inventory::Ledger& ledger);

}  // namespace colo::agent
