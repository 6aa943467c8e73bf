#include "jobs/ownership.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "colo/drivers/error.h"
#include "colo/encoding/encoding.h"
#include "colo/inventory/error.h"
#include "colo/inventory/ledger.h"
#include "colo/inventory/model.h"
#include "core/build_info.h"
#include "core/log.h"

namespace colo::agent {

namespace inv = colo::inventory;
using drivers::DriverError;
using drivers::DriverErrorKind;

namespace {

std::string hostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "host";
  std::string h = buf;
  return inv::isSafeName(h) ? h : "host";
}

// Which pids this process can see: its pid namespace ("4026531836"). Two
// containers may share a host name; a pid from another namespace says
// nothing here.
std::string pidNamespace() {
  char link[64] = {};
  auto n = ::readlink("/proc/self/ns/pid", link, sizeof link - 1);
  std::string ns(link, n > 0 ? static_cast<std::size_t>(n) : 0);  // "pid:[4026531836]"
  auto open = ns.find('['), close = ns.find(']');
  if (open != std::string::npos && close > open) return ns.substr(open + 1, close - open - 1);
  return {};
}

// Rows of processes whose lease ended this long ago are forgotten (design.md
// §12): until then `colo agents` shows them, expired.
constexpr std::chrono::hours kForgetEnded{24};

// This process's row in the agents table, before its first renewal.
inv::Lease processRecord(const std::string& owner, const std::string& agentId,
                         const std::string& kind, TimeSource& time) {
  inv::Lease l;
  l.owner = owner;
  l.agent_id = agentId;
  l.kind = kind == "agent" ? "agent" : "cli";
  l.host = hostName();
  l.pid_ns = pidNamespace();
  l.pid = getpid();
  l.version = coloVersion();
  l.revision = coloRevision();
  l.started_at = inv::isoUtcMs(time.wallMs());
  return l;
}

// Renews `record` in `ledger` for a lease from now; at the first renewal
// and then once an hour (`forgotAt`, ms), also forgets the rows of
// processes gone long ago.
void renewRow(inv::Ledger& ledger, inv::Lease& record, TimeSource& time,
              std::chrono::milliseconds lease, std::int64_t& forgotAt) {
  auto now = time.wallMs();
  record.renewed_at = now;
  record.until = now + lease.count();
  ledger.leases().renew(record);
  using std::chrono::milliseconds;
  if (forgotAt != 0 && now - forgotAt < milliseconds(std::chrono::hours(1)).count()) return;
  ledger.leases().forgetEnded(now - std::chrono::duration_cast<milliseconds>(kForgetEnded).count());
  forgotAt = now;
}

// Whether the process of a lease of this host and pid namespace no longer
// exists: it needs no lease to end. (The host and namespace are read once.)
bool goneHere(const inv::Lease& lease) {
  static const std::string host = hostName(), ns = pidNamespace();
  return lease.host == host && lease.pid_ns == ns && lease.pid > 0 &&
         ::kill(static_cast<pid_t>(lease.pid), 0) != 0 && errno == ESRCH;
}

// A lease's process lives, as far as leases tell: renewed in time, and not
// a process of this host that is gone.
bool leaseLive(const inv::Lease& lease, std::int64_t nowMs) {
  return lease.until >= nowMs && !goneHere(lease);
}

std::string nonce() {
  return encoding::hex(encoding::randomBytes(4));
}

// Waits for `ready` in short steps until `wait` has passed or `interrupt`
// says so, naming the switch in the error.
template <class Try>
void waitFor(TimeSource& time, const std::string& name, std::chrono::seconds wait,
             const std::function<bool()>& interrupt, Try ready) {
  auto deadline = time.now() + wait;
  while (!ready()) {
    if (interrupt && interrupt())
      throw DriverError(DriverErrorKind::interrupted,
                        "interrupted while waiting for switch " + name);
    if (time.now() > deadline)
      throw DriverError(DriverErrorKind::timeout,
                        "switch " + name + " is busy: another colo job has held it for " +
                            std::to_string(wait.count()) + " s");
    // The poll's step is real time (the lock is another process's); the
    // deadline is the injected clock's, so a stopped test clock never
    // stops the polling.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// ---- SQLite: lock files, released by the kernel when a process dies.

std::string ownerFile(const std::string& lockDir, const std::string& owner) {
  std::string name;
  for (char c : owner)
    name += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ? c : '_';
  return lockDir + "/owners/" + name + ".lock";
}

// Whether the owner lock file of `owner` is held (its process lives).
// `tidy`: remove it when nobody holds it.
bool lockHeld(const std::string& lockDir, const std::string& owner, bool tidy) {
  auto path = ownerFile(lockDir, owner);
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;  // gone, or never on this machine's lock directory
  bool held = flock(fd, LOCK_EX | LOCK_NB) != 0;
  if (!held && tidy) ::unlink(path.c_str());  // a dead owner's file: tidy it away
  ::close(fd);
  return held;
}

class FileSwitchHold final : public SwitchHold {
 public:
  explicit FileSwitchHold(int fd) : fd_(fd) {}
  ~FileSwitchHold() override { ::close(fd_); }  // closing releases the lock

 private:
  int fd_;
};

// A file's identity: device and inode, whatever path names it.
struct FileId {
  dev_t dev = 0;
  ino_t ino = 0;
  bool known = false;
};

FileId fileId(const std::string& path) {
  struct stat st {};
  if (path.empty() || ::stat(path.c_str(), &st) != 0) return {};
  return {st.st_dev, st.st_ino, true};
}

class FileOwnership final : public Ownership {
 public:
  // `ledgerPath`: the ledger this process opened; while the path names
  // another file (or none), this process takes no new work (current()).
  FileOwnership(std::string lockDir, const std::string& kind, std::shared_ptr<TimeSource> time,
                std::string ledgerPath = {})
      : dir_(std::move(lockDir)),
        kind_(kind),
        time_(std::move(time)),
        ledgerPath_(std::move(ledgerPath)),
        ledgerId_(fileId(ledgerPath_)) {
    id_ = kind + ":" + hostName() + ":" + std::to_string(getpid()) + ":" + nonce();
    path_ = ownerFile(dir_, id_);
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ec);
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0 || flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      std::string why = std::strerror(errno);
      if (fd_ >= 0) ::close(fd_);
      throw inv::Error(inv::ErrorKind::storage,
                       "cannot create the owner lock " + path_ + ": " + why);
    }
  }
  ~FileOwnership() override {
    {
      std::lock_guard lock(m_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (renewer_.joinable()) renewer_.join();
    if (ledger_) try {
        ledger_->leases().end(id_);
      } catch (const std::exception&) {
        // Its lock file says it is gone; the row goes a day later.
      }
    ::unlink(path_.c_str());
    ::close(fd_);
  }

  // Shows this process in the ledger's agents table (colo agents), renewed
  // every third of `lease`. The kernel's lock says whether it lives; the
  // row says who it is and what it works on. A ledger that cannot be
  // written (busy, read-only) costs only the row, said once in the log.
  void showIn(std::unique_ptr<inv::Ledger> ledger, const std::string& name,
              std::chrono::milliseconds lease) {
    ledger_ = std::move(ledger);
    lease_ = lease;
    record_ = processRecord(id_, name, kind_, *time_);
    renewer_ = std::thread([this] { loop(); });
  }

  std::optional<std::chrono::milliseconds> sinceRenewal() const override {
    auto at = renewedAt_.load();
    if (at == 0) return std::nullopt;
    return std::chrono::duration_cast<std::chrono::milliseconds>(time_->now().time_since_epoch() -
                                                                 TimeSource::Duration(at));
  }

  const std::string& id() const override { return id_; }

  bool alive(const std::string& owner) override {
    return owner == id_ || lockHeld(dir_, owner, true);
  }

  // The ledger at its path is still the file this process opened: not
  // deleted, not replaced (a backup moved over it). Otherwise this process
  // and the next one would keep two ledgers of one data center; it says so
  // once and takes no new work (docs/design.md §12).
  bool current() const override {
    if (!ledgerId_.known) return true;
    auto now = fileId(ledgerPath_);
    if (now.known && now.dev == ledgerId_.dev && now.ino == ledgerId_.ino) return true;
    if (!lostLogged_.exchange(true))
      logEvent({{"level", "error"},
                {"event", "ledger.lost"},
                {"ledger", ledgerPath_},
                {"message", now.known ? "the ledger file was replaced since this process opened "
                                        "it; taking no new work (restart the agent)"
                                      : "the ledger file was deleted since this process opened "
                                        "it; taking no new work (restore it, then restart)"}});
    return false;
  }
  std::string refusal() const override {
    return current() ? std::string() : "its ledger file is not the one it opened (see its log)";
  }
  std::function<bool()> watch() override {
    return [] { return false; };
  }

  std::unique_ptr<SwitchHold> hold(const std::string& name, std::chrono::seconds wait,
                                   const std::function<bool()>& interrupt) override {
    std::filesystem::create_directories(dir_);
    std::string path = dir_ + "/" + name + ".lock";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) throw DriverError(DriverErrorKind::protocol, "cannot open lock file " + path);
    try {
      waitFor(*time_, name, wait, interrupt, [&] { return flock(fd, LOCK_EX | LOCK_NB) == 0; });
    } catch (...) {
      ::close(fd);
      throw;
    }
    return std::make_unique<FileSwitchHold>(fd);
  }

 private:
  void loop() {
    bool failing = false;
    std::unique_lock lock(m_);
    auto due = time_->now();
    while (!stopping_) {
      time_->waitUntil(lock, cv_, due, [this] { return stopping_; });
      if (stopping_) break;
      due = time_->now() + lease_ / 3;
      lock.unlock();
      auto started = time_->now();
      try {
        renewRow(*ledger_, record_, *time_, lease_, forgotAt_);
        renewedAt_ = started.time_since_epoch().count();
        failing = false;
      } catch (const std::exception& e) {
        if (!failing)
          logEvent({{"level", "warn"},
                    {"event", "agent.row_not_renewed"},
                    {"owner", id_},
                    {"error", e.what()},
                    {"message", "colo agents shows this process's lease as expired until it is"}});
        failing = true;
      }
      lock.lock();
    }
  }

  std::string dir_, kind_, id_, path_;
  std::shared_ptr<TimeSource> time_;
  std::string ledgerPath_;
  FileId ledgerId_;
  mutable std::atomic<bool> lostLogged_{false};
  int fd_ = -1;
  // Its row (showIn): the renewer's alone once started.
  std::unique_ptr<inv::Ledger> ledger_;
  std::chrono::milliseconds lease_{0};
  inv::Lease record_;
  std::int64_t forgotAt_ = 0;
  std::atomic<TimeSource::Duration::rep> renewedAt_{0};  // steady clock; 0: never
  std::mutex m_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread renewer_;
};

// ---- PostgreSQL: leases in the ledger.

class LeaseOwnership final : public Ownership, public std::enable_shared_from_this<LeaseOwnership> {
 public:
  LeaseOwnership(const Config& config, const std::string& kind)
      : config_(config),
        ledger_(openLedger(config, inv::Ledger::Open::must_exist)),
        lease_(std::chrono::seconds(config.lease_s)) {
    std::string agentId =
        kind == "agent" ? (config.agent_id.empty() ? hostName() + ":" + std::to_string(getpid())
                                                   : config.agent_id)
                        : kind;
    id_ = (kind == "agent" ? "agent:" : "cli:") + agentId + "#" + nonce();
    if (kind == "agent") {
      for (const auto& other : ledger_->leases().all())
        if (other.agent_id == agentId && alive(other.owner))
          throw inv::Error(inv::ErrorKind::invalid_input,
                           "agent_id " + agentId + " is in use by process " +
                               std::to_string(other.pid) + " on " + other.host +
                               " (its lease runs until " + inv::isoUtcMs(other.until) +
                               "); give each agent its own agent_id");
    }
    record_ = processRecord(id_, agentId, kind, *config_.time);
    renew();  // a database that cannot be reached stops the start here
    renewer_ = std::thread([this] { loop(); });
  }

  ~LeaseOwnership() override {
    {
      std::lock_guard lock(m_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (renewer_.joinable()) renewer_.join();
    try {
      std::lock_guard lock(ledgerMutex_);
      ledger_->leases().end(id_);  // its jobs are orphans for the others at once
    } catch (const std::exception&) {
      // The lease lapses by itself.
    }
  }

  const std::string& id() const override { return id_; }

  bool alive(const std::string& owner) override {
    if (owner == id_) return true;
    std::optional<inv::Lease> lease;
    {
      std::lock_guard lock(ledgerMutex_);
      lease = ledger_->leases().find(owner);
    }
    return lease && leaseLive(*lease, config_.time->wallMs());
  }

  std::optional<std::chrono::milliseconds> sinceRenewal() const override {
    if (!renewed_) return std::nullopt;
    return std::chrono::duration_cast<std::chrono::milliseconds>(
        config_.time->now().time_since_epoch() - TimeSource::Duration(lastRenewed_.load()));
  }

  // Renewed less than two thirds of a lease ago, by this process's own
  // steady clock: a process that was paused or cut off finds it false
  // before it sends anything more, while the others wait a whole lease.
  bool current() const override {
    if (lost_) return false;
    auto since =
        config_.time->now() - TimeSource::Steady(TimeSource::Duration(lastRenewed_.load()));
    return since < lease_ * 2 / 3;
  }

  std::string refusal() const override {
    if (lost_) return "the database its ledger URI reaches is not the one it opened (see its log)";
    return current() ? std::string()
                     : "its lease in the ledger lapsed: the database has not answered for a "
                       "while (see its log)";
  }

  std::function<bool()> watch() override {
    auto self = shared_from_this();
    auto epoch = lapses_.load();
    return [self, epoch] { return !self->current() || self->lapses_.load() != epoch; };
  }

  std::unique_ptr<SwitchHold> hold(const std::string& name, std::chrono::seconds wait,
                                   const std::function<bool()>& interrupt) override;

  // A switch let go of later when the ledger could not be reached then.
  void release(const std::string& sw, const std::string& holder) {
    try {
      std::lock_guard lock(ledgerMutex_);
      ledger_->leases().releaseSwitch(sw, holder);
    } catch (const std::exception&) {
      std::lock_guard lock(m_);
      unreleased_.push_back({sw, holder});
    }
  }

  std::string newHolder() { return id_ + "/" + std::to_string(++holds_); }

  bool tryTake(const std::string& sw, const std::string& holder) {
    std::optional<inv::SwitchHolder> current;
    {
      std::lock_guard lock(ledgerMutex_);
      if (ledger_->leases().takeSwitch(sw, holder, id_)) return true;
      current = ledger_->leases().switchHolder(sw);
    }
    // Held by a process that is gone: taken over, if still that holder's.
    if (!current || alive(current->owner)) return false;
    std::lock_guard lock(ledgerMutex_);
    return ledger_->leases().takeSwitch(sw, holder, id_, current->holder);
  }

 private:
  void renew() {
    auto started = config_.time->now();
    {
      std::lock_guard lock(ledgerMutex_);
      renewRow(*ledger_, record_, *config_.time, lease_, forgotAt_);
    }
    // Renewed after it may have lapsed: the jobs it had may be others' now.
    if (renewed_ && !current()) ++lapses_;
    lastRenewed_ = started.time_since_epoch().count();
    renewed_ = true;
  }

  void loop() {
    bool failing = false;
    std::unique_lock lock(m_);
    // A third of a lease after the last attempt: a deadline, so an attempt
    // that came due meanwhile is not put off.
    auto due = TimeSource::Steady(TimeSource::Duration(lastRenewed_.load())) + lease_ / 3;
    while (!stopping_) {
      config_.time->waitUntil(lock, cv_, due, [this] { return stopping_; });
      if (stopping_) break;
      due = config_.time->now() + lease_ / 3;
      auto retry = std::move(unreleased_);
      unreleased_.clear();
      lock.unlock();
      try {
        renew();
        for (const auto& [sw, holder] : retry) release(sw, holder);
        if (failing) logEvent({{"level", "info"}, {"event", "lease.renewed"}, {"owner", id_}});
        failing = false;
      } catch (const std::exception& e) {
        std::string replaced;
        {
          std::lock_guard relock(ledgerMutex_);
          replaced = ledger_->replaced();
        }
        if (!replaced.empty()) {
          // Not this ledger any more: no new work, for good (design.md §12).
          if (!lost_.exchange(true))
            logEvent({{"level", "error"},
                      {"event", "ledger.lost"},
                      {"ledger", ledger_->path()},
                      {"message", replaced + "; taking no new work"}});
          failing = true;
        } else if (!failing)
          logEvent({{"level", "error"},
                    {"event", "lease.renew_failed"},
                    {"owner", id_},
                    {"error", e.what()},
                    {"message", "jobs stop sending commands once the lease may have lapsed"}});
        failing = true;
        std::lock_guard relock(m_);
        unreleased_.insert(unreleased_.end(), retry.begin(), retry.end());
      }
      lock.lock();
    }
  }

  Config config_;
  std::unique_ptr<inv::Ledger> ledger_;
  std::mutex ledgerMutex_;  // the ledger connection is one thread's at a time
  std::chrono::milliseconds lease_;
  std::string id_;
  inv::Lease record_;
  std::int64_t forgotAt_ = 0;  // under ledgerMutex_
  std::atomic<TimeSource::Duration::rep> lastRenewed_{0};
  std::atomic<bool> renewed_{false};
  std::atomic<long> holds_{0};
  std::atomic<long> lapses_{0};    // renewals that came after the lease may have lapsed
  std::atomic<bool> lost_{false};  // the URI reaches another database now
  std::mutex m_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::vector<std::pair<std::string, std::string>> unreleased_;
  std::thread renewer_;
};

class LeaseSwitchHold final : public SwitchHold {
 public:
  LeaseSwitchHold(std::shared_ptr<LeaseOwnership> owner, std::string sw, std::string holder)
      : owner_(std::move(owner)), sw_(std::move(sw)), holder_(std::move(holder)) {}
  ~LeaseSwitchHold() override { owner_->release(sw_, holder_); }

 private:
  std::shared_ptr<LeaseOwnership> owner_;
  std::string sw_, holder_;
};

std::unique_ptr<SwitchHold> LeaseOwnership::hold(const std::string& name, std::chrono::seconds wait,
                                                 const std::function<bool()>& interrupt) {
  auto holder = newHolder();
  waitFor(*config_.time, name, wait, interrupt, [&] { return tryTake(name, holder); });
  return std::make_unique<LeaseSwitchHold>(shared_from_this(), name, holder);
}

// Lock files live beside a SQLite ledger: beside the file itself, its
// symbolic links resolved, so that every path to one ledger finds the same
// locks (and the same owners).
std::string lockDirFor(const Config& config) {
  std::error_code ec;
  auto file = std::filesystem::canonical(config.ledger_location, ec);
  if (ec) file = std::filesystem::weakly_canonical(config.ledger_location, ec);
  if (ec) file = config.ledger_location;
  auto dir = file.parent_path();
  return (dir.empty() ? std::filesystem::path("locks") : dir / "locks").string();
}

}  // namespace

std::shared_ptr<Ownership> makeOwnership(const Config& config, const std::string& kind) {
  if (inv::isPostgresUri(config.ledger_location))
    return std::make_shared<LeaseOwnership>(config, kind);
  auto owner = std::make_shared<FileOwnership>(lockDirFor(config), kind, config.time,
                                               config.ledger_location);
  std::unique_ptr<inv::Ledger> ledger;
  try {
    if (!config.ledger_location.empty()) ledger = openLedger(config, inv::Ledger::Open::must_exist);
  } catch (const std::exception&) {
    // No ledger yet (validate before init): nothing to show itself in.
  }
  if (ledger)
    owner->showIn(std::move(ledger),
                  kind != "agent"           ? kind
                  : config.agent_id.empty() ? hostName()
                                            : config.agent_id,
                  std::chrono::seconds(config.lease_s));
  return owner;
}

bool holderAlive(const Config& config, const inv::Lease& lease) {
  if (inv::isPostgresUri(config.ledger_location)) return leaseLive(lease, config.time->wallMs());
  return lockHeld(lockDirFor(config), lease.owner, false);
}

std::shared_ptr<Ownership> fileOwnership(const std::string& lockDir, const std::string& kind) {
  return std::make_shared<FileOwnership>(lockDir, kind, realTime());
}

}  // namespace colo::agent
