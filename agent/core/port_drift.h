// What colo reconcile found (docs/design.md §18): per switch, each port that
// differs from colo's intent. The engine reads it (engine/reconcile.h); the
// CLI, the agent's drift watch, /metrics and the console show it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

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

// What the agent's drift watch knows (jobs/drift_watch.h).
struct DriftState {
  ReconcileReport report;      // the last round's reading of every switch
  std::int64_t read_at = 0;    // when the last full round ended (epoch ms), 0 before
  bool reading = false;        // a round or a reconcile is under way
  std::string last_reconcile;  // what the last reconcile did, for people ("" before)
  std::int64_t reconciled_at = 0;
};

}  // namespace colo::agent
