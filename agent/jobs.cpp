#include "jobs.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "colo/inventory/error.h"
#include "lifecycle.h"
#include "log.h"
#include "provision.h"
#include "switch_access.h"

namespace colo::agent {

namespace inv = colo::inventory;
using nlohmann::json;

namespace {

std::string ownerFile(const std::string& lockDir, const std::string& owner) {
  std::string name;
  for (char c : owner)
    name += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ? c : '_';
  return lockDir + "/owners/" + name + ".lock";
}

std::string hostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "host";
  std::string h = buf;
  return inv::isSafeName(h) ? h : "host";
}

}  // namespace

ProcessOwner::ProcessOwner(const std::string& lockDir, const std::string& kind) {
  unsigned char nonce[4];
  if (RAND_bytes(nonce, sizeof nonce) != 1)
    throw inv::Error(inv::ErrorKind::storage, "no randomness available");
  char hex[9];
  std::snprintf(hex, sizeof hex, "%02x%02x%02x%02x", nonce[0], nonce[1], nonce[2], nonce[3]);
  id_ = kind + ":" + hostName() + ":" + std::to_string(getpid()) + ":" + hex;
  path_ = ownerFile(lockDir, id_);
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ec);
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0 || flock(fd_, LOCK_EX | LOCK_NB) != 0)
    throw inv::Error(inv::ErrorKind::storage,
                     "cannot create the owner lock " + path_ + ": " + std::strerror(errno));
}

ProcessOwner::~ProcessOwner() {
  ::unlink(path_.c_str());
  ::close(fd_);
}

bool ProcessOwner::alive(const std::string& lockDir, const std::string& owner) {
  auto path = ownerFile(lockDir, owner);
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;  // gone, or never on this machine's lock directory
  bool held = flock(fd, LOCK_EX | LOCK_NB) != 0;
  if (!held) ::unlink(path.c_str());  // a dead owner's file: tidy it away
  ::close(fd);
  return held;
}

class Workers::Impl {
 public:
  explicit Impl(WorkerSetup s) : s_(std::move(s)) {}
  ~Impl() { stop(); }

  void start(std::vector<inv::Job> adopted) {
    queue_.assign(adopted.begin(), adopted.end());
    for (int i = 0; i < s_.config->workers; ++i) threads_.emplace_back([this, i] { loop(i); });
  }

  void wake() {
    {
      std::lock_guard lock(m_);
      ++wakes_;
    }
    cv_.notify_one();
  }

  void stop() {
    {
      std::lock_guard lock(m_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_)
      if (t.joinable()) t.join();
    threads_.clear();
  }

  bool running() const { return !threads_.empty() && !stopping_; }

 private:
  static constexpr auto kOrphanScan = std::chrono::seconds(5);

  void loop(int index) {
    std::string actor = "agent:worker-" + std::to_string(index);
    // Everything a worker holds is its own: its ledger connection, its SSH
    // sessions, its provisioner.
    std::unique_ptr<inv::Ledger> ledger;
    std::unique_ptr<SwitchOpener> opener;
    std::unique_ptr<Lifecycle> life;
    std::unique_ptr<Provisioner> provisioner;
    while (!stopping_) {
      std::optional<inv::Job> job;
      try {
        if (!provisioner) {
          ledger = openLedger(*s_.config, inv::Ledger::Open::must_exist);
          ledger->setWaitAbort([this] { return stopping_.load(); });
          opener = sshOpener(*s_.config, s_.lockDir);
          life = std::make_unique<Lifecycle>(*ledger, *s_.sla, s_.config->public_url);
          JobContext ctx;
          ctx.actor = actor;
          ctx.owner = s_.owner;
          ctx.ownerAlive = [dir = s_.lockDir](const std::string& o) {
            return ProcessOwner::alive(dir, o);
          };
          ctx.shutdown = [this] { return stopping_.load(); };
          provisioner =
              std::make_unique<Provisioner>(*life, *s_.inventory, *s_.playbooks, *opener, ctx);
        }
        job = next(*ledger, actor);
      } catch (const std::exception& e) {
        logEvent({{"level", "error"},
                  {"event", "worker.ledger"},
                  {"worker", index},
                  {"error", e.what()}});
        provisioner.reset();  // start afresh after a pause
      }
      if (!job) {
        std::unique_lock lock(m_);
        // Woken by the API; the timeout also picks up work queued by others.
        cv_.wait_for(lock, std::chrono::seconds(2), [this] { return stopping_ || wakes_ > 0; });
        if (wakes_ > 0) --wakes_;
        continue;
      }
      run(*job, *provisioner, *ledger);
    }
  }

  // The next job: one adopted earlier, a queued one, or an orphan.
  std::optional<inv::Job> next(inv::Ledger& ledger, const std::string& actor) {
    {
      std::lock_guard lock(m_);
      if (!queue_.empty()) {
        auto j = queue_.front();
        queue_.pop_front();
        return j;
      }
    }
    if (auto j = ledger.takeJob(s_.owner, actor)) return j;
    bool scan = false;
    {
      std::lock_guard lock(m_);
      auto now = std::chrono::steady_clock::now();
      if (now - lastScan_ >= kOrphanScan) {
        lastScan_ = now;
        scan = true;
      }
    }
    if (!scan) return std::nullopt;
    auto adopted = ledger.adoptOrphans(
        s_.owner, [this](const std::string& o) { return ProcessOwner::alive(s_.lockDir, o); });
    if (adopted.empty()) return std::nullopt;
    for (const auto& j : adopted)
      logEvent({{"level", "warn"},
                {"event", "job.adopted"},
                {"request_id", j.id},
                {"status", inv::name(j.status)},
                {"previous_owner", j.previous_owner}});
    std::lock_guard lock(m_);
    queue_.insert(queue_.end(), adopted.begin() + 1, adopted.end());
    return adopted.front();
  }

  void run(const inv::Job& job, Provisioner& provisioner, inv::Ledger& ledger) {
    auto start = std::chrono::steady_clock::now();
    std::string kind = job.status == inv::Status::releasing ? "release" : "provision";
    logEvent({{"level", "info"},
              {"event", kind + ".started"},
              {"request_id", job.id},
              {"status", inv::name(job.status)}});
    std::string outcome = "completed", error;
    try {
      auto result = provisioner.continueJob(job.id, job.status);
      if (result.failed) outcome = "failed", error = result.error;
    } catch (const JobAbandoned& e) {
      outcome = "left";  // the next start continues it from its captures
      error = e.what();
    } catch (const inv::Error& e) {
      // Another process moved it on: its job now, nothing to undo here.
      outcome = e.kind() == inv::ErrorKind::moved ? "moved" : "error";
      error = e.what();
    } catch (const std::exception& e) {
      outcome = "error";
      error = e.what();
    }
    if (outcome == "error") {
      // Unexpected: leave the job to be adopted and continued (or rolled
      // back) by the next orphan scan, and carry on.
      try {
        ledger.disown(job.id, s_.owner);
      } catch (const std::exception&) {
      }
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (s_.recordJob) s_.recordJob(outcome, seconds);
    json entry = {{"level", outcome == "completed" ? "info"
                            : outcome == "error"   ? "error"
                                                   : "warn"},
                  {"event", kind + "." + outcome},
                  {"request_id", job.id},
                  {"duration_ms", static_cast<long>(seconds * 1000)}};
    if (!error.empty()) entry["error"] = error;
    logEvent(entry);
    if (s_.callbackQueued) s_.callbackQueued();
  }

  WorkerSetup s_;
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<inv::Job> queue_;
  std::chrono::steady_clock::time_point lastScan_{};
  int wakes_ = 0;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
};

Workers::Workers(WorkerSetup setup) : impl_(std::make_unique<Impl>(std::move(setup))) {}
Workers::~Workers() = default;
void Workers::start(std::vector<inv::Job> adopted) {
  impl_->start(std::move(adopted));
}
void Workers::wake() {
  impl_->wake();
}
void Workers::stop() {
  impl_->stop();
}
bool Workers::running() const {
  return impl_->running();
}

}  // namespace colo::agent
