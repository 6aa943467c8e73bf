// /metrics from the ledger's tallies and the SLA's change feed (issue 10,
// point 7): the same numbers as counting everything, at any moment.
#include <catch2/catch.hpp>

#include <regex>

#include "../support/api_site.h"
#include "colo/inventory/allocator.h"
#include "colo/inventory/occupancy.h"
#include "colo/inventory/usage.h"
#include "core/metrics.h"
#include "jobs/status_writer.h"

namespace inv = colo::inventory;
using colo::test::Site;

namespace {

// The value of one sample line, or -1 when it is missing.
long long sample(const std::string& text, const std::string& series) {
  auto at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stoll(text.substr(at + series.size() + 2));
}

// Every rack, feed and pool figure as counting all claims says it.
void matchesFullCount(const std::string& text, Site& site) {
  inv::Occupancy occ(site.inventory, site.ledger->claims().all(),
                     site.ledger->claims().generation());
  for (const auto& r : inv::rackUsage(occ)) {
    INFO(r.name);
    CHECK(sample(text, "colo_rack_units{rack=\"" + r.name + "\",state=\"free\"}") == r.units_free);
    CHECK(sample(text, "colo_rack_units{rack=\"" + r.name + "\",state=\"claimed\"}") ==
          r.units_claimed);
    CHECK(sample(text, "colo_rack_units{rack=\"" + r.name + "\",state=\"device\"}") ==
          r.units_device);
    for (const auto& f : r.feeds)
      CHECK(sample(text, "colo_feed_watts{rack=\"" + r.name + "\",feed=\"" + f.name +
                             "\",kind=\"drawn\"}") == f.drawn_watts);
  }
  for (const auto& p : inv::poolUsage(occ)) {
    INFO(p.name);
    CHECK(std::to_string(sample(text, "colo_pool_addresses{pool=\"" + p.name +
                                          "\",kind=\"held\"}")) == inv::toDecimal(p.held));
    if (p.free < (inv::u128{1} << 62))
      CHECK(std::to_string(sample(text, "colo_pool_addresses{pool=\"" + p.name +
                                            "\",kind=\"free\"}")) == inv::toDecimal(p.free));
  }
  std::map<std::string, long long> byStatus;
  site.ledger->requests().scan({}, [&](inv::RequestRecord& r) {
    ++byStatus[std::string(inv::name(r.status))];
    return true;
  });
  for (auto s : inv::allStatuses()) {
    std::string name(inv::name(s));
    INFO(name);
    CHECK(sample(text, "colo_requests{status=\"" + name + "\"}") == byStatus[name]);
  }
}

inv::Request request(const std::string& id, int servers) {
  std::string list;
  for (int i = 0; i < servers; ++i)
    list +=
        std::string(i ? "," : "") + R"({"hostname": "h)" + std::to_string(i) +
        R"(", "units": 2, "power_watts": 300, "redundant_power": true, "nics": [{"pools": ["pub-v4"]}]})";
  return inv::parseRequestJson(
      R"({"id": ")" + id +
      R"(", "letter_number": "1/X", "tenant": {"code": "BAPPEDA", "name": "B"},
      "received_at": "2026-11-16T08:00:00+07:00", "servers": [)" +
      list + "]}");
}

}  // namespace

TEST_CASE(
    "metrics: counts kept by the ledger match counting everything, through claims and releases") {
  Site site;
  colo::agent::LedgerMetrics metrics(site.inventory, site.sla);
  matchesFullCount(metrics.text(*site.ledger, site.now), site);
  colo::inventory::OccupancyCache cache(site.inventory);
  colo::agent::StatusWriter status(*site.ledger, site.sla, "http://127.0.0.1:8080");
  status.reserve(request("REQ-M1", 2), "test", cache);
  status.reserve(request("REQ-M2", 1), "test", cache);
  auto text = metrics.text(*site.ledger, site.now);
  CHECK(sample(text, "colo_rack_units{rack=\"R02\",state=\"claimed\"}") +
            sample(text, "colo_rack_units{rack=\"R01\",state=\"claimed\"}") ==
        6);
  matchesFullCount(text, site);
  status.askRelease("REQ-M1", {"test", "release", "", ""});
  matchesFullCount(metrics.text(*site.ledger, site.now), site);
  // Callbacks by state, as they are delivered.
  site.ledger->outbox().enqueue({"d1", "REQ-M2", "http://127.0.0.1:9/", "{}", "failed", 0, 0});
  site.ledger->outbox().enqueue({"d2", "REQ-M2", "http://127.0.0.1:9/", "{}", "failed", 0, 0});
  site.ledger->outbox().enqueue({"d2", "REQ-M2", "http://127.0.0.1:9/", "{}", "failed", 0, 0});
  site.ledger->outbox().result("d1", false, "HTTP 500", 0, false, 500);
  site.ledger->outbox().result("d1", true, "", 0, false, 200);
  site.ledger->outbox().result("d2", false, "refused", 0, true);
  text = metrics.text(*site.ledger, site.now);
  CHECK(sample(text, "colo_callbacks{state=\"delivered\"}") == 1);
  CHECK(sample(text, "colo_callbacks{state=\"given_up\"}") == 1);
  CHECK(sample(text, "colo_callbacks{state=\"backlog\"}") == 0);
  CHECK(sample(text, "colo_callback_failures_total") == 2);
}

TEST_CASE("metrics: the SLA follows each change, and an ended request is never overdue",
          "[dates]") {
  Site site;  // REQ-P1 reserved, REQ-H1 failed on Wednesday 2026-11-18; due Thursday
  using S = inv::Status;
  colo::agent::LedgerMetrics metrics(site.inventory, site.sla);
  auto counts = [&] { return metrics.sla(*site.ledger, site.now); };
  CHECK(counts().overdue == 0);
  CHECK(counts().missed == 0);
  site.now += 3 * 86400;  // Saturday: REQ-P1 is overdue
  CHECK(counts().overdue == 1);
  CHECK(counts().missed == 1);
  site.walk("REQ-P1", {S::configuring, S::completed});  // completed late
  CHECK(counts().overdue == 0);
  CHECK(counts().missed == 1);
  site.add("REQ-P2", "BAPPEDA", "sikd-bappeda", S::reserved);  // arrives late already
  CHECK(counts().overdue == 1);
  CHECK(counts().missed == 2);
  site.walk("REQ-P2", {S::released});  // released late: ended, missed, never overdue
  CHECK(counts().overdue == 0);
  CHECK(counts().missed == 2);
  // A fresh counter (an agent restarted) reads the same from the ledger.
  colo::agent::LedgerMetrics fresh(site.inventory, site.sla);
  CHECK(fresh.sla(*site.ledger, site.now).missed == 2);
  CHECK(fresh.sla(*site.ledger, site.now).overdue == 0);
}
