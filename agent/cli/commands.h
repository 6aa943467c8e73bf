// The subcommands of `colo`, one function each (cli.cpp's table names
// them): each returns the exit code, 0 success, 1 the operation failed, 2
// bad usage or invalid input.
#pragma once

#include <string>

#include "cli/context.h"

namespace colo::agent {

// inventory_commands.cpp
int cmdValidate(CommandContext& s, bool online);
// `colo reconcile [SWITCH...] [--apply]` (design.md §18): every port colo
// holds against colo's configuration for it, every free port against the
// unused state, and colo's saved configuration; exit 1 when anything
// differs. `apply` puts colo's intent back on colo's ports, then compares
// again.
int cmdReconcile(CommandContext& s, const std::vector<std::string>& switches, bool apply);
int cmdInit(CommandContext& s);
int cmdRacks(CommandContext& s);
int cmdRack(CommandContext& s, const std::string& name, bool svg);
int cmdPools(CommandContext& s, const std::string& name);
// `colo backup --to FILE`, `colo verify-ledger FILE` (design.md §6).
int cmdBackup(CommandContext& s, const std::string& to);
int cmdVerifyLedger(CommandContext& s, const std::string& file);
// `colo agents`: every colo process on the ledger, its lease and its work
// (design.md §12).
int cmdAgents(CommandContext& s);
// `colo forecast [--window 90d]`: when racks, feeds, rooms and pools run
// out at the rate of the window (design.md §16).
int cmdForecast(CommandContext& s, const std::string& window);

// request_commands.cpp
int cmdPlan(CommandContext& s, const std::string& file);
int cmdReserve(CommandContext& s, const std::string& file);
int cmdProvision(CommandContext& s, const std::string& file, bool dryRun);
int cmdRetry(CommandContext& s, const std::string& id);
// `colo check ID`: the cabling check (design.md §17) of a completed
// request's NICs, recorded with the request; exit 0 when every NIC is ok,
// 1 otherwise. With `watch`, checks again every `intervalS` until every NIC
// is ok or `timeoutS` passed, printing what changed; the last is recorded.
int cmdCheck(CommandContext& s, const std::string& id, bool watch, int intervalS, int timeoutS);
int cmdRelease(CommandContext& s, const std::string& id);
// `colo release --forget-switches --reason TEXT ID` (design.md §7).
int cmdForgetSwitches(CommandContext& s, const std::string& id, const std::string& reason);
int cmdRequests(CommandContext& s, const std::string& status, bool lateOnly, bool missedOnly);
int cmdRequest(CommandContext& s, const std::string& id);
int cmdLetter(CommandContext& s, const std::string& id, const std::string& out);

// daemon.cpp
// `colo reload-check`: the config checked as a running agent's reload
// checks it (design.md §9).
int cmdReloadCheck(CommandContext& s);

}  // namespace colo::agent
