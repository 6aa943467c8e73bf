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
#include "engine/playbook.h"
#include "engine/switch_access.h"

namespace colo::agent {

struct PortDrift {
  std::string switch_name, port;
  // changed: a port colo holds for a completed request differs from colo's
  // configuration; foreign: a free port is not unused; unsaved: a port
  // colo holds is as intended running, but its saved configuration differs.
  std::string kind;
  std::string request_id, hostname;  // the holder, for changed and unsaved
  int nic = -1;
  std::vector<std::string> intent;       // the lines colo's configuration shows there
  std::vector<std::string> running;      // what the port shows
  std::vector<std::string> saved;        // its saved configuration (unsaved only)
  std::vector<std::string> differences;  // for people: each field or line that differs
  // "--- intent / +++ running" (or saved), a line per line: ' ', '-', '+'.
  std::string diff() const;
};

struct SwitchDrift {
  std::string switch_name;
  std::string error;  // why it could not be read ("" when it was)
  int ports_read = 0;
  std::vector<PortDrift> ports;
};

struct ReconcileReport {
  std::vector<SwitchDrift> switches;
  // Nothing differs and every switch was read.
  bool clean() const;
  std::size_t count(const std::string& kind) const;
};

// Reads the named switches (every switch when `only` is empty; an unknown
// name throws Error(invalid_input)), a few at a time, one SSH session each,
// without holding them. Read-only.
ReconcileReport compareIntent(const inventory::Inventory& inventory, inventory::Ledger& ledger,
                              const Playbooks& playbooks, SwitchOpener& opener,
                              const std::vector<std::string>& only = {},
                              const std::function<bool()>& interrupt = {});

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
