// The ledger's backends side by side (design.md §12): reserve latency on SQLite
// and on PostgreSQL 15, on a new ledger and on the 500-rack data center with
// 20,000 reservations already held, with one process reserving and with two
// at once (as two agents do), and the ratios between them (design.md §5: a
// reserve costs the same whatever the ledger holds). PostgreSQL runs durable (fsync on, as SQLite's
// synchronous = FULL) in a throwaway cluster on 127.0.0.1 (scripts/pg-cluster).
//
//   build/bench/backends_bench [REQUESTS]   (default 400 reserves per run)
//   build/bench/backends_bench --write-inventory PATH   (the inventory only)
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench_site.h"
#include "colo/inventory/allocator.h"
#include "colo/inventory/loader.h"
#include "jobs/status_writer.h"

namespace inv = colo::inventory;
using namespace colo::bench;
using Clock = std::chrono::steady_clock;

namespace {

// `colo reserve`'s path is the jobs' StatusWriter, which needs the site's
// calendar for the callbacks of endings (a reservation has none).
const colo::agent::SlaCalendar& benchCalendar() {
  static const colo::agent::SlaCalendar cal(colo::inventory::TimeZone::named("Asia/Pontianak"), {});
  return cal;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

std::string shell(const std::string& cmd) {
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
};

// `processes` reservers at once, each with its own connection and cache,
// together `n` requests (1 to 4 units, every other one redundant). Each
// first reads the occupancy, as an agent does when it starts (timed apart);
// then all reserve together.
Run reserveRun(const std::string& state, const inv::Inventory& inventory, int n, int processes,
               const std::string& tag) {
  std::vector<Run> parts(static_cast<std::size_t>(processes));
  std::vector<std::unique_ptr<inv::Ledger>> ledgers;
  std::vector<std::unique_ptr<inv::OccupancyCache>> caches;
  Run out;
  for (int t = 0; t < processes; ++t) {
    auto a = Clock::now();
    ledgers.push_back(std::make_unique<inv::Ledger>(state));
    caches.push_back(std::make_unique<inv::OccupancyCache>(inventory));
    auto& l = *ledgers.back();
    l.read([&] { caches.back()->use(l, [](const inv::Occupancy&) {}); });
    out.startMs =
        std::max(out.startMs, std::chrono::duration<double, std::milli>(Clock::now() - a).count());
  }
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < processes; ++t)
    threads.emplace_back([&, t] {
      auto& ledger = *ledgers[static_cast<std::size_t>(t)];
      auto& cache = *caches[static_cast<std::size_t>(t)];
      for (int i = t; i < n; i += processes) {
        auto id = tag + "-" + std::to_string(i);
        auto r = inv::parseRequestJson(requestJson(id, 1 + i % 4, i % 2 == 0));
        auto a = Clock::now();
        colo::agent::StatusWriter(ledger, benchCalendar(), "http://127.0.0.1:8080")
            .reserve(r, "bench", cache);
        parts[static_cast<std::size_t>(t)].ms.push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - a).count());
      }
    });
  for (auto& th : threads) th.join();
  out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (auto& p : parts) out.ms.insert(out.ms.end(), p.ms.begin(), p.ms.end());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  // For bench/acceptance_bench: the same 500-rack inventory, written out.
  if (argc == 3 && std::string(argv[1]) == "--write-inventory") {
    writeInventory(argv[2]);
    return 0;
  }
  int n = argc > 1 ? std::atoi(argv[1]) : 400;
  std::string tmpl = (std::filesystem::temp_directory_path() / "colo-backends-XXXXXX").string();
  std::string dir = mkdtemp(tmpl.data());
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all |
                                        std::filesystem::perms::group_exec |
                                        std::filesystem::perms::others_exec);
  auto invPath = dir + "/inventory.yaml";
  writeInventory(invPath);
  auto loaded = inv::loadInventory(invPath);
  if (!loaded.ok()) return 1;
  const auto& inventory = loaded.inventory;

  std::string cluster = dir + "/pg";
  std::printf("starting a durable PostgreSQL 15 cluster (scripts/pg-cluster) ...\n");
  std::string base = shell(COLO_SOURCE_DIR "/scripts/pg-cluster start " + cluster + " --durable");
  struct Stop {
    std::string cluster, dir;
    ~Stop() {
      if (std::system((COLO_SOURCE_DIR "/scripts/pg-cluster stop " + cluster).c_str()) != 0)
        std::fprintf(stderr, "could not stop the cluster in %s\n", cluster.c_str());
      std::filesystem::remove_all(dir);
    }
  } stop{cluster, dir};

  std::printf("reserve on each backend: %d racks, %d reserves a run\n", kRacks, n);
  std::printf("(empty: a new ledger; 20k: %d reservations held)\n\n", kPreReserved);
  std::printf("%-12s %-6s %-10s %10s %10s %12s %10s\n", "backend", "held", "reservers", "p50 ms",
              "p99 ms", "reserves/s", "start ms");
  struct Figures {
    double p99 = 0, rate = 0;
  };
  auto show = [&](const std::string& backend, const char* held, int processes, const Run& run) {
    Figures f{percentile(run.ms, 0.99), static_cast<double>(run.ms.size()) / run.seconds};
    std::printf("%-12s %-6s %-10d %10.2f %10.2f %12.0f %10.0f\n", backend.c_str(), held, processes,
                percentile(run.ms, 0.5), f.p99, f.rate, run.startMs);
    return f;
  };
  std::vector<std::string> ratios;
  for (const std::string backend : {"sqlite", "postgresql"}) {
    auto newLedger = [&](const std::string& name) {
      return backend == "sqlite"
                 ? dir + "/" + name + ".db"
                 : shell(COLO_SOURCE_DIR "/scripts/pg-cluster createdb " + cluster + " " + name);
    };
    // The same reserves on a new ledger, then on one holding 20,000.
    std::string empty = newLedger("empty");
    { inv::Ledger ledger(empty, inv::Ledger::Open::create); }
    auto onEmpty = show(backend, "empty", 1, reserveRun(empty, inventory, n, 1, backend + "-e"));
    std::string state = newLedger("bench");
    auto t0 = Clock::now();
    {
      inv::Ledger ledger(state, inv::Ledger::Open::create);
      fillLedger(ledger, inventory);
    }
    double setup = std::chrono::duration<double>(Clock::now() - t0).count();
    auto one = show(backend, "20k", 1, reserveRun(state, inventory, n, 1, backend + "-1"));
    auto two = show(backend, "20k", 2, reserveRun(state, inventory, n, 2, backend + "-2"));
    char line[300];
    std::snprintf(line, sizeof line,
                  "%-12s 20k held / empty: %.2fx the throughput; two reservers / one: %.2fx the "
                  "throughput, %.2fx the p99   (setup: %d reservations written in %.1f s)",
                  backend.c_str(), one.rate / onEmpty.rate, two.rate / one.rate, two.p99 / one.p99,
                  kPreReserved, setup);
    ratios.push_back(line);
  }
  std::printf("\nratios, each from this run:\n");
  for (const auto& r : ratios) std::printf("%s\n", r.c_str());
  return 0;
}
