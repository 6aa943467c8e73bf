// The ledger's backends side by side (design.md §12): reserve latency on SQLite
// and on PostgreSQL 15, on a new ledger and on the 500-rack data center with
// 20,000 reservations already held, with one process reserving and with two
// at once (as two agents do), and the ratios between them (design.md §5: a
// reserve costs the same whatever the ledger holds; §6: two writers take
// turns). PostgreSQL runs durable (fsync on, as SQLite's synchronous = FULL)
// in a throwaway cluster on 127.0.0.1 (scripts/pg-cluster). Each round
// reserves in fresh copies of one filled ledger; the ratios are taken within
// a round, and their median and range over the rounds are printed (a shared
// machine's noise moves single runs by a third).
//
//   build/bench/backends_bench [REQUESTS] [--rounds R] [--backend sqlite|postgresql]
//                         (default 400 reserves per run, 3 rounds, both backends)
//   build/bench/backends_bench --write-inventory PATH   (the inventory only)
//   build/bench/backends_bench --write-ledger STATE     (a new ledger, 20,000 held)
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
#include "colo/inventory/loader.h"
#include "reserve_run.h"

namespace inv = colo::inventory;
using namespace colo::bench;
using Clock = std::chrono::steady_clock;

namespace {

double median(std::vector<double> v) { return percentile(std::move(v), 0.5); }

}  // namespace

int main(int argc, char** argv) {
  // For bench/acceptance_bench and bench/completion_bench: the same
  // 500-rack inventory written out, or a new ledger (a SQLite path or a
  // PostgreSQL URI) holding the 20,000 reservations.
  if (argc == 3 && std::string(argv[1]) == "--write-inventory") {
    writeInventory(argv[2]);
    return 0;
  }
  if (argc == 3 && std::string(argv[1]) == "--write-ledger") {
    char name[] = "/tmp/colo-inventory-XXXXXX";
    int fd = mkstemp(name);
    if (fd < 0) return 1;
    close(fd);
    writeInventory(name);
    auto loaded = inv::loadInventory(name);
    std::filesystem::remove(name);
    if (!loaded.ok()) return 1;
    inv::Ledger ledger(argv[2], inv::Ledger::Open::create);
    fillLedger(ledger, loaded.inventory);
    return 0;
  }
  int n = 400, rounds = 3;
  std::vector<std::string> backends{"sqlite", "postgresql"};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--backend" && i + 1 < argc) {
      backends = {argv[++i]};
    } else if (!runArg(i, argc, argv, n, rounds)) {
      std::fprintf(stderr,
                   "usage: backends_bench [REQUESTS] [--rounds R] [--backend sqlite|postgresql]\n");
      return 2;
    }
  }
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

  std::printf("reserve on each backend: %d racks, %d reserves a run, %d rounds\n", kRacks, n,
              rounds);
  std::printf("(empty: a new ledger; 20k: a fresh copy of one with %d reservations held)\n\n",
              kPreReserved);
  std::printf("%-12s %-6s %-6s %-10s %10s %10s %12s %10s %8s\n", "backend", "round", "held",
              "reservers", "p50 ms", "p99 ms", "reserves/s", "start ms", "log MB");
  struct Figures {
    double p99 = 0, rate = 0;
  };
  auto show = [&](const std::string& backend, int round, const char* held, int processes,
                  const Run& run) {
    Figures f{percentile(run.ms, 0.99), static_cast<double>(run.ms.size()) / run.seconds};
    char log[16] = "-";
    if (run.logMb >= 0) std::snprintf(log, sizeof log, "%.1f", run.logMb);
    std::printf("%-12s %-6d %-6s %-10d %10.2f %10.2f %12.0f %10.0f %8s\n", backend.c_str(), round,
                held, processes, percentile(run.ms, 0.5), f.p99, f.rate, run.startMs, log);
    std::fflush(stdout);
    return f;
  };
  std::vector<std::string> ratios;
  for (const std::string& backend : backends) {
    auto sqlite = backend == "sqlite";
    auto newLedger = [&](const std::string& name, const std::string& from = "") {
      if (!sqlite)
        return shell(COLO_SOURCE_DIR "/scripts/pg-cluster createdb " + cluster + " " + name + " " +
                     from);
      auto path = dir + "/" + name + ".db";
      if (!from.empty()) std::filesystem::copy_file(dir + "/" + from + ".db", path);
      return path;
    };
    // The 20,000 reservations, written once; each round reserves in fresh
    // copies of that ledger, so that every round starts from the same.
    std::string filled = newLedger("filled");
    auto t0 = Clock::now();
    {
      inv::Ledger ledger(filled, inv::Ledger::Open::create);
      fillLedger(ledger, inventory);
    }  // closed: the copies are of a whole file (SQLite) or an idle template (PostgreSQL)
    double setup = std::chrono::duration<double>(Clock::now() - t0).count();
    std::vector<double> heldRate, twoRate, twoP99;
    for (int round = 1; round <= rounds; ++round) {
      auto tag = backend + "-" + std::to_string(round);
      std::string empty = newLedger("empty_" + std::to_string(round));
      { inv::Ledger ledger(empty, inv::Ledger::Open::create); }
      auto onEmpty = show(backend, round, "empty", 1, reserveRun(empty, inventory, n, 1, tag + "e"));
      auto one = show(backend, round, "20k", 1,
                      reserveRun(newLedger("one_" + std::to_string(round), "filled"), inventory,
                                 n, 1, tag + "o"));
      auto two = show(backend, round, "20k", 2,
                      reserveRun(newLedger("two_" + std::to_string(round), "filled"), inventory,
                                 n, 2, tag + "t"));
      heldRate.push_back(one.rate / onEmpty.rate);
      twoRate.push_back(two.rate / one.rate);
      twoP99.push_back(two.p99 / one.p99);
    }
    auto range = [](const std::vector<double>& v) {
      char b[64];
      std::snprintf(b, sizeof b, "%.2fx (%.2f-%.2f)", median(v),
                    *std::min_element(v.begin(), v.end()), *std::max_element(v.begin(), v.end()));
      return std::string(b);
    };
    ratios.push_back(backend + ", 20k held / empty, the throughput: " + range(heldRate));
    ratios.push_back(backend + ", two reservers / one, the throughput: " + range(twoRate));
    ratios.push_back(backend + ", two reservers / one, the p99: " + range(twoP99));
    char line[160];
    std::snprintf(line, sizeof line, "%s, setup: %d reservations written in %.1f s",
                  backend.c_str(), kPreReserved, setup);
    ratios.push_back(line);
  }
  std::printf("\nratios, each within a round (median, and the range over the rounds):\n");
  for (const auto& r : ratios) std::printf("%s\n", r.c_str());
  return 0;
}
