// Benchmark of switch work over SSH against the simulator (issue: switch work).
//
// 1. 48 ports on one simulated Cisco switch. The floor is one OpenSSH client
//    session that pipes the same command lines without waiting between them;
//    colo sends the same lines through its Device, waiting for each prompt
//    and checking each answer. Also shown: colo's whole workflow for the 48
//    ports (capture, apply, verify, save).
// 2. One port on each of 50 simulated switches at once, against one port on
//    one switch: the same engine as `colo provision`, one session per switch.
//
// Usage: switch_bench [--runs N]   (default 7; medians are reported)
// Everything it connects to is on 127.0.0.1. Prints figures; asserts nothing.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>

#include "../tests/support/process.h"
#include "../tests/support/switchsim.h"
#include "colo/drivers/device.h"
#include "colo/drivers/ssh.h"
#include "colo/drivers/template.h"
#include "provision.h"

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
  int runs = 7;
  for (int i = 1; i + 1 < argc; i += 2)
    if (std::string(argv[i]) == "--runs") runs = std::stoi(argv[i + 1]);

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
  auto opener = agent::sshOpener(cfg, dir.file("locks"));
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
  std::printf("  colo Device, same lines, prompt-by-prompt, checked  %8.1f ms   ratio %.2fx (target <= 1.5x)\n",
              same, same / floor);
  std::printf("  colo workflow: capture + apply + verify + save      %8.1f ms   (%.2fx the floor; 96 more reads)\n",
              workflow, workflow / floor);

  std::vector<agent::PortChange> one = {change("s00", "GigabitEthernet1/0/1", 0)};
  std::vector<agent::PortChange> fifty;
  for (int i = 0; i < 50; ++i) {
    const auto& sw = inv.switches[static_cast<std::size_t>(i + 1)];
    std::string port = sw.vendor == "cisco_ios" ? "GigabitEthernet1/0/1" : sw.vendor == "arista_eos" ? "Ethernet1" : "ge-0/0/0";
    fifty.push_back(change(sw.name, port, i));
  }
  double t1 = medianMs(runs, [&] {
    agent::applyPortChanges(inv, pb.playbooks, *opener, steps, one, agent::PortAction::configure);
  });
  double t50 = medianMs(runs, [&] {
    agent::applyPortChanges(inv, pb.playbooks, *opener, steps, fifty, agent::PortAction::configure);
  });
  if (std::getenv("COLO_BENCH_PHASES")) {
    PhaseTimes pt;
    agent::applyPortChanges(inv, pb.playbooks, *opener, pt, fifty, agent::PortAction::configure);
    for (const auto& [k, v] : pt.last) std::printf("  phase %-8s last at %7.1f ms\n", k.c_str(), v);
    std::printf("  total %7.1f ms\n", ms(Clock::now() - pt.start));
  }
  std::printf("\none port per switch, whole workflow (connect, capture, apply, verify, save):\n");
  std::printf("  1 switch                                            %8.1f ms\n", t1);
  std::printf("  50 switches at once (17 IOS, 17 EOS, 16 Junos)      %8.1f ms   ratio %.2fx (target <= 3x)\n",
              t50, t50 / t1);
  return 0;
}
