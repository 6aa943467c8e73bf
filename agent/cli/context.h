// What a command works with: the config and flags, and the inventory,
// ledger, playbooks and calendar, each loaded once when first asked for;
// and the owner, switches and status writer of a command that runs jobs.
#pragma once

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "cli/interrupt.h"
#include "colo/drivers/dialect.h"
#include "colo/inventory/diagnostics.h"
#include "colo/inventory/error.h"
#include "colo/inventory/loader.h"
#include "colo/inventory/names.h"
#include "colo/inventory/occupancy_cache.h"
#include "core/config.h"
#include "core/sla.h"
#include "engine/playbook.h"
#include "engine/switch_access.h"
#include "jobs/ownership.h"
#include "jobs/provision.h"
#include "jobs/status_writer.h"

namespace colo::agent {

namespace inv = colo::inventory;

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
  bool quiet = false;                   // no progress lines on stderr
  std::optional<LogFormat> log_format;  // colo agent --log-format
};

// Without a config or flag: the playbooks that came with this build,
// installed beside the binary (/usr/bin/colo: /usr/share/colo/playbooks),
// else the source tree's.
inline std::string defaultPlaybooks() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto installed = exe.parent_path().parent_path() / "share/colo/playbooks";
    if (std::filesystem::is_directory(installed, ec)) return installed.string();
  }
  return COLO_DEFAULT_PLAYBOOKS;
}

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
    applyFlags(config_);
  }

  // The config file read again, the flags over it as at the start: what a
  // running agent's reload reads (design.md §9).
  ConfigResult rereadConfig() const {
    auto r = loadConfig(opt_.config);
    applyFlags(r.config);
    return r;
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

 private:
  void applyFlags(Config& c) const {
    if (!opt_.inventory.empty()) c.inventory = opt_.inventory;
    if (!opt_.ledger.empty()) c.ledger_location = opt_.ledger;
    if (!opt_.playbooks.empty()) c.playbooks = opt_.playbooks;
    if (c.playbooks.empty()) c.playbooks = defaultPlaybooks();
    if (opt_.log_format) c.log.format = opt_.log_format;
  }

 public:
  inv::LoadResult loadInventory() const {
    if (config_.inventory.empty())
      throw inv::Error(inv::ErrorKind::invalid_input,
                       "no inventory: give --inventory PATH or a --config file that names one");
    inv::LoadOptions lo;
    lo.vendors = drivers::knownVendors();
    lo.max_bytes = config_.inventory_bytes;
    lo.placement = config_.placement;
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

  // The ledger, which must exist: only `colo init` creates one. Without a
  // config or --state, the missing inventory is named first, and a default
  // path that holds nothing is never offered to `colo init`.
  inv::Ledger& ledger(inv::Ledger::Open mode = inv::Ledger::Open::must_exist) {
    if (!ledger_) {
      if (!ledgerNamed()) {
        if (config_.inventory.empty())
          throw inv::Error(inv::ErrorKind::invalid_input,
                           "no inventory and no ledger: no --config was given; give --config "
                           "FILE (it names inventory: and state:; see examples/colo.yaml)");
        std::error_code ec;
        if (mode == inv::Ledger::Open::must_exist &&
            !std::filesystem::exists(config_.ledger_location, ec))
          throw inv::Error(inv::ErrorKind::invalid_input,
                           "no ledger: no --config or --state was given, and there is none at "
                           "the default " +
                               config_.ledger_location +
                               "; give --config FILE (it names state:), or --state PATH");
      }
      ledger_ = openLedger(config_, mode);
    }
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

  // What is claimed now (one read transaction).
  const inv::Occupancy& occupancy() {
    if (!snapshot_) {
      auto& cache = occupancyCache();
      auto& l = ledger();
      l.read([&] { snapshot_ = cache.snapshot(l, -1).occupancy; });
    }
    return *snapshot_;
  }

  inv::OccupancyCache& occupancyCache() {
    if (!occupancy_) {
      // A missing or broken inventory is named before the ledger.
      occupancy_ = std::make_unique<inv::OccupancyCache>(inventory());
    }
    return *occupancy_;
  }

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
  std::unique_ptr<inv::OccupancyCache> occupancy_;
  std::shared_ptr<const inv::Occupancy> snapshot_;
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
        provisioner(status, s.occupancyCache(), s.playbooks(), *opener,
                    context(owner, !s.options().json && !s.options().quiet)) {
    ledger.setFence(owner->id());
  }

  // `progress`: a line per step on stderr, terminal or not (a pipe, a log
  // file): a long apply is never silent.
  static JobContext context(const std::shared_ptr<Ownership>& owner, bool progress) {
    JobContext c;
    c.actor = CommandContext::actor();
    c.owner = owner->id();
    c.ownerAlive = [owner](const std::string& o) { return owner->alive(o); };
    c.interrupt = [] { return InterruptGuard::interrupted(); };
    // A lease that may have lapsed (PostgreSQL) stops the commands too.
    c.shutdown = owner->watch();
    c.progress = progress;
    return c;
  }
};

}  // namespace colo::agent
