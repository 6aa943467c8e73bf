// Validation findings: every error at once, each at file:line:col.
#pragma once

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "colo/inventory/model.h"

namespace colo::inventory {

struct Diagnostic {
  SourceLocation where;
  std::string message;
  std::string str() const { return where.str() + ": " + message; }
};

using Diagnostics = std::vector<Diagnostic>;

// File order: by file, line and column; equal positions keep their order.
inline void sortByPosition(Diagnostics& d) {
  std::stable_sort(d.begin(), d.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.where.file, a.where.line, a.where.column) <
           std::tie(b.where.file, b.where.line, b.where.column);
  });
}

}  // namespace colo::inventory
