// JSON views of the inventory and the ledger: the CLI's --json output and,
// later, the HTTP API's bodies are the same documents.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>

#include "colo/inventory/forecast.h"
#include "colo/inventory/ledger.h"
#include "colo/inventory/occupancy.h"
#include "colo/inventory/usage.h"
#include "core/sla.h"

namespace colo::agent {

nlohmann::json rackJson(const inventory::RackUsage& rack);
nlohmann::json elevationJson(const inventory::Occupancy& occ, std::size_t rack);
nlohmann::json poolJson(const inventory::PoolUsage& pool);
// Pool `p` of the occupancy's inventory in detail: poolJson, its first
// `maxRanges` free ranges ({first, last, size}) and whether more follow
// (free_ranges_truncated).
nlohmann::json poolDetailJson(const inventory::Occupancy& occ, std::size_t p,
                              std::size_t maxRanges = 20);
nlohmann::json requestJson(const inventory::RequestRecord& r);
// When a request reached the ending it is in (RFC 3339), "" while it has not.
std::string endedAt(const inventory::RequestRecord& r);
// A request as the API, callbacks and `colo requests --json` show its
// status: requestJson, its SLA judged at `now`, `ended_at`, and
// `completed_at` while it is completed.
nlohmann::json requestStatusJson(const inventory::RequestRecord& r, const SlaCalendar& calendar,
                                 std::int64_t now);
nlohmann::json eventJson(const inventory::LedgerEvent& e);
// "2026-11-30T01:02:03Z".
std::string isoUtc(std::int64_t epochSeconds);
// One callback delivery: id, event, url, attempts, state (pending,
// delivered, given_up), delivered_at or next_attempt_at, last_error.
nlohmann::json deliveryJson(const inventory::CallbackDelivery& d);
nlohmann::json diagnosticJson(const inventory::Diagnostic& d);

// The capacity forecast (design.md §16) as `colo forecast --json` and GET
// /v1/forecast give it: {as_of, window_days, racks, feeds, rooms, pools,
// tenants}; dates YYYY-MM-DD in the site's timezone, null when the rate is
// zero or negative ("not at this rate"); address counts as strings.
nlohmann::json forecastJson(const inventory::Forecast& forecast);
// The same for /metrics: colo_days_until_full{kind,name,rack,level} for each
// rack, feed, room (units and watts) and pool at 80, 95 and 100%; +Inf when
// not at this rate, 0 when it already is.
std::string forecastMetrics(const inventory::Forecast& forecast);

// The processes on one ledger (colo agents, GET /v1/agents; design.md §12):
// {agents: [...], live_agents}. Each row says who it is (id, name, kind,
// host, pid, version, revision, started_at), its lease (renewed_at,
// lease_expires_at, lease_age_s, state "live" or "expired" as `live` says)
// and what it works on (working_on: request_id, status); `self` marks the
// process answering. live_agents counts the live ones of kind agent.
nlohmann::json agentsJson(const std::vector<inventory::Lease>& leases,
                          const std::vector<inventory::WorkInProgress>& work,
                          const std::function<bool(const inventory::Lease&)>& live,
                          std::int64_t nowMs, const std::string& self);

// What an administrator should look at in a rack, most urgent first: full
// feeds, a feed that could not carry the redundant load alone, free units no
// power can reach, single-fed equipment. The CLI, the console and its
// overview all say the same.
struct RackWarning {
  enum class Level { warning, critical };
  Level level;
  std::string text;  // without the rack's name
  int rank = 0;      // within a level, higher first: a feed's load in percent
};
// What needs an administrator's attention, worst first: overloaded feeds
// (by load), then the rest.
std::vector<RackWarning> rackWarnings(const inventory::RackUsage& rack);
// Facts worth knowing that need no action, for the rack's own view:
// equipment that draws from one feed, as it asked.
std::vector<std::string> rackNotes(const inventory::RackUsage& rack);
// Orders warnings (of one rack or many) worst first.
bool worseWarning(const RackWarning& a, const RackWarning& b);

// "4U, 1150 W (900 W redundant)": the largest server that still fits, by
// units and power together; "-" when none does.
std::string fitsText(const inventory::RackUsage& rack);

// An address count as a JSON string of decimal digits, always: an IPv6
// pool's exceed what JSON numbers carry exactly (2^53), and one field has
// one type ("254", "18446744073709551614").
nlohmann::json countJson(inventory::u128 n);
// A count for people: digits up to 2^40, then in powers of two ("2^64",
// "2^64 - 3", "~2^63.8"), as IPv6 sizes are spoken of.
std::string countText(inventory::u128 n);

}  // namespace colo::agent
