// Reaching a switch: credentials from the config (environment or 0600
// files), SSH with host-key checks, and a hold per switch (ownership.h) so
// that commands to one switch are serialized, also across colo processes.
#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "colo/drivers/device.h"
#include "colo/inventory/model.h"
#include "core/live_config.h"

namespace colo::agent {

// An open, locked CLI session on one switch.
class SwitchSession {
 public:
  virtual ~SwitchSession() = default;
  virtual drivers::Device& device() = 0;
};

// Exclusive use of one switch, across colo processes, while it lives.
class SwitchHold {
 public:
  virtual ~SwitchHold() = default;
};
using SwitchHolds = std::vector<std::unique_ptr<SwitchHold>>;

// Who grants holds on switches: the process's ownership of its jobs
// (jobs/ownership.h: lock files on one machine, the ledger's switch locks
// across several).
class SwitchKeeper {
 public:
  virtual ~SwitchKeeper() = default;
  // Holds switch `name`, waiting while another job has it, up to `wait`
  // (DriverError(timeout)), or until `interrupt` says so
  // (DriverError(interrupted)).
  virtual std::unique_ptr<SwitchHold> hold(const std::string& name, std::chrono::seconds wait,
                                           const std::function<bool()>& interrupt) = 0;
};

// The seam between the provisioning engine and the network: production opens
// SSH sessions; tests may substitute their own.
class SwitchOpener {
 public:
  virtual ~SwitchOpener() = default;
  // Everything about reaching `sw` that can be known without connecting:
  // its credentials resolve, its host key is known (unless new keys are
  // accepted). Throws DriverError(auth/host_key) saying what to fix.
  virtual void preflight(const inventory::Switch& sw) = 0;
  // Locks the named switches for the caller, one at a time in one global
  // order (sorted by name, whatever order they are given in), so that two
  // jobs sharing switches never wait on each other in a cycle. Waiting gives
  // up with DriverError(interrupted) soon after `interrupt` says so.
  virtual SwitchHolds lock(std::vector<std::string> names,
                           std::function<bool()> interrupt = {}) = 0;
  // A logged-in session. The caller holds the switch's lock. `interrupt`,
  // when given, stops the session's commands (see CliChannel::setInterrupt).
  virtual std::unique_ptr<SwitchSession> open(const inventory::Switch& sw,
                                              std::function<bool()> interrupt = {}) = 0;
};

// Why colo could not work each of `switches` that it could not, as far as
// can be known without connecting (SwitchOpener::preflight): a credential
// that does not resolve, a host key not in known_hosts. One message each,
// naming the switch and what to fix; empty when all can be.
std::vector<std::string> unworkableSwitches(const std::vector<inventory::Switch>& switches,
                                            SwitchOpener& opener);

// `check` of every switch, a few at a time (each an SSH session of its own,
// so never more than `width` at once), in the switches' order. What
// `check` throws is thrown here once all of the batch has ended.
template <class Check>
auto forEachSwitch(const std::vector<inventory::Switch>& switches, Check check,
                   std::size_t width = 8) {
  using Result = decltype(check(switches.front()));
  std::vector<Result> out;
  out.reserve(switches.size());
  for (std::size_t i = 0; i < switches.size(); i += width) {
    std::vector<std::future<Result>> batch;
    for (std::size_t j = i; j < std::min(i + width, switches.size()); ++j)
      batch.push_back(std::async(std::launch::async, check, std::cref(switches[j])));
    for (auto& f : batch) f.wait();
    for (auto& f : batch) out.push_back(f.get());
  }
  return out;
}

// Whether each switch answers: an SSH session opened (login included) and
// closed, every `interval` in a thread of its own once started, eight at a
// time, each bounded by the opener's timeouts. A change is logged once
// (switch.unanswering, switch.answering). For /readyz with
// readyz_probe_switches (design.md §9).
class SwitchProbe {
 public:
  SwitchProbe(std::vector<inventory::Switch> switches, SwitchOpener& opener,
              std::chrono::seconds interval);
  ~SwitchProbe();
  SwitchProbe(const SwitchProbe&) = delete;
  SwitchProbe& operator=(const SwitchProbe&) = delete;
  void start();  // probes at once, then every interval until destroyed
  void runOnce();
  // Every switch answered at the last probe (true before the first).
  bool allAnswer() const;
  // Why each that did not, did not.
  std::vector<std::string> failures() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Opens switches over SSH as the config says; `keeper` holds them.
std::unique_ptr<SwitchOpener> sshOpener(const Config& config, std::shared_ptr<SwitchKeeper> keeper);
// ... as the running agent's config says at each use: a reload's new
// credentials, host keys and timeouts count from the next session on.
std::unique_ptr<SwitchOpener> sshOpener(const LiveConfig& config,
                                        std::shared_ptr<SwitchKeeper> keeper);

// Switch command latency, per switch, as a Prometheus histogram (text).
std::string switchLatencyMetrics();

}  // namespace colo::agent
