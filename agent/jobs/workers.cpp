#include "jobs/workers.h"

#include <unistd.h>
#include "jobs/cabling_job.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "colo/inventory/error.h"
#include "core/log.h"
#include "engine/switch_access.h"
#include "jobs/cabling_job.h"
#include "jobs/provision.h"
#include "jobs/status_writer.h"

namespace colo::agent {

namespace inv = colo::inventory;
using nlohmann::json;

class Workers::Impl {
 public:
  explicit Impl(WorkerSetup s) : s_(std::move(s)) {
    if (!s_.occupancy) {
      ownOccupancy_ = std::make_unique<inv::OccupancyCache>(*s_.inventory);
      s_.occupancy = ownOccupancy_.get();
    }
  }
  ~Impl() { stop(); }

  void start(std::vector<inv::Job> adopted) {
    queue_.assign(adopted.begin(), adopted.end());
    lastScan_ = time().now();  // the start adopted what was orphaned then
    for (int i = 0; i < s_.config->get()->workers; ++i)
      threads_.emplace_back([this, i] { loop(i); });
  }

  void wake() {
    {
      std::lock_guard lock(m_);
      // Each kept wake is a look at the queue that may find nothing (a
      // burst of 300 POSTs left 300 of them, each a read and a write).
      if (wakes_ < std::max(1, s_.config->get()->workers)) ++wakes_;
    }
    cv_.notify_one();
  }
  int pendingWakes() {
    std::lock_guard lock(m_);
    return wakes_;
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
  // How often a worker looks for jobs whose owner is gone, and how long an
  // idle worker waits before it looks for work others queued (an agent's
  // own API wakes it at once).
  static constexpr auto kOrphanScan = std::chrono::seconds(5);
  static constexpr auto kIdle = std::chrono::seconds(2);

  TimeSource& time() { return *s_.config->get()->time; }

  void loop(int index) {
    std::string actor = "agent:worker-" + std::to_string(index);
    // Everything a worker holds is its own: its ledger connection, its SSH
    // sessions, its provisioner.
    std::unique_ptr<inv::Ledger> ledger;
    std::unique_ptr<SwitchOpener> opener;
    std::unique_ptr<StatusWriter> status;
    std::unique_ptr<Provisioner> provisioner;
    std::function<bool()> leaseLost = [] { return false; };
    while (!stopping_) {
      std::optional<inv::Job> job;
      try {
        if (!provisioner) {
          ledger = openLedger(*s_.config->get(), inv::Ledger::Open::must_exist);
          ledger->setWaitAbort([this] { return stopping_.load(); });
          // Its writes about its jobs hold only while they are still its.
          ledger->setFence(s_.ownership->id());
          opener = sshOpener(*s_.config, s_.ownership);
          status = std::make_unique<StatusWriter>(*ledger, *s_.sla, s_.config->get()->public_url);
          JobContext ctx;
          ctx.actor = actor;
          ctx.owner = s_.ownership->id();
          ctx.ownerAlive = [o = s_.ownership](const std::string& other) { return o->alive(other); };
          // Stopping, or a lease that may have lapsed since the job began:
          // the job is left as it stands, for whoever owns it next.
          ctx.shutdown = [this, &leaseLost] { return stopping_.load() || leaseLost(); };
          provisioner =
              std::make_unique<Provisioner>(*status, *s_.occupancy, *s_.playbooks, *opener, ctx);
        }
        job = next(*status, actor);
      } catch (const std::exception& e) {
        logEvent({{"level", "error"},
                  {"event", "worker.ledger"},
                  {"worker", index},
                  {"error", e.what()}});
        provisioner.reset();  // start afresh after a pause
      }
      if (!job && provisioner && runCheck(*ledger, *opener, actor)) continue;
      if (!job) {
        std::unique_lock lock(m_);
        // Woken by the API; the timeout also picks up work queued by others.
        // Until the next orphan scan is due at the latest: a deadline, so a
        // scan that came due meanwhile is not put off.
        auto until = std::min(time().now() + kIdle, lastScan_ + kOrphanScan);
        time().waitUntil(lock, cv_, until, [this] { return stopping_ || wakes_ > 0; });
        if (wakes_ > 0) --wakes_;
        continue;
      }
      leaseLost = s_.ownership->watch();
      run(*job, *provisioner, *ledger);
    }
  }

  // A queued cabling check (or one whose process died), run to its end;
  // false when there is none. Checks wait behind provisioning: they only
  // read, and a worker takes one when it has no job.
  bool runCheck(inv::Ledger& ledger, SwitchOpener& opener, const std::string& actor) {
    if (!s_.ownership->current()) return false;
    std::optional<inv::CablingCheck> taken;
    try {
      taken = ledger.cablingChecks().take(
          s_.ownership->id(), ledger.nowMs(),
          [this](const std::string& o) { return s_.ownership->alive(o); });
    } catch (const std::exception& e) {
      logEvent({{"level", "error"}, {"event", "cabling.take"}, {"error", e.what()}});
      return false;
    }
    if (!taken) return false;
    try {
      auto run = agent::runCheck(ledger, *s_.inventory, opener, *taken, s_.ownership->id(), actor,
                                 [this] { return stopping_.load(); });
      bool done = run.check.state == "done";
      logEvent({{"level", done && run.check.ok ? "info" : "warn"},
                {"event", done ? "cabling.checked" : "cabling.failed"},
                {"request_id", taken->request_id},
                {"check_id", taken->id},
                {"detail", done ? cablingSummary(run.report) : run.check.error}});
    } catch (const std::exception& e) {
      // Left running under this owner: taken again once it is gone.
      logEvent({{"level", "error"},
                {"event", "cabling.error"},
                {"request_id", taken->request_id},
                {"error", e.what()}});
    }
    if (s_.callbackQueued) s_.callbackQueued();
    return true;
  }

  // The next job: one adopted earlier, a queued one, or an orphan.
  std::optional<inv::Job> next(StatusWriter& status, const std::string& actor) {
    auto& ledger = status.ledger();
    if (!s_.ownership->current()) return std::nullopt;  // no lease: take nothing
    {
      std::lock_guard lock(m_);
      if (!queue_.empty()) {
        auto j = queue_.front();
        queue_.pop_front();
        return j;
      }
    }
    if (auto j = status.takeJob(s_.ownership->id(), actor)) return j;
    bool scan = false;
    {
      std::lock_guard lock(m_);
      auto now = time().now();
      if (now - lastScan_ >= kOrphanScan) {
        lastScan_ = now;
        scan = true;
      }
    }
    if (!scan) return std::nullopt;
    auto adopted = ledger.jobs().adoptOrphans(
        s_.ownership->id(), [this](const std::string& o) { return s_.ownership->alive(o); });
    // Its own jobs no worker runs: left when its lease lapsed, or when a
    // worker could not give one up.
    for (auto& j : ledger.jobs().owned(s_.ownership->id())) {
      std::lock_guard lock(m_);
      if (!running_.count(j.id)) adopted.push_back(std::move(j));
    }
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
    {
      std::lock_guard lock(m_);
      if (!running_.insert(job.id).second) return;  // another worker has it
    }
    struct Done {
      Impl* self;
      std::string id;
      ~Done() {
        std::lock_guard lock(self->m_);
        self->running_.erase(id);
      }
    } done{this, job.id};
    auto start = time().now();
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
        ledger.jobs().disown(job.id, s_.ownership->id());
      } catch (const std::exception&) {
      }
    }
    double seconds = std::chrono::duration<double>(time().now() - start).count();
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
  std::unique_ptr<inv::OccupancyCache> ownOccupancy_;  // when the setup brings none
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<inv::Job> queue_;
  std::set<std::string> running_;  // the jobs the workers run now
  TimeSource::Steady lastScan_{};
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
int Workers::pendingWakes() const {
  return impl_->pendingWakes();
}
void Workers::stop() {
  impl_->stop();
}
bool Workers::running() const {
  return impl_->running();
}

}  // namespace colo::agent
