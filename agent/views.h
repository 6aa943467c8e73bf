// JSON views of the inventory and the ledger: the CLI's --json output and,
// later, the HTTP API's bodies are the same documents.
#pragma once

#include <nlohmann/json.hpp>

#include "colo/inventory/ledger.h"
#include "colo/inventory/occupancy.h"
#include "colo/inventory/usage.h"

namespace colo::agent {

nlohmann::json rackJson(const inventory::RackUsage& rack);
nlohmann::json elevationJson(const inventory::Occupancy& occ, std::size_t rack);
nlohmann::json poolJson(const inventory::PoolUsage& pool);
nlohmann::json requestJson(const inventory::RequestRecord& r);
nlohmann::json eventJson(const inventory::LedgerEvent& e);
nlohmann::json diagnosticJson(const inventory::Diagnostic& d);

// A u128 count as a JSON number when it fits 53 bits, else as a string.
nlohmann::json countJson(inventory::u128 n);
// A count for people: digits up to 2^40, then in powers of two ("2^64",
// "2^64 - 3", "~2^63.8"), as IPv6 sizes are spoken of.
std::string countText(inventory::u128 n);

}  // namespace colo::agent
