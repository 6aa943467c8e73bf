#include "cli/cli.h"

#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "cli/daemon.h"
#include "cli/table.h"
#include "colo/drivers/dialect.h"
#include "colo/drivers/error.h"
#include "colo/encoding/encoding.h"
#include "colo/inventory/allocator.h"
#include "colo/inventory/error.h"
#include "colo/inventory/loader.h"
#include "colo/inventory/names.h"
#include "core/config.h"
#include "core/views.h"
#include "http/api.h"
#include "jobs/outbox.h"
#include "jobs/provision.h"
#include "jobs/status_writer.h"
#include "jobs/workers.h"
#include "ui/elevation.h"
#include "ui/letter.h"

namespace colo::agent {

namespace {

namespace inv = colo::inventory;
using nlohmann::json;


// Input that is wrong in several places at once (an invalid inventory or
// config): printed one per line, exit 2.
struct InvalidInput {
  std::string what;
  inv::Diagnostics diagnostics;
};

// An operation that ran and failed (a switch refused, a restore was needed):
// exit 1 with the message.
struct OperationFailed {
  std::string message;
};

struct Options {
  std::string config, inventory, ledger, playbooks;
  bool json = false;
};

// SIGINT/SIGTERM while colo changes switches: the first stops further
// changes (the engine restores what it touched, then the request fails);
// a second one only says that the restore is still running. Nothing is
// abandoned half-done.
std::atomic<int> gSignal{0};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void onInterrupt(int sig) {
  static const char first[] =
      "\ncolo: interrupted: no further change is sent; restoring every touched port as it was...\n";
  static const char again[] =
      "\ncolo: still restoring the switches as they were; please wait, colo will not leave them "
      "half-done\n";
  int expected = 0;
  if (gSignal.compare_exchange_strong(expected, sig))
    (void)!write(2, first, sizeof first - 1);
  else
    (void)!write(2, again, sizeof again - 1);
}

// Handles SIGINT and SIGTERM while it lives.
class InterruptGuard {
 public:
  InterruptGuard() {
    struct sigaction sa {};
    sa.sa_handler = onInterrupt;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &oldInt_);
    sigaction(SIGTERM, &sa, &oldTerm_);
  }
  ~InterruptGuard() {
    sigaction(SIGINT, &oldInt_, nullptr);
    sigaction(SIGTERM, &oldTerm_, nullptr);
  }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
  static bool interrupted() { return gSignal.load() != 0; }
  // 130 for SIGINT, 143 for SIGTERM, as shells report them.
  static int exitCode() { return 128 + gSignal.load(); }

 private:
  struct sigaction oldInt_ {
  }, oldTerm_{};
};

// Loads what a command needs, once, honouring flags over the config file.
class CommandContext {
 public:
  explicit CommandContext(Options o) : opt_(std::move(o)) {
    if (opt_.config.empty())
      if (const char* env = std::getenv("COLO_CONFIG")) opt_.config = env;
    if (!opt_.config.empty()) {
      auto r = loadConfig(opt_.config);
      if (!r.errors.empty()) throw InvalidInput{"config " + opt_.config, r.errors};
      config_ = std::move(r.config);
    }
    if (!opt_.inventory.empty()) config_.inventory = opt_.inventory;
    if (!opt_.ledger.empty()) config_.ledger_location = opt_.ledger;
    if (!opt_.playbooks.empty()) config_.playbooks = opt_.playbooks;
    // Without a config or flag: the playbooks that came with this build.
    if (config_.playbooks.empty()) config_.playbooks = COLO_DEFAULT_PLAYBOOKS;
  }

  const Config& config() const { return config_; }

  PlaybookResult loadPlaybooksChecked() const {
    return loadPlaybooks(config_.playbooks, drivers::knownVendors());
  }

  // The playbooks, which must be valid and cover every vendor in use.
  const Playbooks& playbooks() {
    if (!playbooks_) {
      auto r = loadPlaybooksChecked();
      for (const auto& sw : inventory().switches)
        if (!r.playbooks.vendors.count(sw.vendor))
          r.errors.push_back({{config_.playbooks + "/templates/" + sw.vendor + ".yaml", 0, 0},
                              "missing: switch " + sw.name + " needs templates for " + sw.vendor});
      if (!r.errors.empty()) throw InvalidInput{"playbooks " + config_.playbooks, r.errors};
      playbooks_ = std::make_unique<Playbooks>(std::move(r.playbooks));
    }
    return *playbooks_;
  }

  const Options& options() const { return opt_; }

  inv::LoadResult loadInventory() const {
    if (config_.inventory.empty())
      throw inv::Error(inv::ErrorKind::invalid_input,
                       "no inventory: give --inventory PATH or a --config file that names one");
    inv::LoadOptions lo;
    lo.vendors = drivers::knownVendors();
    lo.max_bytes = config_.inventory_bytes;
    if (!config_.file.empty()) {
      std::vector<std::string> names;
      for (const auto& [name, c] : config_.credentials) names.push_back(name);
      lo.credentials = names;
    }
    return inv::loadInventory(config_.inventory, lo);
  }

  // The inventory, which must be valid.
  const inv::Inventory& inventory() {
    if (!inventory_) {
      auto r = loadInventory();
      if (!r.ok()) throw InvalidInput{"inventory " + config_.inventory, r.errors};
      inventory_ = std::make_unique<inv::Inventory>(std::move(r.inventory));
    }
    return *inventory_;
  }

  // The ledger, which must exist: only `colo init` creates one.
  inv::Ledger& ledger(inv::Ledger::Open mode = inv::Ledger::Open::must_exist) {
    if (!ledger_) ledger_ = openLedger(config_, mode);
    return *ledger_;
  }

  // Whether a ledger was named (flag or config), rather than the default.
  bool ledgerNamed() const { return !opt_.ledger.empty() || !config_.file.empty(); }

  const SlaCalendar& sla() {
    if (!sla_) {
      std::set<std::string> holidays(config_.holidays.begin(), config_.holidays.end());
      sla_ =
          std::make_unique<SlaCalendar>(inv::TimeZone::named(inventory().site.timezone), holidays);
    }
    return *sla_;
  }

  const inv::Occupancy& occupancy() {
    if (!occupancy_) {
      auto& l = ledger();
      occupancy_ =
          std::make_unique<inv::Occupancy>(inventory(), l.claims().all(), l.claims().generation());
    }
    return *occupancy_;
  }

  std::unique_ptr<inv::Occupancy>& occupancyCache() { return occupancy_; }

  // Who did it, for the event log: the login running the command.
  static std::string actor() {
    const char* user = std::getenv("USER");
    std::string name = user ? user : "";
    if (name.empty())
      if (const passwd* pw = getpwuid(geteuid())) name = pw->pw_name;
    return "cli:" + (inv::isSafeName(name) ? name : std::string("uid") + std::to_string(geteuid()));
  }

 private:
  Options opt_;
  Config config_;
  std::unique_ptr<inv::Inventory> inventory_;
  std::unique_ptr<inv::Ledger> ledger_;
  std::unique_ptr<inv::Occupancy> occupancy_;
  std::unique_ptr<Playbooks> playbooks_;
  std::unique_ptr<SlaCalendar> sla_;
};

// What `colo provision` and `colo release` run jobs with: this process as
// their owner, the switches, and the operator's interrupt.
struct CliJobs {
  inv::Ledger& ledger;  // first: a missing ledger is reported before anything is created
  std::shared_ptr<Ownership> owner;
  std::unique_ptr<SwitchOpener> opener;
  StatusWriter status;
  Provisioner provisioner;

  explicit CliJobs(CommandContext& s)
      : ledger(s.ledger()),
        owner(makeOwnership(s.config(), "cli")),
        opener(sshOpener(s.config(), owner)),
        status(ledger, s.sla(), s.config().public_url),
        provisioner(status, s.inventory(), s.playbooks(), *opener, context(owner)) {
    ledger.setFence(owner->id());
  }

  static JobContext context(const std::shared_ptr<Ownership>& owner) {
    JobContext c;
    c.actor = CommandContext::actor();
    c.owner = owner->id();
    c.ownerAlive = [owner](const std::string& o) { return owner->alive(o); };
    c.interrupt = [] { return InterruptGuard::interrupted(); };
    // A lease that may have lapsed (PostgreSQL) stops the commands too.
    c.shutdown = owner->watch();
    c.progress = isatty(2);
    return c;
  }
};

void print(const json& j) { std::cout << j.dump(2) << "\n"; }

// Colour only on a terminal, and never with NO_COLOR set (no-color.org).
bool colourOut() {
  static const bool on = isatty(1) && !std::getenv("NO_COLOR");
  return on;
}

std::string paint(const std::string& text, const char* sgr) {
  return colourOut() ? std::string("\x1b[") + sgr + "m" + text + "\x1b[0m" : text;
}

// "R04-A 4650/4000 W (98%!!)": one '!' from 80% of usable, two from 95%.
std::string watts(const inv::FeedUsage& f) {
  const char* flag = f.level() == inv::FeedUsage::Level::critical ? "!!"
                     : f.level() == inv::FeedUsage::Level::high   ? "!"
                                                                  : "";
  return f.name + " " + std::to_string(f.drawn_watts) + "/" + std::to_string(f.usable_watts) +
         " W (" + std::to_string(f.percent()) + "%" + flag + ")";
}

std::vector<std::string> rackWarningLines(const inv::RackUsage& r) {
  std::vector<std::string> out;
  for (const auto& w : rackWarnings(r))
    out.push_back(
        paint(r.name + ": " + w.text, w.level == RackWarning::Level::critical ? "31" : "33"));
  return out;
}

std::string planText(const inv::Plan& plan) {
  std::string out;
  Table t({"SERVER", "RACK", "UNITS", "POWER", "NIC", "SWITCH", "PORT", "VLAN", "ADDRESSES"});
  for (const auto& s : plan.servers) {
    std::string feeds;
    for (const auto& f : s.feeds) feeds += (feeds.empty() ? "" : "+") + f.feed;
    std::string units = "U" + std::to_string(s.first_unit) +
                        (s.height > 1 ? "-U" + std::to_string(s.last_unit()) : "");
    std::string power = std::to_string(s.power_watts) + " W " + feeds;
    if (s.nics.empty()) t.row({s.hostname, s.rack, units, power, "-", "-", "-", "-", "-"});
    for (std::size_t n = 0; n < s.nics.size(); ++n) {
      const auto& nic = s.nics[n];
      std::string addrs;
      for (const auto& a : nic.addresses)
        addrs += (addrs.empty() ? "" : " ") + a.address.str() + "/" + std::to_string(a.prefix_length) +
                 (a.gateway ? " gw " + a.gateway->str() : "");
      t.row({n ? "" : s.hostname, n ? "" : s.rack, n ? "" : units, n ? "" : power,
             std::to_string(nic.index), nic.switch_name, nic.port, std::to_string(nic.vlan), addrs});
    }
  }
  return t.str();
}

// `colo validate --online`: every switch, read-only. Its credentials and host
// key work, and each access port shows what the ledger says it should: a
// free port unused, a port of a completed request colo's configuration for it.
std::vector<std::string> onlineDrift(CommandContext& s, const inv::Inventory& inventory) {
  auto& ledger = s.ledger();
  const auto& pb = s.playbooks();
  // (switch, port) -> the change colo made there, and whether it must be there.
  std::map<std::pair<std::string, std::string>, std::pair<PortChange, bool>> held;
  for (const auto& r : ledger.requests().all()) {
    if (!r.allocation || !ledger.claims().holds(r.id)) continue;
    for (auto& c : portChanges(*r.allocation, r.tenant_code, pb))
      held[{c.switch_name, c.port}] = {c, r.status == inv::Status::completed};
  }
  auto opener = sshOpener(s.config(), makeOwnership(s.config(), "cli"));
  auto check = [&](const inv::Switch& sw) {
    std::vector<std::string> out;
    try {
      opener->preflight(sw);
      auto session = opener->open(sw);
      auto& dev = session->device();
      std::set<std::string> inUse(sw.in_use.begin(), sw.in_use.end());
      for (const auto& port : sw.access_ports) {
        if (inUse.count(port)) continue;
        auto state = dev.readPort(port);
        auto it = held.find({sw.name, port});
        if (it == held.end()) {
          drivers::TemplateValues v = {{"port", port}, {"vlan", "0"},    {"description", ""},
                                       {"tenant", ""}, {"hostname", ""}, {"request_id", ""},
                                       {"nic", "0"}};
          if (!portUnused(sw, pb, v, state))
            out.push_back("switch " + sw.name + " port " + port +
                          " is free in the ledger but in use (" + describePort(state) +
                          "): mark it in_use in the inventory, or free it");
          continue;
        }
        const auto& [change, mustBeColos] = it->second;
        bool colos = portIsColos(sw, pb, change, state);
        if (!colos && (mustBeColos || !portUnused(sw, pb, change.values, state)))
          out.push_back("switch " + sw.name + " port " + port + " is held by " +
                        change.values.at("request_id") + " but shows " + describePort(state) +
                        ", not colo's configuration for it");
      }
    } catch (const std::exception& e) {
      out.push_back(e.what());
    }
    return out;
  };
  // A few switches at a time: each is an SSH session.
  std::vector<std::string> problems;
  for (std::size_t i = 0; i < inventory.switches.size(); i += 8) {
    std::vector<std::future<std::vector<std::string>>> batch;
    for (std::size_t j = i; j < std::min(i + 8, inventory.switches.size()); ++j)
      batch.push_back(std::async(std::launch::async, check, std::cref(inventory.switches[j])));
    for (auto& f : batch)
      for (auto& p : f.get()) problems.push_back(std::move(p));
  }
  return problems;
}

int cmdValidate(CommandContext& s, bool online) {
  auto r = s.loadInventory();
  inv::Diagnostics all = r.errors;
  std::size_t ledgerConflicts = 0;
  bool withLedger = s.ledgerNamed();
  if (r.ok() && withLedger) {
    auto& l = s.ledger();
    inv::Occupancy occ(r.inventory, l.claims().all(), l.claims().generation());
    ledgerConflicts = occ.conflicts().size();
    all.insert(all.end(), occ.conflicts().begin(), occ.conflicts().end());
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
  if (online && all.empty()) drift = onlineDrift(s, s.inventory());
  if (s.options().json) {
    json errs = json::array();
    for (const auto& d : all) errs.push_back(diagnosticJson(d));
    print({{"valid", all.empty() && drift.empty()},
           {"online", online ? json(drift) : json(nullptr)},
           {"files", r.inventory.files},
           {"racks", r.inventory.racks.size()},
           {"switches", r.inventory.switches.size()},
           {"pools", r.inventory.pools.size()},
           {"errors", errs}});
  } else if (all.empty()) {
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
    for (const auto& d : all) std::cerr << d.str() << "\n";
    std::cerr << all.size() << " error" << (all.size() == 1 ? "" : "s");
    if (ledgerConflicts) std::cerr << " (" << ledgerConflicts << " with the ledger)";
    std::cerr << "\n";
  }
  return all.empty() && drift.empty() ? 0 : 2;
}

int cmdInit(CommandContext& s) {
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
  std::vector<std::string> warnings;
  for (const auto& r : usage) {
    std::string power;
    for (const auto& f : r.feeds) power += (power.empty() ? "" : ", ") + watts(f);
    t.row({r.name, r.room, std::to_string(r.height), std::to_string(r.units_device),
           std::to_string(r.units_claimed), std::to_string(r.units_reserved),
           std::to_string(r.units_free), std::to_string(r.largest_gap), fitsText(r), power});
    for (auto& w : rackWarningLines(r)) warnings.push_back(std::move(w));
  }
  std::cout << t.str();
  if (!warnings.empty()) std::cout << "\n";
  for (const auto& w : warnings) std::cout << w << "\n";
  return 0;
}

int cmdRack(CommandContext& s, const std::string& name, bool svg) {
  const auto& occ = s.occupancy();
  const inv::Rack* rack = occ.inventory().rack(name);
  if (!rack) throw inv::Error(inv::ErrorKind::not_found, "no rack named '" + name + "' in the inventory");
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
  auto warnings = rackWarningLines(u);
  if (!warnings.empty()) std::cout << "\n";
  for (const auto& w : warnings) std::cout << w << "\n";
  return 0;
}

// One pool in detail: free ranges (the first 20) and every held address
// with the request that holds it.
int cmdPool(CommandContext& s, const std::string& name) {
  const auto& occ = s.occupancy();
  const auto& pools = occ.inventory().pools;
  auto it = std::find_if(pools.begin(), pools.end(),
                         [&](const inv::IpPool& p) { return p.name == name; });
  if (it == pools.end())
    throw inv::Error(inv::ErrorKind::not_found, "no pool named '" + name + "' in the inventory");
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
    json j = poolJson(usage);
    j["free_ranges"] = json::array();
    for (std::size_t i = 0; i < std::min(free.size(), kRanges); ++i)
      j["free_ranges"].push_back({{"first", addr(free[i].first)},
                                  {"last", addr(free[i].second)},
                                  {"size", countJson(free[i].second - free[i].first + 1)}});
    j["free_ranges_truncated"] = free.size() > kRanges;
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

// A request file, valid in itself and against the inventory; errors name the file.
inv::Request loadRequest(CommandContext& s, const std::string& file) {
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
  std::cout << "plan for " << req.id << " (" << req.tenant.code << ", letter "
            << req.letter_number << ")" << (existing ? ": already reserved" : "") << "\n"
            << planText(plan);
  if (!existing) std::cout << "nothing was reserved; run 'colo reserve " << file << "' to commit\n";
  return 0;
}

int cmdReserve(CommandContext& s, const std::string& file) {
  auto req = loadRequest(s, file);
  const auto& inventory = s.inventory();
  StatusWriter status(s.ledger(), s.sla(), s.config().public_url);
  auto result = status.reserve(inventory, req, CommandContext::actor(), s.occupancyCache());
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

void printCommands(const std::map<std::string, std::vector<std::string>>& bySwitch, const inv::Inventory& inventory) {
  for (const auto& [name, cmds] : bySwitch) {
    const auto* sw = inventory.switchNamed(name);
    std::cout << "switch " << name << " (" << sw->vendor << ", " << sw->address << ":" << sw->port << "):\n";
    for (const auto& c : cmds) std::cout << "  " << c << "\n";
  }
}

json commandsJson(const std::map<std::string, std::vector<std::string>>& bySwitch) {
  json out = json::object();
  for (const auto& [name, cmds] : bySwitch) out[name] = cmds;
  return out;
}

// A job that ended failed: what happened and every port put back; exit
// 130/143 when the operator interrupted it, 2 for a bad value, else 1.
int failedJob(const std::string& what, const ProvisionOutcome& outcome, const std::string& tail) {
  std::string msg = what + (InterruptGuard::interrupted() ? " interrupted: " : " failed: ") +
                    outcome.error + tail;
  for (const auto& p : outcome.restored) msg += "\n  restored " + p;
  std::cerr << "colo: " << msg << "\n";
  if (InterruptGuard::interrupted()) return InterruptGuard::exitCode();
  return outcome.invalid_input ? 2 : 1;
}

int cmdProvision(CommandContext& s, const std::string& file, bool dryRun) {
  auto req = loadRequest(s, file);
  const auto& inventory = s.inventory();
  const auto& playbooks = s.playbooks();
  if (dryRun) {
    bool existing = false;
    inv::Plan plan = currentOrNewPlan(s, req, existing);
    auto cmds = commandsBySwitch(inventory, playbooks, portChanges(plan, req.tenant.code, playbooks),
                                 PortAction::configure);
    if (s.options().json) {
      json out = inv::toJson(plan);
      out["commands"] = commandsJson(cmds);
      out["dry_run"] = true;
      print(out);
    } else {
      std::cout << "dry run for " << req.id << ": nothing is reserved, no switch is contacted\n"
                << planText(plan);
      printCommands(cmds, inventory);
    }
    return 0;
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
  if (s.options().json) {
    json out = inv::toJson(outcome.plan);
    out["status"] = "completed";
    print(out);
  } else {
    std::cout << "provisioned " << req.id << " (" << req.tenant.code << ", letter "
              << req.letter_number << ")\n"
              << planText(outcome.plan);
  }
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
  if (s.options().json)
    print(requestJson(*ledger.requests().find(id)));
  else
    std::cout << "released " << id << ": its units, power, ports and addresses are free\n";
  return 0;
}

int cmdRequests(CommandContext& s, const std::string& status, bool lateOnly) {
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
    if (lateOnly && !(sla && sla->late_seconds > 0)) continue;
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
      {"REQUEST", "TENANT", "LETTER", "STATUS", "SERVERS", "RECEIVED", "DUE", "LATE", "UPDATED"});
  for (const auto& [r, sla] : rows) {
    std::string late = sla ? lateText(sla->late_seconds) : "-";
    const auto& zone = s.sla().zone();
    t.row({r.id, r.tenant_code, r.letter_number, std::string(inv::name(r.status)),
           std::to_string(r.allocation ? r.allocation->servers.size() : 0),
           inv::localText(r.received_at, zone), sla ? sla->due_date : "-", late,
           inv::localText(r.updated_at, zone)});
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
            << " (print it on A4, or: chromium --headless --print-to-pdf=" << id << ".pdf " << out
            << ")\n";
  return 0;
}

int cmdRequest(CommandContext& s, const std::string& id) {
  auto& ledger = s.ledger();
  auto rec = ledger.requests().find(id);
  if (!rec) throw inv::Error(inv::ErrorKind::not_found, "request " + id + " is not in the ledger");
  auto events = ledger.requests().events(id);
  if (s.options().json) {
    json out = requestJson(*rec);
    out["events"] = json::array();
    for (const auto& e : events) out["events"].push_back(eventJson(e));
    print(out);
    return 0;
  }
  std::cout << "request " << rec->id << ": " << inv::name(rec->status) << "\n"
            << "tenant " << rec->tenant_code << ", letter " << rec->letter_number << ", received "
            << inv::localText(rec->received_at, s.sla().zone()) << "\n";
  if (!rec->error.empty()) std::cout << "error: " << rec->error << "\n";
  if (rec->allocation)
    std::cout << (rec->status == inv::Status::released ? "held until released:\n" : "")
              << planText(*rec->allocation);
  Table t({"#", "AT", "ACTOR", "STEP", "DETAIL"});
  for (const auto& e : events)
    t.row({std::to_string(e.seq), inv::localText(e.at, s.sla().zone(), true, true), e.actor, e.kind,
           e.detail});
  std::cout << "steps:\n" << t.str();
  return 0;
}

int cmdToken(CommandContext& s, const std::string& name, const std::string& role) {
  if (!inv::isSafeName(name))
    throw inv::Error(inv::ErrorKind::invalid_input,
                     "--name '" + name + "': 1-63 of letters, digits, '.', '_' and '-'");
  if (!parseRole(role)) {
    auto meant = inv::closestName(role, roleNames());
    throw inv::Error(inv::ErrorKind::invalid_input,
                     "--role '" + role + "' is not one of requester, technician, admin" +
                         (meant.empty() ? "" : " (did you mean '" + meant + "'?)"));
  }
  std::string token = "colo_" + encoding::hex(encoding::randomBytes(32));
  std::string hash = encoding::sha256Hex(token);
  std::string entry = "- {name: " + name + ", role: " + role + ", sha256: \"" + hash + "\"}";
  if (s.options().json) {
    print({{"token", token},
           {"sha256", hash},
           {"name", name},
           {"role", role},
           {"config_entry", entry}});
    return 0;
  }
  std::cout << "token (shown once; give it to the client):\n  " << token << "\n"
            << "add under tokens: in the config (only the hash is stored):\n  " << entry << "\n";
  return 0;
}

// A bash completion script for `app`, made from its own subcommands and
// options, so it cannot fall behind them: subcommands, each one's options and
// the global ones; files where a file is asked for, the statuses after
// --status, the roles after --role.
std::string bashCompletion(const CLI::App& app) {
  auto words = [](const CLI::App& a, bool positional) {
    std::string out;
    for (const auto* o : a.get_options()) {
      if (o->get_name() == "--help" || o->get_name().empty()) continue;
      if (positional != (o->get_lnames().empty() && o->get_snames().empty())) continue;
      if (positional) {
        out += (out.empty() ? "" : " ") + o->get_name();
        continue;
      }
      for (const auto& l : o->get_lnames()) out += (out.empty() ? "--" : " --") + l;
      for (const auto& sn : o->get_snames()) out += (out.empty() ? "-" : " -") + sn;
    }
    return out;
  };
  std::string statuses;
  for (auto st : inv::allStatuses())
    statuses += (statuses.empty() ? "" : " ") + std::string(inv::name(st));
  std::string roles;
  for (const auto& r : roleNames()) roles += (roles.empty() ? "" : " ") + r;
  std::string names, cases;
  for (const auto* c : app.get_subcommands({})) {
    names += (names.empty() ? "" : " ") + c->get_name();
    std::string positional = words(*c, true);
    cases += "    " + c->get_name() + ") opts=\"" + words(*c, false) +
             "\"; files=" + (positional == "REQUEST" ? "1" : "0") +  // a request file
             ";;\n";
  }
  return "# bash completion for colo (made by `colo completion bash`)\n"
         "_colo() {\n"
         "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
         "  local commands=\"" +
         names +
         "\"\n"
         "  local global=\"" +
         words(app, false) +
         "\"\n"
         "  case $prev in\n"
         "    --config|--inventory|--state|--playbooks|-o|--output)\n"
         "      COMPREPLY=($(compgen -f -- \"$cur\")); return;;\n"
         "    --status) COMPREPLY=($(compgen -W \"" +
         statuses +
         "\" -- \"$cur\")); return;;\n"
         "    --role) COMPREPLY=($(compgen -W \"" +
         roles +
         "\" -- \"$cur\")); "
         "return;;\n"
         "    --name) return;;\n"
         "  esac\n"
         "  local sub=\"\" i\n"
         "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
         "    case \" $commands \" in *\" ${COMP_WORDS[i]} \"*) sub=${COMP_WORDS[i]}; break;; "
         "esac\n"
         "  done\n"
         "  if [[ -z $sub ]]; then\n"
         "    COMPREPLY=($(compgen -W \"$commands $global\" -- \"$cur\")); return\n"
         "  fi\n"
         "  local opts=\"\" files=0\n"
         "  case $sub in\n" +
         cases +
         "  esac\n"
         "  if [[ $cur == -* || $files == 0 ]]; then\n"
         "    COMPREPLY=($(compgen -W \"$opts $global\" -- \"$cur\"))\n"
         "  else\n"
         "    COMPREPLY=($(compgen -f -- \"$cur\"))\n"
         "  fi\n"
         "}\n"
         "complete -o filenames -F _colo colo\n";
}

int exitCodeOf(inv::ErrorKind k) { return k == inv::ErrorKind::invalid_input ? 2 : 1; }

const char* kindName(inv::ErrorKind k) {
  switch (k) {
    case inv::ErrorKind::invalid_input: return "invalid_input";
    case inv::ErrorKind::not_found: return "not_found";
    case inv::ErrorKind::conflict: return "conflict";
    case inv::ErrorKind::exhausted: return "exhausted";
    case inv::ErrorKind::storage: return "storage";
    case inv::ErrorKind::moved:
      return "moved";
  }
  return "error";
}

}  // namespace

int runCli(int argc, char** argv) {
  CLI::App app{"colo: colocation provisioning for the data center (racks, power, ports, addresses)"};
  app.require_subcommand(1);
  // Global options may come before or after the subcommand; every
  // subcommand's help lists them and the exit codes.
  app.fallthrough();
  app.set_version_flag("--version", std::string("colo ") + COLO_VERSION);
  static const char* kFooter =
      "Global options (before or after the subcommand): --config FILE (or $COLO_CONFIG),\n"
      "  --inventory PATH, --state PATH, --playbooks DIR, --json.\n"
      "Exit codes: 0 done; 1 the operation failed (nothing fits, conflict, not found);\n"
      "  2 bad usage or invalid input; 130/143 interrupted (after restoring the switches).\n";
  app.footer(kFooter);
  Options opt;
  // The last of a repeated option wins, so a wrapper's defaults can be overridden.
  auto last = CLI::MultiOptionPolicy::TakeLast;
  app.add_option("--config", opt.config, "config file (SPEC §8); also $COLO_CONFIG")
      ->multi_option_policy(last);
  app.add_option("--inventory", opt.inventory, "inventory YAML file or directory")
      ->multi_option_policy(last);
  app.add_option("--state", opt.ledger,
                 "the ledger: a SQLite file, or a postgresql://USER@HOST:PORT/DB URI")
      ->multi_option_policy(last);
  app.add_option("--playbooks", opt.playbooks, "playbooks directory (workflow and templates)")
      ->multi_option_policy(last);
  app.add_flag("--json", opt.json, "machine-readable output");

  std::string arg, status;
  std::function<int(CommandContext&)> run;
  auto sub = [&](const char* name, const char* help, auto fn) {
    auto* c = app.add_subcommand(name, help);
    c->footer(kFooter);
    c->callback([&run, fn] { run = fn; });
    return c;
  };
  bool online = false;
  sub("validate", "validate the inventory against itself and the ledger",
      [&](CommandContext& s) { return cmdValidate(s, online); })
      ->add_flag(
          "--online", online,
          "also connect to every switch, read-only: credentials, host keys, and ports whose real "
          "state differs from the ledger");
  sub("init", "create the ledger (or migrate it); no other command creates one", cmdInit);
  sub("racks", "utilization per rack: units and power per feed", cmdRacks);
  bool svg = false;
  auto* rackCmd = sub("rack", "one rack's elevation, unit by unit",
                      [&](CommandContext& s) { return cmdRack(s, arg, svg); });
  rackCmd->add_option("NAME", arg, "rack name")->required();
  rackCmd->add_flag("--svg", svg, "print the elevation as an SVG picture (front view)");
  std::string poolName;
  sub("pools", "used and free addresses per pool; with NAME, its free ranges and held addresses",
      [&](CommandContext& s) { return cmdPools(s, poolName); })
      ->add_option("NAME", poolName, "one pool, in detail");
  sub("plan", "show what would be reserved; changes nothing",
      [&](CommandContext& s) { return cmdPlan(s, arg); })
      ->add_option("REQUEST", arg, "request file (.json, .yaml)")
      ->required();
  sub("reserve", "plan and commit the reservation to the ledger (idempotent per request id)",
      [&](CommandContext& s) { return cmdReserve(s, arg); })
      ->add_option("REQUEST", arg, "request file (.json, .yaml)")
      ->required();
  bool dryRun = false;
  auto* prov =
      sub("provision", "reserve, configure, verify, save, complete; on failure restore and release",
          [&](CommandContext& s) { return cmdProvision(s, arg, dryRun); });
  prov->add_option("REQUEST", arg, "request file (.json, .yaml)")->required();
  prov->add_flag("--dry-run", dryRun, "print the plan and the exact commands per switch; touch nothing");
  sub("release", "unconfigure the ports, then free everything a request holds",
      [&](CommandContext& s) { return cmdRelease(s, arg); })
      ->add_option("REQUEST_ID", arg, "request id")
      ->required();
  bool lateOnly = false;
  auto* reqs = sub("requests", "requests with their status, due date and lateness",
                   [&](CommandContext& s) { return cmdRequests(s, status, lateOnly); });
  reqs->add_option("--status", status, "only requests with this status");
  reqs->add_flag("--late", lateOnly, "only requests past their due date (3 working days)");
  sub("request", "one request's allocations and step log",
      [&](CommandContext& s) { return cmdRequest(s, arg); })
      ->add_option("ID", arg, "request id")
      ->required();
  std::string letterOut;
  auto* letter = sub("letter", "the confirmation letter of a completed request (HTML, one A4 page)",
                     [&](CommandContext& s) { return cmdLetter(s, arg, letterOut); });
  letter->add_option("ID", arg, "request id")->required();
  letter->add_option("-o,--output", letterOut, "write it to FILE instead of standard output");
  std::string tokenName = "request-system", tokenRole = "requester";
  auto* tokenCmd = sub("token", "make a new API token; print it once, and its line for the config",
                       [&](CommandContext& s) { return cmdToken(s, tokenName, tokenRole); });
  tokenCmd->add_option("--name", tokenName, "who uses it (default request-system)");
  tokenCmd->add_option("--role", tokenRole, "requester (default), technician or admin");
  std::string shell;
  auto* completion = app.add_subcommand(
      "completion", "print a shell completion script (bash): source <(colo completion bash)");
  completion->add_option("SHELL", shell, "bash")->required()->check(CLI::IsMember({"bash"}));
  completion->footer(kFooter);
  // Needs no config, ledger or inventory: answered before any is read.
  bool completing = false;
  completion->callback([&] { completing = true; });
  sub("agent", "run the HTTP daemon (needs --config)", [&](CommandContext& s) {
    if (s.config().file.empty())
      throw inv::Error(inv::ErrorKind::invalid_input, "colo agent needs --config FILE (listen, tokens, credentials)");
    return runAgent(s.config(), s.inventory(), s.playbooks());
  });

  // A mistyped subcommand: say which one was meant.
  // (The first word that is neither an option nor a global option's value.)
  std::string word;
  for (int i = 1; i < argc && word.empty(); ++i) {
    std::string a = argv[i];
    if (a == "--config" || a == "--inventory" || a == "--state" || a == "--playbooks")
      ++i;
    else if (a.empty() || a[0] != '-')
      word = a;
  }
  if (!word.empty()) {
    std::vector<std::string> names;
    for (const auto* c : app.get_subcommands({})) names.push_back(c->get_name());
    if (std::find(names.begin(), names.end(), word) == names.end()) {
      auto meant = inv::closestName(word, names);
      std::cerr << "colo: unknown command '" << word << "'"
                << (meant.empty() ? "" : "; did you mean '" + meant + "'?") << "\n"
                << "Run colo --help for the commands.\n";
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (completing) {
    std::cout << bashCompletion(app);
    return 0;
  }
  try {
    CommandContext session(opt);
    return run(session);
  } catch (const InvalidInput& e) {
    for (const auto& d : e.diagnostics) std::cerr << d.str() << "\n";
    std::cerr << "colo: " << e.what << " is invalid (" << e.diagnostics.size() << " error"
              << (e.diagnostics.size() == 1 ? "" : "s") << ")\n";
    return 2;
  } catch (const OperationFailed& e) {
    std::cerr << "colo: " << e.message << "\n";
    return 1;
  } catch (const drivers::DriverError& e) {
    bool bad = e.kind() == drivers::DriverErrorKind::invalid_value;
    std::cerr << "colo: " << e.what() << "\n";
    return bad ? 2 : 1;
  } catch (const inv::Error& e) {
    if (opt.json)
      std::cerr << json{{"error", e.what()}, {"kind", kindName(e.kind())}}.dump() << "\n";
    else
      std::cerr << "colo: " << e.what() << "\n";
    return exitCodeOf(e.kind());
  } catch (const std::exception& e) {
    std::cerr << "colo: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace colo::agent
