// JSON text read into a document, strictly and in time linear in its size
// (docs/design.md §4): nested at most kMaxDepth deep, at most kMaxValues
// values, and no object with a key twice. Used for requests, whatever way
// they come (an HTTP body, a file).
#pragma once
#include <chrono>
#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace colo::inventory {

constexpr int kMaxJsonDepth = 16;
// A request of 64 servers with 8 NICs and 4 pools each is about 5,000.
constexpr std::size_t kMaxJsonValues = 10000;

// CPU time spent by the calling thread since it was made, against a budget
// (none: zero). Cheap enough to ask every few hundred values.
class CpuBudget {
 public:
  explicit CpuBudget(std::chrono::nanoseconds budget);
  bool exceeded() const;
  // Throws Error(invalid_input) saying the budget is spent, if it is.
  void check() const;
  std::string what() const;  // "250 ms"

 private:
  std::chrono::nanoseconds budget_, start_;
};

// Throws InvalidRequest (a duplicate key, with its field path) or
// Error(invalid_input) naming the line and column, or saying `budget` ran out.
nlohmann::json parseJsonText(std::string_view text, const CpuBudget& budget = CpuBudget({}));

}  // namespace colo::inventory
