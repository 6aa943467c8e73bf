// The web console's pages (design.md §11) as plain functions from data to HTML:
// no sockets, no ledger, no sessions here (console.h does those), so tests
// and bench/ui_bench render them directly. Server-rendered HTML with inline
// SVG, no JavaScript; one stylesheet, allowed by its hash in the page's
// Content-Security-Policy.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "colo/inventory/ledger.h"
#include "colo/inventory/occupancy.h"
#include "colo/inventory/time.h"
#include "core/roles.h"
#include "core/sla.h"

namespace colo::agent::ui {

// Who is looking, and what they may do.
struct Viewer {
  std::string caller;
  Role role = Role::requester;
  std::string csrf;       // for the forms that change something
  bool sees_all = false;  // technician and admin: every tenant's requests
  bool may_release = false;
  std::string zone;  // how times are shown: "Asia/Pontianak, UTC+07:00"
};

// The Content-Security-Policy of every console page: nothing but this
// origin's forms and the console's own stylesheet (by its SHA-256).
const std::string& contentSecurityPolicy();

// `next`: the console page to go to after logging in ("" for /ui/).
std::string loginPage(const std::string& csrf, const std::string& next, const std::string& message);

// Requests as the overview counts them (only the viewer's own for a requester).
struct RequestCounts {
  std::map<inventory::Status, int> by_status;
  int late = 0;    // not ended and past the due date: what needs doing now
  int missed = 0;  // ended after the due date
};
std::string overviewPage(const Viewer& viewer, const inventory::Occupancy& occupancy,
                         const RequestCounts& requests);

std::string rackPage(const Viewer& viewer, const inventory::Occupancy& occupancy, std::size_t rack);

// Every pool; with `pool` set, that pool's held addresses page by page.
// `held`: the addresses held in `pool`, in any order.
std::string poolsPage(const Viewer& viewer, const inventory::Occupancy& occupancy,
                      const std::vector<inventory::Claims::Address>& held, const std::string& pool,
                      std::size_t page);

struct RequestRow {
  inventory::RequestRecord record;
  std::optional<Sla> sla;
  // Open and past its due date (design.md §13).
  bool late() const { return sla && sla->late(); }
  // Ended after its due date.
  bool missed() const { return sla && sla->missed(); }
};

struct RequestFilter {
  std::optional<inventory::Status> status;
  std::string tenant;   // tenant code
  bool late = false;    // open and overdue only
  bool missed = false;  // ended late only
  std::size_t page = 1;
  bool matches(const RequestRow& row) const;
};

constexpr std::size_t kRowsPerPage = 100;

// `rows`: the viewer's requests that match `filter`, newest first (all of
// them: the page cuts its own); `tenants`: every tenant code the viewer may
// filter by.
std::string requestsPage(const Viewer& viewer, const std::vector<RequestRow>& rows,
                         const RequestFilter& filter, const std::vector<std::string>& tenants,
                         const inventory::TimeZone& zone);

struct RequestDetail {
  RequestRow row;
  std::vector<inventory::LedgerEvent> events;
  std::vector<inventory::CallbackDelivery> callbacks;
};
// `notice`: one line shown above the request (after a release, say).
std::string requestPage(const Viewer& viewer, const RequestDetail& detail,
                        const inventory::TimeZone& zone, const std::string& notice);

// 404 and friends, inside the console's frame when someone is logged in.
std::string errorPage(const Viewer* viewer, int status, const std::string& detail);

// "2026-11-23 08:30" in the site's time, from an RFC 3339 timestamp; the
// input unchanged when it is not one.
std::string localTime(const std::string& timestamp, const inventory::TimeZone& zone);

}  // namespace colo::agent::ui
