#include "core/log.h"

#include <chrono>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "colo/inventory/time.h"

namespace colo::agent {

using nlohmann::json;

// One JSON object per line on stdout. Never a token or a password: only ids,
// names and messages colo itself wrote.
void logEvent(json entry) {
  static std::mutex m;
  auto now = std::chrono::system_clock::now();
  // RFC 3339 in UTC, to the millisecond: what journald, jq and people read.
  entry["ts"] = inventory::isoUtcMs(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
  // Whatever a client sent that ends up in a line (a path, a method) may be
  // any bytes: what is not UTF-8 is written as U+FFFD, never a throw.
  auto line = entry.dump(-1, ' ', false, json::error_handler_t::replace);
  std::lock_guard lock(m);
  std::cout << line << std::endl;
}

}  // namespace colo::agent
