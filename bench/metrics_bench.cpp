// Benchmark of /metrics (issue 10, point 7) on the 500-rack data center of
// bench_site.h with 20,000 requests in the ledger: a scrape as the agent
// answers it now (the ledger's tallies, the SLA from what changed) against
// counting everything as it did before (every request, every claim); and
// what a 1 Hz scrape does to POST /v1/requests latency, in-process through
// the API's handler (the intake's fsync included).
//
// Usage: metrics_bench [SCRAPES] [SECONDS]   (default 200 scrapes; 6 s of
// POSTs per run, one every 10 ms)
// Prints medians and p99s; asserts nothing.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench_site.h"
#include "colo/encoding/encoding.h"
#include "colo/inventory/occupancy.h"
#include "colo/inventory/usage.h"
#include "core/metrics.h"
#include "http/api.h"

namespace inv = colo::inventory;
namespace agent = colo::agent;
using Steady = std::chrono::steady_clock;

namespace {

double ms(Steady::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5)];
}

// What /metrics did before schema 6: every request (with its body and
// allocation) for the status counts and the SLA, every claim for the
// racks and pools. Kept here as the reference the figures compare with.
std::size_t countEverything(inv::Ledger& ledger, const inv::Inventory& inventory,
                            const agent::SlaCalendar& sla, std::int64_t now) {
  std::size_t n = 0;
  for (const auto& r : ledger.requests().all())
    if (auto s = agent::slaOf(r, sla, now)) n += s->overdue;
  inv::Occupancy occ(inventory, ledger.claims().all(), ledger.claims().generation());
  for (const auto& r : inv::rackUsage(occ)) n += static_cast<std::size_t>(r.units_free);
  for (const auto& p : inv::poolUsage(occ)) n += static_cast<std::size_t>(p.held);
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  int scrapes = argc > 1 ? std::max(10, std::atoi(argv[1])) : 200;
  int seconds = argc > 2 ? std::max(2, std::atoi(argv[2])) : 6;
  std::string tmpl =
      (std::filesystem::temp_directory_path() / "colo-metrics-bench-XXXXXX").string();
  std::string dir = mkdtemp(tmpl.data());
  auto invPath = dir + "/inventory.yaml", dbPath = dir + "/colo.db";
  colo::bench::writeInventory(invPath);
  auto loaded = inv::loadInventory(invPath);
  if (!loaded.ok()) return 1;
  inv::Inventory inventory = std::move(loaded.inventory);
  inv::Ledger ledger(dbPath, inv::Ledger::Open::create);
  colo::bench::fillLedger(ledger, inventory);
  agent::SlaCalendar sla(inv::TimeZone::named("Asia/Pontianak"), {});
  auto now = [] {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };

  std::printf("colo /metrics benchmark: %d racks, %d requests in the ledger\n", colo::bench::kRacks,
              colo::bench::kPreReserved);
  agent::LedgerMetrics metrics(inventory, sla);
  auto t0 = Steady::now();
  auto text = metrics.text(ledger, now());
  std::printf("  first scrape after start (reads every request once): %.1f ms, %zu KiB\n",
              ms(Steady::now() - t0), text.size() / 1024);
  std::vector<double> fresh, counted;
  for (int i = 0; i < scrapes; ++i) {
    auto a = Steady::now();
    text = metrics.text(ledger, now());
    fresh.push_back(ms(Steady::now() - a));
  }
  for (int i = 0; i < std::min(scrapes, 10); ++i) {
    auto a = Steady::now();
    volatile auto sink = countEverything(ledger, inventory, sla, now());
    (void)sink;
    counted.push_back(ms(Steady::now() - a));
  }
  std::printf("  %-44s median %8.2f ms   p99 %8.2f ms\n", "scrape (tallies + SLA changes)",
              percentile(fresh, 0.5), percentile(fresh, 0.99));
  std::printf("  %-44s median %8.2f ms   p99 %8.2f ms\n", "before: counting everything",
              percentile(counted, 0.5), percentile(counted, 0.99));

  // POSTs while something scrapes once a second, as Prometheus does.
  const std::string token = "colo_metrics-bench-token";
  agent::Config config;
  config.tokens = {{"bench", colo::agent::Role::admin, colo::encoding::sha256Hex(token)}};
  std::mutex ledgerMutex;
  agent::ApiContext ctx;
  agent::LiveConfig live(config);
  ctx.config = &live;
  ctx.inventory = &inventory;
  ctx.ledger = &ledger;
  ctx.ledgerMutex = &ledgerMutex;
  ctx.sla = &sla;
  ctx.now = now;
  ctx.wakeWorkers = [] {};
  agent::Api api(ctx);
  int serial = 0;
  auto postRun = [&](const char* name, const std::function<void()>& scrape) {
    std::atomic<bool> done{false};
    std::mutex m;
    std::condition_variable cv;
    std::thread scraper([&] {
      std::unique_lock lock(m);
      while (!done && scrape) {
        if (cv.wait_for(lock, std::chrono::seconds(1), [&] { return done.load(); })) break;
        scrape();
      }
    });
    std::vector<double> times;
    auto start = Steady::now();
    for (int i = 0; Steady::now() - start < std::chrono::seconds(seconds); ++i) {
      std::this_thread::sleep_until(start + i * std::chrono::milliseconds(10));
      agent::HttpRequest req;
      req.method = "POST";
      req.target = "/v1/requests";
      req.authorization = "Bearer " + token;
      req.content_type = "application/json";
      req.remote = "127.0.0.1:1";
      req.body = colo::bench::requestJson("POST-" + std::to_string(serial++), 1, false);
      std::promise<int> answer;
      auto a = Steady::now();
      api.handle(req, [&](agent::HttpResponse r) { answer.set_value(r.status); });
      int status = answer.get_future().get();
      times.push_back(ms(Steady::now() - a));
      if (status != 202) std::fprintf(stderr, "POST: %d\n", status);
    }
    {
      std::lock_guard lock(m);
      done = true;
    }
    cv.notify_all();
    scraper.join();
    std::printf("  POST /v1/requests, %-24s median %8.2f ms   p99 %8.2f ms   max %8.2f ms\n", name,
                percentile(times, 0.5), percentile(times, 0.99), percentile(times, 1.0));
  };
  std::printf("  %d s of POSTs per run, one every 10 ms:\n", seconds);
  postRun("no scrape", {});
  postRun("1 Hz scrape (now)", [&] {
    std::lock_guard lock(ledgerMutex);
    metrics.text(ledger, now());
  });
  postRun("1 Hz scrape (before)", [&] {
    std::lock_guard lock(ledgerMutex);
    countEverything(ledger, inventory, sla, now());
  });
  // A client polling the racks: after each change the views are rebuilt
  // (every claim read), on a connection of their own.
  std::vector<double> rebuilds;
  int placed = colo::bench::kPreReserved;
  postRun("1 Hz claim + GET /v1/racks", [&] {
    {
      std::lock_guard lock(ledgerMutex);  // a worker's claim: the views are stale
      ledger.write([&] { colo::bench::placeRequest(ledger, inventory, placed++); });
    }
    agent::HttpRequest req;
    req.method = "GET";
    req.target = "/v1/racks";
    req.authorization = "Bearer " + token;
    req.remote = "127.0.0.1:1";
    auto a = Steady::now();
    api.handle(req, [](agent::HttpResponse) {});
    rebuilds.push_back(ms(Steady::now() - a));
  });
  std::printf("  GET /v1/racks after a change (views rebuilt): median %.0f ms\n",
              percentile(rebuilds, 0.5));
  std::filesystem::remove_all(dir);
  return 0;
}
