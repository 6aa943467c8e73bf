// colo reconcile (docs/design.md §18): every port colo holds compared with
// what colo put there (its request's rendered configure template), every
// free port with the unused state, and colo's ports' saved configuration
// with their running one; and, asked to, colo's intent put back on colo's
// ports. A free port someone configured is reported, never touched.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "colo/inventory/ledger.h"
#include "colo/inventory/model.h"
#include "core/port_drift.h"
#include "engine/playbook.h"
#include "engine/switch_access.h"

namespace colo::agent {

// Reads the named switches (every switch when `only` is empty; an unknown
// name throws Error(invalid_input)), `width` at a time, one SSH session
// each, without holding them; what the ledger holds is read once. Read-only.
ReconcileReport compareIntent(const inventory::Inventory& inventory, inventory::Ledger& ledger,
                              const Playbooks& playbooks, SwitchOpener& opener,
                              const std::vector<std::string>& only = {},
                              const std::function<bool()>& interrupt = {}, std::size_t width = 8);

// What --apply did: per request whose ports were put back (or saved), a line;
// and what failed, each saying what was restored.
struct ReconcileApplied {
  std::vector<std::string> fixed;
  std::vector<std::string> failed;
};

// Puts colo's intent back on the `changed` ports of `report` and saves the
// `unsaved` ones, request by request, with provisioning's guarantees
// (capture, apply, verify, save, and on failure every port back as
// captured) and its step log (`actor`). Holds each request's switches while
// it works; a port that moved on in the ledger meanwhile is left alone.
ReconcileApplied applyIntent(const inventory::Inventory& inventory, inventory::Ledger& ledger,
                             const Playbooks& playbooks, SwitchOpener& opener,
                             const ReconcileReport& report, const std::string& actor,
                             const std::function<bool()>& interrupt = {});

}  // namespace colo::agent
