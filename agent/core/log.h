// The agent's log: one JSON object per line on stdout.
#pragma once

#include <nlohmann/json_fwd.hpp>

namespace colo::agent {

// Writes `entry` with its time ("ts": RFC 3339 UTC with milliseconds). Never pass a token or a
// password: only ids, names and messages colo itself wrote.
void logEvent(nlohmann::json entry);

}  // namespace colo::agent
