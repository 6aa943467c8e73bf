// The SSH transport and the five dialects against the switch simulator,
// over real SSH on 127.0.0.1.
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <memory>

#include "../support/process.h"
#include "../support/switchsim.h"
#include "colo/drivers/device.h"
#include "colo/drivers/error.h"
#include "colo/drivers/ssh.h"

using namespace colo::drivers;
using colo::test::simSwitch;
using colo::test::SwitchSim;
using colo::test::TempDir;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

SshOptions options(const SwitchSim& sim, const std::string& name) {
  SshOptions o;
  o.host = "127.0.0.1";
  o.port = sim.port(name);
  o.username = "colo";
  o.password = "s3cret-pw";
  o.known_hosts = sim.knownHosts();
  o.connect_timeout = 5000ms;
  return o;
}

Device open(const SwitchSim& sim, const std::string& name, const std::string& vendor,
            std::chrono::milliseconds timeout = 5000ms, const std::string& enable = "") {
  Device d(name, openSsh(options(sim, name)), *dialectFor(vendor), timeout, enable);
  d.open();
  return d;
}

DriverError errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const DriverError& e) {
    return e;
  }
  FAIL("no DriverError");
  return DriverError(DriverErrorKind::protocol, "");
}

struct Vendor {
  std::string vendor, ports, port;
  std::vector<std::string> configure;
  // Someone else's configuration of the port, left shut down, with a line
  // colo does not model (empty: the IOS form).
  std::vector<std::string> old = {};
};

const std::vector<Vendor> kVendors = {
    {"cisco_ios",
     "GigabitEthernet1/0/1-4",
     "GigabitEthernet1/0/2",
     {"interface GigabitEthernet1/0/2", "description colo BAPPEDA web01 REQ-1",
      "switchport mode access", "switchport access vlan 120", "no shutdown", "exit"}},
    {"arista_eos",
     "Ethernet1-4",
     "Ethernet2",
     {"interface Ethernet2", "description colo BAPPEDA web01 REQ-1", "switchport mode access",
      "switchport access vlan 120", "no shutdown", "exit"}},
    {"juniper_junos",
     "ge-0/0/0-3",
     "ge-0/0/2",
     {"delete interfaces ge-0/0/2",
      "set interfaces ge-0/0/2 description \"colo BAPPEDA web01 REQ-1\"",
      "set interfaces ge-0/0/2 unit 0 family ethernet-switching interface-mode access",
      "set interfaces ge-0/0/2 unit 0 family ethernet-switching vlan members 120"}},
    {"huawei_vrp",
     "GigabitEthernet0/0/1-4",
     "GigabitEthernet0/0/2",
     {"interface GigabitEthernet0/0/2", "description colo BAPPEDA web01 REQ-1",
      "port link-type access", "port default vlan 120", "undo shutdown", "quit"},
     {"interface GigabitEthernet0/0/2", "description old uplink", "port link-type access",
      "port default vlan 99", "stp edged-port enable", "shutdown", "quit"}},
    {"hp_comware",
     "Ten-GigabitEthernet1/0/49-52",
     "Ten-GigabitEthernet1/0/50",
     {"interface Ten-GigabitEthernet1/0/50", "description colo BAPPEDA web01 REQ-1",
      "port link-type access", "port access vlan 120", "undo shutdown", "quit"},
     {"interface Ten-GigabitEthernet1/0/50", "description old uplink", "port access vlan 99",
      "speed 100", "shutdown", "quit"}},
};

bool vrpLike(const std::string& vendor) {
  return vendor == "huawei_vrp" || vendor == "hp_comware";
}

}  // namespace

TEST_CASE("each dialect configures, reads back and saves a port over SSH") {
  for (const auto& v : kVendors) {
    INFO(v.vendor);
    json extra = v.vendor == "cisco_ios" ? json{{"enable_password", "en-pw"}} : json::object();
    SwitchSim sim(colo::test::Switches{simSwitch("sw", v.vendor, v.ports, extra)});
    auto d = open(sim, "sw", v.vendor, 5000ms, "en-pw");
    auto before = d.readPort(v.port);
    CHECK(before.description.empty());
    CHECK(before.vlan == 0);
    d.configure(v.configure);
    auto after = d.readPort(v.port);
    CHECK(after.description == "colo BAPPEDA web01 REQ-1");
    CHECK(after.mode == "access");
    CHECK(after.vlan == 120);
    CHECK(after.enabled);
    d.save();
    auto state = sim.state("sw");
    CHECK(state["running"][v.port]["vlan"] == 120);
    CHECK(state["saved"][v.port]["vlan"] == 120);
    CHECK(state["saved"][v.port]["description"] == "colo BAPPEDA web01 REQ-1");
    // The enable password is typed, never recorded.
    for (const auto& c : d.transcript()) CHECK(c.find("en-pw") == std::string::npos);
  }
}

TEST_CASE("a captured port is restored exactly, including what colo does not model") {
  for (const auto& v : kVendors) {
    INFO(v.vendor);
    SwitchSim sim(colo::test::Switches{simSwitch("sw", v.vendor, v.ports)});
    auto d = open(sim, "sw", v.vendor);
    // Someone left the port configured and shut down.
    std::vector<std::string> old =
        !v.old.empty() ? v.old
        : v.vendor == "juniper_junos"
            ? std::vector<std::string>{"set interfaces " + v.port + " description \"old uplink\"",
                                       "set interfaces " + v.port + " disable",
                                       "set interfaces " + v.port +
                                           " unit 0 family ethernet-switching vlan members 99"}
            : std::vector<std::string>{"interface " + v.port, "description old uplink",
                                       "switchport access vlan 99", "shutdown", "exit"};
    d.configure(old);
    auto captured = d.readPort(v.port);
    CHECK(captured.description == "old uplink");
    CHECK_FALSE(captured.enabled);
    d.configure(v.configure);
    CHECK(d.readPort(v.port).vlan == 120);
    d.configure(d.dialect().restorePort(v.port, captured));
    auto restored = d.readPort(v.port);
    CHECK(restored.lines == captured.lines);
    CHECK(restored.vlan == 99);
    CHECK_FALSE(restored.enabled);
  }
}

TEST_CASE("a refused command names switch and command and keeps the device's words") {
  for (const auto& v : kVendors) {
    INFO(v.vendor);
    SwitchSim sim(colo::test::Switches{
        simSwitch("sw", v.vendor, v.ports, {{"faults", {{"reject", {{"match", "vlan"}}}}}})});
    auto d = open(sim, "sw", v.vendor);
    auto e = errorOf([&] { d.configure(v.configure); });
    CHECK(e.kind() == DriverErrorKind::rejected);
    CHECK(std::string(e.what()).rfind("switch sw refused '", 0) == 0);
    CHECK(std::string(e.what()).find("vlan") != std::string::npos);
    CHECK_FALSE(e.deviceOutput().empty());
    // The session left configuration mode and still works.
    CHECK(d.readPort(v.port).vlan == 0);
    if (v.vendor == "juniper_junos") {
      auto state = sim.state("sw");
      CHECK(state["candidate"] == state["running"]);  // rolled back, nothing committed
      CHECK(state["commits"] == 0);
    }
  }
}

TEST_CASE("unknown and changed host keys are refused, and accepting a new one is explicit") {
  TempDir dir;
  SwitchSim sim(colo::test::Switches{simSwitch("a", "cisco_ios", "Ethernet1-2"),
                                     simSwitch("b", "cisco_ios", "Ethernet1-2")},
                dir.file("sim_known_hosts"));
  auto o = options(sim, "a");
  o.known_hosts = dir.write("empty_known_hosts", "");
  auto e = errorOf([&] { openSsh(o); });
  CHECK(e.kind() == DriverErrorKind::host_key);
  CHECK(std::string(e.what()).rfind("host key of 127.0.0.1:" + std::to_string(sim.port("a")) +
                                        " is unknown (ssh-ed25519 SHA256:",
                                    0) == 0);
  CHECK(std::string(e.what()).find("refusing to connect") != std::string::npos);

  o.accept_new_host_key = true;
  CHECK_NOTHROW(openSsh(o));
  o.accept_new_host_key = false;  // now known
  CHECK_NOTHROW(openSsh(o));

  // b's key recorded for a's address: a's key has "changed".
  std::string lines = colo::test::Child::slurp(sim.knownHosts());
  auto bLine = lines.substr(lines.find("[127.0.0.1]:" + std::to_string(sim.port("b"))));
  bLine = bLine.substr(bLine.find(' '));
  auto changed =
      dir.write("changed_known_hosts", "[127.0.0.1]:" + std::to_string(sim.port("a")) + bLine);
  o.known_hosts = changed;
  o.accept_new_host_key = true;  // never overrides a changed key
  e = errorOf([&] { openSsh(o); });
  CHECK(e.kind() == DriverErrorKind::host_key);
  CHECK(std::string(e.what()).find("has CHANGED") != std::string::npos);
  CHECK(colo::test::Child::slurp(changed).find('\n') ==
        colo::test::Child::slurp(changed).rfind('\n'));
}

TEST_CASE("password, keyboard-interactive and public key authentication") {
  TempDir dir;
  REQUIRE(std::system(
              ("ssh-keygen -q -t ed25519 -N '' -f " + dir.file("id") + " >/dev/null").c_str()) ==
          0);
  std::string pub = colo::test::Child::slurp(dir.file("id.pub"));
  SwitchSim sim(colo::test::Switches{
      simSwitch("pw", "arista_eos", "Ethernet1-2"),
      simSwitch("kbd", "arista_eos", "Ethernet1-2", {{"auth_methods", {"keyboard-interactive"}}}),
      simSwitch("key", "arista_eos", "Ethernet1-2",
                {{"auth_methods", json::array()}, {"authorized_key", pub}}),
      simSwitch("refuse", "arista_eos", "Ethernet1-2", {{"faults", {{"refuse_auth", true}}}})});
  CHECK_NOTHROW(open(sim, "pw", "arista_eos"));
  CHECK_NOTHROW(open(sim, "kbd", "arista_eos"));
  auto o = options(sim, "key");
  o.password.clear();
  o.key_file = dir.file("id");
  CHECK_NOTHROW(openSsh(o));

  auto wrong = options(sim, "pw");
  wrong.password = "guess";
  auto e = errorOf([&] { openSsh(wrong); });
  CHECK(e.kind() == DriverErrorKind::auth);
  CHECK(std::string(e.what()) == "authentication as 'colo' refused by 127.0.0.1:" +
                                     std::to_string(sim.port("pw")) + " (password)");
  CHECK(std::string(e.what()).find("guess") == std::string::npos);
  e = errorOf([&] { openSsh(options(sim, "refuse")); });
  CHECK(e.kind() == DriverErrorKind::auth);
}

TEST_CASE("a hanging switch times out, a dropped session is reported") {
  SwitchSim sim(colo::test::Switches{
      simSwitch("hang", "cisco_ios", "Ethernet1-2",
                {{"faults", {{"hang", {{"match", "write memory"}}}}}}),
      simSwitch("drop", "cisco_ios", "Ethernet1-2", {{"faults", {{"drop_after_commands", 3}}}})});
  auto d = open(sim, "hang", "cisco_ios", 300ms);
  auto e = errorOf([&] { d.save(); });
  CHECK(e.kind() == DriverErrorKind::timeout);
  CHECK(std::string(e.what()).rfind("switch hang: command 'write memory' <- 127.0.0.1:", 0) == 0);

  auto d2 = open(sim, "drop", "cisco_ios");  // "terminal length 0" and "terminal no monitor"
  CHECK_NOTHROW(d2.run("show running-config interface Ethernet1"));
  e = errorOf([&] { d2.run("show running-config interface Ethernet2"); });
  CHECK(e.kind() == DriverErrorKind::disconnected);

  // Nothing listens: a clear connect error, quickly.
  SshOptions none;
  none.host = "127.0.0.1";
  none.port = 1;
  none.username = "colo";
  none.password = "x";
  e = errorOf([&] { openSsh(none); });
  CHECK(e.kind() == DriverErrorKind::connect);
  CHECK(std::string(e.what()) == "cannot connect to 127.0.0.1:1: Connection refused");
}

TEST_CASE("a session to a switch that stopped answering is closed within a deadline and freed") {
  // The switch's process is stopped: its TCP stack still accepts bytes, but
  // nothing answers, not even the close of the channel. Closing must not
  // wait for it, and must not leave libssh2's session behind (the sanitized
  // run reports a leak if it does).
  SwitchSim sim(colo::test::Switches{simSwitch("sw", "cisco_ios", "Ethernet1-2")});
  auto d = std::make_unique<Device>(open(sim, "sw", "cisco_ios", 300ms));
  REQUIRE(kill(sim.pid(), SIGSTOP) == 0);
  // kill() returns before the stop takes effect: wait until it has.
  int status = 0;
  REQUIRE(waitpid(sim.pid(), &status, WUNTRACED) == sim.pid());
  REQUIRE(WIFSTOPPED(status));
  struct Resume {
    pid_t pid;
    ~Resume() { kill(pid, SIGCONT); }
  } resume{sim.pid()};
  CHECK(errorOf([&] { d->run("show running-config interface Ethernet1"); }).kind() ==
        DriverErrorKind::timeout);
  auto start = std::chrono::steady_clock::now();
  d.reset();
  // About half a second of courtesy; the bound is generous for a busy machine.
  CHECK(std::chrono::steady_clock::now() - start < 10s);
}

TEST_CASE("a pager is paged through when paging could not be turned off") {
  // A dialect that forgets to turn paging off.
  struct Forgetful : Dialect {
    explicit Forgetful(const char* vendor) : d(*dialectFor(vendor)) {}
    const Dialect& d;
    std::string_view name() const override { return "forgetful"; }
    std::string promptPattern() const override { return d.promptPattern(); }
    std::string hostOf(std::string_view l) const override { return d.hostOf(l); }
    std::string hostPromptPattern(std::string_view h) const override {
      return d.hostPromptPattern(h);
    }
    std::vector<LoginQuestion> loginQuestions() const override { return d.loginQuestions(); }
    std::string trimOutput(std::string o) const override { return d.trimOutput(std::move(o)); }
    std::string morePattern() const override { return d.morePattern(); }
    bool refused(std::string_view o) const override { return d.refused(o); }
    bool portCommand(std::string_view l, std::string_view p) const override {
      return d.portCommand(l, p);
    }
    std::string portCommandsHelp() const override { return d.portCommandsHelp(); }
    std::vector<std::string> sessionSetup() const override { return {}; }
    std::vector<std::string> enterConfig() const override { return d.enterConfig(); }
    std::vector<std::string> commitConfig() const override { return d.commitConfig(); }
    std::vector<std::string> abortConfig() const override { return d.abortConfig(); }
    std::vector<std::string> save() const override { return d.save(); }
    std::string showPort(std::string_view p) const override { return d.showPort(p); }
    std::vector<std::string> portLines(std::string_view o, std::string_view p) const override {
      return d.portLines(o, p);
    }
    std::vector<std::string> shownLines(const std::vector<std::string>& c,
                                        std::string_view p) const override {
      return d.shownLines(c, p);
    }
    PortState parsePort(const std::vector<std::string>& l) const override { return d.parsePort(l); }
    std::vector<std::string> restorePort(std::string_view p, const PortState& c) const override {
      return d.restorePort(p, c);
    }
    std::string showLink(std::string_view p) const override { return d.showLink(p); }
    LinkReading parseLink(std::string_view o, std::string_view p) const override {
      return d.parseLink(o, p);
    }
    std::string showMacsOn(std::string_view p) const override { return d.showMacsOn(p); }
    std::string showMacWhere(std::string_view m) const override { return d.showMacWhere(m); }
    std::string showLldp(std::string_view p) const override { return d.showLldp(p); }
    std::vector<LldpNeighbor> parseLldp(std::string_view o) const override {
      return d.parseLldp(o);
    }
  };
  {
    Forgetful forgetful("arista_eos");
    SwitchSim sim(colo::test::Switches{simSwitch("sw", "arista_eos", "Ethernet1-40")});
    Device d("sw", openSsh(options(sim, "sw")), forgetful, 5000ms);
    d.open();
    auto out = d.run("show running-config");
    CHECK(out.find("interface Ethernet1\n") != std::string::npos);
    CHECK(out.find("interface Ethernet40") != std::string::npos);
    CHECK(out.find("More") == std::string::npos);
  }
  // VRP wipes its "---- More ----" with cursor movements and blanks: no
  // page of the output starts with them.
  Forgetful forgetful("huawei_vrp");
  SwitchSim sim(colo::test::Switches{simSwitch("sw", "huawei_vrp", "GigabitEthernet0/0/1-40")});
  Device d("sw", openSsh(options(sim, "sw")), forgetful, 5000ms);
  d.open();
  auto out = d.dialect().trimOutput(d.run("display current-configuration"));
  CHECK(out.find("interface GigabitEthernet0/0/1\n") != std::string::npos);
  CHECK(out.find("interface GigabitEthernet0/0/40") != std::string::npos);
  CHECK(out.find("More") == std::string::npos);
  CHECK(out.find("\ninterface GigabitEthernet0/0/13\n") != std::string::npos);
  CHECK(out.find("  interface") == std::string::npos);
}

TEST_CASE("a terminal title escape before a prompt is not part of the prompt") {
  for (const auto& v : kVendors) {
    INFO(v.vendor);
    SwitchSim sim(colo::test::Switches{simSwitch(
        "sw", v.vendor, v.ports,
        {{"faults", {{"osc_title", {{"match", vrpLike(v.vendor) ? "display" : "show"}}}}}})});
    auto d = open(sim, "sw", v.vendor, 2000ms);
    auto port = d.readPort(v.port);
    CHECK(port.lines.empty());
  }
}

TEST_CASE("each dialect reads a server plugged into the simulator: link, MACs, LLDP") {
  struct Case {
    const char* vendor;
    const char* ports;
    const char* port;
    const char* other;
  };
  for (auto c :
       {Case{"cisco_ios", "GigabitEthernet1/0/1-8", "GigabitEthernet1/0/5", "GigabitEthernet1/0/6"},
        Case{"arista_eos", "Ethernet1-8", "Ethernet5", "Ethernet6"},
        Case{"juniper_junos", "ge-0/0/0-7", "ge-0/0/5", "ge-0/0/6"},
        Case{"huawei_vrp", "GigabitEthernet0/0/1-8", "GigabitEthernet0/0/5",
             "GigabitEthernet0/0/6"},
        Case{"hp_comware", "GigabitEthernet1/0/1-8", "GigabitEthernet1/0/5",
             "GigabitEthernet1/0/6"}}) {
    DYNAMIC_SECTION(c.vendor) {
      json servers = {{c.port,
                       {{"macs", {"00:50:56:a3:1b:2c"}},
                        {"lldp", {{"system_name", "web01.example"}, {"port_id", "eno1"}}},
                        {"input_errors", 3},
                        {"errors_per_read", 2}}},
                      {c.other, {{"macs", {"00:50:56:a3:77:e1"}}, {"link_after_reads", 2}}}};
      SwitchSim sim(
          colo::test::Switches{simSwitch("sw", c.vendor, c.ports, {{"servers", servers}})});
      auto d = open(sim, "sw", c.vendor);
      const auto& dialect = d.dialect();
      auto link = dialect.parseLink(d.run(dialect.showLink(c.port)), c.port);
      CHECK(link.state == LinkReading::State::up);
      CHECK(link.input_errors == 3u);
      CHECK(dialect.parseLink(d.run(dialect.showLink(c.port)), c.port).input_errors == 5u);
      auto macs = dialect.parseMacs(d.run(dialect.showMacsOn(c.port)));
      REQUIRE(macs.size() == 1);
      CHECK(macs[0].mac == "00:50:56:a3:1b:2c");
      CHECK(samePort(macs[0].port, c.port));
      auto lldp = dialect.parseLldp(d.run(dialect.showLldp(c.port)));
      REQUIRE(lldp.size() == 1);
      CHECK(lldp[0].system_name == "web01.example");
      CHECK(lldp[0].port_id == "eno1");
      // The other server's link comes up at its second reading; until then
      // the switch has learned nothing there.
      CHECK(dialect.parseLink(d.run(dialect.showLink(c.other)), c.other).state ==
            LinkReading::State::down);
      CHECK(dialect.parseMacs(d.run(dialect.showMacWhere("00:50:56:a3:77:e1"))).empty());
      CHECK(dialect.parseLink(d.run(dialect.showLink(c.other)), c.other).state ==
            LinkReading::State::up);
      auto where = dialect.parseMacs(d.run(dialect.showMacWhere("00:50:56:a3:77:e1")));
      REQUIRE(where.size() == 1);
      CHECK(samePort(where[0].port, c.other));
      CHECK(dialect.parseLldp(d.run(dialect.showLldp(c.other))).empty());
    }
  }
}

TEST_CASE("Huawei and H3C: questions, a version line, wrapped echoes and cursor junk") {
  SECTION("VRP's save asks, in each of its forms, and colo answers yes") {
    for (int style : {0, 1, 2}) {
      INFO(style);
      SwitchSim sim(colo::test::Switches{simSwitch("sw", "huawei_vrp", "GigabitEthernet0/0/1-4",
                                                   {{"faults", {{"question_style", style}}}})});
      auto d = open(sim, "sw", "huawei_vrp");
      d.configure(kVendors[3].configure);
      d.save();
      auto state = sim.state("sw");
      CHECK(state["saves"] == 1);
      CHECK(state["saved"]["GigabitEthernet0/0/2"]["vlan"] == 120);
    }
  }
  SECTION("a save has its own deadline: VRP warns it may take minutes") {
    SwitchSim sim(colo::test::Switches{
        simSwitch("sw", "huawei_vrp", "GigabitEthernet0/0/1-4",
                  {{"faults", {{"slow_answer", {{"match", "save"}}}, {"slow_answer_ms", 3000}}}})});
    auto d = open(sim, "sw", "huawei_vrp", 1500ms);
    CHECK(errorOf([&] { d.save(); }).kind() == DriverErrorKind::timeout);
    auto d2 = open(sim, "sw", "huawei_vrp", 1500ms);
    d2.setSaveTimeout(20000ms);
    CHECK_NOTHROW(d2.save());
    // The command deadline is back after the save.
    CHECK(errorOf([&] { d2.run("save"); }).kind() == DriverErrorKind::timeout);
  }
  SECTION("a question colo does not expect is answered no and the command is refused") {
    SwitchSim sim(colo::test::Switches{simSwitch("sw", "hp_comware", "GigabitEthernet1/0/1-4")});
    auto d = open(sim, "sw", "hp_comware");
    // Plain "save" asks; colo's save is "save force", which does not.
    auto e = errorOf([&] { d.run("save"); });
    CHECK(e.kind() == DriverErrorKind::rejected);
    CHECK(std::string(e.what()).find("Are you sure? [Y/N]") != std::string::npos);
    CHECK(sim.state("sw")["saves"] == 0);
    CHECK_NOTHROW(d.save());
    CHECK(sim.state("sw")["saves"] == 1);
  }
  SECTION("a write that ends at VRP's version line is not taken for a prompt") {
    SwitchSim sim(colo::test::Switches{
        simSwitch("sw", "huawei_vrp", "GigabitEthernet0/0/1-4",
                  {{"faults", {{"version_pause", {{"match", "current-configuration"}}}}}})});
    auto d = open(sim, "sw", "huawei_vrp");
    d.configure(kVendors[3].configure);
    auto port = d.readPort("GigabitEthernet0/0/2");
    CHECK(port.vlan == 120);
    CHECK(port.description == "colo BAPPEDA web01 REQ-1");
  }
  SECTION("H3C wraps long echoes at 80 columns; the output is still read") {
    std::string name = "tor-pontianak-r10-h3c-s5130-48s";
    SwitchSim sim(
        colo::test::Switches{simSwitch(name, "hp_comware", "Ten-GigabitEthernet1/0/49-52")});
    auto d = open(sim, name, "hp_comware");
    auto cmds = kVendors[4].configure;
    cmds[1] = "description colo BAPPEDA web01 REQ-2026-0142 nic1 with a long description text";
    d.configure(cmds);
    auto port = d.readPort("Ten-GigabitEthernet1/0/50");
    CHECK(port.description == "colo BAPPEDA web01 REQ-2026-0142 nic1 with a long description text");
    CHECK(port.lines.size() == 2);  // "port link-mode bridge" is the hardware's, not a line
  }
  SECTION("VRP's cursor junk after prompts is not text") {
    SwitchSim sim(colo::test::Switches{simSwitch("sw", "huawei_vrp", "GigabitEthernet0/0/1-4")});
    auto d = open(sim, "sw", "huawei_vrp");
    d.configure(kVendors[3].configure);
    for (const auto& l : d.readPort("GigabitEthernet0/0/2").lines) {
      CHECK(l.find('\x1b') == std::string::npos);
      CHECK(l.back() != ' ');
    }
  }
}
