// The HTTP API of `colo agent` (docs/design.md, "The API") as a plain
// function from request to response: authentication, one route table,
// problem+json errors. No sockets here (server.h moves the bytes).
//
// A route is one row of the table in api.cpp: method, path pattern, the
// least role allowed, and its handler. Adding a route is adding a row (and
// its handler, and its place in openapi.json).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/inventory_views.h"
#include "core/roles.h"
#include "http/api_context.h"
#include "http/types.h"

namespace colo::agent {

class Api;
class Console;
class Intake;
class StatusWriter;
struct RequestTarget;

// One exchange as a handler sees it.
struct Call {
  const HttpRequest& request;
  const RequestTarget& target;
  std::string param;   // the path's {parameter}, when the pattern has one
  std::string caller;  // the token's name ("" on routes anyone may use)
  Role role = Role::requester;
  std::function<void(HttpResponse)> reply;  // exactly once, now or later
};

struct Route {
  std::string method;
  std::string pattern;       // OpenAPI style: /v1/requests/{id}
  std::optional<Role> role;  // the least role allowed; none: anyone
  void (Api::*handler)(Call&);
};

// Every route the API answers, for routing and for the OpenAPI test.
const std::vector<Route>& routes();
// The OpenAPI 3 document served at /v1/openapi.json.
const std::string& openApiDocument();

// The ids of the requests `caller` submitted (what a requester may see of
// the ledger). Takes the ledger's mutex.
std::set<std::string> ownRequestIds(const ApiContext& context, const std::string& caller);

// The occupancy `role` and `caller` may see: all of it for technicians and
// administrators; for a requester, other departments' servers and devices
// as "occupied", never their names, tenants or request ids
// (Occupancy::seenBy, docs/design.md §11).
std::shared_ptr<const inventory::Occupancy> occupancyFor(
    const ApiContext& context, std::shared_ptr<const inventory::Occupancy> all, Role role,
    const std::string& caller);

class Api {
 public:
  explicit Api(ApiContext context);
  ~Api();
  // Answers every route and the console's pages; POST /v1/requests answers
  // once the request is durably stored, without holding the calling thread.
  // Each answer carries X-Request-Id (the client's when well formed, else a
  // new one) and is logged once (event "http.request", design.md §9).
  void handle(const HttpRequest& request, std::function<void(HttpResponse)> reply);

  // The handlers (the route table names them).
  void health(Call& call);
  void readiness(Call& call);
  void metrics(Call& call);
  void openApi(Call& call);
  void submitRequest(Call& call);
  void listRequests(Call& call);
  void getRequest(Call& call);
  void releaseRequest(Call& call);
  void retryRequest(Call& call);
  void forgetSwitches(Call& call, const std::string& reason);
  void redeliver(Call& call);
  void checkCabling(Call& call);
  void letter(Call& call);
  void listRacks(Call& call);
  void getRack(Call& call);
  void rackElevation(Call& call);
  void listPools(Call& call);
  void getPool(Call& call);
  void listAgents(Call& call);
  void getForecast(Call& call);

 private:
  // What the access log says of a call besides its status, learnt while it
  // is routed.
  struct Routed {
    std::string route;   // the pattern ("/v1/requests/{id}"), "/ui/" for the console
    std::string caller;  // the token's name, once authenticated
  };
  void dispatch(const HttpRequest& request, Routed& routed,
                std::function<void(HttpResponse)> reply);

  ApiContext ctx_;
  std::unique_ptr<StatusWriter> status_;  // on the shared ledger, under its mutex
  std::unique_ptr<inventory::OccupancyCache> ownOccupancy_;  // when the context has none
  std::unique_ptr<InventoryViews> views_;
  std::unique_ptr<Intake> intake_;
  std::unique_ptr<Console> console_;
};

}  // namespace colo::agent
