// Who owns jobs and switches, across colo processes (design.md §7, §12).
//
// A request in progress names its owner, a colo process. Other processes
// must be able to tell whether that owner still lives, and commands to one
// switch must come from one job at a time.
//
// - On SQLite (one machine) the kernel says both, at once and exactly: each
//   process holds a lock file for its lifetime, each job a lock file per
//   switch, under the lock directory beside the ledger.
// - On PostgreSQL (several machines) leases in the ledger do: each process
//   renews its row every lease_s/3; one that has not renewed for lease_s
//   (it died, hung, or lost the database) is gone: its jobs are adopted and
//   its switches taken over by others, and it acts on none of them again
//   (Ledger::setFence refuses its writes; current() stops its commands).
//   A process on the same host that no longer exists is gone at once.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "colo/inventory/ledger/leases.h"
#include "core/config.h"
#include "engine/switch_access.h"

namespace colo::agent {

class Ownership : public SwitchKeeper {
 public:
  virtual ~Ownership() = default;
  // This process, as its jobs name it.
  virtual const std::string& id() const = 0;
  // Whether the process `owner` still lives (this one does).
  virtual bool alive(const std::string& owner) = 0;
  // Whether this process may still act for its jobs: false once its lease
  // may have lapsed, and for good once its ledger is not the one it opened
  // (a SQLite file deleted or replaced; a PostgreSQL URI that reaches
  // another cluster or a database created again).
  virtual bool current() const = 0;
  // Why this process takes no new work now, for a client: empty while
  // current().
  virtual std::string refusal() const = 0;
  // For a job starting now: a test that turns true, and stays true, once
  // this process's lease may have lapsed (not current(), or current again
  // only after a lapse, when others may have taken its jobs over).
  virtual std::function<bool()> watch() = 0;
  // How long ago this process last renewed its row in the ledger's agents
  // table; nullopt before the first renewal, or with no row (lock files
  // of tools and benchmarks).
  virtual std::optional<std::chrono::milliseconds> sinceRenewal() const = 0;
  // hold(): a switch, for one job at a time (SwitchKeeper).
};

// For the ledger `config` names: lock files beside a SQLite ledger, leases in
// a PostgreSQL one (the agent's named by config.agent_id; refused when
// another live agent already uses that id). `kind`: "agent" or "cli".
// Either way the process shows itself in the ledger's agents table, its
// row renewed every third of config.lease_s (colo agents, GET /v1/agents),
// and forgets the rows of processes whose lease ended a day ago.
std::shared_ptr<Ownership> makeOwnership(const Config& config, const std::string& kind);
// Whether the process of a row in the agents table lives, as the ledger
// `config` names tells without being one of its processes: its lock file
// held on SQLite, its lease current on PostgreSQL.
bool holderAlive(const Config& config, const inventory::Lease& lease);
// Lock files in `lockDir` (SQLite's way), for tools and benchmarks.
std::shared_ptr<Ownership> fileOwnership(const std::string& lockDir, const std::string& kind);

}  // namespace colo::agent
