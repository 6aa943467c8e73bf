#include "engine/switch_access.h"

#include <atomic>
#include <condition_variable>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "colo/drivers/error.h"
#include "colo/drivers/ssh.h"
#include "core/log.h"
#include "core/prometheus.h"

namespace colo::agent {

namespace {

using drivers::DriverError;
using drivers::DriverErrorKind;

struct Secrets {
  std::string username, password, key_file, passphrase, enable_password;
};

std::string fromEnv(const std::string& set, const std::string& var) {
  const char* v = std::getenv(var.c_str());
  if (!v || !*v)
    throw DriverError(DriverErrorKind::credentials,
                      "credentials '" + set + "': environment variable " + var + " is not set");
  return v;
}

// A secret file must be readable by its owner only, like OpenSSH insists.
void checkPrivate(const std::string& set, const std::string& path) {
  if (auto problem = privateFileProblem(path); !problem.empty())
    throw DriverError(DriverErrorKind::credentials,
                      "credentials '" + set + "': " + path + " " + problem);
}

Secrets resolve(const Config& cfg, const std::string& name) {
  auto it = cfg.credentials.find(name);
  if (it == cfg.credentials.end())
    throw DriverError(DriverErrorKind::credentials,
                      "credentials '" + name + "' are not in the config" +
                          (cfg.file.empty() ? " (no --config given)" : " " + cfg.file));
  const CredentialSet& c = it->second;
  Secrets s;
  s.username = c.username;
  if (!c.password_env.empty()) s.password = fromEnv(name, c.password_env);
  if (!c.password_file.empty()) {
    checkPrivate(name, c.password_file);
    std::ifstream in(c.password_file);
    std::getline(in, s.password);
    if (s.password.empty())
      throw DriverError(DriverErrorKind::credentials,
                        "credentials '" + name + "': " + c.password_file + " is empty");
  }
  if (!c.key_file.empty()) {
    checkPrivate(name, c.key_file);
    s.key_file = c.key_file;
    if (!c.passphrase_env.empty()) s.passphrase = fromEnv(name, c.passphrase_env);
  }
  if (!c.enable_password_env.empty()) {
    const char* v = std::getenv(c.enable_password_env.c_str());
    if (v) s.enable_password = v;  // optional: only needed at a '>' prompt
  }
  return s;
}

// Where a credential set's secrets come from, for a technician whose
// switch refused them: "check COLO_SW_PASSWORD (credentials 'lab')".
std::string secretSource(const Config& cfg, const std::string& name) {
  auto it = cfg.credentials.find(name);
  if (it == cfg.credentials.end()) return "check credentials '" + name + "'";
  const auto& c = it->second;
  std::string from = !c.password_env.empty()    ? "the environment variable " + c.password_env
                     : !c.password_file.empty() ? "the file " + c.password_file
                     : !c.key_file.empty()      ? "the key " + c.key_file
                                                : "credentials '" + name + "'";
  return "check the username '" + c.username + "' and " + from + " (credentials '" + name +
         "' in the config)";
}

}  // namespace

std::vector<std::string> unworkableSwitches(const std::vector<inventory::Switch>& switches,
                                            SwitchOpener& opener) {
  std::vector<std::string> out;
  for (const auto& sw : switches) {
    try {
      opener.preflight(sw);
    } catch (const DriverError& e) {
      out.push_back(e.what());
    }
  }
  return out;
}

class SwitchProbe::Impl {
 public:
  Impl(std::vector<inventory::Switch> switches, SwitchOpener& opener, std::chrono::seconds interval)
      : switches_(std::move(switches)), opener_(opener), interval_(interval) {}
  ~Impl() {
    {
      std::lock_guard lock(m_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  void start() {
    thread_ = std::thread([this] {
      std::unique_lock lock(m_);
      while (!stopping_) {
        lock.unlock();
        runOnce();
        lock.lock();
        cv_.wait_for(lock, interval_, [this] { return stopping_.load(); });
      }
    });
  }

  void runOnce() {
    std::vector<std::string> failed;
    for (auto& why : forEachSwitch(switches_, [this](const inventory::Switch& sw) {
           try {
             auto session = opener_.open(sw, [this] { return stopping_.load(); });
             return std::string();
           } catch (const std::exception& e) {
             return std::string(e.what());
           }
         }))
      if (!why.empty()) failed.push_back(std::move(why));
    std::sort(failed.begin(), failed.end());
    std::lock_guard lock(m_);
    for (const auto& why : failed)
      if (std::find(failures_.begin(), failures_.end(), why) == failures_.end())
        logEvent({{"level", "error"},
                  {"event", "switch.unanswering"},
                  {"error", why},
                  {"message", "/readyz answers 503 until it answers"}});
    if (failed.empty() && !failures_.empty())
      logEvent({{"level", "info"}, {"event", "switch.answering"}, {"message", "every switch"}});
    failures_ = std::move(failed);
  }

  bool allAnswer() const {
    std::lock_guard lock(m_);
    return failures_.empty();
  }
  std::vector<std::string> failures() const {
    std::lock_guard lock(m_);
    return failures_;
  }

 private:
  std::vector<inventory::Switch> switches_;
  SwitchOpener& opener_;
  std::chrono::seconds interval_;
  mutable std::mutex m_;
  std::condition_variable cv_;
  std::atomic<bool> stopping_{false};
  std::vector<std::string> failures_;
  std::thread thread_;
};

SwitchProbe::SwitchProbe(std::vector<inventory::Switch> switches, SwitchOpener& opener,
                         std::chrono::seconds interval)
    : impl_(std::make_unique<Impl>(std::move(switches), opener, interval)) {}
SwitchProbe::~SwitchProbe() = default;
void SwitchProbe::start() {
  impl_->start();
}
void SwitchProbe::runOnce() {
  impl_->runOnce();
}
bool SwitchProbe::allAnswer() const {
  return impl_->allAnswer();
}
std::vector<std::string> SwitchProbe::failures() const {
  return impl_->failures();
}

namespace {

class SshSession final : public SwitchSession {
 public:
  explicit SshSession(std::unique_ptr<drivers::Device> device) : device_(std::move(device)) {}
  drivers::Device& device() override { return *device_; }

 private:
  std::unique_ptr<drivers::Device> device_;
};

// Command latency per switch, for /metrics; process-wide, like the switches.
Histogram& switchLatency() {
  static Histogram h("colo_switch_command_seconds",
                     "Time from sending a command to the switch's prompt (configuration lines "
                     "typed ahead: each its share of the batch).",
                     {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5}, "switch");
  return h;
}

class SshOpener final : public SwitchOpener {
 public:
  using Source = std::function<std::shared_ptr<const Config>()>;
  SshOpener(Source config, std::shared_ptr<SwitchKeeper> keeper)
      : config_(std::move(config)), keeper_(std::move(keeper)) {}

  void preflight(const inventory::Switch& sw) override {
    auto snapshot = config_();
    const Config& cfg = *snapshot;
    try {
      resolve(cfg, sw.credentials);
      if (!cfg.accept_new_host_keys &&
          !drivers::hostKeyListed(cfg.known_hosts, sw.address, sw.port))
        throw DriverError(
            DriverErrorKind::host_key,
            "no host key for " + sw.address + ":" + std::to_string(sw.port) + " in known_hosts " +
                (cfg.known_hosts.empty() ? std::string("(none configured)") : cfg.known_hosts) +
                "; add it (ssh-keyscan -p " + std::to_string(sw.port) + " " + sw.address +
                ", after checking its fingerprint) or set accept_new_host_keys: true");
    } catch (const DriverError& e) {
      throw e.within("switch " + sw.name);
    }
  }

  SwitchHolds lock(std::vector<std::string> names, std::function<bool()> interrupt) override {
    auto snapshot = config_();
    const Config& cfg = *snapshot;
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    // Long enough for another job on the same switch to finish its work.
    auto wait = std::chrono::seconds(cfg.connect_timeout_s + 8 * cfg.command_timeout_s +
                                     cfg.save_timeout_s);
    SwitchHolds holds;
    for (const auto& n : names) holds.push_back(keeper_->hold(n, wait, interrupt));
    return holds;
  }

  std::unique_ptr<SwitchSession> open(const inventory::Switch& sw,
                                      std::function<bool()> interrupt) override {
    // The config as it stands when the session opens (a reload's new
    // credentials count from the next session on).
    auto snapshot = config_();
    const Config& cfg = *snapshot;
    try {
      const drivers::Dialect* dialect = drivers::dialectFor(sw.vendor);
      if (!dialect)
        throw DriverError(DriverErrorKind::protocol, "no dialect for vendor " + sw.vendor);
      auto secrets = resolve(cfg, sw.credentials);
      drivers::SshOptions o;
      o.interrupt = std::move(interrupt);
      o.host = sw.address;
      o.port = sw.port;
      o.username = secrets.username;
      o.password = secrets.password;
      o.key_file = secrets.key_file;
      o.key_passphrase = secrets.passphrase;
      o.known_hosts = cfg.known_hosts;
      o.accept_new_host_key = cfg.accept_new_host_keys;
      o.connect_timeout = std::chrono::seconds(cfg.connect_timeout_s);
      auto device = std::make_unique<drivers::Device>(
          sw.name, drivers::openSsh(o), *dialect, std::chrono::seconds(cfg.command_timeout_s),
          secrets.enable_password, cfg.command_output_bytes);
      device->setSaveTimeout(std::chrono::seconds(cfg.save_timeout_s));
      device->setCommandTimer(
          [](const std::string& name, double seconds) { switchLatency().observe(seconds, name); });
      device->open();
      return std::make_unique<SshSession>(std::move(device));
    } catch (const DriverError& e) {
      if (std::string(e.what()).rfind("switch " + sw.name, 0) == 0) throw;
      if (e.kind() == DriverErrorKind::auth)
        throw DriverError(
            e.kind(),
            "switch " + sw.name + " <- " + e.what() + "; " + secretSource(cfg, sw.credentials),
            e.deviceOutput());
      throw e.within("switch " + sw.name);
    }
  }

 private:
  Source config_;
  std::shared_ptr<SwitchKeeper> keeper_;
};

}  // namespace

std::unique_ptr<SwitchOpener> sshOpener(const Config& config,
                                        std::shared_ptr<SwitchKeeper> keeper) {
  return std::make_unique<SshOpener>(
      [fixed = std::make_shared<const Config>(config)] { return fixed; }, std::move(keeper));
}

std::unique_ptr<SwitchOpener> sshOpener(const LiveConfig& config,
                                        std::shared_ptr<SwitchKeeper> keeper) {
  return std::make_unique<SshOpener>([&config] { return config.get(); }, std::move(keeper));
}

std::string switchLatencyMetrics() {
  return switchLatency().text();
}

}  // namespace colo::agent
