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

#include "colo/inventory/forecast.h"
#include "colo/inventory/ledger.h"
#include "colo/inventory/occupancy.h"
#include "colo/inventory/time.h"
#include "core/port_drift.h"
#include "core/roles.h"
#include "core/sla.h"

namespace colo::agent::ui {

// Who is looking, and what they may do.
struct Viewer {
  std::string caller;
  Role role = Role::requester;
  std::string csrf;          // for the forms that change something
  bool sees_all = false;     // technician and admin: every tenant's requests
  bool may_release = false;  // technician and admin: release, retry, deliver a callback again
  bool may_forget = false;   // admin: release without touching the switches
  std::string zone;          // how times are shown: "Asia/Pontianak, UTC+07:00"
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
// `forecast`, when given (technicians and administrators), adds a card of
// what runs out first at the recent rate.
std::string overviewPage(const Viewer& viewer, const inventory::Occupancy& occupancy,
                         const RequestCounts& requests,
                         const inventory::Forecast* forecast = nullptr);

// When racks, feeds, rooms and pools run out (design.md §16), and what each
// department took.
std::string forecastPage(const Viewer& viewer, const inventory::Forecast& forecast);

// The drift watch's last reading (design.md §18): per switch each port that
// differs from colo's intent, as a diff, and for technicians the buttons
// that read again and that put colo's configuration back. `notice`: one
// line above it.
std::string driftPage(const Viewer& viewer, const DriftState& state,
                      const inventory::TimeZone& zone, bool scheduled, const std::string& notice);

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

// One page of the viewer's requests that match `filter`, newest first.
struct RequestPage {
  std::vector<RequestRow> rows;  // this page's (filter.page, at most kRowsPerPage)
  std::size_t total = 0;         // how many match
  std::size_t late = 0;          // how many of those are late
};
// The page `filter.page` names, clamped to 1..the last page.
std::size_t pageWithin(std::size_t page, std::size_t total);
// `tenants`: every tenant code the viewer may filter by.
std::string requestsPage(const Viewer& viewer, const RequestPage& rows, const RequestFilter& filter,
                         const std::vector<std::string>& tenants, const inventory::TimeZone& zone);

// What each switch receives, in order, by switch name.
using SwitchCommands = std::map<std::string, std::vector<std::string>>;

struct RequestDetail {
  RequestRow row;
  std::vector<inventory::LedgerEvent> events;
  std::vector<inventory::CallbackDelivery> callbacks;
  bool holds = false;  // it still holds units, power, ports or addresses
  // A released request's ports still held: to be cleaned by hand (its
  // switches were forgotten), with the commands colo would have sent.
  std::vector<inventory::Claims::Port> ports_to_clean;
  SwitchCommands clean_commands;
  std::vector<inventory::CablingCheck> checks;  // its cabling checks, newest first
};
// `notice`: one line shown above the request (after a release, say).
std::string requestPage(const Viewer& viewer, const RequestDetail& detail,
                        const inventory::TimeZone& zone, const std::string& notice);

// The page before a release: what it will do, and the form that does it.
struct ReleasePreview {
  RequestRow row;
  std::string refusal;                         // why it may not be released ("" when it may)
  bool on_switches = false;                    // its ports are returned first (else freed at once)
  std::vector<inventory::Claims::Port> ports;  // returned to unused
  SwitchCommands commands;                     // what each switch will receive
  std::string commands_note;                   // why the commands are not shown ("" when they are)
};
std::string releasePage(const Viewer& viewer, const ReleasePreview& preview);

// One thing a search found: a request, a server, an address, a device.
struct SearchHit {
  std::string kind;  // "request", "server", "address", "device", "pool"
  std::string title;
  std::string href;  // "" for no link
  std::string detail;
};
// `query` as typed; `more`: hits were left out beyond the first ones.
std::string searchPage(const Viewer& viewer, const std::string& query,
                       const std::vector<SearchHit>& hits, bool more);

// 404 and friends, inside the console's frame when someone is logged in.
std::string errorPage(const Viewer* viewer, int status, const std::string& detail);

// The requests of the list as CSV (RFC 4180, every row of `rows`): times
// in the site's zone to the second.
std::string requestsCsv(const std::vector<RequestRow>& rows, const inventory::TimeZone& zone);
// A pool's held addresses as CSV, by address; `tenantOf` a request's tenant
// code. Rows with an empty request id are another department's (shown to
// a requester as held, not by whom).
std::string poolHoldersCsv(const std::string& pool, std::vector<inventory::Claims::Address> held,
                           const std::map<std::string, std::string>& tenantOf);

// "2026-11-23 08:30" in the site's time, from an RFC 3339 timestamp; the
// input unchanged when it is not one.
std::string localTime(const std::string& timestamp, const inventory::TimeZone& zone);

}  // namespace colo::agent::ui
