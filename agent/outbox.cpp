#include "outbox.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "api.h"
#include "http_server.h"
#include "log.h"

namespace colo::agent {

namespace inv = colo::inventory;
using nlohmann::json;

namespace {

std::string hmacHex(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (unsigned i = 0; i < len; ++i) s += {hex[out[i] >> 4], hex[out[i] & 15]};
  return s;
}

}  // namespace

std::int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What the confirmation letter states, for a request that ended.
std::optional<inv::OutboxEntry> callbackFor(const inv::RequestRecord& r, const SlaCalendar& sla,
                                            std::int64_t now) {
  if (!inv::ended(r.status)) return std::nullopt;
  auto req = json::parse(r.body);
  if (!req.contains("callback_url")) return std::nullopt;
  auto status = requestStatusJson(r, sla, now / 1000);
  std::string event(inv::name(r.status));
  json body = {{"request_id", r.id},
               {"letter_number", r.letter_number},
               {"tenant", req["tenant"]},
               {"event", event},
               {"status", event},
               {"received_at", r.received_at},
               {"completed_at", r.completed_at},
               {"sla", status.value("sla", json::object())},
               {"servers", r.status != inv::Status::failed && r.allocation
                               ? inv::toJson(*r.allocation)["servers"]
                               : json::array()}};
  if (!r.error.empty()) body["error"] = r.error;
  return inv::OutboxEntry{r.id + "-" + event + "-" + std::to_string(r.attempt),
                          r.id,
                          req["callback_url"],
                          body.dump(),
                          event,
                          0,
                          now};
}

// Delivers completion callbacks from the ledger's outbox.
class Deliverer::Impl {
 public:
  Impl(const Config& cfg, std::string secret) : cfg_(cfg), secret_(std::move(secret)) {}
  ~Impl() { stop(); }

  void start() {
    thread_ = std::thread([this] { loop(); });
  }
  void wake() {
    {
      std::lock_guard lock(m_);
      woken_ = true;
    }
    cv_.notify_one();
  }
  void stop() {
    {
      std::lock_guard lock(m_);
      stopping_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void loop() {
    inv::Ledger ledger(cfg_.state);
    std::mt19937_64 rng(std::random_device{}());
    while (true) {
      // One delivery's trouble (a bad row, a ledger error) is logged and
      // retried later; it never ends the thread.
      try {
        deliverDue(ledger, rng);
      } catch (const std::exception& e) {
        logEvent({{"level", "error"}, {"event", "callback.error"}, {"error", e.what()}});
      }
      std::optional<std::int64_t> next;
      try {
        next = ledger.nextCallbackAt();
      } catch (const std::exception&) {
      }
      auto wait = std::chrono::milliseconds(1000);
      if (next)
        wait = std::chrono::milliseconds(std::clamp<std::int64_t>(*next - nowMs(), 1, 1000));
      std::unique_lock lock(m_);
      cv_.wait_for(lock, wait, [this] { return stopping_ || woken_; });
      if (stopping_) return;
      woken_ = false;
    }
  }

  void deliverDue(inv::Ledger& ledger, std::mt19937_64& rng) {
    for (const auto& e : ledger.dueCallbacks(nowMs(), 16)) {
      {
        std::lock_guard lock(m_);
        if (stopping_) return;
      }
      auto res = httpPost(e.url,
                          {{"X-Colo-Signature", "sha256=" + hmacHex(secret_, e.body)},
                           {"X-Colo-Delivery", e.delivery_id}},
                          e.body, std::chrono::seconds(10), cfg_.callback_ca_file);
      bool ok = res.status >= 200 && res.status < 300;
      std::string error = ok ? "" : res.status ? "HTTP " + std::to_string(res.status) : res.error;
      int attempts = e.attempts + 1;
      bool giveUp = !ok && attempts >= cfg_.callback_max_attempts;
      // Exponential backoff with jitter: base x 2^(attempts-1), capped at
      // 10 minutes, then a random half to all of it.
      double delay = std::min(600000.0, cfg_.callback_retry_base_ms * std::pow(2.0, attempts - 1));
      delay *= std::uniform_real_distribution<double>(0.5, 1.0)(rng);
      ledger.callbackResult(e.delivery_id, ok, error, nowMs() + static_cast<std::int64_t>(delay),
                            giveUp);
      logEvent({{"level", ok ? "info" : "warn"},
                {"event", ok       ? "callback.delivered"
                          : giveUp ? "callback.given_up"
                                   : "callback.retry"},
                {"request_id", e.request_id},
                {"delivery", e.delivery_id},
                {"attempt", attempts},
                {"error", error}});
    }
  }

  const Config& cfg_;
  std::string secret_;
  std::thread thread_;
  std::mutex m_;
  std::condition_variable cv_;
  bool stopping_ = false, woken_ = false;
};

Deliverer::Deliverer(const Config& cfg, std::string secret)
    : impl_(std::make_unique<Impl>(cfg, std::move(secret))) {}
Deliverer::~Deliverer() = default;
void Deliverer::start() {
  impl_->start();
}
void Deliverer::wake() {
  impl_->wake();
}
void Deliverer::stop() {
  impl_->stop();
}

}  // namespace colo::agent
