// The HTTP API of `colo agent` (SPEC §7) as a plain function from request to
// response: authentication, routes, problem+json errors. No sockets here.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "colo/inventory/ledger.h"
#include "colo/inventory/model.h"
#include "colo/inventory/occupancy.h"
#include "config.h"
#include "http_types.h"
#include "sla.h"

namespace colo::agent {

struct Route {
  std::string method;
  std::string pattern;  // OpenAPI style: /v1/requests/{id}
  std::string role;     // least role allowed: "" (anyone), requester, technician, admin
};

// Every route the server answers, for routing and for the OpenAPI test.
const std::vector<Route>& routes();
// The OpenAPI 3 document served at /v1/openapi.json.
const std::string& openApiDocument();

// What the routes need. The ledger is shared with the workers: every use is
// under `ledgerMutex`.
struct ApiContext {
  const Config* config = nullptr;
  const inventory::Inventory* inventory = nullptr;
  inventory::Ledger* ledger = nullptr;
  std::mutex* ledgerMutex = nullptr;
  const SlaCalendar* sla = nullptr;
  std::function<std::int64_t()> now;       // epoch seconds
  std::function<void()> wakeWorkers;       // a request was queued or released
  std::function<std::string()> metrics;    // Prometheus text
  std::function<bool()> ready;
};

class Api {
 public:
  explicit Api(ApiContext context) : ctx_(std::move(context)) {}
  ApiResponse handle(const ApiRequest& request);

 private:
  // The inventory views, rendered once per ledger generation: reads are
  // frequent, changes rare.
  struct Views {
    std::int64_t generation = -1;
    std::unique_ptr<inventory::Occupancy> occupancy;
    std::string racks, pools;
  };
  const Views& views();  // call with the ledger mutex held

  ApiContext ctx_;
  Views views_;
};

// The JSON a request's status is shown as (also the callback body's base).
std::string requestStatusJson(const inventory::RequestRecord& r, const SlaCalendar& sla, std::int64_t now);

}  // namespace colo::agent
