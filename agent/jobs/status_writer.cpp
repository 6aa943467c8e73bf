#include "jobs/status_writer.h"

#include <nlohmann/json.hpp>

#include "colo/inventory/allocator.h"
#include "colo/inventory/error.h"
#include "colo/inventory/utf8.h"
#include "core/log.h"
#include "jobs/outbox.h"

namespace colo::agent {

namespace inv = colo::inventory;
using inv::Status;

std::string ReleaseAsked::refusal(const std::string& id) const {
  switch (outcome) {
    case Outcome::nothing_held:
      return "request " + id +
             " failed and holds nothing: there is nothing to release, so it stays failed (`colo "
             "retry " +
             id + "` tries it again)";
    case Outcome::already_released:
      return "request " + id + " was already released";
    case Outcome::already_releasing:
      return "request " + id + " is being released already" +
             (owner.empty() ? std::string() : " (by " + owner + ")");
    case Outcome::not_ended:
      return "request " + id + " is " + std::string(inv::name(status)) +
             "; release it once it has ended";
    case Outcome::not_found:
      return "request " + id + " does not exist";
    default:
      return "";
  }
}

std::string RetryAsked::refusal(const std::string& id) const {
  switch (outcome) {
    case Outcome::not_failed:
      return "request " + id + " is " + std::string(inv::name(status)) +
             "; only a failed request is retried (nothing was changed)";
    case Outcome::holds:
      return "request " + id +
             " failed and still holds ports it could not restore; fix them, then `colo release " +
             id + "` (nothing was changed)";
    case Outcome::not_found:
      return "request " + id + " does not exist";
    default:
      return "";
  }
}

std::string ForgetAsked::refusal(const std::string& id) const {
  switch (outcome) {
    case Outcome::nothing_held:
      return "request " + id +
             " failed and holds nothing: there is nothing to release, so it stays failed";
    case Outcome::already_released:
      return "request " + id + " was already released (nothing was changed)";
    case Outcome::not_ended:
      return "request " + id + " is " + std::string(inv::name(status)) +
             "; forget its switches once it has ended (nothing was changed)";
    case Outcome::release_running:
      return "request " + id + " is being released by " + owner +
             "; if that release fails, forget its switches then (nothing was changed)";
    case Outcome::not_found:
      return "request " + id + " does not exist";
    default:
      return "";
  }
}

std::string reasonProblem(const std::string& reason) {
  if (reason.find_first_not_of(" \t") == std::string::npos)
    return "a reason is required: say why, for the step log";
  if (reason.size() > 300)
    return "the reason is " + std::to_string(reason.size()) + " bytes long; at most 300";
  if (auto at = inv::firstInvalidUtf8(reason))
    return "the reason is not UTF-8 (byte " + std::to_string(*at + 1) + ")";
  if (auto bad = inv::firstUnsafeCharacter(reason)) return "the reason contains " + *bad;
  return "";
}

std::string portList(const std::vector<inv::Claims::Port>& ports) {
  std::string out;
  for (const auto& p : ports)
    out += (out.empty() ? "" : ", ") + p.switch_name + " " + p.port + " (VLAN " +
           std::to_string(p.vlan) + ")";
  return out;
}

void StatusWriter::accept(const inv::Request& request, Status initial, const inv::StepNote& note,
                          std::string_view submittedBy) {
  ledger_.requests().insert(request, initial, note, submittedBy);
}

void StatusWriter::move(const std::string& id, Status from, Status to, const inv::StepNote& note) {
  // Every ending, and every release that failed, says why (kReasons).
  bool releaseFailed = from == Status::releasing && to != Status::released;
  inv::StepNote n = note;
  if ((inv::ended(to) || releaseFailed) && !inv::isReason(n.reason))
    n.reason = to == Status::completed && !releaseFailed ? "completed"
               : to == Status::released                  ? "released_by_operator"
                                                         : "internal_error";
  ledger_.write([&] {
    ledger_.requests().transition(id, from, to, n);
    // A failed release leaves the request's ending as it was (announced
    // then): it is announced as what it is, once.
    if (releaseFailed)
      announceReleaseFailed(id);
    else if (inv::ended(to))
      announce(id);
  });
}

std::optional<inv::Job> StatusWriter::takeJob(const std::string& owner, const std::string& actor) {
  std::optional<inv::Job> job;
  ledger_.write([&] {
    job = ledger_.jobs().next();
    if (!job) return;
    if (job->status == Status::queued) {
      move(job->id, Status::queued, Status::planning, {actor, "taken by " + owner, "", owner});
      job->status = Status::planning;
    } else {
      ledger_.jobs().own(job->id, owner);  // a release nobody worked on yet
    }
  });
  return job;
}

Reservation StatusWriter::reserve(const inv::Request& req, const std::string& actor,
                                  inv::OccupancyCache& cache) {
  Reservation out;
  std::optional<inv::ClaimedPlan> claimed;
  // Planned before the write, which then only checks it (design.md §6).
  auto draft = inv::draftPlan(cache, req);
  ledger_.write([&] {
    out = {};  // PostgreSQL may run this again
    claimed.reset();
    auto existing = ledger_.requests().find(req.id);
    if (existing) {
      if (existing->fingerprint != req.fingerprint)
        throw inv::Error(inv::ErrorKind::conflict,
                         "request " + req.id +
                             " was already received with a different body; a changed request "
                             "needs a new id");
      switch (existing->status) {
        case Status::reserved:
        case Status::configuring:
        case Status::completed:
        case Status::releasing:
          out.plan = *existing->allocation;
          out.existing = true;
          return;
        case Status::failed:
          if (!ledger_.claims().holds(req.id)) break;  // a new attempt
          throw inv::Error(inv::ErrorKind::conflict,
                           "request " + req.id +
                               " failed and still holds ports it could not restore; 'colo "
                               "release " +
                               req.id + "' first");
        default:
          throw inv::Error(inv::ErrorKind::conflict,
                           "request " + req.id + " is " + std::string(inv::name(existing->status)) +
                               (existing->status == Status::released
                                    ? "; it cannot be reserved again (use a new id)"
                                    : "; another colo process is working on it"));
      }
      move(req.id, Status::failed, Status::planning, {actor, "reserve again", "", ""});
    } else {
      accept(req, Status::planning, {actor, "colo reserve", "", ""});
    }
    claimed = inv::claimNewPlan(ledger_, req, cache, {}, draft);
    out.plan = claimed->plan;
    move(req.id, Status::planning, Status::reserved,
         {actor, inv::placementSummary(out.plan), "", ""});
  });
  if (claimed) claimed->committed(ledger_, cache, req.tenant.code);
  return out;
}

ReleaseAsked::Outcome StatusWriter::releaseWould(Status status, bool holds) {
  using Outcome = ReleaseAsked::Outcome;
  switch (status) {
    case Status::released:
      return Outcome::already_released;
    case Status::releasing:
      return Outcome::already_releasing;
    case Status::reserved:
      return Outcome::released;  // nothing on any switch: freed at once
    case Status::failed:
      return holds ? Outcome::releasing : Outcome::nothing_held;
    case Status::completed:
      return Outcome::releasing;
    default:
      return Outcome::not_ended;
  }
}

ReleaseAsked StatusWriter::askRelease(const std::string& id, const inv::StepNote& note) {
  ReleaseAsked out{ReleaseAsked::Outcome::not_found, Status::queued, ""};
  ledger_.write([&] {
    auto r = ledger_.requests().find(id);
    if (!r) {
      out = {ReleaseAsked::Outcome::not_found, Status::queued, ""};
      return;
    }
    bool holds = r->status == Status::failed && ledger_.claims().holds(id);
    out = {releaseWould(r->status, holds), r->status, r->owner};
    if (out.outcome == ReleaseAsked::Outcome::released) {
      ledger_.claims().unclaim(id);
      move(id, Status::reserved, Status::released,
           {note.actor, "units, power, ports and addresses freed", "", "", "released_by_operator"});
    } else if (out.outcome == ReleaseAsked::Outcome::releasing) {
      move(id, r->status, Status::releasing, note);
    }
  });
  return out;
}

RetryAsked StatusWriter::askRetry(const std::string& id, const inv::StepNote& note) {
  RetryAsked out;
  ledger_.write([&] {
    out = {};  // PostgreSQL may run this again
    auto r = ledger_.requests().find(id);
    if (!r) return;
    out.status = r->status;
    if (r->status != Status::failed) {
      out.outcome = RetryAsked::Outcome::not_failed;
      return;
    }
    if (ledger_.claims().holds(id)) {
      out.outcome = RetryAsked::Outcome::holds;
      return;
    }
    out.attempt = r->attempt + 1;  // planning starts an attempt
    move(id, Status::failed, Status::planning,
         {note.actor, note.detail + ": attempt " + std::to_string(out.attempt), "", note.owner});
    out.outcome = RetryAsked::Outcome::retrying;
  });
  return out;
}

ForgetAsked StatusWriter::forgetSwitches(
    const std::string& id, const inv::StepNote& note,
    const std::function<bool(const std::string&)>& ownerAlive) {
  ForgetAsked out;
  ledger_.write([&] {
    out = {};  // PostgreSQL may run this again
    auto r = ledger_.requests().find(id);
    if (!r) return;
    out.status = r->status;
    out.owner = r->owner;
    const std::string why = "asked by " + note.actor + ": " + note.detail;
    switch (r->status) {
      case Status::released:
        out.outcome = ForgetAsked::Outcome::already_released;
        return;
      case Status::reserved:
        // Nothing was ever configured: an ordinary release.
        ledger_.claims().unclaim(id);
        move(
            id, Status::reserved, Status::released,
            {note.actor,
             "units, power, ports and addresses freed (nothing was configured on a switch); " + why,
             "", ""});
        out.outcome = ForgetAsked::Outcome::released;
        return;
      case Status::failed:
        if (!ledger_.claims().holds(id)) {
          out.outcome = ForgetAsked::Outcome::nothing_held;
          return;
        }
        break;
      case Status::completed:
        break;
      case Status::releasing:
        if (!r->owner.empty() && ownerAlive && ownerAlive(r->owner)) {
          out.outcome = ForgetAsked::Outcome::release_running;
          return;
        }
        break;
      default:
        out.outcome = ForgetAsked::Outcome::not_ended;
        return;
    }
    // Through releasing, under this caller (a CLI's writes are fenced to
    // the jobs it owns).
    if (r->status != Status::releasing)
      ledger_.requests().transition(id, r->status, Status::releasing,
                                    {note.actor, "release without touching the switches " + why,
                                     r->status == Status::failed ? r->error : "", note.owner});
    else if (!note.owner.empty())
      ledger_.jobs().own(id, note.owner);
    out.ports = ledger_.claims().portsOf(id);
    ledger_.claims().unclaimAllButPorts(id);
    move(id, Status::releasing, Status::released,
         {note.actor,
          out.ports.empty()
              ? std::string("units, power and addresses freed without touching the switches")
              : "units, power and addresses freed without touching the switches; ports to "
                "clean by hand (held until `colo validate --online` finds them unused): " +
                    portList(out.ports),
          "", "", "switches_forgotten"});
    out.outcome = ForgetAsked::Outcome::released;
  });
  return out;
}

void StatusWriter::freeAndRelease(const std::string& id, Status from, const std::string& actor) {
  ledger_.write([&] {
    if (!ledger_.requests().find(id))
      throw inv::Error(inv::ErrorKind::not_found, "request " + id + " is not in the ledger");
    ledger_.claims().unclaim(id);
    move(id, from, Status::released,
         {actor, "units, power, ports and addresses freed", "", "", "released_by_operator"});
  });
}

std::size_t StatusWriter::queueEndingCallbacks() {
  // Every ending queues its callback in its own transaction (move()), so
  // this reads the ledger's history once, never at every start.
  if (ledger_.outbox().endingsChecked()) return 0;
  std::size_t read = 0;
  ledger_.write([&] {
    read = 0;
    if (ledger_.outbox().endingsChecked()) return;  // another agent, meanwhile
    // A request back from a failed release announced its ending before that
    // release's attempt (whose number it now has): not again. The ids
    // first, then each whole request: one statement at a time.
    inv::RequestQuery ended;
    ended.statuses = {Status::completed, Status::failed, Status::released};
    std::vector<std::string> ids;
    ledger_.requests().scan(ended, [&](inv::RequestRecord& r) {
      if (r.release_reason.empty()) ids.push_back(std::move(r.id));
      return true;
    });
    for (const auto& id : ids) announce(id);
    read = ids.size();
    ledger_.outbox().markEndingsChecked();
  });
  return read;
}

void StatusWriter::announceReleaseFailed(const std::string& id) {
  auto rec = ledger_.requests().find(id);
  if (!rec) return;
  try {
    if (auto entry = releaseFailedCallbackFor(*rec, sla_, ledger_.nowMs(), publicUrl_))
      ledger_.outbox().enqueue(*entry);
  } catch (const std::exception& e) {
    logEvent({{"level", "error"},
              {"event", "callback.unbuildable"},
              {"request_id", id},
              {"error", e.what()}});
  }
}

void StatusWriter::announce(const std::string& id) {
  if (auto rec = ledger_.requests().find(id)) announce(*rec);
}

void StatusWriter::announce(const inv::RequestRecord& rec) {
  const auto& id = rec.id;
  // A request whose callback cannot be built (a damaged row) still ends:
  // the status change matters more, and the log says why no callback left.
  std::optional<inv::OutboxEntry> entry;
  try {
    entry = callbackFor(rec, sla_, ledger_.nowMs(), publicUrl_);
  } catch (const std::exception& e) {
    logEvent({{"level", "error"},
              {"event", "callback.unbuildable"},
              {"request_id", id},
              {"error", e.what()}});
  }
  if (entry) ledger_.outbox().enqueue(*entry);
}

}  // namespace colo::agent
