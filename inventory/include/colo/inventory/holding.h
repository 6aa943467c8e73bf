// What one request held, and when: its claims' history as the capacity
// forecast reads it (forecast.h, RequestBook::holdings).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "colo/inventory/plan.h"

namespace colo::inventory {

// One reservation of a request: what it claimed, from when until when.
struct Holding {
  std::string request_id;
  std::string tenant;
  std::int64_t claimed_at = 0;           // epoch seconds: its claims were committed
  std::optional<std::int64_t> freed_at;  // released, or failed after its claims were made
  Plan plan;
};

}  // namespace colo::inventory
