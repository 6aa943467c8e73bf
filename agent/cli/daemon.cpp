#include "cli/daemon.h"

#include <malloc.h>
#include <signal.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <utility>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/systemd.h"
#include "colo/inventory/error.h"
#include "colo/inventory/occupancy.h"
#include "colo/inventory/usage.h"
#include "core/build_info.h"
#include "core/live_config.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/prometheus.h"
#include "engine/switch_access.h"
#include "http/api.h"
#include "http/client.h"
#include "http/handler_pool.h"
#include "http/server.h"
#include "jobs/drift_watch.h"
#include "jobs/outbox.h"
#include "jobs/status_writer.h"
#include "jobs/workers.h"

namespace colo::agent {

namespace inv = colo::inventory;
using nlohmann::json;

namespace {

// Jobs finished, by outcome, and how long they took, for /metrics.
class JobStats {
 public:
  void record(const std::string& outcome, double seconds) {
    {
      std::lock_guard lock(m_);
      ++count_[outcome];
    }
    durations_.observe(seconds);
  }
  std::string text() const {
    std::string out =
        "# HELP colo_jobs_total Jobs finished, by outcome.\n# TYPE colo_jobs_total counter\n";
    {
      std::lock_guard lock(m_);
      for (const auto& [k, v] : count_)
        out += "colo_jobs_total{outcome=\"" + promLabel(k) + "\"} " + std::to_string(v) + "\n";
    }
    return out + durations_.text();
  }

 private:
  mutable std::mutex m_;
  std::map<std::string, long> count_;
  Histogram durations_{"colo_job_duration_seconds",
                       "Time from taking a job to its end.",
                       {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}};
};

// At most `perSecond` admitted a second; counts what it turned away.
class RateLimit {
 public:
  RateLimit(int perSecond, TimeSource& time) : perSecond_(perSecond), time_(time) {}
  bool admit() {
    std::lock_guard lock(m_);
    auto now = time_.now();
    if (now - windowStart_ >= std::chrono::seconds(1)) {
      windowStart_ = now;
      reported_ = dropped_;
      dropped_ = 0;
      used_ = 0;
    }
    if (used_ >= perSecond_) {
      ++dropped_;
      return false;
    }
    ++used_;
    return true;
  }
  // How many were turned away in the window before this one.
  long suppressed() {
    std::lock_guard lock(m_);
    return std::exchange(reported_, 0);
  }

 private:
  std::mutex m_;
  int perSecond_, used_ = 0;
  long dropped_ = 0, reported_ = 0;
  TimeSource& time_;
  TimeSource::Steady windowStart_{};
};

// The agent's own thread for what a signal asks and for systemd's
// watchdog: a reload (SIGHUP), reopening the log file (SIGUSR1), and
// WATCHDOG=1 every `ping` while `alive` answers (the workers run, the
// ledger answers a query). The signal handler only records the ask and
// wakes it. The watchdog's time is systemd's: real time.
class Supervisor {
 public:
  struct Tasks {
    std::function<void()> reload, reopen;
    std::function<bool()> alive;
  };
  Supervisor(Tasks tasks, std::optional<std::chrono::microseconds> ping)
      : tasks_(std::move(tasks)), ping_(ping), thread_([this] { loop(); }) {}
  ~Supervisor() {
    {
      std::lock_guard lock(m_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // The agent serves (READY=1 was sent): the watchdog's pings begin.
  void serving() {
    {
      std::lock_guard lock(m_);
      serving_ = true;
    }
    cv_.notify_all();
  }

  void ask(int signal) {
    {
      std::lock_guard lock(m_);
      if (signal == SIGHUP) reload_ = true;
      if (signal == SIGUSR1) reopen_ = true;
    }
    cv_.notify_all();
  }

 private:
  void loop() {
    auto nextPing = std::chrono::steady_clock::now();
    std::unique_lock lock(m_);
    while (!stopping_) {
      auto asked = [this] { return stopping_ || reload_ || reopen_; };
      bool pinging = ping_ && serving_;
      if (pinging)
        cv_.wait_until(lock, nextPing, asked);
      else
        cv_.wait(lock, [&] { return asked() || (ping_ && serving_); });
      if (stopping_) break;
      bool reload = std::exchange(reload_, false), reopen = std::exchange(reopen_, false);
      pinging = ping_ && serving_;
      lock.unlock();
      // Whatever a task throws is said, and this thread goes on.
      auto attempt = [](const char* what, const std::function<void()>& task) {
        try {
          task();
          return true;
        } catch (const std::exception& e) {
          logEvent({{"level", "error"}, {"event", what}, {"error", e.what()}});
          return false;
        }
      };
      if (reopen) attempt("log.reopen_failed", tasks_.reopen);
      // A reload that failed halfway is still over for systemd.
      if (reload && !attempt("config.reload_failed", tasks_.reload)) systemd::notify("READY=1");
      if (pinging && std::chrono::steady_clock::now() >= nextPing) {
        // Wedged (a lock never let go, a query that never ends): no ping,
        // and systemd restarts the agent after WatchdogSec.
        if (tasks_.alive()) systemd::notify("WATCHDOG=1");
        nextPing = std::chrono::steady_clock::now() + *ping_;
      }
      lock.lock();
    }
  }

  Tasks tasks_;
  std::optional<std::chrono::microseconds> ping_;
  std::mutex m_;
  std::condition_variable cv_;
  bool stopping_ = false, reload_ = false, reopen_ = false, serving_ = false;
  std::thread thread_;  // last: starts once the rest is set
};

// This agent's lease age, and the live agents on the ledger as it sees them
// (design.md §12).
std::string agentMetrics(const Config& config, const Ownership& ownership,
                         const std::vector<inv::Lease>& leases) {
  int live = 0;
  for (const auto& l : leases)
    if (l.kind == "agent" && holderAlive(config, l)) ++live;
  std::string out =
      "# HELP colo_agents_live The agents on this ledger whose lease is live, as this agent sees "
      "them.\n"
      "# TYPE colo_agents_live gauge\n"
      "colo_agents_live " +
      std::to_string(live) + "\n";
  if (auto age = ownership.sinceRenewal())
    out +=
        "# HELP colo_agent_lease_age_seconds Seconds since this agent last renewed its row in "
        "the ledger's agents table.\n"
        "# TYPE colo_agent_lease_age_seconds gauge\n"
        "colo_agent_lease_age_seconds " +
        promNumber(static_cast<double>(age->count()) / 1000.0) + "\n";
  return out;
}

}  // namespace

std::vector<std::string> agentConfigProblems(Config& config, const inv::Inventory& inventory,
                                             bool agentEnvironment) {
  std::vector<std::string> out;
  bool elsewhere = !agentEnvironment && !config.callback_secret_env.empty() &&
                   !std::getenv(config.callback_secret_env.c_str());
  if (auto why = readCallbackSecret(config); !why.empty() && !elsewhere) out.push_back(why);
  for (const auto& sw : inventory.switches)
    if (!sw.credentials.empty() && !config.credentials.count(sw.credentials))
      out.push_back("switch " + sw.name + " uses credentials '" + sw.credentials + "', which " +
                    (config.file.empty() ? std::string("the config") : config.file) +
                    " does not define");
  return out;
}

int cmdReloadCheck(CommandContext& s) {
  if (s.config().file.empty())
    throw inv::Error(inv::ErrorKind::invalid_input,
                     "colo reload-check needs --config FILE (the running agent's config)");
  // Read as the agent reads it: the config (its errors at file:line:col),
  // the inventory against its credentials, the playbooks.
  const auto& inventory = s.inventory();
  s.playbooks();
  Config c = s.config();
  auto problems = agentConfigProblems(c, inventory, false);
  std::vector<std::string> notes;
  if (!c.callback_secret_env.empty() && !std::getenv(c.callback_secret_env.c_str()))
    notes.push_back("callback.secret_env " + c.callback_secret_env +
                    " is not set here; the agent reads it from its own environment "
                    "(/etc/colo/secrets.env under systemd)");
  if (!problems.empty()) {
    if (s.options().json) {
      print({{"valid", false}, {"file", c.file}, {"errors", problems}});
    } else {
      for (const auto& p : problems) std::cerr << c.file << ": " << p << "\n";
      std::cerr << "colo: config " << c.file << " would be refused by a reload (" << problems.size()
                << " error" << (problems.size() == 1 ? "" : "s") << ")\n";
    }
    return 2;
  }
  if (s.options().json) {
    print({{"valid", true}, {"file", c.file}, {"notes", notes}});
    return 0;
  }
  std::cout << "config " << c.file
            << " is valid: a running agent applies it on reload (systemctl reload colo, or "
               "kill -HUP its pid)\n";
  for (const auto& n : notes) std::cout << "note: " << n << "\n";
  std::cout << "a reload applies tokens, credentials, known_hosts, callback (but parallel), "
               "letter, log, timeouts and limits.command_output_bytes; the rest (listen, state, "
               "inventory, playbooks, workers, tls, console, holidays...) only a restart\n";
  return 0;
}

int runAgent(const Config& config, const inv::Inventory& inventory, const Playbooks& playbooks,
             AgentOptions options) {
  const bool createLedger = options.createLedger;
  // The config as it runs: what a reload may change is read from `live` at
  // each use; the rest (listen, ledger, workers...) from `config`, as it
  // was at the start.
  Config first = config;
  configureLog(first.log);
  if (auto problems = agentConfigProblems(first, inventory); !problems.empty())
    throw inv::Error(inv::ErrorKind::invalid_input, problems.front());
  LiveConfig live(std::move(first));
  std::set<std::string> holidays(config.holidays.begin(), config.holidays.end());
  SlaCalendar sla(inv::TimeZone::named(inventory.site.timezone), holidays);
  // A missing ledger is a mistyped state: (or a lost disk), not a new data
  // center: only colo init, or --init said out loud, creates one.
  auto ledgerOwner =
      openLedger(config, createLedger ? inv::Ledger::Open::create : inv::Ledger::Open::must_exist);
  if (createLedger && ledgerOwner->foundVersion() == 0)
    logEvent({{"level", "warn"},
              {"event", "ledger.created"},
              {"ledger", ledgerOwner->path()},
              {"message", "created a new, empty ledger (--init)"}});
  inv::Ledger& ledger = *ledgerOwner;
  std::mutex ledgerMutex;
  std::atomic<bool> stopping{false};
  ledger.setWaitAbort([&] { return stopping.load(); });
  auto ownership = makeOwnership(config, "agent");
  // Jobs whose process died (this agent before a crash, or a CLI, or another
  // agent whose lease lapsed) are continued from where they stood: resumed,
  // or rolled back.
  auto adopted = ledger.jobs().adoptOrphans(
      ownership->id(), [&](const std::string& o) { return ownership->alive(o); });
  for (const auto& j : adopted)
    logEvent(
        {{"level", "warn"},
         {"event", "job.interrupted"},
         {"request_id", j.id},
         {"status", inv::name(j.status)},
         {"previous_owner", j.previous_owner},
         {"message", "its process stopped; continuing it from this attempt's stored captures"}});

  // Every ending queues its callback in its own transaction; a ledger from a
  // colo that did not is checked once, at the first start on it (design.md
  // §10), never again: a start costs the same whatever the history.
  {
    auto began = std::chrono::steady_clock::now();
    if (auto read = StatusWriter(ledger, sla, config.public_url).queueEndingCallbacks())
      logEvent({{"level", "info"},
                {"event", "callbacks.checked"},
                {"requests", read},
                {"ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - began)
                           .count()},
                {"message", "every ended request's callback is queued (checked once per ledger)"}});
  }
  Deliverer deliverer(
      live, [&live](const std::string& url, const std::map<std::string, std::string>& headers,
                    const std::string& body, std::chrono::milliseconds timeout,
                    const std::function<bool()>& cancelled) {
        auto r = httpPost(url, headers, body, timeout, live.get()->callback_ca_file, cancelled);
        return Deliverer::PostResult{r.status, r.error};
      });

  // What is claimed, read once now and then followed change by change by
  // the workers and the views together (design.md §5).
  inv::OccupancyCache occupancy(inventory);
  occupancy.setSelfCheck(std::chrono::hours(1), [](const std::string& difference) {
    logEvent({{"level", "error"},
              {"event", "occupancy.mismatch"},
              {"difference", difference},
              {"message",
               "the occupancy followed change by change differed from the ledger's "
               "claims; rebuilt from them"}});
  });
  ledger.read([&] { occupancy.use(ledger, [](const inv::Occupancy&) {}); });

  JobStats stats;
  WorkerSetup setup;
  setup.config = &live;
  setup.inventory = &inventory;
  setup.occupancy = &occupancy;
  setup.playbooks = &playbooks;
  setup.sla = &sla;
  setup.ownership = ownership;
  setup.callbackQueued = [&] { deliverer.wake(); };
  setup.recordJob = [&](const std::string& outcome, double seconds) {
    stats.record(outcome, seconds);
  };
  Workers workers(setup);
  // Every switch against colo's intent, every drift.interval_s (design.md §18).
  DriftWatch drift(live, inventory, playbooks, ownership);
  ApiContext ctx;
  ctx.config = &live;
  ctx.inventory = &inventory;
  ctx.ledger = &ledger;
  ctx.ledgerMutex = &ledgerMutex;
  ctx.occupancy = &occupancy;
  ctx.sla = &sla;
  ctx.playbooks = &playbooks;
  ctx.now = [&] { return config.time->wallMs() / 1000; };
  ctx.wakeWorkers = [&] { workers.wake(); };
  ctx.callbackQueued = [&] { deliverer.wake(); };
  ctx.redelivered = [&](const std::string& url) { deliverer.redelivered(url); };
  ctx.driftState = [&] { return drift.state(); };
  ctx.readDrift = [&] { drift.readNow(); };
  ctx.reconcile = [&](const std::string& actor) { drift.reconcileNow(actor); };
  LedgerMetrics ledgerMetrics(inventory, sla);
  ctx.metrics = [&] {
    std::string out;
    std::vector<inv::Lease> leases;
    {
      std::lock_guard lock(ledgerMutex);
      out = ledgerMetrics.text(ledger, config.time->wallMs() / 1000);
      leases = ledger.leases().all();
    }
    // Which build this is, and whether this agent may take work (its
    // lease is current, its ledger the one it opened).
    out +=
        "# HELP colo_build_info colo's version and the source revision it was built from.\n"
        "# TYPE colo_build_info gauge\n"
        "colo_build_info{version=\"" +
        promLabel(coloVersion()) + "\",revision=\"" + promLabel(coloRevision()) +
        "\"} 1\n"
        "# HELP colo_agent_up 1 while this agent may take work (its lease current, its "
        "ledger the one it opened), else 0.\n"
        "# TYPE colo_agent_up gauge\n"
        "colo_agent_up " +
        std::string(ownership->current() ? "1" : "0") + "\n" +
        agentMetrics(*live.get(), *ownership, leases);
    return out + stats.text() + switchLatencyMetrics() + drift.metrics();
  };
  // Ready: the workers run, this agent's lease is current, and the ledger
  // answers (asked at most once a second; a PostgreSQL server that went
  // away makes it not ready until the agent has reconnected).
  std::mutex probeMutex;
  TimeSource::Steady probedAt{};
  bool reachable = true;
  // Switches the agent could not work (a credential's variable not set, a
  // host key not known): checked at start and with each probe, said in the
  // log when it changes; meanwhile /readyz is 503 and a new request is
  // refused, naming what to fix, rather than accepted and failed
  // (design.md §9).
  auto preflight = sshOpener(live, ownership);
  std::vector<std::string> unworkable;
  TimeSource::Steady switchesCheckedAt = config.time->now();
  // Under probeMutex.
  auto checkSwitches = [&] {
    switchesCheckedAt = config.time->now();
    auto now = unworkableSwitches(inventory.switches, *preflight);
    if (now == unworkable) return;
    for (const auto& why : now)
      if (std::find(unworkable.begin(), unworkable.end(), why) == unworkable.end())
        logEvent({{"level", "error"},
                  {"event", "switch.unworkable"},
                  {"error", why},
                  {"message", "requests are refused until this is fixed"}});
    if (now.empty())
      logEvent({{"level", "info"}, {"event", "switch.workable"}, {"message", "every switch"}});
    unworkable = std::move(now);
  };
  checkSwitches();
  ctx.refusingWork = [&]() -> std::string {
    if (auto why = ownership->refusal(); !why.empty()) return why;
    std::lock_guard probe(probeMutex);
    // A host key added or a secret file put in place meanwhile counts at
    // once, whether or not anything asks /readyz.
    if (!unworkable.empty() && config.time->now() - switchesCheckedAt >= std::chrono::seconds(1))
      checkSwitches();
    if (unworkable.empty()) return {};
    return "it could not work " +
           (unworkable.size() == 1 ? std::string("a switch") : "some switches") + ": " +
           unworkable.front() +
           (unworkable.size() > 1 ? " (and " + std::to_string(unworkable.size() - 1) + " more)"
                                  : std::string()) +
           "; see its log";
  };
  // Optionally (readyz_probe_switches), each switch answers SSH: a session
  // opened and closed, in the background, a few at a time, each within
  // the connect and command timeouts; its last outcome counts in /readyz.
  SwitchProbe answers(inventory.switches, *preflight,
                      std::chrono::seconds(config.readyz_probe_interval_s));
  if (config.readyz_probe_switches) answers.start();
  ctx.ownerAlive = [&](const std::string& owner) { return ownership->alive(owner); };
  ctx.self = ownership->id();
  ctx.throttle = std::make_shared<AuthThrottle>(AuthThrottle::Limits{});
  ctx.ready = [&] {
    ApiContext::Readiness r;
    r.workers = workers.running();
    r.lease = ownership->current();
    std::lock_guard probe(probeMutex);
    auto now = config.time->now();
    if (now - probedAt >= std::chrono::seconds(1)) {
      probedAt = now;
      try {
        std::lock_guard lock(ledgerMutex);
        ledger.claims().generation();
        reachable = true;
      } catch (const std::exception& e) {
        if (reachable)
          logEvent({{"level", "error"}, {"event", "ledger.unreachable"}, {"error", e.what()}});
        reachable = false;
      }
      // Each switch's check reads known_hosts: once a minute while all
      // pass, every probe while one fails (so a fix counts at once).
      if (!unworkable.empty() || now - switchesCheckedAt >= std::chrono::minutes(1))
        checkSwitches();
    }
    r.ledger = reachable;
    r.switches = unworkable.empty() && answers.allAnswer();
    return r;
  };
  // Destroyed before the server: the API's intake may still hold replies to
  // connections, which must go while the server's I/O context exists.
  auto api = std::make_unique<Api>(ctx);

  HttpServerOptions opt;
  auto colon = config.listen.rfind(':');
  opt.host = config.listen.substr(0, colon);
  if (opt.host.size() > 2 && opt.host.front() == '[')
    opt.host = opt.host.substr(1, opt.host.size() - 2);
  opt.port = std::stoi(config.listen.substr(colon + 1));
  opt.threads = 2;
  opt.max_connections = config.max_connections;
  opt.max_connections_per_client = config.max_connections_per_client;
  opt.max_idle_per_client = std::max(1, config.max_connections_per_client / 2);
  // Room for every connection allowed, the ledger and the switches' sessions.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  opt.tls_cert = config.tls_cert;
  opt.tls_key = config.tls_key;
  RateLimit refusals(20, *config.time);
  // Every request is answered on the handler pool's threads, clients in
  // turn; the I/O threads answer /healthz themselves (docs/design.md §9).
  HandlerPool pool({}, [&](const HttpRequest& r, HttpServer::Reply reply) {
    std::string method = r.method.substr(0, 16),
                path = r.target.substr(0, r.target.find('?')).substr(0, 200);
    std::string remote = r.remote;
    api->handle(r, [reply, method, path, remote, &refusals](HttpResponse res) {
      // Every refusal leaves a line (never the token), at most 20 a second:
      // a client guessing tokens cannot flood the log.
      if (res.status >= 400 && res.status != 404 && refusals.admit())
        logEvent({{"level", res.status >= 500                        ? "error"
                            : res.status == 401 || res.status == 403 ? "warn"
                                                                     : "info"},
                  {"event", res.status == 401 ? "auth.failed" : "http"},
                  {"method", method},
                  {"path", path},
                  {"remote", remote},
                  {"status", res.status},
                  {"suppressed_before", refusals.suppressed()}});
      reply(std::move(res));
    });
  });
  // A reload (SIGHUP, systemctl reload): the config read again and checked
  // whole; all of it applies at once, or none of it (design.md §9).
  auto reload = [&] {
    systemd::notify(systemd::reloading());
    auto refuse = [&](const std::vector<std::string>& errors) {
      for (const auto& e : errors)
        logEvent({{"level", "error"}, {"event", "config.invalid"}, {"error", e}});
      logEvent({{"level", "error"},
                {"event", "config.reload_refused"},
                {"errors", errors.size()},
                {"message",
                 "the config in use stays as it was; fix the errors above and reload "
                 "again (colo reload-check --config FILE says the same)"}});
      systemd::notify("READY=1\nSTATUS=reload refused: the config has errors (see the log)");
    };
    if (!options.reread) return refuse({"this agent was started without a config file"});
    ConfigResult read;
    try {
      read = options.reread();
    } catch (const std::exception& e) {
      return refuse({e.what()});
    }
    if (!read.errors.empty()) {
      std::vector<std::string> errors;
      for (const auto& d : read.errors) errors.push_back(d.str());  // file:line:col: message
      return refuse(errors);
    }
    Config next = std::move(read.config);
    auto running = live.get();
    auto restartOnly = keepRestartOnly(*running, next);
    if (auto problems = agentConfigProblems(next, inventory); !problems.empty())
      return refuse(problems);
    try {
      configureLog(next.log);
    } catch (const std::exception& e) {
      return refuse({e.what()});
    }
    auto changed = reloadedKeys(*running, next);
    live.replace(std::move(next));
    logEvent({{"level", "info"},
              {"event", "config.reloaded"},
              {"file", config.file},
              {"changed", changed},
              {"message", changed.empty() ? "nothing that applies changed"
                                          : "applies from the next request, job and delivery"}});
    if (!restartOnly.empty())
      logEvent({{"level", "warn"},
                {"event", "config.restart_needed"},
                {"keys", restartOnly},
                {"message",
                 "these changed but apply only when the agent starts again "
                 "(systemctl restart colo); until then the old values stay"}});
    {
      std::lock_guard probe(probeMutex);
      checkSwitches();  // new credentials or host keys count at once
    }
    systemd::notify("READY=1\nSTATUS=serving");
  };
  auto reopenLogFile = [] {
    if (std::string why; !reopenLog(why))
      logEvent({{"level", "error"}, {"event", "log.reopen_failed"}, {"error", why}});
  };
  // Alive for systemd's watchdog: the workers run and the ledger answers
  // (an error is an answer: a PostgreSQL server that went away shows in
  // /readyz; a restart would not bring it back).
  auto alive = [&] {
    if (!workers.running()) return false;
    std::lock_guard lock(ledgerMutex);
    try {
      ledger.claims().generation();
    } catch (const std::exception&) {
    }
    return true;
  };
  std::unique_ptr<Supervisor> supervisor;
  opt.on_signal = [&](int signal) {
    if (signal == SIGTERM || signal == SIGINT) {
      systemd::notify("STOPPING=1\nSTATUS=finishing running jobs");
      return;
    }
    if (supervisor) supervisor->ask(signal);
  };
  HttpServer server(opt, pool.front([](const HttpRequest& r) {
    return (r.method == "GET" || r.method == "HEAD") && r.target == "/healthz";
  }));
  workers.start(adopted);
  deliverer.start();
  drift.start();
  supervisor = std::make_unique<Supervisor>(Supervisor::Tasks{reload, reopenLogFile, alive},
                                            systemd::watchdogInterval());
  // What the start read and let go (the inventory's YAML tree, the rows of
  // every claim) goes back to the system rather than staying as free heap:
  // 245 MB resident instead of 300 with 200,000 held (history_bench).
  malloc_trim(0);
  logEvent({{"level", "info"},
            {"event", "listening"},
            {"address", opt.host + ":" + std::to_string(server.port())},
            {"tls", !opt.tls_cert.empty()},
            {"workers", config.workers}});
  // Ready for systemd once the loop answers: the ledger is open, the
  // workers run, a client connecting now gets its answer.
  server.run([&] {
    systemd::notify("READY=1\nSTATUS=serving");
    supervisor->serving();
  });
  systemd::notify("STOPPING=1");  // also when stopped otherwise than by a signal
  supervisor.reset();             // no reload while the rest stops
  stopping = true;                // nothing waits on another writer's lock from here on
  pool.stop();                    // its requests hold the API and the server's connections
  api.reset();
  logEvent({{"level", "info"}, {"event", "stopping"}, {"message", "finishing running jobs"}});
  drift.stop();
  workers.stop();
  deliverer.stop();
  logEvent({{"level", "info"}, {"event", "stopped"}});
  return 0;
}

}  // namespace colo::agent
