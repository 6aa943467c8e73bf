// Reaching a switch: credentials from the config (environment or 0600
// files), SSH with host-key checks, and a per-switch lock so that commands to
// one switch are serialized, also across colo processes.
#pragma once

#include <memory>
#include <string>

#include "colo/drivers/device.h"
#include "colo/inventory/model.h"
#include "config.h"

namespace colo::agent {

// An open, locked CLI session on one switch.
class SwitchSession {
 public:
  virtual ~SwitchSession() = default;
  virtual drivers::Device& device() = 0;
};

// The seam between the provisioning engine and the network: production opens
// SSH sessions; tests may substitute their own.
class SwitchOpener {
 public:
  virtual ~SwitchOpener() = default;
  virtual std::unique_ptr<SwitchSession> open(const inventory::Switch& sw) = 0;
};

// Opens switches over SSH as the config says. Lock files live in `lockDir`.
std::unique_ptr<SwitchOpener> sshOpener(const Config& config, std::string lockDir);

// Switch command latency, per switch, as a Prometheus histogram (text).
std::string switchLatencyMetrics();


}  // namespace colo::agent
