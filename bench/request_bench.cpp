// Reading a request body: time against size, for the shapes a hostile
// client sends (docs/design.md §4: JSON is read in time linear in its size,
// values are counted as they are read). Prints the median of 7 runs per
// shape; the ratio of the largest to the smallest shows the growth.
//
//   build/bench/request_bench
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "colo/inventory/error.h"
#include "colo/inventory/request.h"

namespace {

double medianMs(const std::string& body) {
  std::vector<double> ms;
  for (int i = 0; i < 7; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    try {
      colo::inventory::parseRequestJson(body);
    } catch (const colo::inventory::Error&) {
    }
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

std::string emptyObjects(std::size_t bytes) {
  std::string s = "{\"x\":[{}";
  while (s.size() + 5 < bytes) s += ",{}";
  return s + "]}";
}

std::string unknownKeys(std::size_t bytes) {
  std::string s = "{";
  for (int i = 0; s.size() + 16 < bytes; ++i) s += (i ? ",\"" : "\"") + std::to_string(i) + "\":0";
  return s + "}";
}

}  // namespace

int main() {
  std::printf("%-30s %10s %12s\n", "body", "bytes", "median ms");
  for (auto [name, make] : {std::pair{"empty objects in a list", &emptyObjects},
                            std::pair{"unknown keys", &unknownKeys}}) {
    double first = 0;
    for (std::size_t kib : {16, 64, 256, 1024}) {
      auto body = make(kib * 1024);
      double ms = medianMs(body);
      if (first == 0) first = ms;
      std::printf("%-30s %10zu %12.2f  (x%.1f for x%zu the size)\n", name, body.size(), ms,
                  ms / first, kib / 16);
    }
  }
}
