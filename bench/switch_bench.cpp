// Benchmark of switch work over SSH against the simulator (issue: switch work).
//
// 1. 48 ports on one simulated Cisco switch. The floor is one OpenSSH client
//    session that pipes the same command lines without waiting between them;
//    colo sends the same lines through its Device (typed ahead, each answer
//    matched to its line and checked). Also shown: colo's whole workflow for the 48
//    ports (capture, apply, verify, save).
// 2. One port on each of 50 simulated switches at once, against one port on
//    one switch: the same engine as `colo provision`, one session per switch.
//
// 3. Against its floor, at 0, 20 and 100 ms per command line: colo's whole
//    workflow for N = 1, 8, 24, 48 ports on one IOS switch, against one
//    OpenSSH session piping the same configuration lines (no capture, no
//    read-back, no waiting), with colo's round trips per job (the times it
//    waited for an answer).
//
// Usage: switch_bench [--runs N] [--floor-runs N] [--delays 0,20,100]
//        (defaults 7, 3 and 0,20,100; medians are reported)
// Everything it connects to is on 127.0.0.1. Prints figures; asserts nothing.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <sstream>

#include "../tests/support/process.h"
#include "../tests/support/switchsim.h"
#include "colo/drivers/device.h"
#include "colo/drivers/ssh.h"
#include "colo/drivers/template.h"
#include "jobs/ownership.h"
#include "jobs/provision.h"

using Clock = std::chrono::steady_clock;
using colo::test::simSwitch;
using colo::test::Switches;
using colo::test::SwitchSim;
using colo::test::TempDir;
using nlohmann::json;
namespace agent = colo::agent;
namespace drivers = colo::drivers;

namespace {

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// CPU time (user + system) used so far by this process and by process `pid`.
double selfCpuMs() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto tv = [](timeval t) { return static_cast<double>(t.tv_sec) * 1000.0 + static_cast<double>(t.tv_usec) / 1000.0; };
  return tv(u.ru_utime) + tv(u.ru_stime);
}
double procCpuMs(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::string f;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> f; ++i)
    if (i == 14 || i == 15) ticks += std::stod(f);  // utime, stime
  return ticks * 1000.0 / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

template <typename F>
double medianMs(int runs, F&& f) {
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    auto a = Clock::now();
    f();
    t.push_back(ms(Clock::now() - a));
  }
  return median(t);
}

// Counts the round trips of every session it opens (Device::roundTrips).
class CountingOpener final : public agent::SwitchOpener {
 public:
  explicit CountingOpener(agent::SwitchOpener& inner) : inner_(inner) {}
  void preflight(const colo::inventory::Switch& sw) override { inner_.preflight(sw); }
  agent::SwitchHolds lock(std::vector<std::string> names, std::function<bool()> interrupt) override {
    return inner_.lock(std::move(names), std::move(interrupt));
  }
  std::unique_ptr<agent::SwitchSession> open(const colo::inventory::Switch& sw,
                                             std::function<bool()> interrupt) override {
    return std::make_unique<Session>(inner_.open(sw, std::move(interrupt)), trips);
  }
  std::atomic<std::size_t> trips{0};

 private:
  struct Session final : agent::SwitchSession {
    Session(std::unique_ptr<agent::SwitchSession> s, std::atomic<std::size_t>& n) : inner(std::move(s)), count(n) {}
    ~Session() override { count += inner->device().roundTrips(); }
    drivers::Device& device() override { return inner->device(); }
    std::unique_ptr<agent::SwitchSession> inner;
    std::atomic<std::size_t>& count;
  };
  agent::SwitchOpener& inner_;
};

struct NoSteps final : agent::StepSink {
  void step(const std::string&, const std::string&, const std::string&) override {}
};

// When each kind of step was last reached, relative to start.
struct PhaseTimes final : agent::StepSink {
  Clock::time_point start = Clock::now();
  std::mutex m;
  std::map<std::string, double> last;
  void step(const std::string&, const std::string& kind, const std::string&) override {
    std::lock_guard lock(m);
    last[kind] = ms(Clock::now() - start);
  }
};

}  // namespace

int main(int argc, char** argv) {
  int runs = 7, floorRuns = 3;
  std::vector<int> delays = {0, 20, 100};
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--runs") runs = std::stoi(argv[i + 1]);
    if (a == "--floor-runs") floorRuns = std::stoi(argv[i + 1]);
    if (a == "--delays") {
      delays.clear();
      std::istringstream in(argv[i + 1]);
      for (std::string d; std::getline(in, d, ',');) delays.push_back(std::stoi(d));
    }
  }

  TempDir dir;
  if (std::system(("ssh-keygen -q -t ed25519 -N '' -f " + dir.file("id") + " >/dev/null").c_str()) != 0) {
    std::fprintf(stderr, "ssh-keygen failed\n");
    return 1;
  }
  std::string pub = colo::test::Child::slurp(dir.file("id.pub"));
  Switches switches = {simSwitch("big", "cisco_ios", "GigabitEthernet1/0/1-48", {{"authorized_key", pub}})};
  for (int i = 0; i < 50; ++i) {
    static const char* vendors[] = {"cisco_ios", "arista_eos", "juniper_junos"};
    static const char* ranges[] = {"GigabitEthernet1/0/1-4", "Ethernet1-4", "ge-0/0/0-3"};
    char name[8];
    std::snprintf(name, sizeof name, "s%02d", i);
    switches.push_back(simSwitch(name, vendors[i % 3], ranges[i % 3]));
  }
  SwitchSim sim(switches);
  setenv("COLO_BENCH_PASSWORD", "s3cret-pw", 1);

  // The inventory, config and playbooks the engine needs.
  colo::inventory::Inventory inv;
  for (const auto& s : switches) {
    colo::inventory::Switch sw;
    sw.name = s["name"];
    sw.vendor = s["vendor"];
    sw.address = "127.0.0.1";
    sw.port = sim.port(sw.name);
    sw.credentials = "lab";
    inv.switches.push_back(sw);
  }
  inv.index();
  agent::Config cfg;
  cfg.known_hosts = sim.knownHosts();
  cfg.credentials["lab"] = {"colo", "COLO_BENCH_PASSWORD", "", "", "", ""};
  auto pb = agent::loadPlaybooks(COLO_SOURCE_DIR "/playbooks", drivers::knownVendors());
  if (!pb.errors.empty()) {
    std::fprintf(stderr, "playbooks: %s\n", pb.errors[0].str().c_str());
    return 1;
  }
  auto opener = agent::sshOpener(cfg, agent::fileOwnership(dir.file("locks"), "bench"));
  NoSteps steps;

  auto change = [&](const std::string& sw, const std::string& port, int n) {
    agent::PortChange c;
    c.switch_name = sw;
    c.port = port;
    c.values = {{"port", port}, {"vlan", "120"}, {"description", "colo BENCH host" + std::to_string(n) + " REQ-B"},
                {"tenant", "BENCH"}, {"hostname", "host" + std::to_string(n)}, {"request_id", "REQ-B"}, {"nic", "0"}};
    return c;
  };
  std::vector<agent::PortChange> big;
  for (int p = 1; p <= 48; ++p) big.push_back(change("big", "GigabitEthernet1/0/" + std::to_string(p), p));
  auto bodies = agent::commandsBySwitch(inv, pb.playbooks, big, agent::PortAction::configure);
  const auto& lines = bodies["big"];  // configure terminal ... end, write memory

  // Floor: OpenSSH pipes the same lines into one session without waiting.
  {
    std::ofstream f(dir.file("commands.txt"));
    f << "terminal length 0\n";
    for (const auto& l : lines) f << l << "\n";
    f << "exit\n";
  }
  std::string sshCmd = "ssh -tt -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=" +
                       sim.knownHosts() + " -i " + dir.file("id") + " -p " + std::to_string(sim.port("big")) +
                       " colo@127.0.0.1 < " + dir.file("commands.txt") + " > /dev/null 2>&1";
  double floor = medianMs(runs, [&] {
    if (std::system(sshCmd.c_str()) != 0) std::fprintf(stderr, "warning: ssh floor run failed\n");
  });

  drivers::SshOptions o;
  o.host = "127.0.0.1";
  o.port = sim.port("big");
  o.username = "colo";
  o.key_file = dir.file("id");
  o.known_hosts = sim.knownHosts();
  std::vector<std::string> body(lines.begin() + 1, lines.end() - 2);  // without configure/end/write
  double same = medianMs(runs, [&] {
    drivers::Device d("big", drivers::openSsh(o), *drivers::dialectFor("cisco_ios"), std::chrono::seconds(10));
    d.open();
    d.configure(body);
    d.save();
  });
  double workflow = medianMs(runs, [&] {
    agent::applyPortChanges(inv, pb.playbooks, *opener, steps, big, agent::PortAction::configure);
  });

  std::printf("colo switch benchmark (simulated switches on 127.0.0.1, medians of %d runs)\n\n", runs);
  std::printf("48 ports on one switch (%zu command lines, incl. configure/end/write memory):\n", lines.size());
  std::printf("  floor: OpenSSH client, lines piped without waiting  %8.1f ms\n", floor);
  std::printf("  colo Device, same lines, typed ahead, each checked  %8.1f ms   ratio %.2fx (target <= 1.5x)\n",
              same, same / floor);
  std::printf("  colo workflow: capture + apply + verify + save      %8.1f ms   (%.2fx the floor; 3 more readings)\n",
              workflow, workflow / floor);

  std::printf("\none port per switch, whole workflow (connect, capture, apply, verify, save):\n");
  // One port on s00 alone, then one port on each of s00..s49 at once.
  auto fanout = [&](const SwitchSim& where, colo::inventory::Inventory& in, const char* label) {
    std::vector<agent::PortChange> one, fifty;
    for (int i = 0; i < 50; ++i) {
      const auto& sw = in.switches[static_cast<std::size_t>(i + 1)];
      std::string port = sw.vendor == "cisco_ios" ? "GigabitEthernet1/0/1" : sw.vendor == "arista_eos" ? "Ethernet1" : "ge-0/0/0";
      fifty.push_back(change(sw.name, port, i));
    }
    one.push_back(fifty.front());
    double t1 = medianMs(runs, [&] {
      agent::applyPortChanges(in, pb.playbooks, *opener, steps, one, agent::PortAction::configure);
    });
    double cpuColo0 = selfCpuMs(), cpuSim0 = procCpuMs(where.pid());
    double t50 = medianMs(runs, [&] {
      agent::applyPortChanges(in, pb.playbooks, *opener, steps, fifty, agent::PortAction::configure);
    });
    double cpuColo = (selfCpuMs() - cpuColo0) / runs, cpuSim = (procCpuMs(where.pid()) - cpuSim0) / runs;
    double cores = static_cast<double>(sysconf(_SC_NPROCESSORS_ONLN));
    std::printf("  %s\n", label);
    std::printf("    1 switch                                          %8.1f ms\n", t1);
    std::printf("    50 switches at once (17 IOS, 17 EOS, 16 Junos)    %8.1f ms   ratio %.2fx (target <= 3x)\n",
                t50, t50 / t1);
    std::printf("    CPU per 50-switch run: colo %.0f ms + simulated switches %.0f ms = %.0f ms;\n"
                "    on %.0f cores the CPU floor is %.0f ms, and the wall time is %.2fx that floor\n",
                cpuColo, cpuSim, cpuColo + cpuSim, cores, (cpuColo + cpuSim) / cores,
                t50 / ((cpuColo + cpuSim) / cores));
  };
  fanout(sim, inv, "simulated switches answering at once (CPU-bound here: all 50 share this machine's cores)");

  // The same with switches that take 20 ms per command, as real ones do.
  Switches slowSwitches;
  for (const auto& sj : switches) {
    auto j = sj;
    j["faults"] = {{"slow_ms", 20}};
    slowSwitches.push_back(j);
  }
  SwitchSim slowSim(slowSwitches);
  cfg.known_hosts = slowSim.knownHosts();
  auto slowInv = inv;
  for (auto& sw : slowInv.switches) sw.port = slowSim.port(sw.name);
  slowInv.index();
  opener = agent::sshOpener(cfg, agent::fileOwnership(dir.file("locks"), "bench"));
  fanout(slowSim, slowInv, "simulated switches taking 20 ms per command (latency-bound, like real switches)");

  // 3. The whole workflow against its floor, per command delay and port count.
  std::printf("\ncolo's workflow (capture, read again, apply, verify, save) against the floor, one IOS switch:\n");
  std::printf("  floor: one OpenSSH session piping terminal length 0, configure terminal, the port lines, end,\n"
              "  write memory (no capture, no read-back, no waiting); medians of %d runs\n\n", floorRuns);
  std::printf("  %-9s %-6s %-6s %10s %10s %7s %12s\n", "delay", "ports", "lines", "floor ms", "colo ms", "ratio",
              "round trips");
  for (int delay : delays) {
    auto sw = simSwitch("big", "cisco_ios", "GigabitEthernet1/0/1-48", {{"authorized_key", pub}});
    if (delay > 0) sw["faults"] = {{"slow_ms", delay}};
    SwitchSim one(Switches{sw});
    colo::inventory::Inventory oneInv;
    colo::inventory::Switch s;
    s.name = "big";
    s.vendor = "cisco_ios";
    s.address = "127.0.0.1";
    s.port = one.port("big");
    s.credentials = "lab";
    oneInv.switches.push_back(s);
    oneInv.index();
    agent::Config oneCfg = cfg;
    oneCfg.known_hosts = one.knownHosts();
    auto inner = agent::sshOpener(oneCfg, agent::fileOwnership(dir.file("locks"), "bench"));
    CountingOpener counting(*inner);
    for (int n : {1, 8, 24, 48}) {
      std::vector<agent::PortChange> ports(big.begin(), big.begin() + n);
      auto floorLines = agent::commandsBySwitch(oneInv, pb.playbooks, ports, agent::PortAction::configure)["big"];
      {
        std::ofstream f(dir.file("floor.txt"));
        f << "terminal length 0\n";
        for (const auto& l : floorLines) f << l << "\n";
        f << "exit\n";
      }
      std::string floorCmd = "ssh -tt -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=" +
                             one.knownHosts() + " -i " + dir.file("id") + " -p " + std::to_string(one.port("big")) +
                             " colo@127.0.0.1 < " + dir.file("floor.txt") + " > /dev/null 2>&1";
      double fl = medianMs(floorRuns, [&] {
        if (std::system(floorCmd.c_str()) != 0) std::fprintf(stderr, "warning: ssh floor run failed\n");
      });
      counting.trips = 0;
      double co = medianMs(floorRuns, [&] {
        agent::applyPortChanges(oneInv, pb.playbooks, counting, steps, ports, agent::PortAction::configure);
      });
      char label[16];
      std::snprintf(label, sizeof label, "%d ms", delay);
      std::printf("  %-9s %-6d %-6zu %10.1f %10.1f %6.2fx %12zu\n", label, n, floorLines.size(), fl, co, co / fl,
                  counting.trips.load() / static_cast<std::size_t>(floorRuns));
      std::fflush(stdout);
    }
  }
  return 0;
}
