// "Did you mean": the known name closest to a mistyped one.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace colo::inventory {

// Levenshtein distance (insertions, deletions, substitutions).
std::size_t editDistance(std::string_view a, std::string_view b);

// The name in `known` closest to `word`, if it is at most `maxDistance`
// edits away; "" otherwise.
std::string closestName(std::string_view word, const std::vector<std::string>& known,
                        std::size_t maxDistance = 2);

}  // namespace colo::inventory
