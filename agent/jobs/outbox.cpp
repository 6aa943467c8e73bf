#include "jobs/outbox.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "colo/encoding/encoding.h"
#include "core/log.h"
#include "core/views.h"

namespace colo::agent {

namespace inv = colo::inventory;
using nlohmann::json;

std::string webhookKey(const std::string& secret) {
  // Standard Webhooks: a "whsec_" secret is base64; anything else is used
  // as its bytes (so is a "whsec_" one whose rest is not base64 after all).
  if (secret.rfind("whsec_", 0) != 0) return secret;
  return encoding::fromBase64(std::string_view(secret).substr(6)).value_or(secret);
}

// What the confirmation letter states, for a request that ended.
namespace {

// A callback of `event` about `r`: everything the confirmation letter states.
inv::OutboxEntry callbackOf(const inv::RequestRecord& r, const json& req, const std::string& event,
                            const SlaCalendar& sla, std::int64_t now,
                            const std::string& publicUrl) {
  auto status = requestStatusJson(r, sla, now / 1000);
  json body = {{"type", "request." + event},
               {"request_id", r.id},
               {"letter_number", r.letter_number},
               {"tenant", req["tenant"]},
               {"event", event},
               {"status", inv::name(r.status)},
               {"attempt", r.attempt},
               {"received_at", r.received_at},
               {"sla", status.value("sla", json::object())},
               {"servers", r.status != inv::Status::failed && r.allocation
                               ? inv::toJson(*r.allocation)["servers"]
                               : json::array()}};
  for (const char* k : {"completed_at", "ended_at"})
    if (status.contains(k)) body[k] = status[k];
  if (event == "release_failed") {
    body["reason"] = r.release_reason;
    body["error"] = r.release_error;
  } else {
    body["reason"] = r.reason;
    if (!r.error.empty()) body["error"] = r.error;
  }
  if (r.status == inv::Status::completed)
    body["letter_url"] = publicUrl + "/v1/requests/" + r.id + "/letter";
  // Stable per (request, attempt, event): enqueued twice, sent once; its
  // webhook-id tells a receiver a repeat from news.
  return inv::OutboxEntry{r.id + "-" + event + "-" + std::to_string(r.attempt),
                          r.id,
                          req["callback_url"],
                          body.dump(),
                          event,
                          0,
                          now};
}

}  // namespace

std::optional<inv::OutboxEntry> callbackFor(const inv::RequestRecord& r, const SlaCalendar& sla,
                                            std::int64_t now, const std::string& publicUrl) {
  if (!inv::ended(r.status)) return std::nullopt;
  auto req = json::parse(r.body);
  if (!req.contains("callback_url")) return std::nullopt;
  return callbackOf(r, req, std::string(inv::name(r.status)), sla, now, publicUrl);
}

std::optional<inv::OutboxEntry> releaseFailedCallbackFor(const inv::RequestRecord& r,
                                                         const SlaCalendar& sla, std::int64_t now,
                                                         const std::string& publicUrl) {
  if (r.release_reason.empty()) return std::nullopt;
  auto req = json::parse(r.body);
  if (!req.contains("callback_url")) return std::nullopt;
  return callbackOf(r, req, "release_failed", sla, now, publicUrl);
}

std::optional<inv::OutboxEntry> checkedCallbackFor(const inv::RequestRecord& r,
                                                   std::int64_t checkId, const json& report,
                                                   bool ok, std::int64_t now) {
  auto req = json::parse(r.body);
  if (!req.contains("callback_url")) return std::nullopt;
  json body = {{"type", "request.checked"},
               {"request_id", r.id},
               {"letter_number", r.letter_number},
               {"tenant", req["tenant"]},
               {"event", "checked"},
               {"check_id", checkId},
               {"ok", ok},
               {"checked_at", inv::isoUtcMs(now)},
               {"nics", report.value("nics", json::array())}};
  return inv::OutboxEntry{r.id + "-checked-" + std::to_string(checkId),
                          r.id,
                          req["callback_url"],
                          body.dump(),
                          "checked",
                          0,
                          now};
}

// Delivers completion callbacks from the ledger's outbox.
class Deliverer::Impl {
 public:
  Impl(const LiveConfig& config, Post post)
      : config_(config), time_(config.get()->time), post_(std::move(post)) {}
  ~Impl() { stop(); }

  void start() {
    for (int i = 0; i < config_.get()->callback_parallel; ++i)
      threads_.emplace_back([this] { loop(); });
  }
  void wake() {
    {
      std::lock_guard lock(m_);
      woken_ = true;
    }
    cv_.notify_all();
  }
  void redelivered(const std::string& url) {
    {
      std::lock_guard lock(m_);
      if (auto it = receivers_.find(receiverOf(url)); it != receivers_.end()) {
        it->second.failures = 0;
        it->second.pausedUntil = 0;
      }
      woken_ = true;
    }
    cv_.notify_all();
  }
  // Deliveries in flight give up within about 50 ms; they are tried again
  // after the next start.
  void stop() {
    stopping_ = true;
    cv_.notify_all();
    for (auto& t : threads_)
      if (t.joinable()) t.join();
    threads_.clear();
  }

 private:
  void loop() {
    std::unique_ptr<inv::Ledger> ledger;
    std::mt19937_64 rng(std::random_device{}());
    bool againAtOnce = false;
    while (!stopping_) {
      // One delivery's trouble (a bad row, a ledger error) is logged and
      // retried later; it never ends the thread.
      std::optional<std::int64_t> next;
      try {
        if (!ledger) {
          ledger = openLedger(*config_.get(), inv::Ledger::Open::must_exist);
          ledger->setWaitAbort([this] { return stopping_.load(); });
        }
        while (!stopping_ && deliverOne(*ledger, rng)) {
        }
        next = ledger->outbox().nextDue();
      } catch (const std::exception& e) {
        logEvent({{"level", "error"}, {"event", "callback.error"}, {"error", e.what()}});
        ledger.reset();
      }
      auto wait = std::chrono::milliseconds(1000);
      std::optional<std::int64_t> dueAt;  // wall time the wait ends at, if later
      if (next) {
        auto until = *next - time_->wallMs();
        // Due already (it came due while this looked): once, look again at
        // once rather than wait for time to pass.
        if (until <= 0 && !againAtOnce) {
          againAtOnce = true;
          continue;
        }
        if (until > 0) {
          wait = std::chrono::milliseconds(std::clamp<std::int64_t>(until, 1, 1000));
          dueAt = next;
        } else {
          // Due, but every receiver with something due is busy or backing
          // off: a slot freeing wakes this, a backoff ending is waited for.
          wait = std::chrono::milliseconds(untilReceiverFree());
        }
      }
      againAtOnce = false;
      // The wait ends when the wall clock reaches the due time, whatever the
      // monotonic deadline says: the clock may have moved between reading
      // the due time and starting to wait.
      std::unique_lock lock(m_);
      time_->waitFor(lock, cv_, wait,
                     [&] { return stopping_ || woken_ || (dueAt && time_->wallMs() >= *dueAt); });
      woken_ = false;
    }
  }

  // A receiver: the scheme, host and port its URLs name (a URL that does
  // not parse is its own, and is refused when taken).
  static std::string receiverOf(const std::string& url) {
    std::string why;
    auto u = parseHttpUrl(url, why);
    return u ? u->scheme + "://" + u->host + ":" + std::to_string(u->port) : url;
  }

  // Takes one due delivery no other thread is sending, to a receiver with a
  // free slot and not backing off, and sends it; false when there is none.
  bool deliverOne(inv::Ledger& ledger, std::mt19937_64& rng) {
    // One delivery, one config: a reload's secret, URLs and limits count
    // from the next delivery on.
    const auto snapshot = config_.get();
    const Config& cfg = *snapshot;
    // Taken in the ledger for longer than an attempt can take: no other
    // thread, and no other agent on the same ledger, sends it meanwhile; if
    // this process dies, it is sent again once that time runs out.
    auto now = cfg.time->wallMs();
    std::optional<inv::OutboxEntry> e;
    std::string receiver;
    for (const auto& url : ledger.outbox().dueUrls(now, kUrlsLooked)) {
      receiver = receiverOf(url);
      {
        std::lock_guard lock(m_);
        auto& r = receivers_[receiver];
        if (r.sending >= cfg.callback_parallel_per_receiver || r.pausedUntil > now) continue;
        ++r.sending;  // the slot, before taking: another thread sees it
      }
      e = ledger.outbox().takeFor(url, now, sender_, now + (cfg.callback_timeout_s + 30) * 1000LL);
      if (e) break;
      done(receiver, std::nullopt);  // another sender took it first
    }
    if (!e) return false;
    struct Slot {
      Impl* self;
      std::string receiver;
      std::optional<bool> answered;  // whether the receiver answered at all
      ~Slot() { self->done(receiver, answered); }
    } slot{this, receiver, std::nullopt};
    // Checked again when sending: a callback queued by a CLI, or before the
    // config changed, goes only where the config allows now.
    if (std::string why; !callbackUrlAllowed(e->url, cfg.callback_allowed, why)) {
      ledger.outbox().result(e->delivery_id, false, "callback_url " + why, cfg.time->wallMs(),
                             true);
      logEvent({{"level", "warn"},
                {"event", "callback.refused"},
                {"request_id", e->request_id},
                {"delivery", e->delivery_id},
                {"error", why}});
      return true;
    }
    auto timestamp = std::to_string(cfg.time->wallMs() / 1000);
    const auto key = webhookKey(cfg.callback_secret);
    // A redelivery (<id>~r<n>) is the same message again: the same
    // webhook-id, so a receiver that has it already can tell.
    auto messageId = e->delivery_id.substr(0, e->delivery_id.find('~'));
    auto res = post_(
        e->url,
        {{"webhook-id", messageId},
         {"webhook-timestamp", timestamp},
         {"webhook-signature", "v1," + encoding::base64(encoding::hmacSha256(
                                           key, messageId + "." + timestamp + "." + e->body))},
         // The same key as webhook-signature's (the secret's bytes; a
         // whsec_ secret's decoded ones), as the README says.
         {"X-Colo-Signature", "sha256=" + encoding::hex(encoding::hmacSha256(key, e->body))},
         {"X-Colo-Delivery", e->delivery_id}},
        e->body, std::chrono::seconds(cfg.callback_timeout_s), [this] { return stopping_.load(); });
    if (stopping_ && res.status == 0) {
      ledger.outbox().giveBack(e->delivery_id);
      return false;  // not an attempt: tried again after the restart
    }
    slot.answered = res.status != 0;
    bool ok = res.status >= 200 && res.status < 300;
    std::string error = ok ? "" : res.status ? "HTTP " + std::to_string(res.status) : res.error;
    int attempts = e->attempts + 1;
    bool giveUp = !ok && attempts >= cfg.callback_max_attempts;
    // Exponential backoff with jitter: base x 2^(attempts-1), capped at
    // 10 minutes, then a random half to all of it.
    double delay = std::min(600000.0, cfg.callback_retry_base_ms * std::pow(2.0, attempts - 1));
    delay *= std::uniform_real_distribution<double>(0.5, 1.0)(rng);
    ledger.outbox().result(e->delivery_id, ok, error,
                           cfg.time->wallMs() + static_cast<std::int64_t>(delay), giveUp,
                           res.status);
    logEvent({{"level", ok ? "info" : "warn"},
              {"event", ok       ? "callback.delivered"
                        : giveUp ? "callback.given_up"
                                 : "callback.retry"},
              {"request_id", e->request_id},
              {"delivery", e->delivery_id},
              {"attempt", attempts},
              {"error", error}});
    return true;
  }

  // A delivery to `receiver` ended: its slot is free again. One that got no
  // answer (refused, timed out) makes the receiver back off as a whole:
  // its other deliveries wait, and take no slot meanwhile; an answer ends
  // the backoff.
  void done(const std::string& receiver, std::optional<bool> answered) {
    {
      std::lock_guard lock(m_);
      auto it = receivers_.find(receiver);
      if (it == receivers_.end()) return;
      auto& r = it->second;
      --r.sending;
      if (answered && *answered) {
        r.failures = 0;
        r.pausedUntil = 0;
      } else if (answered) {
        ++r.failures;
        double pause = std::min(
            600000.0, config_.get()->callback_retry_base_ms * std::pow(2.0, r.failures - 1));
        r.pausedUntil = std::max(r.pausedUntil, time_->wallMs() + static_cast<std::int64_t>(pause));
      }
      if (r.sending == 0 && r.failures == 0) receivers_.erase(it);
      woken_ = true;  // a slot is free: look again
    }
    cv_.notify_all();
  }

  // How long until the first receiver's backoff ends (at most 1 s).
  std::int64_t untilReceiverFree() {
    std::lock_guard lock(m_);
    std::int64_t now = time_->wallMs(), wait = 1000;
    for (const auto& [name, r] : receivers_)
      if (r.pausedUntil > now) wait = std::min(wait, r.pausedUntil - now);
    return std::max<std::int64_t>(wait, 1);
  }

  struct Receiver {
    int sending = 0;
    int failures = 0;              // no answer, in a row
    std::int64_t pausedUntil = 0;  // wall ms
  };
  static constexpr int kUrlsLooked = 256;

  const LiveConfig& config_;
  std::shared_ptr<TimeSource> time_;  // a reload keeps the clock
  Post post_;
  std::vector<std::thread> threads_;
  std::mutex m_;
  std::map<std::string, Receiver> receivers_;  // by scheme://host:port, under m_
  std::condition_variable cv_;
  std::string sender_ = "callbacks:" + std::to_string(getpid());
  std::atomic<bool> stopping_{false};
  bool woken_ = false;
};

Deliverer::Deliverer(const LiveConfig& config, Post post)
    : impl_(std::make_unique<Impl>(config, std::move(post))) {}
Deliverer::~Deliverer() = default;
void Deliverer::start() {
  impl_->start();
}
void Deliverer::redelivered(const std::string& url) {
  impl_->redelivered(url);
}

void Deliverer::wake() {
  impl_->wake();
}
void Deliverer::stop() {
  impl_->stop();
}

}  // namespace colo::agent
