#include "http/actions.h"

#include <mutex>

#include <nlohmann/json.hpp>

#include "colo/inventory/error.h"
#include "core/log.h"
#include "jobs/cabling_job.h"
#include "jobs/status_writer.h"

namespace colo::agent {

namespace inv = colo::inventory;

std::optional<ActionAnswer> refusingWork(const ApiContext& ctx, const std::string& outcome) {
  auto why = ctx.refusingWork ? ctx.refusingWork() : std::string();
  if (why.empty()) return std::nullopt;
  return ActionAnswer{503, "", "this agent takes no new work: " + why + "; " + outcome, "60"};
}

ActionAnswer askRelease(const ApiContext& ctx, const std::string& id, const Asker& asker) {
  ReleaseAsked asked;
  try {
    std::lock_guard lock(*ctx.ledgerMutex);
    StatusWriter status(*ctx.ledger, *ctx.sla, ctx.config->get()->public_url);
    asked = status.askRelease(id, {asker.actor, "release asked from " + asker.remote, "", ""});
  } catch (const inv::Error& e) {
    if (e.kind() != inv::ErrorKind::moved) throw;
    return {409, "", e.what(), ""};  // moved on while asked: say how it stands now
  }
  using Outcome = ReleaseAsked::Outcome;
  switch (asked.outcome) {
    case Outcome::released:
      return {202, "released", "", ""};
    case Outcome::releasing:
      if (ctx.wakeWorkers) ctx.wakeWorkers();  // a worker returns its ports
      return {202, "releasing", "", ""};
    case Outcome::already_releasing:
      return {202, "releasing", "", ""};
    case Outcome::not_found:
      return {404, "", asked.refusal(id), ""};
    case Outcome::already_released:
      return {409, "released", asked.refusal(id), ""};
    case Outcome::nothing_held:
      return {409, "failed", asked.refusal(id), ""};
    case Outcome::not_ended:
      return {409, std::string(inv::name(asked.status)), asked.refusal(id), ""};
  }
  return {500, "", "no answer", ""};
}

ForgetAnswer askForget(const ApiContext& ctx, const std::string& id, const Asker& asker,
                       const std::string& reason) {
  ForgetAnswer out;
  auto refuse = [&](int http, std::string detail) {
    out.http = http;
    out.detail = std::move(detail);
    return out;
  };
  if (!atLeast(asker.role, Role::admin))
    return refuse(403, "only an admin may release without touching the switches (role " +
                           std::string(name(asker.role)) + ")");
  if (auto bad = reasonProblem(reason); !bad.empty()) return refuse(400, "reason: " + bad);
  ForgetAsked asked;
  {
    std::lock_guard lock(*ctx.ledgerMutex);
    StatusWriter status(*ctx.ledger, *ctx.sla, ctx.config->get()->public_url);
    auto alive = ctx.ownerAlive ? ctx.ownerAlive : [](const std::string&) { return true; };
    asked = status.forgetSwitches(id, {asker.actor, reason, "", ""}, alive);
  }
  using Outcome = ForgetAsked::Outcome;
  if (asked.outcome == Outcome::not_found) return refuse(404, asked.refusal(id));
  if (asked.outcome != Outcome::released) return refuse(409, asked.refusal(id));
  logEvent({{"level", "warn"},
            {"event", "request.switches_forgotten"},
            {"request_id", id},
            {"ports_to_clean", portList(asked.ports)},
            {"caller", asker.caller}});
  out.status = "released";
  out.ports = std::move(asked.ports);
  return out;
}

RetryAnswer askRetry(const ApiContext& ctx, const std::string& id, const Asker& asker) {
  RetryAnswer out;
  if (auto refused = refusingWork(ctx, "nothing was changed")) {
    static_cast<ActionAnswer&>(out) = *refused;
    return out;
  }
  RetryAsked asked;
  {
    std::lock_guard lock(*ctx.ledgerMutex);
    StatusWriter status(*ctx.ledger, *ctx.sla, ctx.config->get()->public_url);
    asked = status.askRetry(id, {asker.actor, "retry asked from " + asker.remote, "", ""});
  }
  using Outcome = RetryAsked::Outcome;
  if (asked.outcome != Outcome::retrying) {
    out.http = asked.outcome == Outcome::not_found ? 404 : 409;
    out.detail = asked.refusal(id);
    return out;
  }
  logEvent({{"level", "info"},
            {"event", "request.retry"},
            {"request_id", id},
            {"attempt", asked.attempt},
            {"caller", asker.caller}});
  if (ctx.wakeWorkers) ctx.wakeWorkers();
  out.status = "planning";
  out.attempt = asked.attempt;
  return out;
}

RedeliverAnswer askRedeliver(const ApiContext& ctx, const std::string& id,
                             const std::string& deliveryId, const Asker& asker) {
  RedeliverAnswer out;
  {
    std::lock_guard lock(*ctx.ledgerMutex);
    if (!ctx.ledger->requests().find(id)) {
      out.http = 404;
      out.detail = "request " + id + " does not exist";
      return out;
    }
    out.delivery = ctx.ledger->outbox().redeliver(id, deliveryId);
  }
  if (!out.delivery) {
    out.http = deliveryId.empty() ? 409 : 404;
    out.detail = deliveryId.empty()
                     ? "request " + id +
                           " has no callback to deliver again: it has not ended, or it names no "
                           "callback_url"
                     : "request " + id + " has no delivery " + deliveryId.substr(0, 100) +
                           " (its deliveries are in GET /v1/requests/" + id + ")";
    return out;
  }
  if (ctx.redelivered) ctx.redelivered(out.delivery->url);
  logEvent({{"level", "info"},
            {"event", "callback.redeliver"},
            {"request_id", id},
            {"delivery", out.delivery->delivery_id},
            {"caller", asker.caller}});
  if (ctx.callbackQueued) ctx.callbackQueued();
  return out;
}

CheckAnswer askCheck(const ApiContext& ctx, const std::string& id, const Asker& asker) {
  CheckAnswer out;
  if (auto refused = refusingWork(ctx, "no check was queued")) {
    static_cast<ActionAnswer&>(out) = *refused;
    return out;
  }
  {
    std::lock_guard lock(*ctx.ledgerMutex);
    auto& ledger = *ctx.ledger;
    auto rec = ledger.requests().find(id);
    if (!rec) {
      out.http = 404;
      out.detail = "request " + id + " does not exist";
      return out;
    }
    out.status = std::string(inv::name(rec->status));
    if (auto why = checkRefusal(*rec); !why.empty()) {
      out.http = 409;
      out.detail = why;
      return out;
    }
    auto [checkId, fresh] = ledger.cablingChecks().queue(id, asker.actor, ledger.nowMs());
    out.queued = fresh;
    out.check = ledger.cablingChecks().find(checkId);
  }
  logEvent({{"level", "info"},
            {"event", "cabling.asked"},
            {"request_id", id},
            {"check_id", out.check ? out.check->id : 0},
            {"caller", asker.caller}});
  if (ctx.wakeWorkers) ctx.wakeWorkers();
  return out;
}

}  // namespace colo::agent
