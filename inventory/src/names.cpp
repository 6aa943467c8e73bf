#include "colo/inventory/names.h"

#include <algorithm>

namespace colo::inventory {

std::size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1] ? 1u : 0u)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string closestName(std::string_view word, const std::vector<std::string>& known,
                        std::size_t maxDistance) {
  std::string best;
  std::size_t bestDistance = maxDistance + 1;
  for (const auto& k : known) {
    auto d = editDistance(word, k);
    if (d < bestDistance) bestDistance = d, best = k;
  }
  return best;
}

}  // namespace colo::inventory
