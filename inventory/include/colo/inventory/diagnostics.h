// Validation findings: every error at once, each at file:line:col.
#pragma once

#include <string>
#include <vector>

#include "colo/inventory/model.h"

namespace colo::inventory {

struct Diagnostic {
  SourceLocation where;
  std::string message;
  std::string str() const { return where.str() + ": " + message; }
};

using Diagnostics = std::vector<Diagnostic>;

}  // namespace colo::inventory
