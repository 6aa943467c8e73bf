// Benchmark of the inventory library at data-center scale (issue: foundation).
//
// Generates an inventory of 500 racks (48U, A/B feeds), 500 switches of 48
// ports and pools totalling far over 200,000 addresses (one IPv4 /8, one IPv6
// /64, plus ordinary /24s), with 20,000 requests already reserved in a real
// SQLite ledger, 100,000 addresses taken in each of the /8 and the /64. Then
// measures: inventory load, ledger read, occupancy build and peak memory;
// plan latency and reserve latency (p50/p99 over N requests); and the time to
// the next free address in the two big pools.
//
// Usage: inventory_bench [--requests N] [--dir DIR]   (defaults: 1000, a temp dir)
// Prints figures; asserts nothing. Addresses are only allocated, never contacted.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "bench_site.h"
#include "colo/inventory/allocator.h"
#include "colo/inventory/loader.h"
#include "colo/inventory/occupancy_cache.h"
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

double ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}
double us(Clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[i];
}

long peakRssMiB() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

}  // namespace

int main(int argc, char** argv) {
  int n = 1000;
  std::string dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--requests") n = std::stoi(argv[i + 1]);
    if (a == "--dir") dir = argv[i + 1];
  }
  if (dir.empty()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "colo-bench-XXXXXX").string();
    dir = mkdtemp(tmpl.data());
  }
  std::filesystem::create_directories(dir);
  auto invPath = dir + "/inventory.yaml", dbPath = dir + "/colo.db";
  std::filesystem::remove(dbPath);
  std::filesystem::remove(dbPath + "-wal");
  std::filesystem::remove(dbPath + "-shm");

  std::printf(
      "colo inventory benchmark: %d racks x %dU, %d switches x 48 ports, %d reserved "
      "requests, %d requests measured\n",
      kRacks, kHeight, kRacks, kPreReserved, n);
  auto t0 = Clock::now();
  writeInventory(invPath);
  {
    auto gen = inv::loadInventory(invPath);
    if (!gen.ok()) {
      std::fprintf(stderr, "generated inventory invalid: %s\n", gen.errors[0].str().c_str());
      return 1;
    }
    inv::Ledger ledger(dbPath, inv::Ledger::Open::create);
    fillLedger(ledger, gen.inventory);
  }
  std::printf("  setup (generate inventory, write %d reservations): %.0f ms, ledger %.1f MiB\n",
              kPreReserved, ms(Clock::now() - t0),
              static_cast<double>(std::filesystem::file_size(dbPath)) / 1048576.0);

  // What a fresh `colo` process does before it can plan.
  auto tLoad = Clock::now();
  auto loaded = inv::loadInventory(invPath);
  auto tYaml = Clock::now();
  inv::Ledger ledger(dbPath);
  auto claims = ledger.claims().all();
  auto tClaims = Clock::now();
  auto cache =
      std::make_unique<inv::Occupancy>(loaded.inventory, claims, ledger.claims().generation());
  auto tOcc = Clock::now();
  // What an agent's start does (design.md §5): the rows straight into the
  // occupancy, none kept.
  inv::Occupancy streamed(
      loaded.inventory, ledger.claims().generation(),
      inv::Occupancy::ClaimRows{[&](inv::ClaimSink& sink) { ledger.claims().each(sink); }});
  auto tStreamed = Clock::now();
  std::printf("\nload (as a fresh process does):\n");
  std::printf("  inventory YAML parse + validate   %8.1f ms\n", ms(tYaml - tLoad));
  std::printf("  ledger claims read (%zu units, %zu addresses) %8.1f ms\n", claims.units.size(),
              claims.addresses.size(), ms(tClaims - tYaml));
  std::printf("  occupancy build                   %8.1f ms\n", ms(tOcc - tClaims));
  std::printf("  total                             %8.1f ms   (target < 2000 ms)\n",
              ms(tOcc - tLoad));
  std::printf("  peak memory (RSS)                 %8ld MiB\n", peakRssMiB());
  std::printf(
      "  read + build straight from the rows %6.1f ms   (an agent's start, no claim kept)\n",
      ms(tStreamed - tOcc));

  // Next free address in the big pools: 100,000 taken from the bottom.
  for (const char* name : {"big-v4", "big-v6"}) {
    const auto* pool = loaded.inventory.pool(name);
    auto p = cache->poolIndex(*pool);
    std::vector<double> t;
    std::optional<inv::u128> next;
    for (int i = 0; i < 1000; ++i) {
      auto a = Clock::now();
      next = cache->addressesTaken(p).firstGap(pool->firstUsable(), pool->lastUsable());
      t.push_back(us(Clock::now() - a));
    }
    std::printf("  next free in %s (%s, %zu held): %s in p50 %.2f us, p99 %.2f us\n", name,
                pool->prefix.str().c_str(), cache->addressesClaimed(p),
                inv::IpAddress{*next, pool->prefix.network.v6}.str().c_str(), percentile(t, 0.5),
                percentile(t, 0.99));
  }

  std::vector<inv::Request> requests;
  for (int i = 0; i < n; ++i)
    requests.push_back(
        inv::parseRequestJson(requestJson("BENCH-" + std::to_string(i), 1 + i % 4, i % 2 == 0)));

  std::vector<double> planMs;
  for (const auto& r : requests) {
    auto a = Clock::now();
    auto plan = inv::allocate(*cache, r);
    planMs.push_back(ms(Clock::now() - a));
  }
  std::printf("\nplan (allocate against 20,000 reservations), %d requests:\n", n);
  std::printf("  p50 %.3f ms   p99 %.3f ms   max %.3f ms   (target p99 < 1 ms)\n",
              percentile(planMs, 0.5), percentile(planMs, 0.99),
              *std::max_element(planMs.begin(), planMs.end()));

  std::vector<double> reserveMs;
  inv::OccupancyCache occupancy(loaded.inventory);
  ledger.read([&] { occupancy.use(ledger, [](const inv::Occupancy&) {}); });
  for (const auto& r : requests) {
    auto a = Clock::now();
    colo::agent::StatusWriter(ledger, benchCalendar(), "http://127.0.0.1:8080")
        .reserve(r, "bench", occupancy);
    reserveMs.push_back(ms(Clock::now() - a));
  }
  std::printf("\nreserve (plan + one SQLite transaction, synchronous=FULL), %d requests:\n", n);
  std::printf("  p50 %.3f ms   p99 %.3f ms   max %.3f ms   (target p99 < 10 ms)\n",
              percentile(reserveMs, 0.5), percentile(reserveMs, 0.99),
              *std::max_element(reserveMs.begin(), reserveMs.end()));
  std::printf("  peak memory (RSS) %ld MiB\n", peakRssMiB());
  std::printf("\nfiles kept in %s (inventory.yaml, colo.db)\n", dir.c_str());
  return 0;
}
