#include "daemon.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <random>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "api.h"
#include "colo/inventory/error.h"
#include "colo/inventory/occupancy.h"
#include "colo/inventory/usage.h"
#include "http_server.h"
#include "provision.h"
#include "switch_access.h"

namespace colo::agent {

namespace inv = colo::inventory;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

// One JSON object per line on stdout. Never a token or a password: only ids,
// names and messages colo itself wrote.
void logEvent(json entry) {
  static std::mutex m;
  auto now = std::chrono::system_clock::now();
  entry["ts"] = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::lock_guard lock(m);
  std::cout << entry.dump() << std::endl;
}

// Job durations, for /metrics.
class JobStats {
 public:
  void record(const std::string& outcome, double seconds) {
    std::lock_guard lock(m_);
    ++count_[outcome];
    sum_ += seconds;
    ++n_;
    for (std::size_t i = 0; i < kBuckets.size(); ++i)
      if (seconds <= kBuckets[i]) ++buckets_[i];
  }
  std::string text() const {
    std::lock_guard lock(m_);
    std::string out = "# HELP colo_jobs_total Jobs finished, by outcome.\n# TYPE colo_jobs_total counter\n";
    for (const auto& [k, v] : count_) out += "colo_jobs_total{outcome=\"" + k + "\"} " + std::to_string(v) + "\n";
    out += "# HELP colo_job_duration_seconds Time from taking a job to its end.\n"
           "# TYPE colo_job_duration_seconds histogram\n";
    for (std::size_t i = 0; i < kBuckets.size(); ++i)
      out += "colo_job_duration_seconds_bucket{le=\"" + fmt(kBuckets[i]) + "\"} " + std::to_string(buckets_[i]) + "\n";
    out += "colo_job_duration_seconds_bucket{le=\"+Inf\"} " + std::to_string(n_) + "\n";
    out += "colo_job_duration_seconds_sum " + fmt(sum_) + "\ncolo_job_duration_seconds_count " + std::to_string(n_) + "\n";
    return out;
  }

 private:
  static std::string fmt(double d) {
    char b[32];
    std::snprintf(b, sizeof b, "%g", d);
    return b;
  }
  static constexpr std::array<double, 8> kBuckets = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  mutable std::mutex m_;
  std::map<std::string, long> count_;
  std::array<long, 8> buckets_{};
  long n_ = 0;
  double sum_ = 0;
};

std::int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

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

// What the confirmation letter states, for a request that ended.
std::optional<inv::OutboxEntry> callbackFor(const inv::RequestRecord& r, const SlaCalendar& sla) {
  if (r.status != "completed" && r.status != "failed") return std::nullopt;
  auto req = json::parse(r.body);
  if (!req.contains("callback_url")) return std::nullopt;
  auto status = requestStatusJson(r, sla, nowMs() / 1000);
  json body = {{"request_id", r.id},
               {"letter_number", r.letter_number},
               {"tenant", req["tenant"]},
               {"status", r.status},
               {"received_at", r.received_at},
               {"completed_at", r.completed_at},
               {"sla", status.value("sla", json::object())},
               {"servers", r.status == "completed" && r.allocation ? inv::toJson(*r.allocation)["servers"] : json::array()}};
  if (!r.error.empty()) body["error"] = r.error;
  return inv::OutboxEntry{r.id + "-" + r.status, r.id, req["callback_url"], body.dump(), 0, nowMs()};
}

// Delivers completion callbacks from the ledger's outbox.
class Deliverer {
 public:
  Deliverer(const Config& cfg, std::string secret) : cfg_(cfg), secret_(std::move(secret)) {}
  ~Deliverer() { stop(); }

  void start() { thread_ = std::thread([this] { loop(); }); }
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
        ledger.callbackResult(e.delivery_id, ok, error, nowMs() + static_cast<std::int64_t>(delay), giveUp);
        logEvent({{"level", ok ? "info" : "warn"},
                  {"event", ok ? "callback.delivered" : giveUp ? "callback.given_up" : "callback.retry"},
                  {"request_id", e.request_id}, {"delivery", e.delivery_id}, {"attempt", attempts},
                  {"error", error}});
      }
      auto next = ledger.nextCallbackAt();
      auto wait = std::chrono::milliseconds(1000);
      if (next) wait = std::chrono::milliseconds(std::clamp<std::int64_t>(*next - nowMs(), 1, 1000));
      std::unique_lock lock(m_);
      cv_.wait_for(lock, wait, [this] { return stopping_ || woken_; });
      if (stopping_) return;
      woken_ = false;
    }
  }

  const Config& cfg_;
  std::string secret_;
  std::thread thread_;
  std::mutex m_;
  std::condition_variable cv_;
  bool stopping_ = false, woken_ = false;
};

class Workers {
 public:
  Workers(const Config& cfg, const inv::Inventory& inventory, const Playbooks& pb, std::string lockDir,
          JobStats& stats, const SlaCalendar& sla, std::function<void()> callbackQueued)
      : cfg_(cfg), inv_(inventory), pb_(pb), lockDir_(std::move(lockDir)), stats_(stats), sla_(sla),
        callbackQueued_(std::move(callbackQueued)) {}

  ~Workers() { stop(); }

  void start(std::vector<std::string> resume) {
    resume_.assign(resume.begin(), resume.end());
    for (int i = 0; i < cfg_.workers; ++i) threads_.emplace_back([this, i] { loop(i); });
  }

  void wake() {
    {
      std::lock_guard lock(m_);
      ++wakes_;
    }
    cv_.notify_one();
  }

  // Lets running jobs finish, then joins.
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
  void loop(int index) {
    inv::Ledger ledger(cfg_.state);
    auto opener = sshOpener(cfg_, lockDir_);
    Provisioner provisioner(ledger, inv_, pb_, *opener, "agent:worker-" + std::to_string(index));
    while (true) {
      std::string resumeId;
      {
        std::lock_guard lock(m_);
        if (stopping_) return;
        if (!resume_.empty()) {
          resumeId = resume_.front();
          resume_.pop_front();
        }
      }
      if (!resumeId.empty()) {
        run(resumeId, "resume", [&] { return provisioner.resume(resumeId); });
        enqueueCallback(ledger, resumeId);
        continue;
      }
      bool isRelease = false;
      std::optional<std::string> id;
      try {
        id = ledger.takeJob(isRelease);
      } catch (const std::exception& e) {
        logEvent({{"level", "error"}, {"event", "ledger"}, {"message", e.what()}});
      }
      if (!id) {
        std::unique_lock lock(m_);
        // Woken by the API; the timeout also picks up work queued by others.
        cv_.wait_for(lock, std::chrono::seconds(2), [this] { return stopping_ || wakes_ > 0; });
        if (wakes_ > 0) --wakes_;
        continue;
      }
      if (isRelease) {
        bool released = run(*id, "release", [&] {
          provisioner.release(*id);
          return ProvisionOutcome{};
        });
        // The switches refused: nothing was freed, the failure is in the step
        // log, and a technician may ask again.
        if (!released) ledger.clearReleaseRequest(*id);
      } else {
        run(*id, "provision", [&] {
          auto rec = ledger.request(*id);
          return provisioner.provision(inv::parseRequestJson(rec->body));
        });
        enqueueCallback(ledger, *id);
      }
    }
  }

  void enqueueCallback(inv::Ledger& ledger, const std::string& id) {
    try {
      if (auto rec = ledger.request(id))
        if (auto entry = callbackFor(*rec, sla_)) {
          ledger.enqueueCallback(*entry);
          callbackQueued_();
        }
    } catch (const std::exception& e) {
      logEvent({{"level", "error"}, {"event", "callback.enqueue"}, {"request_id", id}, {"error", e.what()}});
    }
  }

  // Runs one job, logs and times it; true when it completed.
  template <typename F>
  bool run(const std::string& id, const char* kind, F&& f) {
    auto start = Clock::now();
    logEvent({{"level", "info"}, {"event", std::string(kind) + ".started"}, {"request_id", id}});
    std::string outcome = "completed", error;
    try {
      auto result = f();
      if (result.failed) outcome = "failed", error = result.error;
    } catch (const std::exception& e) {
      outcome = "failed";
      error = e.what();
    }
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    stats_.record(outcome, seconds);
    json entry = {{"level", outcome == "completed" ? "info" : "warn"},
                  {"event", std::string(kind) + "." + outcome},
                  {"request_id", id},
                  {"duration_ms", static_cast<long>(seconds * 1000)}};
    if (!error.empty()) entry["error"] = error;
    logEvent(entry);
    return outcome == "completed";
  }

  const Config& cfg_;
  const inv::Inventory& inv_;
  const Playbooks& pb_;
  std::string lockDir_;
  JobStats& stats_;
  const SlaCalendar& sla_;
  std::function<void()> callbackQueued_;
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::string> resume_;
  int wakes_ = 0;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
};

std::string metricsText(inv::Ledger& ledger, const inv::Inventory& inventory, const SlaCalendar& sla,
                        const JobStats& stats) {
  std::string out = "# HELP colo_requests Requests in the ledger, by status.\n# TYPE colo_requests gauge\n";
  std::map<std::string, long> byStatus;
  long overdue = 0, missed = 0;
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch()).count();
  for (const auto& r : ledger.requests()) {
    ++byStatus[r.status];
    if (auto s = slaOf(r, sla, now)) {
      if (s->overdue) ++overdue;
      if (s->met == false) ++missed;
    }
  }
  for (const char* s : {"queued", "planning", "reserved", "configuring", "completed", "failed", "released"})
    out += std::string("colo_requests{status=\"") + s + "\"} " + std::to_string(byStatus[s]) + "\n";
  out += "# HELP colo_sla_missed Requests that missed (or are past) their due date.\n# TYPE colo_sla_missed gauge\n";
  out += "colo_sla_missed " + std::to_string(missed) + "\n";
  out += "# HELP colo_sla_overdue Unfinished requests past their due date.\n# TYPE colo_sla_overdue gauge\n";
  out += "colo_sla_overdue " + std::to_string(overdue) + "\n";
  inv::Occupancy occ(inventory, ledger.claims(), ledger.generation());
  out += "# HELP colo_rack_units Rack units by state.\n# TYPE colo_rack_units gauge\n";
  out += "# HELP colo_feed_watts Watts drawn and usable per power feed.\n# TYPE colo_feed_watts gauge\n";
  for (const auto& r : inv::rackUsage(occ)) {
    for (auto [state, n] : {std::pair{"free", r.units_free}, std::pair{"device", r.units_device},
                            std::pair{"claimed", r.units_claimed}, std::pair{"reserved", r.units_reserved}})
      out += "colo_rack_units{rack=\"" + r.name + "\",state=\"" + state + "\"} " + std::to_string(n) + "\n";
    for (const auto& f : r.feeds) {
      out += "colo_feed_watts{rack=\"" + r.name + "\",feed=\"" + f.name + "\",kind=\"drawn\"} " + std::to_string(f.drawn_watts) + "\n";
      out += "colo_feed_watts{rack=\"" + r.name + "\",feed=\"" + f.name + "\",kind=\"usable\"} " + std::to_string(f.usable_watts) + "\n";
    }
  }
  out += "# HELP colo_pool_addresses Addresses per pool: held by requests, and free.\n# TYPE colo_pool_addresses gauge\n";
  for (const auto& p : inv::poolUsage(occ)) {
    out += "colo_pool_addresses{pool=\"" + p.name + "\",kind=\"held\"} " + inv::toDecimal(p.held) + "\n";
    out += "colo_pool_addresses{pool=\"" + p.name + "\",kind=\"free\"} " + inv::toDecimal(p.free) + "\n";
  }
  auto cb = ledger.callbackCounts();
  out += "# HELP colo_callbacks Completion callbacks by state.\n# TYPE colo_callbacks gauge\n";
  for (const char* k : {"delivered", "backlog", "given_up"})
    out += std::string("colo_callbacks{state=\"") + k + "\"} " + std::to_string(cb[k]) + "\n";
  out += "# HELP colo_callback_failures_total Failed delivery attempts.\n# TYPE colo_callback_failures_total counter\n";
  out += "colo_callback_failures_total " + std::to_string(cb["failed_attempts"]) + "\n";
  return out + stats.text() + switchLatencyMetrics();
}

}  // namespace

int runAgent(const Config& config, const inv::Inventory& inventory, const Playbooks& playbooks,
             const std::string& lockDir) {
  std::set<std::string> holidays(config.holidays.begin(), config.holidays.end());
  SlaCalendar sla(utcOffsetOf(inventory.site.timezone), holidays);
  inv::Ledger ledger(config.state, inv::Ledger::Open::create);
  std::mutex ledgerMutex;
  auto interrupted = ledger.recoverJobs();
  for (const auto& id : interrupted)
    logEvent({{"level", "warn"}, {"event", "job.interrupted"}, {"request_id", id},
              {"message", "left configuring by a crash; resuming from its stored captures"}});

  std::string secret;
  if (!config.callback_secret_env.empty())
    if (const char* v = std::getenv(config.callback_secret_env.c_str())) secret = v;
  if (!config.callback_allowed_urls.empty() && secret.empty())
    throw inv::Error(inv::ErrorKind::invalid_input,
                     "callbacks are allowed (callback.allowed_urls) but callback.secret_env " +
                         (config.callback_secret_env.empty() ? std::string("is not set in the config")
                                                             : "names " + config.callback_secret_env +
                                                                   ", which is not set"));
  // Every ended request's callback is in the outbox (again: idempotent by
  // delivery id), so a crash between the end and the enqueue loses nothing.
  for (const auto& r : ledger.requests())
    if (auto entry = callbackFor(r, sla)) ledger.enqueueCallback(*entry);
  Deliverer deliverer(config, secret);

  JobStats stats;
  Workers workers(config, inventory, playbooks, lockDir, stats, sla, [&] { deliverer.wake(); });
  ApiContext ctx;
  ctx.config = &config;
  ctx.inventory = &inventory;
  ctx.ledger = &ledger;
  ctx.ledgerMutex = &ledgerMutex;
  ctx.sla = &sla;
  ctx.now = [] {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  };
  ctx.wakeWorkers = [&] { workers.wake(); };
  ctx.metrics = [&] {
    std::lock_guard lock(ledgerMutex);
    return metricsText(ledger, inventory, sla, stats);
  };
  ctx.ready = [&] { return workers.running(); };
  Api api(ctx);

  HttpServerOptions opt;
  auto colon = config.listen.rfind(':');
  opt.host = config.listen.substr(0, colon);
  if (opt.host.size() > 2 && opt.host.front() == '[') opt.host = opt.host.substr(1, opt.host.size() - 2);
  opt.port = std::stoi(config.listen.substr(colon + 1));
  opt.threads = 2;
  opt.tls_cert = config.tls_cert;
  opt.tls_key = config.tls_key;
  HttpServer server(opt, HttpServer::AsyncHandler([&](const ApiRequest& r, HttpServer::Reply reply) {
    std::string method = r.method, path = r.target.substr(0, r.target.find('?')).substr(0, 200);
    api.handle(r, [reply, method, path](ApiResponse res) {
      if (res.status >= 400 && res.status != 404)
        logEvent({{"level", res.status >= 500 ? "error" : "info"}, {"event", "http"}, {"method", method},
                  {"path", path}, {"status", res.status}});
      reply(std::move(res));
    });
  }));
  workers.start(interrupted);
  deliverer.start();
  logEvent({{"level", "info"}, {"event", "listening"},
            {"address", opt.host + ":" + std::to_string(server.port())},
            {"tls", !opt.tls_cert.empty()}, {"workers", config.workers}});
  server.run();
  logEvent({{"level", "info"}, {"event", "stopping"}, {"message", "finishing running jobs"}});
  workers.stop();
  deliverer.stop();
  logEvent({{"level", "info"}, {"event", "stopped"}});
  return 0;
}

}  // namespace colo::agent
