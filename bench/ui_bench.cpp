// Benchmark of the web console (issue 9): how long the agent takes to answer
// the console's pages and the elevation SVG for the 500-rack data center of
// bench_site.h (20,000 requests reserved), from request to response bytes:
// session check, ledger reads, rendering. In-process, through the API's own
// handler (the HTTP server adds its own ~0.1 ms, measured in agent_bench).
//
// Usage: ui_bench [ITERATIONS]   (default 200 per page)
// Prints median and p99 per page; asserts nothing.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <regex>
#include <string>
#include <vector>

#include "bench_site.h"
#include "colo/encoding/encoding.h"
#include "http/api.h"
#include "ui/pages.h"

namespace inv = colo::inventory;
namespace agent = colo::agent;
using Clock = std::chrono::steady_clock;

namespace {

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5)];
}

agent::HttpResponse call(agent::Api& api, const std::string& method, const std::string& target,
                         const std::string& cookie, const std::string& body = "",
                         const std::string& bearer = "") {
  agent::HttpRequest req;
  req.method = method;
  req.target = target;
  req.body = body;
  req.remote = "127.0.0.1:1";
  if (!cookie.empty()) req.headers["cookie"] = cookie;
  if (!bearer.empty()) req.authorization = "Bearer " + bearer;
  if (!body.empty()) req.content_type = "application/x-www-form-urlencoded";
  agent::HttpResponse out;
  api.handle(req, [&](agent::HttpResponse r) { out = std::move(r); });
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::max(10, std::atoi(argv[1])) : 200;
  std::string tmpl = (std::filesystem::temp_directory_path() / "colo-ui-bench-XXXXXX").string();
  std::string dir = mkdtemp(tmpl.data());
  auto invPath = dir + "/inventory.yaml", dbPath = dir + "/colo.db";
  colo::bench::writeInventory(invPath);
  auto loaded = inv::loadInventory(invPath);
  if (!loaded.ok()) {
    std::fprintf(stderr, "generated inventory invalid: %s\n", loaded.errors[0].str().c_str());
    return 1;
  }
  inv::Inventory inventory = std::move(loaded.inventory);
  inv::Ledger ledger(dbPath, inv::Ledger::Open::create);
  colo::bench::fillLedger(ledger, inventory);

  const std::string token = "colo_ui-bench-token";
  agent::Config config;
  config.tokens = {{"bench", colo::agent::Role::admin, colo::encoding::sha256Hex(token)}};
  std::mutex ledgerMutex;
  agent::SlaCalendar sla(inv::TimeZone::named("Asia/Pontianak"), {});
  agent::ApiContext ctx;
  agent::LiveConfig live(config);
  ctx.config = &live;
  ctx.inventory = &inventory;
  ctx.ledger = &ledger;
  ctx.ledgerMutex = &ledgerMutex;
  ctx.sla = &sla;
  ctx.now = [] {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  agent::Api api(ctx);

  // Log in as a browser does.
  auto form = call(api, "GET", "/ui/login", "");
  std::smatch m;
  std::regex_search(form.body, m, std::regex(R"re(name="csrf" value="([0-9a-f]+)")re"));
  std::string loginCookie =
      form.headers["Set-Cookie"].substr(0, form.headers["Set-Cookie"].find(';'));
  auto in = call(api, "POST", "/ui/login", loginCookie, "token=" + token + "&csrf=" + m[1].str());
  std::string cookie = in.headers["Set-Cookie"].substr(0, in.headers["Set-Cookie"].find(';'));
  if (in.status != 303 || cookie.size() < 20) {
    std::fprintf(stderr, "login failed: %d\n", in.status);
    return 1;
  }

  std::printf("colo console benchmark: %d racks x %dU, %d requests reserved, %d runs per page\n",
              colo::bench::kRacks, colo::bench::kHeight, colo::bench::kPreReserved, n);
  std::printf("  %-36s %9s %9s %9s %9s\n", "page", "first ms", "median ms", "p99 ms", "KiB");
  struct Page {
    const char* name;
    std::string target;
    std::string bearer;
  };
  const std::vector<Page> pages = {
      {"/ui/ (overview, 500 racks)", "/ui/", ""},
      {"/ui/racks/R250 (rack page)", "/ui/racks/R250", ""},
      {"/v1/racks/R250/elevation.svg", "/v1/racks/R250/elevation.svg", token},
      {"/ui/requests (20,000, first 100)", "/ui/requests", ""},
      {"/ui/requests/PRE-250 (one request)", "/ui/requests/PRE-250", ""},
      {"/ui/pools?pool=big-v4 (100,000 held)", "/ui/pools?pool=big-v4", ""},
  };
  for (const auto& p : pages) {
    std::vector<double> times;
    double first = 0;
    std::size_t bytes = 0;
    for (int i = 0; i <= n; ++i) {
      auto t0 = Clock::now();
      auto r = call(api, "GET", p.target, p.bearer.empty() ? cookie : "", "", p.bearer);
      double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      if (r.status != 200) {
        std::fprintf(stderr, "%s: %d\n", p.target.c_str(), r.status);
        return 1;
      }
      bytes = r.body.size();
      if (i == 0)
        first = ms;  // the first after the ledger changed builds the occupancy
      else
        times.push_back(ms);
    }
    std::printf("  %-36s %9.2f %9.2f %9.2f %9.1f\n", p.name, first, percentile(times, 0.5),
                percentile(times, 0.99), static_cast<double>(bytes) / 1024.0);
  }
  // Where the overview's time goes: reading the requests (for the counts),
  // and rendering the page from the cached occupancy.
  {
    std::vector<double> read, render;
    inv::Occupancy occ(inventory, ledger.claims().all(), ledger.claims().generation());
    agent::ui::Viewer viewer{"bench", colo::agent::Role::admin,   "x", true, true,
                             true,    "Asia/Pontianak, UTC+07:00"};
    for (int i = 0; i < n; ++i) {
      auto t0 = Clock::now();
      std::size_t rows = 0;
      ledger.requests().scan({}, [&](inv::RequestRecord&) { return ++rows > 0; });
      auto t1 = Clock::now();
      auto html = agent::ui::overviewPage(viewer, occ, {});
      auto t2 = Clock::now();
      read.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      render.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
    }
    std::printf(
        "  overview: reading 20,000 request rows %.2f ms, rendering 500 racks %.2f ms (medians)\n",
        percentile(read, 0.5), percentile(render, 0.5));
  }
  std::filesystem::remove_all(dir);
  return 0;
}
