// The HTTP API of `colo agent` (SPEC §7) as a plain function from request to
// response: authentication, routes, problem+json errors. No sockets here.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "colo/inventory/ledger.h"
#include "colo/inventory/model.h"
#include "colo/inventory/occupancy.h"
#include "core/config.h"
#include "core/roles.h"
#include "core/sla.h"
#include "http/api_context.h"
#include "http/console.h"
#include "http/types.h"

namespace colo::agent {

struct Target;  // target.h

struct Route {
  std::string method;
  std::string pattern;  // OpenAPI style: /v1/requests/{id}
  std::optional<Role> role;  // the least role allowed; none: anyone
};

// Every route the server answers, for routing and for the OpenAPI test.
const std::vector<Route>& routes();
// The OpenAPI 3 document served at /v1/openapi.json.
const std::string& openApiDocument();

// Stores accepted requests with group commit: handlers hand requests over
// and wait; one thread writes everything pending in one transaction (one
// fsync), then answers them all. Durable before 202, without one fsync each.
class Intake {
 public:
  struct Outcome {
    int status = 202;        // 202 accepted (new or the same again), 409 other body
    std::string state;       // the request's status
  };
  Intake(inventory::Ledger& ledger, std::mutex& ledgerMutex);
  ~Intake();
  Intake(const Intake&) = delete;
  Intake& operator=(const Intake&) = delete;
  // Calls `done` once the request is stored (or found), from the intake's
  // thread; with an exception pointer if the write failed.
  using Done = std::function<void(Outcome, std::exception_ptr)>;
  void submit(inventory::Request request, std::string caller, std::string remote, Done done);

 private:
  struct Item;
  void loop();
  inventory::Ledger& ledger_;
  std::mutex& ledgerMutex_;
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Item>> pending_;
  bool stopping_ = false;
  std::thread thread_;
};

class Api {
 public:
  explicit Api(ApiContext context);
  // Answers every route; POST /v1/requests answers once the request is
  // durably stored, without holding the calling thread.
  void handle(const ApiRequest& request, std::function<void(ApiResponse)> reply);

  // Releases a request that has ended (SPEC §7): 202 with state "released"
  // (nothing was on a switch) or "releasing" (a worker returns its ports);
  // 404 or 409 with why.
  struct Release {
    int status = 202;
    std::string state;
    std::string detail;
  };
  Release release(const std::string& id, const std::string& actor, const std::string& remote);

 private:
  Release releaseLocked(const std::string& id, const std::string& actor, const std::string& remote);
  // Every route but accepting; for that it names the caller in `acceptAs`.
  ApiResponse handleSync(const ApiRequest& request, std::optional<std::string>& acceptAs);
  // Racks and pools: from the views, without the ledger mutex.
  ApiResponse inventoryRoute(const ApiRequest& req, const Target& target,
                             const std::string& pattern, const std::string& param);
  void acceptRequest(const ApiRequest& req, const std::string& caller, std::function<void(ApiResponse)> reply);

  // The inventory views, rendered once per ledger generation: reads are
  // frequent, changes rare. Built from a ledger connection of their own,
  // under their own lock: rebuilding them after a change never holds up
  // the routes that use the shared ledger (accepting a request, say).
  struct Views {
    std::int64_t generation = -1;
    std::shared_ptr<const inventory::Occupancy> occupancy;
    std::string racks, pools;             // whole lists, as JSON text
    std::vector<std::string> rackItems, poolItems;  // the same, item by item, for pages
  };
  std::shared_ptr<const Views> views();  // without the ledger mutex

  ApiContext ctx_;
  std::mutex viewsMutex_;
  std::unique_ptr<inventory::Ledger> viewLedger_;
  std::shared_ptr<const Views> views_;
  std::unique_ptr<Intake> intake_;
  std::unique_ptr<Console> console_;
};

}  // namespace colo::agent
