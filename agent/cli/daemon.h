// `colo agent`: the HTTP API, a pool of workers running durable jobs from
// the ledger, recovery of interrupted jobs at start-up, structured logs.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "colo/inventory/model.h"
#include "core/config.h"
#include "engine/playbook.h"

namespace colo::agent {

struct AgentOptions {
  // Create the ledger when it does not exist (--init); else it must (colo init).
  bool createLedger = false;
  // Reads the config file again as at the start (the flags over it), for a
  // reload on SIGHUP; none: a reload says there is no file to read.
  std::function<ConfigResult()> reread;
};

// Serves until SIGINT/SIGTERM; returns the exit code. SIGHUP reloads the
// config, SIGUSR1 reopens the log file (design.md §9).
int runAgent(const Config& config, const inventory::Inventory& inventory,
             const Playbooks& playbooks, AgentOptions options = {});

// What keeps `config` from running an agent for `inventory` that
// loadConfig cannot see: the callback secret (read here into
// config.callback_secret), a switch whose credentials the config does not
// define. One sentence each; empty when none. At start, at each reload,
// and by `colo reload-check`, which runs in another environment than the
// agent's (`agentEnvironment` false: a secret's variable not set there is
// not a problem).
std::vector<std::string> agentConfigProblems(Config& config, const inventory::Inventory& inventory,
                                             bool agentEnvironment = true);

}  // namespace colo::agent
