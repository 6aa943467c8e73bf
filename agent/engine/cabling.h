// The cabling check (docs/design.md §17): for each NIC of a request, what
// its switch port shows (link, input errors, the MACs learned there, the
// LLDP neighbour) and whether that is the server the request placed there.
// Read-only: no switch is changed, and no switch is held (provisioning
// elsewhere goes on).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "colo/drivers/observe.h"
#include "colo/inventory/ledger.h"
#include "colo/inventory/model.h"
#include "core/cabling.h"
#include "engine/switch_access.h"

namespace colo::agent {

// What was read of one NIC's port.
struct NicObservation {
  std::optional<drivers::LinkReading> link;  // nullopt: could not be read
  std::vector<drivers::MacEntry> macs;       // learned on the port
  std::vector<drivers::LldpNeighbor> lldp;
  std::string lldpProblem;  // why LLDP could not be read ("% LLDP is not enabled")
  // Where the NIC's expected MAC is learned on the whole switch (read when
  // it is not learned on the port).
  std::vector<drivers::MacEntry> where;
  std::string problem;  // why the port could not be read at all
};

// The verdict of one NIC from what was read: `nic` names it (hostname, nic,
// switch, port, expected_mac); the rest is filled in. Pure.
NicCabling judge(NicCabling nic, const NicObservation& seen);

// Whether an LLDP system name names `hostname`: the same name in any case,
// or one is the other's first DNS label ("web01" and
// "web01.dinkes.kalbarprov.go.id").
bool namesHost(std::string_view systemName, std::string_view hostname);

// Checks every NIC of `request` (which must hold an allocation) on its
// switch, one SSH session per switch, a few switches at a time. A switch
// that cannot be reached makes its NICs unverified, saying why.
CablingReport checkCabling(const inventory::Inventory& inventory,
                           const inventory::RequestRecord& request, SwitchOpener& opener,
                           const std::function<bool()>& interrupt = {});

}  // namespace colo::agent
