// JSON text read into a document, strictly and in time linear in its size
// (docs/design.md §4): nested at most kMaxDepth deep, at most kMaxValues
// values, and no object with a key twice. Used for requests, whatever way
// they come (an HTTP body, a file).
#pragma once
#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <string_view>

namespace colo::inventory {

constexpr int kMaxJsonDepth = 16;
// A request of 64 servers with 8 NICs and 4 pools each is about 5,000.
constexpr std::size_t kMaxJsonValues = 10000;

// Throws InvalidRequest (a duplicate key, with its field path) or
// Error(invalid_input) naming the line and column.
nlohmann::json parseJsonText(std::string_view text);

}  // namespace colo::inventory
