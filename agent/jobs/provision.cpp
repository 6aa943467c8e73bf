#include "jobs/provision.h"

#include <iostream>
#include <mutex>
#include <set>

#include "colo/drivers/error.h"
#include "colo/inventory/allocator.h"
#include "colo/inventory/error.h"

namespace colo::agent {

namespace inv = colo::inventory;
using inv::Status;

namespace {

// Records each step in the ledger's step log and, on a terminal, shows it;
// keeps each capture with the attempt it belongs to.
class LedgerSteps final : public StepSink {
 public:
  LedgerSteps(inv::Ledger& ledger, std::string requestId, int attempt, std::string actor, bool show)
      : ledger_(ledger),
        id_(std::move(requestId)),
        attempt_(attempt),
        actor_(std::move(actor)),
        show_(show) {}

  void step(const std::string& sw, const std::string& kind, const std::string& detail) override {
    std::lock_guard lock(m_);
    ledger_.write([&] { ledger_.requests().appendEvent(actor_, id_, kind, sw + ": " + detail); });
    if (show_) std::cerr << "  " << sw << "  " << kind << "  " << detail << "\n";
  }

  void captured(const std::string& sw, const std::string& port,
                const std::vector<std::string>& lines) override {
    std::lock_guard lock(m_);
    ledger_.jobs().saveCapture(id_, attempt_, sw, port, lines);
  }

 private:
  inv::Ledger& ledger_;
  std::string id_;
  int attempt_;
  std::string actor_;
  bool show_;
  std::mutex m_;
};

inv::Error conflict(const std::string& message) {
  return inv::Error(inv::ErrorKind::conflict, message);
}

bool hasSwitchWork(const inv::Plan& plan) {
  for (const auto& s : plan.servers)
    if (!s.nics.empty()) return true;
  return false;
}

}  // namespace

Provisioner::Provisioner(StatusWriter& status, inv::OccupancyCache& occupancy,
                         const Playbooks& playbooks, SwitchOpener& opener, JobContext context)
    : status_(status),
      ledger_(status.ledger()),
      inv_(occupancy.inventory()),
      playbooks_(playbooks),
      opener_(opener),
      ctx_(std::move(context)),
      occupancy_(occupancy) {}

void Provisioner::checkPlan(const inv::Plan& plan, const std::string& tenant) {
  auto changes = portChanges(plan, tenant, playbooks_);
  commandsBySwitch(inv_, playbooks_, changes, PortAction::configure);
  commandsBySwitch(inv_, playbooks_, changes, PortAction::unconfigure);
  std::set<std::string> switches;
  for (const auto& c : changes) switches.insert(c.switch_name);
  for (const auto& name : switches) opener_.preflight(*inv_.switchNamed(name));
}

ProvisionOutcome Provisioner::fail(const std::string& id, Status from, const std::string& why,
                                   std::string_view reason, bool invalidInput) {
  status_.move(id, from, Status::failed,
               {ctx_.actor, "nothing reserved, no switch touched", why, "", std::string(reason)});
  ProvisionOutcome out;
  out.id = id;
  out.failed = true;
  out.error = why;
  out.invalid_input = invalidInput;
  return out;
}

ProvisionOutcome Provisioner::provision(const inv::Request& req) {
  enum class Next { run, resume, configureReserved, done } next = Next::run;
  ProvisionOutcome out;
  out.id = req.id;
  std::optional<inv::RequestRecord> rec;
  ledger_.write([&] {
    rec = ledger_.requests().find(req.id);
    if (!rec) {
      status_.accept(req, Status::planning, {ctx_.actor, "colo provision", "", ctx_.owner});
      return;
    }
    if (rec->fingerprint != req.fingerprint)
      throw conflict(
          "request " + req.id +
          " was already received with a different body; a changed request needs a new id");
    bool holds = ledger_.claims().holds(req.id);
    switch (rec->status) {
      case Status::completed:
        out.plan = *rec->allocation;
        out.already_completed = true;
        next = Next::done;
        return;
      case Status::queued:
        status_.move(req.id, Status::queued, Status::planning,
                     {ctx_.actor, "taken by colo provision", "", ctx_.owner});
        return;
      case Status::failed:
        if (holds)
          throw conflict("request " + req.id +
                         " failed and still holds ports it could not restore (" + rec->error +
                         "); fix them, then 'colo release " + req.id + "'");
        status_.move(req.id, Status::failed, Status::planning,
                     {ctx_.actor, "provision again", "", ctx_.owner});
        return;
      case Status::reserved:
        next = Next::configureReserved;
        return;
      case Status::released:
        throw conflict("request " + req.id +
                       " was released; it cannot be provisioned again (use a new id)");
      case Status::planning:
      case Status::configuring:
      case Status::releasing:
        if (!rec->owner.empty() && ctx_.ownerAlive(rec->owner))
          throw conflict("request " + req.id + " is " + std::string(inv::name(rec->status)) + ": " +
                         rec->owner + " is working on it; see 'colo request " + req.id + "'");
        if (rec->status == Status::releasing)
          throw conflict("request " + req.id + " is being released; finish it with 'colo release " +
                         req.id + "'");
        // Its process is gone: take the job over where it stands.
        ledger_.jobs().adoptOrphans(ctx_.owner, ctx_.ownerAlive, req.id);
        next = rec->status == Status::planning ? Next::run : Next::resume;
        return;
    }
  });
  switch (next) {
    case Next::done:
      return out;
    case Next::run:
      return run(req.id);
    case Next::resume:
      return resume(req.id);
    case Next::configureReserved: {
      // Checked before anything moves: a reservation whose switch work
      // cannot start stays a reservation.
      checkPlan(*rec->allocation, req.tenant.code);
      status_.move(req.id, Status::reserved, Status::configuring,
                   {ctx_.actor, "colo provision of the reservation", "", ctx_.owner});
      return configure(*ledger_.requests().find(req.id), req, *rec->allocation, false);
    }
  }
  return out;
}

ProvisionOutcome Provisioner::run(const std::string& id) {
  auto rec = ledger_.requests().find(id);
  if (!rec || rec->status != Status::planning)
    throw inv::Error(inv::ErrorKind::moved, "request " + id + " is not planning");
  std::optional<inv::ClaimedPlan> claimed;
  inv::Request req;
  try {
    req = inv::parseRequestJson(rec->body);
    inv::checkRequestAgainst(req, inv_);
    if (ctx_.interrupt && ctx_.interrupt())
      throw drivers::DriverError(drivers::DriverErrorKind::interrupted,
                                 "interrupted by the operator before reserving");
    // Planning, every check and the claims commit with the move to
    // configuring, or not at all; a draft made before the write spares it
    // the search of every rack (design.md §6).
    auto draft = inv::draftPlan(occupancy_, req);
    ledger_.write([&] {
      claimed = inv::claimNewPlan(
          ledger_, req, occupancy_, [&](const inv::Plan& p) { checkPlan(p, req.tenant.code); },
          draft);
      status_.move(id, Status::planning, Status::configuring,
                   {ctx_.actor, inv::placementSummary(claimed->plan), "", ctx_.owner});
    });
  } catch (const inv::Error& e) {
    if (e.kind() == inv::ErrorKind::moved) throw;
    auto reason = e.kind() == inv::ErrorKind::exhausted ? "no_fit"
                  : e.kind() == inv::ErrorKind::storage ? "internal_error"
                                                        : "invalid_request";
    return fail(id, Status::planning, e.what(), reason, e.kind() == inv::ErrorKind::invalid_input);
  } catch (const drivers::DriverError& e) {
    return fail(id, Status::planning, e.what(), reasonOf(e.kind()),
                e.kind() == drivers::DriverErrorKind::invalid_value);
  } catch (const std::exception& e) {
    return fail(id, Status::planning, e.what(), "internal_error");
  }
  claimed->committed(ledger_, occupancy_, req.tenant.code);
  return configure(*ledger_.requests().find(id), req, claimed->plan, false);
}

ProvisionOutcome Provisioner::resume(const std::string& id) {
  auto rec = ledger_.requests().find(id);
  if (!rec || rec->status != Status::configuring || !rec->allocation)
    throw inv::Error(inv::ErrorKind::moved,
                     "request " + id + " is not configuring; nothing to resume");
  ledger_.write([&] {
    ledger_.requests().appendEvent(ctx_.actor, id, "resuming",
                                   "after an interruption, from this attempt's stored captures");
  });
  return configure(*rec, inv::parseRequestJson(rec->body), *rec->allocation, true);
}

ProvisionOutcome Provisioner::configure(const inv::RequestRecord& rec, const inv::Request& req,
                                        inv::Plan plan, bool resumed) {
  ProvisionOutcome out;
  out.id = rec.id;
  out.plan = std::move(plan);
  LedgerSteps steps(ledger_, rec.id, rec.attempt, ctx_.actor, ctx_.progress);
  auto changes = portChanges(out.plan, req.tenant.code, playbooks_);
  if (ctx_.progress)
    std::cerr << "provisioning " << rec.id << ": " << changes.size() << " port(s)\n";
  SwitchWorkOptions options;
  options.interrupt = ctx_.interrupt;
  options.abandon = ctx_.shutdown;
  if (resumed) {
    options.prior = ledger_.jobs().captures(rec.id, rec.attempt);
    options.possibly_saved = !options.prior.empty();
  }
  try {
    applyPortChanges(inv_, playbooks_, opener_, steps, changes, PortAction::configure, options);
  } catch (const JobAbandoned&) {
    throw left(rec.id, out.plan, false);
  } catch (const ChangeFailed& e) {
    out.failed = true;
    out.restored = e.restoredPorts();
    if (e.restored()) {
      out.error =
          std::string(e.what()) + "; every touched port was restored and the reservation released";
      ledger_.write([&] {
        ledger_.claims().unclaim(rec.id);
        status_.move(rec.id, Status::configuring, Status::failed,
                     {ctx_.actor, "every touched port restored; reservation released", e.what(), "",
                      e.reason()});
      });
    } else {
      out.error = std::string(e.what()) + "; the reservation is kept until 'colo release " +
                  rec.id + "' succeeds";
      status_.move(rec.id, Status::configuring, Status::failed,
                   {ctx_.actor, "some ports could not be restored; reservation kept", e.what(), "",
                    e.reason()});
    }
    return out;
  }
  status_.move(rec.id, Status::configuring, Status::completed,
               {ctx_.actor, "ports configured, verified and saved", "", "", "completed"});
  return out;
}

namespace {

// "a Gi1/0/1, b Ethernet2": the ports a plan's switch work touches.
std::string portsOf(const inv::Plan& plan) {
  std::string ports;
  for (const auto& s : plan.servers)
    for (const auto& n : s.nics)
      if (!n.port.empty()) ports += (ports.empty() ? "" : ", ") + n.switch_name + " " + n.port;
  return ports;
}

// What a job stopped mid-way leaves, and the command that continues it.
std::string continuedBy(const std::string& id, const std::string& ports, bool releasing) {
  return (ports.empty() ? std::string() : "; its ports may be half-configured: " + ports) +
         ". `colo " + (releasing ? "release " : "provision ") + id +
         "` continues it from where it stood" +
         (releasing ? " (it frees everything, or puts the ports back and fails)"
                    : " (it completes, or restores the ports and fails)");
}

}  // namespace

// A job left half-done by a process that ended (kill -9, a crash): what
// it may have left on switches, and the command that continues it.
std::string Provisioner::orphanRefusal(const std::string& id, const std::string& owner) {
  std::string ports;
  if (auto r = ledger_.requests().find(id); r && r->allocation) ports = portsOf(*r->allocation);
  return "request " + id + " is configuring, and nobody is working on it (" +
         (owner.empty() ? std::string("its process ended") : owner + " ended") + ")" +
         continuedBy(id, ports, false) + "; release it after that";
}

// This process stopped sending commands mid-job (it is stopping, or its
// lease may have lapsed): the job stays in progress, for this command run
// again or an agent on the ledger to continue.
JobAbandoned Provisioner::left(const std::string& id, const inv::Plan& plan, bool releasing) {
  return JobAbandoned("request " + id + " is left " + (releasing ? "releasing" : "configuring") +
                      ": colo is stopping, or its lease on the ledger may have lapsed (the "
                      "database did not answer in time), so it sent no more commands" +
                      continuedBy(id, portsOf(plan), releasing) +
                      " once the ledger answers; an agent on this ledger continues it by itself");
}

ProvisionOutcome Provisioner::release(const std::string& id) {
  auto asked = status_.askRelease(id, {ctx_.actor, "colo release", "", ctx_.owner});
  using Outcome = ReleaseAsked::Outcome;
  switch (asked.outcome) {
    case Outcome::not_found:
      throw inv::Error(inv::ErrorKind::not_found, "request " + id + " is not in the ledger");
    case Outcome::already_released:
      throw conflict(asked.refusal(id));
    case Outcome::nothing_held: {
      ProvisionOutcome out;
      out.id = id;
      out.nothing_to_do = asked.refusal(id);
      return out;
    }
    case Outcome::not_ended:
      if (asked.status == Status::configuring &&
          (asked.owner.empty() || !ctx_.ownerAlive(asked.owner)))
        throw conflict(orphanRefusal(id, asked.owner));
      throw conflict(asked.refusal(id));
    case Outcome::released: {  // nothing was configured: freed at once
      ProvisionOutcome out;
      out.id = id;
      return out;
    }
    case Outcome::already_releasing:
      // Someone asked before: finish it here, unless a live process does.
      if (!asked.owner.empty() && ctx_.ownerAlive(asked.owner))
        throw conflict("request " + id + " is being released by " + asked.owner);
      ledger_.jobs().adoptOrphans(ctx_.owner, ctx_.ownerAlive, id);
      break;
    case Outcome::releasing:
      break;
  }
  return finishRelease(id);
}

ProvisionOutcome Provisioner::finishRelease(const std::string& id) {
  auto rec = ledger_.requests().find(id);
  if (!rec || rec->status != Status::releasing)
    throw inv::Error(inv::ErrorKind::moved, "request " + id + " is not releasing");
  ProvisionOutcome out;
  out.id = id;
  Status back = rec->release_from.value_or(Status::completed);
  // Ports were configured (or may have been): return them to unused first.
  if (rec->allocation && ledger_.claims().holds(id) && hasSwitchWork(*rec->allocation)) {
    out.plan = *rec->allocation;
    LedgerSteps steps(ledger_, id, rec->attempt, ctx_.actor, ctx_.progress);
    SwitchWorkOptions options;
    options.interrupt = ctx_.interrupt;
    options.abandon = ctx_.shutdown;
    options.prior = ledger_.jobs().captures(id, rec->attempt);  // a release resumed after a crash
    options.possibly_saved = !options.prior.empty();
    try {
      auto changes = portChanges(*rec->allocation, rec->tenant_code, playbooks_);
      applyPortChanges(inv_, playbooks_, opener_, steps, changes, PortAction::unconfigure, options);
    } catch (const JobAbandoned&) {
      throw left(id, out.plan, true);
    } catch (const ChangeFailed& e) {
      out.failed = true;
      out.error = e.what();
      out.restored = e.restoredPorts();
      // The request keeps its ending; the release's failure is recorded
      // apart, and announced once (request.release_failed).
      status_.move(id, Status::releasing, back,
                   {ctx_.actor, "release failed, nothing freed", e.what(), "", e.reason()});
      return out;
    }
  }
  status_.freeAndRelease(id, Status::releasing, ctx_.actor);
  return out;
}

ProvisionOutcome Provisioner::continueJob(const std::string& id, Status status) {
  switch (status) {
    case Status::planning:
      return run(id);
    case Status::configuring:
      return resume(id);
    case Status::releasing:
      return finishRelease(id);
    default:
      throw inv::Error(
          inv::ErrorKind::moved,
          "request " + id + " is " + std::string(inv::name(status)) + ": no job to continue");
  }
}

}  // namespace colo::agent
