// The web console's HTTP side, under /ui/ (docs/design.md, "The console"):
// login and sessions, CSRF, the routes, and what each page reads from the
// ledger. The pages themselves are ui/pages.h.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "colo/inventory/ledger.h"
#include "colo/inventory/occupancy.h"
#include "core/config.h"
#include "core/inventory_views.h"
#include "core/sla.h"
#include "http/api_context.h"
#include "http/types.h"
#include "ui/sessions.h"

namespace colo::agent {

// The API's context, and the rendered racks and pools it shares.
struct ConsoleContext : ApiContext {
  InventoryViews* views = nullptr;
};

class Console {
 public:
  explicit Console(ConsoleContext context);
  // Whether `target` is the console's (/ui, /ui/..., and / which leads there).
  static bool serves(const std::string& target);
  HttpResponse handle(const HttpRequest& request);

 private:
  ConsoleContext ctx_;
  SessionStore sessions_;
};

}  // namespace colo::agent
