// A cabling check's outcome (docs/design.md §17): per NIC of a request, what
// its switch port shows and the verdict. The engine makes it
// (engine/cabling.h); the API, the console, the letter and the CLI show it.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "colo/inventory/ledger/cabling_checks.h"

namespace colo::agent {

struct LldpSeen {
  std::string system_name;  // "" when not advertised
  std::string port_id, chassis_id, port_description;
};

struct NicCabling {
  std::string hostname;
  int nic = 0;
  std::string switch_name, port;
  // ok: plugged in right (LLDP names the server, or its MAC is learned
  // here); no_link; wrong_server (another server is here, or this one is on
  // `found_on`); unverified (link up, nothing tells whose); disabled (the
  // port is shut).
  std::string verdict;
  std::string link;               // up, down, disabled, err-disabled; "" when it could not be read
  std::vector<std::string> macs;  // learned on the port
  std::optional<LldpSeen> lldp;
  std::string expected_mac;  // from the request, "" when it names none
  std::string found_on;      // where on this switch expected_mac is learned instead
  std::optional<std::uint64_t> input_errors;
  std::string detail;  // for people: why the verdict, and what to do
};

struct CablingReport {
  std::string request_id;
  std::vector<NicCabling> nics;
  bool ok() const;
};

// {"request_id", "nics": [{"hostname", "nic", "switch", "port", "verdict",
// "link", "macs", "lldp": {"system_name", "port_id", "chassis_id",
// "port_description"} | null, "expected_mac", "found_on", "input_errors",
// "detail"}]}: `colo check --json`, and what the ledger keeps.
nlohmann::json cablingJson(const CablingReport& report);
CablingReport cablingFromJson(const nlohmann::json& j);
// "3 NICs: 2 ok, 1 no_link".
std::string cablingSummary(const CablingReport& report);
// A check as GET /v1/requests/{id} shows it under `checks`: id, state,
// requested_by, requested_at, started_at, finished_at (RFC 3339 UTC, null
// until then), ok, and its `nics` once done or its `error` once failed.
nlohmann::json checkJson(const inventory::CablingCheck& check);
// When each server's cabling was last verified (every NIC of it ok in one
// check), epoch ms, from a request's checks: the letter states it.
std::map<std::string, std::int64_t> verifiedAt(const std::vector<inventory::CablingCheck>& checks);

}  // namespace colo::agent
