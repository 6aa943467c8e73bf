// What history costs (design.md §5): on a data center ten times the other
// benchmarks' (5,000 racks of bench_site.h), the same SQLite ledger with
// 20,000 and with 200,000 reservations held:
//   - a reserve (`colo reserve`'s path, one reserver, fresh copies of each
//     ledger every round): p50, p99, reserves a second, and the ratios
//     200,000 / 20,000 within each round (median and range);
//   - the real agent (`colo agent`, one worker) started on each: the time
//     until it listens (inventory read, ledger opened, occupancy built from
//     every claim), the time until its first rack view is answered, and its
//     memory then (VmRSS) and at its peak (VmHWM).
//
//   build/bench/history_bench [REQUESTS] [--rounds R]   (default 300 reserves, 3 rounds)
//   build/bench/history_bench --write DIR   (DIR/inventory.yaml, few.db, many.db; for profiling)
//   build/bench/history_bench --parts DIR   (the start's parts and the agent's, on those)
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <malloc.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "colo/inventory/loader.h"
#include "reserve_run.h"

namespace inv = colo::inventory;
using namespace colo::bench;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kBigRacks = 5000;
constexpr int kFew = 20000, kMany = 200000;

double msSince(Clock::time_point a) {
  return std::chrono::duration<double, std::milli>(Clock::now() - a).count();
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// kB of a /proc/PID/status line ("VmRSS:   123 kB").
long statusKb(pid_t pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(key + ":", 0) == 0) return std::atol(line.c_str() + key.size() + 1);
  return -1;
}

struct AgentStart {
  double listeningMs = -1, firstViewMs = -1;
  long rssKb = -1, peakKb = -1;
};

// Starts `colo agent` on `state` and measures it; stops it (SIGTERM).
AgentStart startAgent(const std::string& dir, const std::string& state, const std::string& name) {
  auto tokenJson = shell(std::string(COLO_BINARY) + " --json token");
  std::smatch m;
  std::string token, hash;
  if (std::regex_search(tokenJson, m, std::regex("\"token\": \"([^\"]+)\""))) token = m[1];
  if (std::regex_search(tokenJson, m, std::regex("\"sha256\": \"([^\"]+)\""))) hash = m[1];
  auto cfg = dir + "/" + name + ".yaml", log = dir + "/" + name + ".log";
  std::ofstream(cfg) << "inventory: " << dir << "/inventory.yaml\nstate: " << state
                     << "\nplaybooks: " << COLO_SOURCE_DIR << "/playbooks\nknown_hosts: " << dir
                     << "/known_hosts\naccept_new_host_keys: true\ncredentials:\n  lab: {username: "
                        "colo, password_env: "
                        "COLO_BENCH_UNUSED}\nlisten: 127.0.0.1:0\nworkers: 1\ndrift: "
                        "{interval_s: 0}\ntokens:\n  - {name: bench, role: admin, sha256: \""
                     << hash << "\"}\n";
  // Never contacted, but an agent that could not work a switch logs it (5,000
  // lines at each start without the password and accept_new_host_keys).
  setenv("COLO_BENCH_UNUSED", "unused", 1);
  AgentStart out;
  // Emptied here, not only in the child: the loop below must not read the
  // previous start's "listening" before the child truncates the file.
  std::ofstream(log, std::ios::trunc).close();
  auto t0 = Clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 1);
    dup2(fd, 2);
    execl(COLO_BINARY, COLO_BINARY, "--config", cfg.c_str(), "agent", nullptr);
    _exit(127);
  }
  std::string port;
  while (msSince(t0) < 60000) {  // polled: a benchmark, not a test
    auto text = slurp(log);
    if (std::regex_search(text, m, std::regex("\"listening\".*\"127\\.0\\.0\\.1:([0-9]+)\"")) ||
        std::regex_search(text, m, std::regex("\"127\\.0\\.0\\.1:([0-9]+)\".*\"listening\""))) {
      out.listeningMs = msSince(t0);
      port = m[1];
      break;
    }
    if (waitpid(pid, nullptr, WNOHANG) == pid) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (!port.empty()) {
    auto code = shell("curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer " + token +
                      "' http://127.0.0.1:" + port + "/v1/racks");
    if (code == "200") out.firstViewMs = msSince(t0);
    out.rssKb = statusKb(pid, "VmRSS");
    out.peakKb = statusKb(pid, "VmHWM");
  } else {
    std::fprintf(stderr, "the agent did not start; its log:\n%s\n", slurp(log).c_str());
  }
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  return out;
}

// The start's parts in this process: the inventory read, the occupancy
// built from every claim, and the heap each leaves (mallinfo2).
void startParts(const std::string& dir, const std::string& state, int held) {
  auto heapMb = [] { return static_cast<double>(mallinfo2().uordblks) / 1e6; };
  double before = heapMb();
  auto t0 = Clock::now();
  auto loaded = inv::loadInventory(dir + "/inventory.yaml");
  double loadMs = msSince(t0), afterLoad = heapMb();
  // The ledger's file read once first: the figure is the CPU's, not the
  // disk's (the agent's starts below run on a copy just written).
  {
    std::ifstream warm(state, std::ios::binary);
    std::vector<char> chunk(1 << 20);
    while (warm.read(chunk.data(), static_cast<std::streamsize>(chunk.size()))) {
    }
  }
  inv::Ledger ledger(state);
  inv::OccupancyCache cache(loaded.inventory);
  t0 = Clock::now();
  ledger.read([&] { cache.use(ledger, [](const inv::Occupancy&) {}); });
  double occMs = msSince(t0), afterOcc = heapMb();
  std::printf("%-8d %14.0f %14.0f %14.0f %14.0f\n", held, loadMs, afterLoad - before, occMs,
              afterOcc - afterLoad);
}

// The real agent, started twice on a copy of each ledger: the first start
// on a ledger checks every ended request's callback once (design.md §10),
// a later one reads no history. Memory is the later start's.
void agentStarts(const std::string& dir, const std::string& few, const std::string& many) {
  std::printf("\nthe agent started on each ledger (one worker, drift watch off):\n");
  std::printf("%-8s %18s %22s %10s %10s %10s\n", "held", "first start: ms",
              "later (median of 3): ms", "view ms", "RSS MB", "peak MB");
  for (int k = 0; k < 2; ++k) {
    auto copy = dir + "/agent" + std::to_string(k) + ".db";
    std::filesystem::copy_file(k == 0 ? few : many, copy);
    auto first = startAgent(dir, copy, "agent" + std::to_string(k));
    // Later starts, three: the median (a single start moves by a tenth here).
    std::vector<AgentStart> later;
    for (int i = 0; i < 3; ++i) later.push_back(startAgent(dir, copy, "agent" + std::to_string(k)));
    std::sort(later.begin(), later.end(), [](const AgentStart& a, const AgentStart& b) {
      return a.listeningMs < b.listeningMs;
    });
    const auto& mid = later[1];
    std::printf("%-8d %18.0f %8.0f (%.0f-%.0f) %10.0f %10.0f %10.0f\n", k == 0 ? kFew : kMany,
                first.listeningMs, mid.listeningMs, later.front().listeningMs,
                later.back().listeningMs, mid.firstViewMs, static_cast<double>(mid.rssKb) / 1024,
                static_cast<double>(mid.peakKb) / 1024);
    for (const char* suffix : {"", "-wal", "-shm", "-turns"})
      std::filesystem::remove(copy + suffix);
  }
}

std::string range(std::vector<double> v) {
  auto med = percentile(v, 0.5);
  char b[64];
  std::snprintf(b, sizeof b, "%.2fx (%.2f-%.2f)", med, *std::min_element(v.begin(), v.end()),
                *std::max_element(v.begin(), v.end()));
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  int n = 300, rounds = 3;
  std::string keep, parts;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--write" && i + 1 < argc) {
      keep = argv[++i];
    } else if (a == "--parts" && i + 1 < argc) {
      parts = argv[++i];
    } else if (!runArg(i, argc, argv, n, rounds)) {
      std::fprintf(stderr,
                   "usage: history_bench [REQUESTS] [--rounds R] | --write DIR | --parts DIR\n");
      return 2;
    }
  }
  if (!parts.empty()) {
    std::printf("%-8s %14s %14s %14s %14s\n", "held", "inventory ms", "inventory MB",
                "occupancy ms", "occupancy MB");
    startParts(parts, parts + "/few.db", kFew);
    startParts(parts, parts + "/many.db", kMany);
    agentStarts(parts, parts + "/few.db", parts + "/many.db");
    return 0;
  }
  std::string tmpl = (std::filesystem::temp_directory_path() / "colo-history-XXXXXX").string();
  std::string dir = keep.empty() ? mkdtemp(tmpl.data()) : keep;
  std::filesystem::create_directories(dir);
  struct Remove {
    std::string dir;
    ~Remove() {
      if (!dir.empty()) std::filesystem::remove_all(dir);
    }
  } remove{keep.empty() ? dir : ""};
  writeInventory(dir + "/inventory.yaml", kBigRacks);
  auto loaded = inv::loadInventory(dir + "/inventory.yaml");
  if (!loaded.ok()) return 1;
  const auto& inventory = loaded.inventory;

  std::printf("history: %d racks, SQLite; %d reserves a run, %d rounds\n", kBigRacks, n, rounds);
  auto few = dir + "/few.db", many = dir + "/many.db";
  auto t0 = Clock::now();
  {
    inv::Ledger ledger(few, inv::Ledger::Open::create);
    fillLedger(ledger, inventory, 0, kFew, kBigRacks);
  }
  std::filesystem::copy_file(few, many);
  {
    inv::Ledger ledger(many);
    fillLedger(ledger, inventory, kFew, kMany, kBigRacks);
  }
  std::printf("(setup: %d and %d reservations written in %.0f s)\n\n", kFew, kMany,
              msSince(t0) / 1000);
  if (!keep.empty()) return 0;

  std::printf("%-6s %-8s %10s %10s %12s %10s\n", "round", "held", "p50 ms", "p99 ms", "reserves/s",
              "start ms");
  std::vector<double> p99s, rates, starts;
  for (int round = 1; round <= rounds; ++round) {
    double p99[2], rate[2], start[2];
    for (int k = 0; k < 2; ++k) {
      auto copy = dir + "/run.db";
      std::filesystem::copy_file(k == 0 ? few : many, copy);
      auto run = reserveRun(copy, inventory, n, 1, "h" + std::to_string(round) + std::to_string(k));
      p99[k] = percentile(run.ms, 0.99);
      rate[k] = static_cast<double>(run.ms.size()) / run.seconds;
      start[k] = run.startMs;
      std::printf("%-6d %-8d %10.2f %10.2f %12.0f %10.0f\n", round, k == 0 ? kFew : kMany,
                  percentile(run.ms, 0.5), p99[k], rate[k], run.startMs);
      std::fflush(stdout);
      for (const char* suffix : {"", "-wal", "-shm", "-turns"})
        std::filesystem::remove(copy + suffix);
    }
    p99s.push_back(p99[1] / p99[0]);
    rates.push_back(rate[1] / rate[0]);
    starts.push_back(start[1] / start[0]);
  }
  std::printf("\nthe start's parts, in this process:\n");
  std::printf("%-8s %14s %14s %14s %14s\n", "held", "inventory ms", "inventory MB", "occupancy ms",
              "occupancy MB");
  startParts(dir, few, kFew);
  startParts(dir, many, kMany);
  agentStarts(dir, few, many);
  std::printf("\nratios, 200,000 held / 20,000, each within a round (median, and the range):\n");
  std::printf("reserve p99: %s\nreserves/s: %s\nstart (occupancy from every claim): %s\n",
              range(p99s).c_str(), range(rates).c_str(), range(starts).c_str());
  return 0;
}
