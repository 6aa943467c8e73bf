// The web console under /ui/ (SPEC §11): login and sessions, CSRF, the
// routes, and what each page reads from the ledger. The pages themselves are
// in pages.h.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "colo/inventory/ledger.h"
#include "colo/inventory/occupancy.h"
#include "core/config.h"
#include "core/sla.h"
#include "http/api_context.h"
#include "http/types.h"
#include "ui/sessions.h"

namespace colo::agent {

// The API's context, and two things the console asks of the API.
struct ConsoleContext : ApiContext {
  // What is taken now; call without the ledger mutex.
  std::function<std::shared_ptr<const inventory::Occupancy>()> occupancy;
  // The API's release: status 202 (state "released" or "releasing"), else
  // 404 or 409 with why.
  struct Released {
    int status;
    std::string state, detail;
  };
  std::function<Released(const std::string& id, const std::string& actor,
                         const std::string& remote)>
      release;
};

class Console {
 public:
  explicit Console(ConsoleContext context);
  // Whether `target` is the console's (/ui, /ui/..., and / which leads there).
  static bool serves(const std::string& target);
  ApiResponse handle(const ApiRequest& request);

 private:
  ConsoleContext ctx_;
  SessionStore sessions_;
};

}  // namespace colo::agent
