// Allocation (SPEC §4): units, power, ports and addresses for a request.
#pragma once

#include <memory>
#include <string>

#include "colo/inventory/occupancy.h"
#include "colo/inventory/plan.h"
#include "colo/inventory/request.h"

namespace colo::inventory {

// Places every server of `request` given what is taken. Throws
// Error(exhausted) naming what ran out and the closest candidate, or
// Error(invalid_input) for a request the inventory cannot mean.
Plan allocate(const Occupancy& occupancy, const Request& request);

struct Reservation {
  Plan plan;
  bool existing = false;  // the request id was reserved before, with this body
};

// Plans and claims `request` in one ledger transaction. Reserving the same
// request id with the same body again returns the existing allocation;
// another body is Error(conflict). `cache` holds the occupancy between calls
// and is rebuilt when another writer changed the ledger.
Reservation reserve(Ledger& ledger, const Inventory& inventory, const Request& request,
                    const std::string& actor, std::unique_ptr<Occupancy>& cache);

// Frees everything the request holds, in one transaction; its status becomes
// `released` and its recorded allocation stays for the record.
void release(Ledger& ledger, const std::string& request_id, const std::string& actor);

}  // namespace colo::inventory
