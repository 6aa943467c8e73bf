// The commands about requests: plan, reserve, provision, release, requests,
// request, letter.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/table.h"
#include "colo/inventory/allocator.h"
#include "core/url.h"
#include "core/views.h"
#include "engine/cabling.h"
#include "engine/switch_work.h"
#include "jobs/cabling_job.h"
#include "ui/letter.h"

namespace colo::agent {

using nlohmann::json;

namespace {

// A request file, valid in itself and against the inventory; errors name the file.
// REQUEST: a request file, or the id of a request the ledger holds (what was
// sent, as stored: a request that failed, or that a process left
// half-done, runs again as it was; docs/design.md §10).
bool namesStoredRequest(const std::string& arg) {
  std::error_code ec;
  return !arg.empty() && arg.find('/') == std::string::npos && !arg.ends_with(".json") &&
         !arg.ends_with(".yaml") && !arg.ends_with(".yml") && !std::filesystem::exists(arg, ec);
}

// A department letter cited by another request too: said, not refused (a
// resubmission under a new id is allowed; a copy-paste mistake is caught).
void warnIfLetterReused(inv::Ledger& ledger, const inv::Request& req) {
  auto others = ledger.requests().citingLetter(req.tenant.code, req.letter_number, req.id);
  if (others.empty()) return;
  std::string ids;
  for (const auto& id : others) ids += (ids.empty() ? "" : ", ") + id;
  std::cerr << "colo: warning: letter " << req.letter_number << " of " << req.tenant.code
            << " is cited by " << ids
            << " too; check this is not the same request again under a new id\n";
}

inv::Request loadRequest(CommandContext& s, const std::string& file) {
  if (namesStoredRequest(file)) {
    auto rec = s.ledger().requests().find(file);
    if (!rec)
      throw inv::Error(inv::ErrorKind::not_found,
                       file + ": no such request file, and no request " + file + " in the ledger");
    return inv::parseRequestJson(rec->body);
  }
  auto req = inv::loadRequestFile(file, &s.inventory());
  try {
    // With a config, the request must name a receiver it allows (without one
    // nothing is ever sent: the agent's deliverer checks again).
    if (std::string why; !req.callback_url.empty() && !s.config().file.empty() &&
                         !callbackUrlAllowed(req.callback_url, s.config().callback_allowed, why))
      throw inv::Error(inv::ErrorKind::invalid_input, "callback_url: " + why);
  } catch (const inv::Error& e) {
    throw e.within(file);
  }
  warnIfLetterReused(s.ledger(), req);
  return req;
}

// What the request holds already (same body, still holding it), else what it
// would get now; nothing is written.
inv::Plan currentOrNewPlan(CommandContext& s, const inv::Request& req, bool& existing) {
  auto& ledger = s.ledger();
  auto rec = ledger.requests().find(req.id);
  existing = rec && rec->allocation && rec->fingerprint == req.fingerprint &&
             ledger.claims().holds(req.id);
  if (existing) return *rec->allocation;
  return inv::allocate(s.occupancy(), req);
}

}  // namespace

int cmdPlan(CommandContext& s, const std::string& file) {
  auto req = loadRequest(s, file);
  bool existing = false;
  inv::Plan plan = currentOrNewPlan(s, req, existing);
  if (s.options().json) {
    json out = inv::toJson(plan);
    out["already_reserved"] = existing;
    print(out);
    return 0;
  }
  std::cout << "plan for " << req.id << " (" << req.tenant.code << ", letter " << req.letter_number
            << ")" << (existing ? ": already reserved" : "") << "\n"
            << planText(plan);
  if (!existing) std::cout << "nothing was reserved; run 'colo reserve " << file << "' to commit\n";
  return 0;
}

int cmdReserve(CommandContext& s, const std::string& file) {
  auto req = loadRequest(s, file);
  StatusWriter status(s.ledger(), s.sla(), s.config().public_url);
  auto result = status.reserve(req, CommandContext::actor(), s.occupancyCache());
  if (s.options().json) {
    json out = inv::toJson(result.plan);
    out["already_reserved"] = result.existing;
    print(out);
    return 0;
  }
  std::cout << (result.existing ? "already reserved " : "reserved ") << req.id << " ("
            << req.tenant.code << ", letter " << req.letter_number << ")\n"
            << planText(result.plan);
  return 0;
}

namespace {

void printCommands(const std::map<std::string, std::vector<std::string>>& bySwitch,
                   const inv::Inventory& inventory) {
  for (const auto& [name, cmds] : bySwitch) {
    const auto* sw = inventory.switchNamed(name);
    std::cout << "switch " << name << " (" << sw->vendor << ", " << sw->address << ":" << sw->port
              << "):\n";
    for (const auto& c : cmds) std::cout << "  " << c << "\n";
  }
}

json commandsJson(const std::map<std::string, std::vector<std::string>>& bySwitch) {
  json out = json::object();
  for (const auto& [name, cmds] : bySwitch) out[name] = cmds;
  return out;
}

// A job that ended failed: what happened and every port put back; exit
// 130/143/129 when the operator interrupted it (or the terminal hung up), 2 for a bad value,
// else 1.
int failedJob(const std::string& what, const ProvisionOutcome& outcome, const std::string& tail) {
  std::string msg = what + (InterruptGuard::interrupted() ? " interrupted: " : " failed: ") +
                    outcome.error + tail;
  for (const auto& p : outcome.restored) msg += "\n  restored " + p;
  std::cerr << "colo: " << msg << "\n";
  if (InterruptGuard::interrupted()) return InterruptGuard::exitCode();
  return outcome.invalid_input ? 2 : 1;
}

void printProvisioned(CommandContext& s, const inv::Request& req, const ProvisionOutcome& outcome,
                      int attempt) {
  if (s.options().json) {
    json out = inv::toJson(outcome.plan);
    out["status"] = "completed";
    if (attempt > 0) out["attempt"] = attempt;
    print(out);
  } else {
    std::cout << "provisioned " << req.id << " (" << req.tenant.code << ", letter "
              << req.letter_number
              << (attempt > 0 ? ", attempt " + std::to_string(attempt) : std::string()) << ")\n"
              << planText(outcome.plan);
  }
}

}  // namespace

int cmdProvision(CommandContext& s, const std::string& file, bool dryRun) {
  auto req = loadRequest(s, file);
  const auto& inventory = s.inventory();
  const auto& playbooks = s.playbooks();
  if (dryRun) {
    bool existing = false;
    inv::Plan plan = currentOrNewPlan(s, req, existing);
    auto cmds = commandsBySwitch(
        inventory, playbooks, portChanges(plan, req.tenant.code, playbooks), PortAction::configure);
    // What a real run checks before it reserves: each switch's credentials
    // resolve and its host key is known.
    std::vector<inv::Switch> used;
    for (const auto& sw : inventory.switches)
      for (const auto& server : plan.servers)
        for (const auto& nic : server.nics)
          if (nic.switch_name == sw.name && (used.empty() || used.back().name != sw.name))
            used.push_back(sw);
    auto unworkable = unworkableSwitches(used, *sshOpener(s.config(), nullptr));
    if (s.options().json) {
      json out = inv::toJson(plan);
      out["commands"] = commandsJson(cmds);
      out["dry_run"] = true;
      if (!unworkable.empty()) out["unworkable"] = unworkable;
      print(out);
    } else {
      std::cout << "dry run for " << req.id << ": nothing is reserved, no switch is contacted\n"
                << planText(plan);
      printCommands(cmds, inventory);
    }
    for (const auto& why : unworkable)
      std::cerr << "colo: dry run: a real run would stop before reserving: " << why << "\n";
    return unworkable.empty() ? 0 : 1;
  }

  InterruptGuard guard;
  CliJobs jobs(s);
  auto outcome = jobs.provisioner.provision(req);
  if (outcome.failed) return failedJob("provision " + req.id, outcome, "");
  if (outcome.already_completed) {
    if (s.options().json) {
      json out = inv::toJson(outcome.plan);
      out["status"] = "completed";
      out["already_provisioned"] = true;
      print(out);
    } else {
      std::cout << "already provisioned " << req.id << "\n" << planText(outcome.plan);
    }
    return 0;
  }
  printProvisioned(s, req, outcome, 0);
  return 0;
}

int cmdRetry(CommandContext& s, const std::string& id) {
  InterruptGuard guard;
  CliJobs jobs(s);
  auto asked =
      jobs.status.askRetry(id, {CommandContext::actor(), "colo retry", "", jobs.owner->id()});
  using Outcome = RetryAsked::Outcome;
  if (asked.outcome == Outcome::not_found)
    throw inv::Error(inv::ErrorKind::not_found, asked.refusal(id));
  if (asked.outcome != Outcome::retrying)
    throw inv::Error(inv::ErrorKind::conflict, asked.refusal(id));
  auto outcome = jobs.provisioner.continueJob(id, inv::Status::planning);
  std::string what = "retry " + id + " (attempt " + std::to_string(asked.attempt) + ")";
  if (outcome.failed) return failedJob(what, outcome, "");
  auto rec = jobs.ledger.requests().find(id);
  printProvisioned(s, inv::parseRequestJson(rec->body), outcome, asked.attempt);
  return 0;
}

int cmdRelease(CommandContext& s, const std::string& id) {
  auto& ledger = s.ledger();
  auto r = ledger.requests().find(id);
  if (!r) throw inv::Error(inv::ErrorKind::not_found, "request " + id + " is not in the ledger");
  // Asked again: done already, as `provision` of a completed request is.
  if (r->status == inv::Status::released) {
    if (s.options().json)
      print(requestJson(*r));
    else
      std::cout << "request " << id << " was already released; nothing to do\n";
    return 0;
  }
  InterruptGuard guard;
  CliJobs jobs(s);
  auto outcome = jobs.provisioner.release(id);
  if (outcome.failed) return failedJob("release " + id, outcome, "; nothing was freed");
  if (!outcome.nothing_to_do.empty()) {
    if (s.options().json)
      print(requestJson(*ledger.requests().find(id)));
    else
      std::cout << outcome.nothing_to_do << "\n";
    return 0;
  }
  if (s.options().json)
    print(requestJson(*ledger.requests().find(id)));
  else
    std::cout << "released " << id << ": its units, power, ports and addresses are free\n";
  return 0;
}

int cmdForgetSwitches(CommandContext& s, const std::string& id, const std::string& reason) {
  if (auto bad = reasonProblem(reason); !bad.empty())
    throw inv::Error(inv::ErrorKind::invalid_input, "--reason: " + bad);
  CliJobs jobs(s);
  auto asked =
      jobs.status.forgetSwitches(id, {CommandContext::actor(), reason, "", jobs.owner->id()},
                                 [&](const std::string& o) { return jobs.owner->alive(o); });
  using Outcome = ForgetAsked::Outcome;
  if (asked.outcome == Outcome::not_found)
    throw inv::Error(inv::ErrorKind::not_found, asked.refusal(id));
  if (asked.outcome == Outcome::nothing_held || asked.outcome == Outcome::already_released) {
    if (s.options().json)
      print(requestJson(*jobs.ledger.requests().find(id)));
    else
      std::cout << asked.refusal(id) << "\n";
    return 0;
  }
  if (asked.outcome != Outcome::released)
    throw inv::Error(inv::ErrorKind::conflict, asked.refusal(id));
  if (s.options().json) {
    json out = requestJson(*jobs.ledger.requests().find(id));
    json ports = json::array();
    for (const auto& p : asked.ports)
      ports.push_back({{"switch", p.switch_name},
                       {"port", p.port},
                       {"vlan", p.vlan},
                       {"hostname", p.hostname}});
    out["ports_to_clean"] = std::move(ports);
    print(out);
    return 0;
  }
  std::cout << "released " << id
            << " without touching the switches: its units, power and addresses are free\n";
  if (asked.ports.empty()) return 0;
  std::cout << "clean these ports by hand; they stay held, so nothing else is placed on them, "
               "until `colo validate --online` finds them unused:\n";
  for (const auto& p : asked.ports)
    std::cout << "  " << p.switch_name << " " << p.port << " (VLAN " << p.vlan << ", " << p.hostname
              << ")\n";
  // The commands colo would have sent, for the switches it still knows.
  auto rec = jobs.ledger.requests().find(id);
  std::vector<std::pair<std::string, std::string>> ports;
  for (const auto& p : asked.ports) ports.emplace_back(p.switch_name, p.port);
  try {
    if (rec->allocation)
      if (auto cmds = unconfigureCommands(s.inventory(), s.playbooks(), *rec->allocation,
                                          rec->tenant_code, ports);
          !cmds.empty()) {
        std::cout << "what colo would have sent to return them to unused:\n";
        printCommands(cmds, s.inventory());
      }
  } catch (const std::exception&) {
    // The list above is what matters; the commands are a convenience.
  }
  return 0;
}

namespace {

// Open: "late 2d 3h" once past due, else "-"; ended: "met" or "missed by 2d 3h".
std::string slaWord(const std::optional<Sla>& sla) {
  return !sla               ? "-"
         : sla->late()      ? "late " + lateText(sla->late_seconds)
         : sla->missed()    ? "missed by " + lateText(sla->late_seconds)
         : sla->met == true ? "met"
                            : "-";
}

// How many servers the request asked for (a failed one holds none).
std::size_t serversAsked(const inv::RequestRecord& r) {
  if (r.allocation) return r.allocation->servers.size();
  auto body = json::parse(r.body, nullptr, false);
  return body.is_object() && body.contains("servers") && body["servers"].is_array()
             ? body["servers"].size()
             : 0;
}

}  // namespace

int cmdRequests(CommandContext& s, const std::string& status, bool lateOnly, bool missedOnly) {
  std::optional<inv::Status> only;
  if (!status.empty()) {
    only = inv::parseStatus(status);
    if (!only) {
      std::string known;
      for (auto st : inv::allStatuses())
        known += (known.empty() ? "" : ", ") + std::string(inv::name(st));
      std::vector<std::string> names;
      for (auto st : inv::allStatuses()) names.push_back(std::string(inv::name(st)));
      auto meant = inv::closestName(status, names);
      throw inv::Error(inv::ErrorKind::invalid_input,
                       "--status " + status + " is not one of " + known +
                           (meant.empty() ? "" : " (did you mean '" + meant + "'?)"));
    }
  }
  auto now = s.config().time->wallMs() / 1000;
  std::vector<std::pair<inv::RequestRecord, std::optional<Sla>>> rows;
  for (auto& r : s.ledger().requests().all(only)) {
    auto sla = slaOf(r, s.sla(), now);
    if (lateOnly && !(sla && sla->late())) continue;
    if (missedOnly && !(sla && sla->missed())) continue;
    rows.emplace_back(std::move(r), sla);
  }
  if (s.options().json) {
    json out = json::array();
    for (const auto& [r, sla] : rows) {
      json j = requestStatusJson(r, s.sla(), now);
      j.erase("allocation");
      out.push_back(std::move(j));
    }
    print(out);
    return 0;
  }
  Table t(
      {"REQUEST", "TENANT", "LETTER", "STATUS", "SERVERS", "RECEIVED", "DUE", "SLA", "UPDATED"});
  for (const auto& [r, sla] : rows) {
    const auto& zone = s.sla().zone();
    t.row({r.id, r.tenant_code, r.letter_number, std::string(inv::name(r.status)),
           std::to_string(serversAsked(r)), inv::localText(r.received_at, zone),
           sla ? sla->due_date : "-", slaWord(sla), inv::localText(r.updated_at, zone)});
  }
  std::cout << t.str();
  return 0;
}

int cmdLetter(CommandContext& s, const std::string& id, const std::string& out) {
  auto& ledger = s.ledger();
  auto rec = ledger.requests().find(id);
  if (!rec) throw inv::Error(inv::ErrorKind::not_found, "request " + id + " is not in the ledger");
  auto now = s.config().time->wallMs() / 1000;
  auto html = confirmationLetter(ledger, s.config().letter, s.sla(), *rec, now);
  if (out.empty() || out == "-") {
    std::cout << html;
    return 0;
  }
  std::ofstream f(out, std::ios::binary | std::ios::trunc);
  f << html;
  f.close();
  if (!f)
    throw inv::Error(inv::ErrorKind::storage, "cannot write " + out + ": " + std::strerror(errno));
  std::cerr << "letter for " << id << " written to " << out
            << " (print it on A4 without the browser's headers and footers, or: chromium "
               "--headless --no-pdf-header-footer --print-to-pdf="
            << id << ".pdf " << out << ")\n";
  return 0;
}

int cmdRequest(CommandContext& s, const std::string& id) {
  auto& ledger = s.ledger();
  auto rec = ledger.requests().find(id);
  if (!rec) throw inv::Error(inv::ErrorKind::not_found, "request " + id + " is not in the ledger");
  auto events = ledger.requests().events(id);
  auto now = s.config().time->wallMs() / 1000;
  if (s.options().json) {
    json out = requestStatusJson(*rec, s.sla(), now);
    // The request as it was received: what `colo retry` and `provision ID` run.
    out["request"] = json::parse(rec->body, nullptr, false);
    out["events"] = json::array();
    for (const auto& e : events) out["events"].push_back(eventJson(e));
    out["checks"] = json::array();
    for (const auto& c : ledger.cablingChecks().forRequest(id))
      out["checks"].push_back(checkJson(c));
    print(out);
    return 0;
  }
  std::cout << "request " << rec->id << ": " << inv::name(rec->status) << "\n"
            << "tenant " << rec->tenant_code << ", letter " << rec->letter_number << ", received "
            << inv::localText(rec->received_at, s.sla().zone()) << "\n";
  if (auto sla = slaOf(*rec, s.sla(), now))
    std::cout << "due " << sla->due_date << " (3 working days): " << slaWord(sla) << "\n";
  if (rec->attempt > 1) std::cout << "attempt " << rec->attempt << "\n";
  if (!rec->reason.empty()) std::cout << "reason: " << rec->reason << "\n";
  if (!rec->error.empty()) std::cout << "error: " << rec->error << "\n";
  if (!rec->release_reason.empty())
    std::cout << "last release failed (" << rec->release_reason << "): " << rec->release_error
              << "\n";
  if (rec->allocation)
    std::cout << (rec->status == inv::Status::released ? "held until released:\n" : "")
              << planText(*rec->allocation);
  // Numbered within this request (the ledger's own sequence runs across all).
  Table t({"#", "AT", "ACTOR", "STEP", "DETAIL"});
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    t.row({std::to_string(i + 1), inv::localText(e.at, s.sla().zone(), true, true), e.actor, e.kind,
           e.detail});
  }
  std::cout << "steps:\n" << t.str();
  auto checks = ledger.cablingChecks().forRequest(id, 5);
  if (!checks.empty()) {
    Table c({"CHECK", "ASKED", "BY", "STATE", "OUTCOME"});
    for (const auto& k : checks) {
      std::string outcome = k.state == "failed" ? k.error : "";
      if (k.state == "done") {
        auto parsed = json::parse(k.result, nullptr, false);
        outcome = parsed.is_discarded() ? "" : cablingSummary(cablingFromJson(parsed));
      }
      c.row({std::to_string(k.id),
             inv::localText(inv::isoUtcMs(k.requested_at), s.sla().zone(), true, true),
             k.requested_by, k.state, outcome});
    }
    std::cout << "cabling checks (newest first; `colo check " << id << "` for the NICs):\n"
              << c.str();
  }
  return 0;
}

namespace {

std::string lldpText(const NicCabling& n) {
  if (!n.lldp) return "-";
  std::string name = n.lldp->system_name.empty() ? "(no name)" : n.lldp->system_name;
  return n.lldp->port_id.empty() ? name : name + " (" + n.lldp->port_id + ")";
}

std::string macsText(const NicCabling& n) {
  if (n.macs.empty()) return "-";
  std::string out = n.macs.front();
  if (n.macs.size() > 1) out += " +" + std::to_string(n.macs.size() - 1);
  return out;
}

std::string nicName(const NicCabling& n) {
  return n.hostname + " nic" + std::to_string(n.nic) + " (" + n.switch_name + " " + n.port + ")";
}

void printCabling(CommandContext& s, const CheckRun& run) {
  const auto& r = run.report;
  if (s.options().json) {
    json out = cablingJson(r);
    out["check_id"] = run.check.id;
    out["checked_at"] = inv::isoUtcMs(run.check.finished_at);
    out["ok"] = r.ok();
    print(out);
    return;
  }
  std::cout << "cabling of " << r.request_id << ", checked "
            << inv::localText(inv::isoUtcMs(run.check.finished_at), s.sla().zone(), true, true)
            << " (check " << run.check.id << "): " << cablingSummary(r) << "\n";
  Table t({"SERVER", "NIC", "SWITCH", "PORT", "VERDICT", "LINK", "ERRORS", "MACS", "LLDP"});
  for (const auto& n : r.nics)
    t.row({n.hostname, std::to_string(n.nic), n.switch_name, n.port, n.verdict,
           n.link.empty() ? "?" : n.link, n.input_errors ? std::to_string(*n.input_errors) : "-",
           macsText(n), lldpText(n)});
  std::cout << t.str();
  for (const auto& n : r.nics)
    if (n.verdict != "ok") std::cout << nicName(n) << ": " << n.verdict << ": " << n.detail << "\n";
}

}  // namespace

int cmdCheck(CommandContext& s, const std::string& id, bool watch, int intervalS, int timeoutS) {
  auto& ledger = s.ledger();
  auto rec = ledger.requests().find(id);
  if (!rec) throw inv::Error(inv::ErrorKind::not_found, "request " + id + " is not in the ledger");
  if (auto why = checkRefusal(*rec); !why.empty()) throw inv::Error(inv::ErrorKind::conflict, why);
  InterruptGuard guard;
  CliJobs jobs(s);
  auto interrupted = [] { return InterruptGuard::interrupted(); };
  if (watch) {
    // Read until every NIC is ok, or the time is up; say what changed.
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(timeoutS);
    std::map<std::pair<std::string, int>, NicCabling> last;
    std::map<std::pair<std::string, int>, std::uint64_t> firstErrors;
    bool quiet = s.options().json;
    while (true) {
      auto report = checkCabling(s.inventory(), *rec, *jobs.opener, interrupted);
      for (const auto& n : report.nics) {
        auto key = std::pair{n.hostname, n.nic};
        std::string grew;
        if (n.input_errors) {
          auto [it, fresh] = firstErrors.emplace(key, *n.input_errors);
          if (!fresh && *n.input_errors > it->second)
            grew = "; input errors grew by " + std::to_string(*n.input_errors - it->second) +
                   " since the watch began (a bad cable, optic or port?)";
        }
        auto seen = last.find(key);
        bool changed = seen == last.end() || seen->second.verdict != n.verdict ||
                       seen->second.link != n.link ||
                       (n.input_errors && seen->second.input_errors != n.input_errors);
        if (changed && !quiet)
          std::cout << inv::localText(inv::isoUtcMs(s.config().time->wallMs()), s.sla().zone(),
                                      true, true)
                    << " " << nicName(n) << ": " << n.verdict << ", link "
                    << (n.link.empty() ? "?" : n.link) << ": " << n.detail << grew << "\n"
                    << std::flush;
        last[key] = n;
      }
      if (report.ok() || interrupted() || std::chrono::steady_clock::now() >= until) break;
      auto next = std::chrono::steady_clock::now() + std::chrono::seconds(intervalS);
      while (std::chrono::steady_clock::now() < next && !interrupted())
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (interrupted()) break;
    }
  }
  // The check that counts, recorded: taken at once by this process.
  auto actor = CommandContext::actor();
  auto checkId = ledger.cablingChecks().queue(id, actor, ledger.nowMs()).first;
  auto taken = ledger.cablingChecks().takeId(checkId, jobs.owner->id(), ledger.nowMs());
  if (!taken) {
    auto other = ledger.cablingChecks().find(checkId);
    throw inv::Error(inv::ErrorKind::conflict,
                     "a cabling check of " + id + " is already running (check " +
                         std::to_string(checkId) + (other ? " by " + other->owner : "") +
                         "); its result shows in `colo request " + id + "`");
  }
  auto run =
      runCheck(ledger, s.inventory(), *jobs.opener, *taken, jobs.owner->id(), actor, interrupted);
  if (run.check.state == "failed")
    throw OperationFailed{"cabling check of " + id + " failed: " + run.check.error};
  if (!s.options().json && watch) std::cout << "\n";
  printCabling(s, run);
  return run.report.ok() ? 0 : 1;
}

}  // namespace colo::agent
