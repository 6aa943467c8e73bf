// The commands about the data center itself: validate, init, racks, rack,
// pools.
#include <sys/stat.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <sstream>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/table.h"
#include "colo/inventory/forecast.h"
#include "colo/inventory/ledger_copy.h"
#include "colo/inventory/usage.h"
#include "core/views.h"
#include "engine/drift.h"
#include "engine/reconcile.h"
#include "ui/elevation.h"

namespace colo::agent {

using nlohmann::json;

int cmdValidate(CommandContext& s, bool online) {
  auto r = s.loadInventory();
  inv::Diagnostics all = r.errors;
  std::size_t ledgerConflicts = 0;
  bool withLedger = s.ledgerNamed();
  std::vector<std::string> cleaned;
  if (r.ok() && withLedger) {
    auto& l = s.ledger();
    cleaned = freeForgottenPortsGone(r.inventory, l);
    inv::Occupancy occ(r.inventory, l.claims().all(), l.claims().generation());
    auto conflicts = occ.conflicts();
    ledgerConflicts = conflicts.size();
    all.insert(all.end(), conflicts.begin(), conflicts.end());
  }
  auto pb = s.loadPlaybooksChecked();
  all.insert(all.end(), pb.errors.begin(), pb.errors.end());
  for (const auto& sw : r.inventory.switches)
    if (!pb.playbooks.vendors.count(sw.vendor) &&
        std::none_of(all.begin(), all.end(), [&](const inv::Diagnostic& d) {
          return d.message.find("templates for " + sw.vendor) != std::string::npos;
        }))
      all.push_back({{s.config().playbooks + "/templates/" + sw.vendor + ".yaml", 0, 0},
                     "missing: switch " + sw.name + " needs templates for " + sw.vendor});
  std::vector<std::string> drift;
  if (online && all.empty()) {
    auto opener = sshOpener(s.config(), makeOwnership(s.config(), "cli"));
    auto report = switchDrift(s.inventory(), s.ledger(), s.playbooks(), *opener);
    drift = std::move(report.problems);
    cleaned.insert(cleaned.end(), report.cleaned.begin(), report.cleaned.end());
  }
  if (s.options().json) {
    json errs = json::array();
    for (const auto& d : all) errs.push_back(diagnosticJson(d));
    print({{"valid", all.empty() && drift.empty()},
           {"online", online ? json(drift) : json(nullptr)},
           {"cleaned", cleaned},
           {"files", r.inventory.files},
           {"racks", r.inventory.racks.size()},
           {"switches", r.inventory.switches.size()},
           {"pools", r.inventory.pools.size()},
           {"errors", errs}});
  } else if (all.empty()) {
    for (const auto& c : cleaned) std::cout << "cleaned: " << c << "\n";
    std::cout << "inventory valid: " << r.inventory.racks.size() << " racks, "
              << r.inventory.switches.size() << " switches, " << r.inventory.pools.size()
              << " ip pools, " << r.inventory.vlans.size() << " vlans (" << r.inventory.files.size()
              << " file" << (r.inventory.files.size() == 1 ? "" : "s")
              << (withLedger ? "); no conflicts with the ledger\n"
                             : "); no ledger named, reservations not checked\n");
    if (online) {
      for (const auto& d : drift) std::cerr << "drift: " << d << "\n";
      std::cout << (drift.empty()
                        ? "online: every switch reachable; every port as the ledger says\n"
                        : "online: " + std::to_string(drift.size()) + " problem(s)\n");
    }
  } else {
    for (const auto& c : cleaned) std::cout << "cleaned: " << c << "\n";
    for (const auto& d : all) std::cerr << d.str() << "\n";
    std::cerr << all.size() << " error" << (all.size() == 1 ? "" : "s");
    if (ledgerConflicts) std::cerr << " (" << ledgerConflicts << " with the ledger)";
    std::cerr << "\n";
  }
  return all.empty() && drift.empty() ? 0 : 2;
}

int cmdInit(CommandContext& s) {
  // Without a config or --state it would make the default var/colo.db
  // wherever it runs: a stray ledger, before the real problem is named.
  if (!s.ledgerNamed())
    throw inv::Error(inv::ErrorKind::invalid_input,
                     "colo init: no --config or --state was given; give --config FILE (it names "
                     "state: and inventory:; see examples/colo.yaml), or --state PATH");
  auto ledger = openLedger(s.config(), inv::Ledger::Open::create);
  if (!inv::isPostgresUri(s.config().ledger_location))
    ::chmod(s.config().ledger_location.c_str(), 0600);
  auto found = ledger->foundVersion();
  if (s.options().json)
    print({{"ledger", s.config().ledger_location},
           {"created", found == 0},
           {"migrated_from", found},
           {"schema", inv::Ledger::kSchemaVersion}});
  else
    std::cout << (found == 0 ? "created ledger " + s.config().ledger_location
                  : found < inv::Ledger::kSchemaVersion
                      ? "migrated ledger " + s.config().ledger_location + " from schema version " +
                            std::to_string(found)
                      : "ledger " + s.config().ledger_location + " is up to date")
              << " (schema version " << inv::Ledger::kSchemaVersion << ")\n";
  return 0;
}

int cmdRacks(CommandContext& s) {
  auto usage = inv::rackUsage(s.occupancy());
  if (s.options().json) {
    json out = json::array();
    for (const auto& r : usage) out.push_back(rackJson(r));
    print(out);
    return 0;
  }
  Table t({"RACK", "ROOM", "HEIGHT", "DEVICES", "COLO", "RESERVED", "FREE", "LARGEST GAP", "FITS",
           "POWER (drawn/usable)"});
  std::vector<std::pair<std::string, RackWarning>> warnings;
  for (const auto& r : usage) {
    std::string power;
    for (const auto& f : r.feeds) power += (power.empty() ? "" : ", ") + watts(f);
    t.row({r.name, r.room, std::to_string(r.height), std::to_string(r.units_device),
           std::to_string(r.units_claimed), std::to_string(r.units_reserved),
           std::to_string(r.units_free), std::to_string(r.largest_gap), fitsText(r), power});
    for (auto& w : rackWarnings(r)) warnings.emplace_back(r.name, std::move(w));
  }
  std::cout << t.str();
  // Worst first across racks: the fullest feeds lead (design.md §11).
  std::stable_sort(warnings.begin(), warnings.end(),
                   [](const auto& a, const auto& b) { return worseWarning(a.second, b.second); });
  if (!warnings.empty()) std::cout << "\n";
  for (const auto& [rack, w] : warnings) std::cout << warningLine(rack, w) << "\n";
  return 0;
}

int cmdRack(CommandContext& s, const std::string& name, bool svg) {
  const auto& occ = s.occupancy();
  const inv::Rack* rack = occ.inventory().rack(name);
  if (!rack) {
    std::vector<std::string> names;
    for (const auto& r : occ.inventory().racks) names.push_back(r.name);
    auto meant = inv::closestName(name, names);
    throw inv::Error(inv::ErrorKind::not_found,
                     "no rack named '" + name + "' in the inventory" +
                         (meant.empty() ? std::string() : " (did you mean '" + meant + "'?)"));
  }
  auto r = occ.rackIndex(*rack);
  if (svg) {
    std::cout << elevationSvg(occ, r);
    return 0;
  }
  if (s.options().json) {
    print(elevationJson(occ, r));
    return 0;
  }
  auto u = inv::rackUsage(occ, r);
  std::cout << "rack " << u.name << (u.room.empty() ? "" : " in " + u.room) << ", " << u.height
            << "U: " << u.units_free << " free, largest gap " << u.largest_gap << "U; fits "
            << fitsText(u) << "\n";
  for (const auto& f : u.feeds) std::cout << "feed " << watts(f) << "\n";
  // Draw and feeds per occupant, by name (a colo server by request too).
  std::map<std::pair<std::string, std::string>, const inv::PowerLoad*> loads;
  for (const auto& l : occ.loads(r)) loads[{l.name, l.request_id}] = &l;
  auto power = [&](const inv::UnitOccupant& o) -> std::pair<std::string, std::string> {
    auto it = loads.find({o.name, o.request_id});
    if (it == loads.end()) return {"-", "-"};
    std::string feeds;
    for (auto f : it->second->feeds) feeds += (feeds.empty() ? "" : "+") + rack->feeds[f].name;
    return {std::to_string(it->second->watts) + " W", feeds.empty() ? "-" : feeds};
  };
  // One row per occupant (units top to bottom), free runs as one row each.
  Table t({"UNITS", "STATE", "OCCUPANT", "TENANT", "REQUEST", "POWER", "FEEDS"});
  const auto& units = occ.units(r);
  static const char* kinds[] = {"free", "reserved", "device", "colo"};
  for (std::size_t top = units.size() - 1; top >= 1;) {
    const auto& o = units[top];
    std::size_t low = top;
    while (low > 1 && units[low - 1].kind == o.kind && units[low - 1].name == o.name &&
           units[low - 1].request_id == o.request_id)
      --low;
    std::string span = low == top ? "U" + std::to_string(top)
                                  : "U" + std::to_string(low) + "-" + std::to_string(top);
    std::string what = o.kind == inv::UnitOccupant::Kind::free
                           ? std::to_string(top - low + 1) + "U free"
                           : (o.name.empty() ? "-" : o.name);
    auto [draw, feeds] = power(o);
    t.row({span, kinds[static_cast<int>(o.kind)], what, o.tenant.empty() ? "-" : o.tenant,
           o.request_id.empty() ? "-" : o.request_id, draw, feeds});
    top = low - 1;
  }
  std::cout << t.str();
  auto warnings = rackWarnings(u);
  auto notes = rackNotes(u);
  if (!warnings.empty() || !notes.empty()) std::cout << "\n";
  for (const auto& w : warnings) std::cout << warningLine(u.name, w) << "\n";
  for (const auto& n : notes) std::cout << "note: " << n << "\n";
  return 0;
}

namespace {

// One pool in detail: free ranges (the first 20) and every held address
// with the request that holds it.
int cmdPool(CommandContext& s, const std::string& name) {
  const auto& occ = s.occupancy();
  const auto& pools = occ.inventory().pools;
  auto it = std::find_if(pools.begin(), pools.end(),
                         [&](const inv::IpPool& p) { return p.name == name; });
  if (it == pools.end()) {
    std::vector<std::string> names;
    for (const auto& pool : pools) names.push_back(pool.name);
    auto meant = inv::closestName(name, names);
    throw inv::Error(inv::ErrorKind::not_found,
                     "no pool named '" + name + "' in the inventory" +
                         (meant.empty() ? std::string() : " (did you mean '" + meant + "'?)"));
  }
  auto p = static_cast<std::size_t>(it - pools.begin());
  const auto& pool = *it;
  auto usage = inv::poolUsage(occ)[p];
  constexpr std::size_t kRanges = 20;
  auto free = occ.addressesTaken(p).gaps(pool.firstUsable(), pool.lastUsable(), kRanges + 1);
  std::vector<inv::Claims::Address> held;
  for (auto& a : s.ledger().claims().all().addresses)
    if (a.pool == name) held.push_back(std::move(a));
  std::sort(held.begin(), held.end(),
            [](const auto& a, const auto& b) { return a.address.value < b.address.value; });
  auto addr = [&](inv::u128 v) { return inv::IpAddress{v, pool.prefix.network.v6}.str(); };
  if (s.options().json) {
    json j = poolDetailJson(occ, p, kRanges);
    j["held_by"] = json::array();
    for (const auto& a : held)
      j["held_by"].push_back(
          {{"address", a.address.str()}, {"request_id", a.request_id}, {"hostname", a.hostname}});
    print(j);
    return 0;
  }
  std::cout << "pool " << pool.name << " " << usage.prefix << ", VLAN " << usage.vlan
            << (pool.gateway ? ", gateway " + pool.gateway->str() : "") << "\n"
            << "usable " << countText(usage.usable) << ", excluded " << countText(usage.excluded)
            << ", held " << countText(usage.held) << ", free " << countText(usage.free)
            << "; next free " << (usage.next_free ? usage.next_free->str() : "(none)") << "\n\n";
  Table f({"FREE FROM", "TO", "SIZE"});
  for (std::size_t i = 0; i < std::min(free.size(), kRanges); ++i)
    f.row(
        {addr(free[i].first), addr(free[i].second), countText(free[i].second - free[i].first + 1)});
  std::cout << f.str();
  if (free.size() > kRanges)
    std::cout << "(more free ranges follow; --json lists the first 20 too)\n";
  std::cout << "\n";
  Table h({"HELD", "REQUEST", "HOSTNAME"});
  for (const auto& a : held) h.row({a.address.str(), a.request_id, a.hostname});
  if (held.empty())
    std::cout << "no address held by a request\n";
  else
    std::cout << h.str();
  return 0;
}

}  // namespace

int cmdPools(CommandContext& s, const std::string& name) {
  if (!name.empty()) return cmdPool(s, name);
  auto usage = inv::poolUsage(s.occupancy());
  if (s.options().json) {
    json out = json::array();
    for (const auto& p : usage) out.push_back(poolJson(p));
    print(out);
    return 0;
  }
  Table t({"POOL", "PREFIX", "VLAN", "USABLE", "EXCLUDED", "HELD", "FREE", "NEXT FREE"});
  for (const auto& p : usage)
    t.row({p.name, p.prefix, std::to_string(p.vlan), countText(p.usable), countText(p.excluded),
           countText(p.held), countText(p.free), p.next_free ? p.next_free->str() : "(none)"});
  std::cout << t.str();
  return 0;
}

}  // namespace colo::agent

namespace colo::agent {

namespace {

void printInspection(CommandContext& s, const inv::LedgerInspection& copy) {
  if (s.options().json) {
    json counts = json::object();
    for (const auto& [name, n] : copy.counts) counts[name] = n;
    print({{"file", copy.path},
           {"schema_version", copy.version},
           {"current_schema_version", inv::Ledger::kSchemaVersion},
           {"integrity", copy.integrity},
           {"counts", counts}});
    return;
  }
  std::cout << copy.path << ": schema version " << copy.version
            << (copy.version == inv::Ledger::kSchemaVersion
                    ? " (this colo's)"
                    : " (colo init brings it to " + std::to_string(inv::Ledger::kSchemaVersion) +
                          ")")
            << ", integrity " << copy.integrity << "\n";
  for (const auto& [name, n] : copy.counts) std::cout << "  " << name << ": " << n << "\n";
}

}  // namespace

int cmdBackup(CommandContext& s, const std::string& to) {
  if (!s.ledgerNamed())
    throw inv::Error(inv::ErrorKind::invalid_input,
                     "no ledger named: give --config FILE (its state:) or --state PATH");
  const auto& from = s.config().ledger_location;
  inv::backupLedger(from, to);
  if (!s.options().json && !s.options().quiet)
    std::cerr << "copied " << from << " to " << to << " as one snapshot; it holds:\n";
  printInspection(s, inv::inspectLedger(to));
  return 0;
}

int cmdVerifyLedger(CommandContext& s, const std::string& file) {
  auto copy = inv::inspectLedger(file);
  printInspection(s, copy);
  return copy.integrity == "ok" ? 0 : 1;
}

namespace {

// "4 s", "12 min", "3 h", "2 d": how long ago, for people.
std::string agoText(double seconds) {
  auto s = static_cast<long long>(seconds < 0 ? 0 : seconds);
  if (s < 120) return std::to_string(s) + " s";
  if (s < 2 * 3600) return std::to_string(s / 60) + " min";
  if (s < 2 * 86400) return std::to_string(s / 3600) + " h";
  return std::to_string(s / 86400) + " d";
}

}  // namespace

int cmdAgents(CommandContext& s) {
  auto& ledger = s.ledger();
  std::vector<inv::Lease> leases;
  std::vector<inv::WorkInProgress> work;
  ledger.read([&] {
    leases = ledger.leases().all();
    work = ledger.leases().work();
  });
  auto view = agentsJson(
      leases, work, [&](const inv::Lease& l) { return holderAlive(s.config(), l); },
      s.config().time->wallMs(), "");
  if (s.options().json) {
    print(view);
    return 0;
  }
  if (leases.empty()) {
    std::cout << "no colo process is on this ledger: no agent runs (or none has since it "
                 "was upgraded)\n";
    return 0;
  }
  Table t({"ID", "KIND", "HOST", "PID", "VERSION", "STARTED", "RENEWED", "STATE", "WORKING ON"});
  int expired = 0;
  for (const auto& a : view["agents"]) {
    bool live = a["state"] == "live";
    expired += live ? 0 : 1;
    std::string doing;
    for (const auto& w : a["working_on"])
      doing += (doing.empty() ? "" : ", ") + w["request_id"].get<std::string>() + " " +
               w["status"].get<std::string>();
    std::string version = a["version"].get<std::string>();
    if (!a["revision"].get<std::string>().empty())
      version += " (" + a["revision"].get<std::string>() + ")";
    t.row({a["id"], a["kind"], a["host"], std::to_string(a["pid"].get<std::int64_t>()),
           version.empty() ? "-" : version, a["started_at"],
           a["lease_age_s"].is_null() ? "never" : agoText(a["lease_age_s"].get<double>()) + " ago",
           live ? "live" : "EXPIRED", doing.empty() ? "-" : doing});
  }
  std::cout << t.str();
  if (expired > 0 && !s.options().quiet)
    std::cerr << expired << (expired == 1 ? " process" : " processes")
              << " EXPIRED: its lease was not renewed (it stopped without saying so, or cannot "
                 "reach the ledger); its jobs are continued by a live agent, and its row is "
                 "forgotten a day after\n";
  return 0;
}

int cmdForecast(CommandContext& s, const std::string& window) {
  auto days = inv::parseWindowDays(window);
  if (!days)
    throw inv::Error(inv::ErrorKind::invalid_input,
                     "--window " + window + ": give days from 1 to 3650, as 90d or 90");
  const int windowDays = *days;
  auto history = s.ledger().requests().holdings();
  auto f = inv::forecast(s.occupancy(), history, s.config().time->wallMs() / 1000, s.sla().zone(),
                         windowDays);
  auto view = forecastJson(f);
  if (s.options().json) {
    print(view);
    return 0;
  }
  auto date = [](const json& d) { return d.is_null() ? std::string("-") : d.get<std::string>(); };
  auto rate = [](const json& r) {
    std::ostringstream out;
    out << r.get<double>();
    return out.str();
  };
  std::cout << "As of " << view["as_of"].get<std::string>() << ", at the rate of the last "
            << windowDays << " days (- : not at this rate)\n\n";
  Table racks({"RACK", "FREE U", "U PER 30 D", "80%", "95%", "FULL"});
  for (const auto& r : view["racks"])
    racks.row({r["name"], std::to_string(r["free_units"].get<std::int64_t>()),
               rate(r["units_per_30d"]), date(r["warn_on"]), date(r["critical_on"]),
               date(r["full_on"])});
  std::cout << racks.str() << "\n";
  Table feeds({"FEED", "RACK", "FREE W", "W PER 30 D", "80%", "95%", "FULL"});
  for (const auto& fd : view["feeds"])
    feeds.row({fd["name"], fd["rack"], std::to_string(fd["free_watts"].get<std::int64_t>()),
               rate(fd["watts_per_30d"]), date(fd["warn_on"]), date(fd["critical_on"]),
               date(fd["full_on"])});
  std::cout << feeds.str() << "\n";
  Table rooms({"ROOM", "FREE U", "U PER 30 D", "U FULL", "FREE W", "W PER 30 D", "W FULL"});
  for (const auto& r : view["rooms"])
    rooms.row({r["name"].get<std::string>().empty() ? "(none)" : r["name"].get<std::string>(),
               std::to_string(r["free_units"].get<std::int64_t>()), rate(r["units_per_30d"]),
               date(r["units_full_on"]), std::to_string(r["free_watts"].get<std::int64_t>()),
               rate(r["watts_per_30d"]), date(r["watts_full_on"])});
  std::cout << rooms.str() << "\n";
  Table pools({"POOL", "FREE", "PER 30 D", "80%", "95%", "FULL"});
  for (const auto& p : view["pools"])
    pools.row({p["name"], p["free"], rate(p["per_30d"]), date(p["warn_on"]), date(p["critical_on"]),
               date(p["full_on"])});
  std::cout << pools.str();
  if (!view["tenants"].empty()) {
    Table tenants({"TENANT", "U 30/90/365 D", "W 30/90/365 D", "ADDRESSES 30/90/365 D"});
    auto three = [](const json& n) {
      return std::to_string(n["30d"].get<std::int64_t>()) + " / " +
             std::to_string(n["90d"].get<std::int64_t>()) + " / " +
             std::to_string(n["365d"].get<std::int64_t>());
    };
    for (const auto& t : view["tenants"])
      tenants.row({t["tenant"], three(t["units"]), three(t["watts"]), three(t["addresses"])});
    std::cout << "\n" << tenants.str();
  }
  return 0;
}

namespace {

json reconcileJson(const ReconcileReport& report) {
  json switches = json::array();
  for (const auto& sw : report.switches) {
    json ports = json::array();
    for (const auto& p : sw.ports)
      ports.push_back({{"switch", p.switch_name},
                       {"port", p.port},
                       {"kind", p.kind},
                       {"request_id", p.request_id.empty() ? json(nullptr) : json(p.request_id)},
                       {"hostname", p.hostname.empty() ? json(nullptr) : json(p.hostname)},
                       {"nic", p.nic < 0 ? json(nullptr) : json(p.nic)},
                       {"intent", p.intent},
                       {"running", p.running},
                       {"saved", p.kind == "unsaved" ? json(p.saved) : json(nullptr)},
                       {"differences", p.differences},
                       {"diff", p.diff()}});
    switches.push_back({{"switch", sw.switch_name},
                        {"error", sw.error.empty() ? json(nullptr) : json(sw.error)},
                        {"ports_read", sw.ports_read},
                        {"ports", ports}});
  }
  return {{"clean", report.clean()},
          {"changed", report.count("changed")},
          {"foreign", report.count("foreign")},
          {"unsaved", report.count("unsaved")},
          {"switches", switches}};
}

void printReconcile(const ReconcileReport& report) {
  int read = 0;
  for (const auto& sw : report.switches) {
    read += sw.ports_read;
    if (!sw.error.empty())
      std::cout << "switch " << sw.switch_name << ": not read: " << sw.error << "\n";
    for (const auto& p : sw.ports) {
      std::cout << p.switch_name << " " << p.port << ": " << p.kind;
      if (!p.request_id.empty())
        std::cout << " (" << p.request_id << " " << p.hostname << " nic" << p.nic << ")";
      std::cout << "\n";
      for (const auto& d : p.differences) std::cout << "  " << d << "\n";
      std::istringstream diff(p.diff());
      for (std::string line; std::getline(diff, line);) std::cout << "    " << line << "\n";
    }
  }
  if (report.clean())
    std::cout << "every port as colo intends (" << read << " ports on " << report.switches.size()
              << " switches)\n";
  else
    std::cout << report.count("changed") << " changed, " << report.count("foreign") << " foreign, "
              << report.count("unsaved") << " unsaved (" << read << " ports on "
              << report.switches.size() << " switches read)\n";
}

}  // namespace

int cmdReconcile(CommandContext& s, const std::vector<std::string>& switches, bool apply) {
  auto& inventory = s.inventory();
  auto& ledger = s.ledger();
  const auto& playbooks = s.playbooks();
  InterruptGuard guard;
  auto owner = makeOwnership(s.config(), "cli");
  auto opener = sshOpener(s.config(), owner);
  auto interrupted = [] { return InterruptGuard::interrupted(); };
  auto report = compareIntent(inventory, ledger, playbooks, *opener, switches, interrupted);
  if (!apply) {
    if (s.options().json)
      print(reconcileJson(report));
    else
      printReconcile(report);
    return report.clean() ? 0 : 1;
  }
  auto applied = applyIntent(inventory, ledger, playbooks, *opener, report, CommandContext::actor(),
                             interrupted);
  auto after = compareIntent(inventory, ledger, playbooks, *opener, switches, interrupted);
  if (s.options().json) {
    json out = reconcileJson(after);
    out["before"] = reconcileJson(report);
    out["applied"] = {{"fixed", applied.fixed}, {"failed", applied.failed}};
    print(out);
  } else {
    printReconcile(report);
    for (const auto& f : applied.fixed) std::cout << "put back: " << f << "\n";
    for (const auto& f : applied.failed) std::cout << "NOT put back: " << f << "\n";
    std::cout << "after:\n";
    printReconcile(after);
  }
  return after.clean() && applied.failed.empty() ? 0 : 1;
}

}  // namespace colo::agent
