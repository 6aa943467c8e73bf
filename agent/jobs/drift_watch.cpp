#include "jobs/drift_watch.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/log.h"
#include "core/prometheus.h"
#include "engine/reconcile.h"
#include "engine/switch_access.h"

namespace colo::agent {

namespace inv = colo::inventory;

class DriftWatch::Impl {
 public:
  Impl(const LiveConfig& config, const inv::Inventory& inventory, const Playbooks& playbooks,
       std::shared_ptr<Ownership> ownership)
      : config_(config),
        inventory_(inventory),
        playbooks_(playbooks),
        ownership_(std::move(ownership)) {}
  ~Impl() { stop(); }

  void start() {
    thread_ = std::thread([this] { loop(); });
  }
  void stop() {
    {
      std::lock_guard lock(m_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  void readNow() {
    {
      std::lock_guard lock(m_);
      readAsked_ = true;
    }
    cv_.notify_all();
  }
  void reconcileNow(const std::string& actor) {
    {
      std::lock_guard lock(m_);
      readAsked_ = true;
      reconcileBy_ = actor;
    }
    cv_.notify_all();
  }
  DriftState state() const {
    std::lock_guard lock(m_);
    return state_;
  }

  std::string metrics() const {
    auto s = state();
    std::string out =
        "# HELP colo_port_drift 1 for each port whose configuration differs from colo's intent at "
        "the drift watch's last reading (kind: changed, foreign, unsaved).\n"
        "# TYPE colo_port_drift gauge\n";
    int unread = 0;
    for (const auto& sw : s.report.switches) {
      unread += !sw.error.empty();
      for (const auto& p : sw.ports)
        out += "colo_port_drift{switch=\"" + promLabel(p.switch_name) + "\",port=\"" +
               promLabel(p.port) + "\",kind=\"" + promLabel(p.kind) + "\"} 1\n";
    }
    out +=
        "# HELP colo_drift_switches_unread Switches the drift watch could not read at its last "
        "round.\n# TYPE colo_drift_switches_unread gauge\ncolo_drift_switches_unread " +
        std::to_string(unread) +
        "\n# HELP colo_drift_read_timestamp_seconds When the drift watch last read every switch "
        "(0: not yet).\n# TYPE colo_drift_read_timestamp_seconds gauge\n"
        "colo_drift_read_timestamp_seconds " +
        std::to_string(s.read_at / 1000) + "\n";
    return out;
  }

 private:
  TimeSource& time() { return *config_.get()->time; }

  void loop() {
    while (true) {
      std::string reconcileBy;
      {
        std::unique_lock lock(m_);
        auto interval = config_.get()->drift_interval_s;
        auto asked = [this] { return stopping_ || readAsked_; };
        // A round every interval from the start (not at once: a restart
        // does not read every switch again), or when asked.
        if (interval > 0)
          time().waitUntil(lock, cv_, time().now() + std::chrono::seconds(interval), asked);
        else
          cv_.wait(lock, asked);
        if (stopping_) return;
        readAsked_ = false;
        reconcileBy = std::move(reconcileBy_);
        reconcileBy_.clear();
        state_.reading = true;
      }
      round(reconcileBy);
    }
  }

  void round(const std::string& reconcileBy) {
    try {
      if (!ledger_) ledger_ = openLedger(*config_.get(), inv::Ledger::Open::must_exist);
      if (!opener_) opener_ = sshOpener(config_, ownership_);
      auto stopping = [this] {
        std::lock_guard lock(m_);
        return stopping_;
      };
      // One switch at a time; the ledger's holdings read once per round.
      auto whole =
          compareIntent(inventory_, *ledger_, playbooks_, *opener_, {}, stopping, /*width=*/1);
      if (stopping()) return;
      {
        std::lock_guard lock(m_);
        state_.report = whole;
      }
      if (!reconcileBy.empty() && !whole.clean()) {
        auto applied =
            applyIntent(inventory_, *ledger_, playbooks_, *opener_, whole, reconcileBy, stopping);
        std::string said;
        for (const auto& f : applied.fixed) said += (said.empty() ? "" : "; ") + f;
        for (const auto& f : applied.failed)
          said += (said.empty() ? "" : "; ") + std::string("not put back: ") + f;
        logEvent({{"level", applied.failed.empty() ? "info" : "warn"},
                  {"event", "drift.reconciled"},
                  {"by", reconcileBy},
                  {"detail", said}});
        {
          std::lock_guard lock(m_);
          state_.last_reconcile = said.empty() ? "nothing of colo's to put back" : said;
          state_.reconciled_at = time().wallMs();
        }
        // What it left: read again.
        std::lock_guard lock(m_);
        readAsked_ = true;
      } else if (!reconcileBy.empty()) {
        std::lock_guard lock(m_);
        state_.last_reconcile = "every port already as colo intends";
        state_.reconciled_at = time().wallMs();
      }
      std::size_t drifted = 0;
      for (const auto& sw : whole.switches) drifted += sw.ports.size() + !sw.error.empty();
      if (drifted > 0)
        logEvent({{"level", "warn"},
                  {"event", "drift.found"},
                  {"changed", whole.count("changed")},
                  {"foreign", whole.count("foreign")},
                  {"unsaved", whole.count("unsaved")}});
      std::lock_guard lock(m_);
      state_.read_at = time().wallMs();
      state_.reading = false;
    } catch (const std::exception& e) {
      logEvent({{"level", "error"}, {"event", "drift.error"}, {"error", e.what()}});
      ledger_.reset();
      std::lock_guard lock(m_);
      state_.reading = false;
    }
  }

  const LiveConfig& config_;
  const inv::Inventory& inventory_;
  const Playbooks& playbooks_;
  std::shared_ptr<Ownership> ownership_;
  std::unique_ptr<inv::Ledger> ledger_;
  std::unique_ptr<SwitchOpener> opener_;
  mutable std::mutex m_;
  std::condition_variable cv_;
  bool stopping_ = false, readAsked_ = false;
  std::string reconcileBy_;
  DriftState state_;
  std::thread thread_;
};

DriftWatch::DriftWatch(const LiveConfig& config, const inv::Inventory& inventory,
                       const Playbooks& playbooks, std::shared_ptr<Ownership> ownership)
    : impl_(std::make_unique<Impl>(config, inventory, playbooks, std::move(ownership))) {}
DriftWatch::~DriftWatch() = default;
void DriftWatch::start() {
  impl_->start();
}
void DriftWatch::stop() {
  impl_->stop();
}
void DriftWatch::readNow() {
  impl_->readNow();
}
void DriftWatch::reconcileNow(const std::string& actor) {
  impl_->reconcileNow(actor);
}
DriftState DriftWatch::state() const {
  return impl_->state();
}
std::string DriftWatch::metrics() const {
  return impl_->metrics();
}

}  // namespace colo::agent
