// Reserving as `colo reserve` does, timed: one or several reservers at once
// on one ledger, each with its own connection and occupancy (as processes
// have). Used by backends_bench and history_bench.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench_site.h"
#include "colo/inventory/allocator.h"
#include "jobs/status_writer.h"

namespace colo::bench {

// `colo reserve`'s path is the jobs' StatusWriter, which needs the site's
// calendar for the callbacks of endings (a reservation has none).
inline const colo::agent::SlaCalendar& benchCalendar() {
  static const colo::agent::SlaCalendar cal(colo::inventory::TimeZone::named("Asia/Pontianak"), {});
  return cal;
}

// The arguments every reserve benchmark takes: a number (reserves a run)
// and `--rounds R`. True when argv[i] was one (i moved past it).
inline bool runArg(int& i, int argc, char** argv, int& reserves, int& rounds) {
  std::string a = argv[i];
  if (a == "--rounds" && i + 1 < argc && std::atoi(argv[i + 1]) > 0) {
    rounds = std::atoi(argv[++i]);
    return true;
  }
  if (std::atoi(a.c_str()) > 0) {
    reserves = std::atoi(a.c_str());
    return true;
  }
  return false;
}

inline double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

inline std::string shell(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[512];
  while (fgets(buf, sizeof buf, p)) out += buf;
  if (pclose(p) != 0) throw std::runtime_error("failed: " + cmd);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

struct Run {
  std::vector<double> ms;
  double seconds = 0;
  double startMs = 0;  // the slowest process's start: its occupancy read from every claim
  double logMb = -1;   // SQLite's LEDGER-wal after the run
};

// `processes` reservers at once, each with its own connection and cache,
// together `n` requests (1 to 4 units, every other one redundant). Each
// first reads the occupancy, as an agent does when it starts (timed apart);
// then all reserve together.
inline Run reserveRun(const std::string& state, const inv::Inventory& inventory, int n,
                      int processes, const std::string& tag) {
  std::vector<Run> parts(static_cast<std::size_t>(processes));
  std::vector<std::unique_ptr<inv::Ledger>> ledgers;
  std::vector<std::unique_ptr<inv::OccupancyCache>> caches;
  Run out;
  for (int t = 0; t < processes; ++t) {
    auto a = std::chrono::steady_clock::now();
    ledgers.push_back(std::make_unique<inv::Ledger>(state));
    caches.push_back(std::make_unique<inv::OccupancyCache>(inventory));
    auto& l = *ledgers.back();
    l.read([&] { caches.back()->use(l, [](const inv::Occupancy&) {}); });
    out.startMs = std::max(
        out.startMs,
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count());
  }
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < processes; ++t)
    threads.emplace_back([&, t] {
      auto& ledger = *ledgers[static_cast<std::size_t>(t)];
      auto& cache = *caches[static_cast<std::size_t>(t)];
      for (int i = t; i < n; i += processes) {
        auto id = tag + "-" + std::to_string(i);
        auto r = inv::parseRequestJson(requestJson(id, 1 + i % 4, i % 2 == 0));
        auto a = std::chrono::steady_clock::now();
        colo::agent::StatusWriter(ledger, benchCalendar(), "http://127.0.0.1:8080")
            .reserve(r, "bench", cache);
        parts[static_cast<std::size_t>(t)].ms.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a)
                .count());
      }
    });
  for (auto& th : threads) th.join();
  // SQLite's log after the run: how far it grew (PostgreSQL: none shown)
  std::error_code ec;
  auto log = std::filesystem::file_size(state + "-wal", ec);
  out.logMb = ec ? -1 : static_cast<double>(log) / 1e6;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (auto& p : parts) out.ms.insert(out.ms.end(), p.ms.begin(), p.ms.end());
  return out;
}

}  // namespace colo::bench
