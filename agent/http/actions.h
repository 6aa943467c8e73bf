// An operator's actions on a request over HTTP, the API's and the console's
// alike: release, release without touching the switches, retry, deliver a
// callback again. The rules are the StatusWriter's and the outbox's; this
// is where their outcomes become an HTTP status and a sentence for people,
// once, and where each action is logged. Takes the ledger's mutex.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "colo/inventory/ledger.h"
#include "core/roles.h"
#include "http/api_context.h"

namespace colo::agent {

// Who asks, for the step log and the log: actor "api:ops" or "ui:ops",
// caller "ops", and the client's address.
struct Asker {
  std::string actor;
  std::string caller;
  std::string remote;
  Role role = Role::requester;
};

// 202 when it was done (or is under way); else 404, 409 (or 403, 400, 503)
// with why in `detail`.
struct ActionAnswer {
  int http = 202;
  std::string status;       // the request's status afterwards ("" when unknown)
  std::string detail;       // why nothing was done
  std::string retry_after;  // seconds, with a 503
  bool done() const { return http == 202; }
};

// A 503 while the agent takes no new work (ApiContext::refusingWork: its
// ledger was replaced, its lease lapsed), saying why and what became of the
// call (`outcome`); nullopt while it takes work.
std::optional<ActionAnswer> refusingWork(const ApiContext& context, const std::string& outcome);

// A release: status "released" (nothing was on a switch) or "releasing" (a
// worker returns its ports).
ActionAnswer askRelease(const ApiContext& context, const std::string& id, const Asker& asker);

// A release that touches no switch (admin only; design.md §7, "Forgetting
// the switches"): `ports` are still held, to be cleaned by hand.
struct ForgetAnswer : ActionAnswer {
  std::vector<inventory::Claims::Port> ports;
};
ForgetAnswer askForget(const ApiContext& context, const std::string& id, const Asker& asker,
                       const std::string& reason);

// A new attempt of a failed request (status "planning", `attempt`).
struct RetryAnswer : ActionAnswer {
  int attempt = 0;
};
RetryAnswer askRetry(const ApiContext& context, const std::string& id, const Asker& asker);

// One of the request's callback deliveries again, due now (`delivery_id`
// empty: its last); `delivery` is what was queued.
struct RedeliverAnswer : ActionAnswer {
  std::optional<inventory::CallbackDelivery> delivery;
};
RedeliverAnswer askRedeliver(const ApiContext& context, const std::string& id,
                             const std::string& delivery_id, const Asker& asker);

// A cabling check of a completed request (design.md §17), queued for a
// worker: `check` is the new one, or the one already pending.
struct CheckAnswer : ActionAnswer {
  std::optional<inventory::CablingCheck> check;
  bool queued = false;  // false: one was pending already
};
CheckAnswer askCheck(const ApiContext& context, const std::string& id, const Asker& asker);

}  // namespace colo::agent
