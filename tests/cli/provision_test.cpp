// `colo provision` and `colo release` end to end: the real binary, the real
// switch simulator over SSH, a real SQLite ledger. For every injected fault
// the switches end as they began and the ledger holds nothing.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <map>

#include "../support/ledger_state.h"
#include "../support/process.h"
#include "../support/switchsim.h"
#include "colo/drivers/device.h"
#include "colo/drivers/ssh.h"

using colo::test::Child;
using colo::test::Result;
using colo::test::simSwitch;
using colo::test::Switches;
using colo::test::SwitchSim;
using colo::test::TempDir;
using nlohmann::json;

namespace {

struct VendorPorts {
  std::string vendor, range, first;
};
const std::vector<VendorPorts> kVendors = {
    {"cisco_ios", "GigabitEthernet1/0/1-8", "GigabitEthernet1/0/"},
    {"arista_eos", "Ethernet1-8", "Ethernet"},
    {"juniper_junos", "ge-0/0/0-7", "ge-0/0/"},
    {"huawei_vrp", "GigabitEthernet0/0/1-8", "GigabitEthernet0/0/"},
    {"hp_comware", "Ten-GigabitEthernet1/0/49-56", "Ten-GigabitEthernet1/0/"}};

bool vrpLike(const std::string& vendor) {
  return vendor == "huawei_vrp" || vendor == "hp_comware";
}

// A small data center: one rack per simulated switch, 4 free units each.
struct Site {
  TempDir dir;
  std::unique_ptr<SwitchSim> sim;
  std::string config, inventory;
  std::string state = colo::test::ledgerState(dir, "var/colo.db");

  explicit Site(Switches switches, const std::string& playbooks = COLO_SOURCE_DIR "/playbooks",
                int commandTimeout = 5, int saveTimeout = -1) {
    setenv("COLO_TEST_SW_PASSWORD", "s3cret-pw", 1);
    setenv("COLO_TEST_SW_ENABLE", "en-pw", 1);
    sim = std::make_unique<SwitchSim>(switches);
    std::string racks, sws;
    for (const auto& s : switches) {
      std::string name = s["name"];
      racks += "  - {name: rack-" + name +
               ", height: 5, reserved_units: [5], power: {feeds: "
               "[{name: " +
               name + "-A, capacity_watts: 5000}, {name: " + name +
               "-B, capacity_watts: 5000}]}, switches: [" + name + "]}\n";
      sws += "  - {name: " + name + ", vendor: " + s["vendor"].get<std::string>() +
             ", address: 127.0.0.1, port: " + std::to_string(sim->port(name)) +
             ", credentials: lab, access_ports: \"" + s["ports"].get<std::string>() + "\"}\n";
    }
    inventory = dir.write("inventory.yaml", "site: {name: dc-test}\nracks:\n" + racks +
                                                "switches:\n" + sws +
                                                "vlans: [{id: 120, name: pub}]\n"
                                                "ip_pools:\n  - {name: pub-v4, prefix: "
                                                "192.0.2.0/24, gateway: 192.0.2.1, vlan: 120}\n");
    // A save waits timeouts.save_s (120 s by default): the faults that hang
    // a save wait the command deadline here. 0 keeps the default.
    std::string saveLimit =
        saveTimeout == 0
            ? ""
            : ", save_s: " + std::to_string(saveTimeout < 0 ? commandTimeout : saveTimeout);
    config = dir.write("colo.yaml",
                       "inventory: inventory.yaml\nstate: " + state + "\nplaybooks: " + playbooks +
                           "\nknown_hosts: " + sim->knownHosts() +
                           "\ncredentials:\n  lab: {username: colo, password_env: "
                           "COLO_TEST_SW_PASSWORD, enable_password_env: COLO_TEST_SW_ENABLE}\n"
                           "timeouts: {connect_s: 5, command_s: " +
                           std::to_string(commandTimeout) + saveLimit + "}\n");
    auto r = colo({"init"});
    if (r.exit_code != 0) throw std::runtime_error("colo init failed: " + r.err);
  }

  Result colo(std::vector<std::string> args) {
    args.insert(args.begin(), {COLO_BINARY, "--config", config});
    return colo::test::run(args, dir);
  }

  std::string request(const std::string& id, int servers, const std::string& hostname = "web",
                      int nics = 1) {
    std::string s, n;
    for (int i = 0; i < nics; ++i) n += std::string(i ? "," : "") + R"({"pools": ["pub-v4"]})";
    for (int i = 0; i < servers; ++i)
      s += std::string(i ? "," : "") + R"({"hostname": ")" + hostname + std::to_string(i) +
           R"(", "units": 4, "power_watts": 300, "redundant_power": true, "nics": [)" + n + "]}";
    return dir.write(id + ".json", R"({"id": ")" + id + R"(", "letter_number": "1/T/2026",
      "tenant": {"code": "BAPPEDA", "name": "Bappeda"}, "received_at": "2026-11-23T08:30:00+07:00",
      "servers": [)" + s + "]}");
  }

  std::string sql(const std::string& q) { return colo::test::ledgerSql(state, q, dir); }
};

}  // namespace

TEST_CASE("provision configures, verifies and saves on each vendor, and release undoes it") {
  for (const auto& v : kVendors) {
    INFO(v.vendor);
    json extra = v.vendor == "cisco_ios" ? json{{"enable_password", "en-pw"}} : json::object();
    Site site(Switches{simSwitch("tor", v.vendor, v.range, extra)});
    auto r = site.colo({"provision", site.request("REQ-1", 1)});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("provisioned REQ-1") == 0);
    // Piped, not a terminal: a line per step all the same.
    CHECK(r.err.find("provisioning REQ-1: 1 port(s)\n") == 0);
    CHECK(r.err.find("\n  tor  save  configuration saved\n") != std::string::npos);
    std::string port = v.first + (v.vendor == "juniper_junos" ? "0"
                                  : v.vendor == "hp_comware"  ? "49"
                                                              : "1");
    auto st = site.sim->state("tor");
    for (const char* which : {"running", "saved"}) {
      INFO(which);
      CHECK(st[which][port]["description"] == "colo BAPPEDA web0 REQ-1");
      CHECK(st[which][port]["vlan"] == 120);
      CHECK(st[which][port]["enabled"] == true);
    }
    CHECK(site.sql("SELECT status FROM requests") == "completed\n");
    auto steps =
        site.sql("SELECT group_concat(kind, ' ') FROM (SELECT kind FROM events ORDER BY seq) AS e");
    CHECK(steps == "planning configuring connect capture apply verify save completed\n");

    // Provisioning again is a no-op.
    auto again = site.colo({"provision", site.request("REQ-1", 1)});
    CHECK(again.exit_code == 0);
    CHECK(again.out.find("already provisioned REQ-1") == 0);

    r = site.colo({"--quiet", "release", "REQ-1"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.empty());  // --quiet: no progress lines
    st = site.sim->state("tor");
    // Huawei's and H3C's unused port has no description at all.
    CHECK(st["saved"][port]["description"] == (vrpLike(v.vendor) ? "" : "unused"));
    CHECK(st["saved"][port]["enabled"] == false);
    CHECK(st["saved"][port]["vlan"] == 0);
    CHECK(site.sql("SELECT status FROM requests") == "released\n");
    CHECK(site.sql("SELECT count(*) FROM port_claims") == "0\n");
  }
}

TEST_CASE("a job reads each switch three times, however many of its ports it changes") {
  // design.md §8, "Round trips": the capture, the read right before the
  // change and verify each read every port of the job with one listing.
  for (const auto& v : kVendors) {
    INFO(v.vendor);
    std::map<int, std::vector<std::string>> reads;
    for (int nics : {1, 3}) {
      json extra = v.vendor == "cisco_ios" ? json{{"enable_password", "en-pw"}} : json::object();
      Site site(Switches{simSwitch("tor", v.vendor, v.range, extra)});
      auto r = site.colo({"provision", site.request("REQ-1", 1, "web", nics)});
      INFO(r.err);
      REQUIRE(r.exit_code == 0);
      CHECK(r.err.find(std::to_string(nics) + " port(s)") != std::string::npos);
      auto st = site.sim->state("tor");
      for (const auto& c : st["commands"]) {
        std::string command = c;
        if (command.rfind("show ", 0) == 0 || command.rfind("display ", 0) == 0)
          reads[nics].push_back(command);
      }
    }
    CHECK(reads[1].size() == 3);
    CHECK(reads[3].size() == 3);
    // One port alone is read with the single-port command, three with the
    // listing of every port.
    CHECK(reads[1] != reads[3]);
  }
}

TEST_CASE("a dry run prints the exact commands and touches nothing") {
  Site site(Switches{simSwitch("tor", "juniper_junos", "ge-0/0/0-7")});
  auto r = site.colo({"provision", "--dry-run", site.request("REQ-1", 1)});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find(
            "switch tor (juniper_junos, 127.0.0.1:" + std::to_string(site.sim->port("tor")) +
            "):\n  configure private\n  delete interfaces ge-0/0/0\n"
            "  set interfaces ge-0/0/0 description \"colo BAPPEDA web0 REQ-1\"\n"
            "  set interfaces ge-0/0/0 unit 0 family ethernet-switching interface-mode access\n"
            "  set interfaces ge-0/0/0 unit 0 family ethernet-switching vlan members 120\n"
            "  commit and-quit\n") != std::string::npos);
  CHECK(site.sim->state("tor")["sessions"] == 0);
  CHECK(site.sql("SELECT count(*) FROM requests") == "0\n");

  // Without the switch's password a real run would stop before reserving:
  // so does the dry run, naming the variable to set.
  struct Restore {
    ~Restore() { setenv("COLO_TEST_SW_PASSWORD", "s3cret-pw", 1); }
  } restore;
  unsetenv("COLO_TEST_SW_PASSWORD");
  r = site.colo({"provision", "--dry-run", site.request("REQ-1", 1)});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("commit and-quit") != std::string::npos);  // the plan is still shown
  CHECK(r.err ==
        "colo: dry run: a real run would stop before reserving: switch tor <- credentials "
        "'lab': environment variable COLO_TEST_SW_PASSWORD is not set\n");
  CHECK(site.sim->state("tor")["sessions"] == 0);
}

namespace {

struct FaultCase {
  std::string name;
  json faults;
  std::string expect;  // in the error message
  std::string reason;  // the ending's reason code
};

void checkUntouched(Site& site, const std::string& sw, const json& initial) {
  auto st = site.sim->state(sw);
  CHECK(st["running"] == initial["running"]);
  CHECK(st["saved"] == initial["saved"]);
}

}  // namespace

namespace {

// One injected fault on a one-switch site whose port 1 starts as colo
// leaves a released port, with a leftover VLAN: restore must bring exactly
// that back, not a blank port.
void checkFault(const FaultCase& c, const std::string& vendor, const std::string& range,
                const std::string& port) {
  INFO(vendor << ": " << c.name);
  json leftover = {{"description", "unused"}, {"vlan", 99}, {"enabled", false}};
  if (vendor == "huawei_vrp") leftover["mode"] = "access";  // a VLAN on an access port only
  Site site(Switches{simSwitch("tor", vendor, range,
                               {{"faults", c.faults}, {"initial", {{port, leftover}}}})},
            COLO_SOURCE_DIR "/playbooks", 1);
  auto before = site.sim->state("tor");
  auto r = site.colo({"provision", site.request("REQ-1", 1)});
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find(c.expect) != std::string::npos);
  CHECK(r.err.find("\ncolo: provision REQ-1 failed: ") != std::string::npos);
  if (c.name != "refused authentication")
    CHECK(r.err.find("every touched port was restored and the reservation released") !=
          std::string::npos);
  else  // what to check, by name
    CHECK(r.err.find("check the username 'colo' and the environment variable "
                     "COLO_TEST_SW_PASSWORD (credentials 'lab' in the config)") !=
          std::string::npos);
  checkUntouched(site, "tor", before);
  CHECK(site.sql("SELECT status FROM requests") == "failed\n");
  CHECK(site.sql("SELECT (SELECT count(*) FROM unit_claims) + (SELECT count(*) FROM port_claims) + "
                 "(SELECT count(*) FROM address_claims) + (SELECT count(*) FROM power_claims)") ==
        "0\n");
  CHECK(site.sql("SELECT error FROM requests").find(c.expect) != std::string::npos);
  CHECK(site.sql("SELECT reason FROM requests") == c.reason + "\n");
}

}  // namespace

TEST_CASE("every injected fault leaves the switches as they were and the ledger empty") {
  std::vector<FaultCase> cases = {
      {"refused authentication",
       {{"refuse_auth", true}},
       "authentication as 'colo' refused by 127.0.0.1:",
       "switch_auth_failed"},
      {"rejected command",
       {{"reject", {{"match", "switchport access vlan"}, {"times", 1}}}},
       "switch tor refused 'switchport access vlan 120': % Invalid input detected at '^' marker.",
       "switch_refused"},
      {"dropped session",
       {{"drop_after_commands", 4}, {"drop_times", 1}},
       "closed the connection",
       "switch_timeout"},
      {"verification mismatch",
       {{"ignore", {{"match", "switchport access vlan"}, {"times", 1}}}},
       "switch tor port GigabitEthernet1/0/1 does not read back as configured: vlan is '', "
       "expected '120'",
       "verify_failed"},
      {"hang on save",
       {{"hang", {{"match", "write memory"}, {"times", 1}}}},
       "switch tor: command 'write memory' <- 127.0.0.1:",
       "switch_timeout"},
      // The switch saved but never said so: the restore must save as well,
      // or the startup configuration keeps colo's lines.
      {"save applied but unanswered",
       {{"hang_after", {{"match", "write memory"}, {"times", 1}}}},
       "switch tor: command 'write memory' <- 127.0.0.1:",
       "switch_timeout"},
  };
  for (const auto& c : cases)
    checkFault(c, "cisco_ios", "GigabitEthernet1/0/1-8", "GigabitEthernet1/0/1");
}

TEST_CASE("every injected fault leaves a Huawei or an H3C switch as it was and the ledger empty") {
  struct Dialect {
    std::string vendor, range, port, vlanCommand, save, refusal;
  };
  for (const auto& d :
       {Dialect{"huawei_vrp", "GigabitEthernet0/0/1-8", "GigabitEthernet0/0/1", "port default vlan",
                "save", "Error: Unrecognized command found at '^' position."},
        Dialect{"hp_comware", "GigabitEthernet1/0/1-8", "GigabitEthernet1/0/1", "port access vlan",
                "save force", "% Unrecognized command found at '^' position."}}) {
    std::vector<FaultCase> cases = {
        {"rejected command",
         {{"reject", {{"match", d.vlanCommand}, {"times", 1}}}},
         "switch tor refused '" + d.vlanCommand + " 120': ",
         "switch_refused"},
        {"dropped session",
         {{"drop_after_commands", 4}, {"drop_times", 1}},
         "closed the connection",
         "switch_timeout"},
        {"verification mismatch",
         {{"ignore", {{"match", d.vlanCommand}, {"times", 1}}}},
         "switch tor port " + d.port +
             " does not read back as configured: vlan is '', expected '120'",
         "verify_failed"},
        {"hang on save",
         {{"hang", {{"match", d.save}, {"times", 1}}}},
         "switch tor: command '" + d.save + "' <- 127.0.0.1:",
         "switch_timeout"},
        {"save applied but unanswered",
         {{"hang_after", {{"match", d.save}, {"times", 1}}}},
         "switch tor: command '" + d.save + "' <- 127.0.0.1:",
         "switch_timeout"},
        {"hang at the capture",
         {{"hang", {{"match", "display current-configuration"}, {"times", 1}}}},
         "switch tor: command 'display current-configuration interface " + d.port + "' <- ",
         "switch_timeout"},
    };
    for (const auto& c : cases) checkFault(c, d.vendor, d.range, d.port);
    // The device's own words for a refusal reach the error.
    FaultCase refused{"refusal words",
                      {{"reject", {{"match", d.vlanCommand}, {"times", 1}}}},
                      d.refusal,
                      "switch_refused"};
    checkFault(refused, d.vendor, d.range, d.port);
  }
}

TEST_CASE("a save slower than the command deadline completes under timeouts.save_s") {
  // command_s 1; VRP's save answers after 1.5 s, well within save_s (120).
  Site site(Switches{simSwitch(
                "tor", "huawei_vrp", "GigabitEthernet0/0/1-8",
                {{"faults", {{"slow_answer", {{"match", "save"}}}, {"slow_answer_ms", 1500}}}})},
            COLO_SOURCE_DIR "/playbooks", 1, 0);
  auto r = site.colo({"provision", site.request("REQ-1", 1)});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(site.sim->state("tor")["saves"] == 1);
}

TEST_CASE("a port that cannot be restored is named, and its reservation kept") {
  // This switch refuses the VLAN command every time, the restore's too.
  json initial = {
      {"GigabitEthernet1/0/1", {{"description", "unused"}, {"vlan", 99}, {"enabled", false}}}};
  Site site(Switches{simSwitch(
      "tor", "cisco_ios", "GigabitEthernet1/0/1-8",
      {{"faults", {{"reject", {{"match", "switchport access vlan"}}}}}, {"initial", initial}})});
  auto r = site.colo({"provision", site.request("REQ-1", 1)});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("RESTORE FAILED for tor GigabitEthernet1/0/1: check these ports by hand; the "
                   "reservation is kept until 'colo release REQ-1' succeeds") != std::string::npos);
  CHECK(site.sql("SELECT status FROM requests") == "failed\n");
  CHECK(site.sql("SELECT port FROM port_claims") ==
        "GigabitEthernet1/0/1\n");  // not handed out again
  CHECK(site.sql("SELECT count(*) FROM events WHERE kind = 'restore-failed'") == "1\n");
}

TEST_CASE("a failure on one switch restores the ports already configured on another") {
  json initial = {{"Ethernet1", {{"description", "unused"}, {"vlan", 7}, {"enabled", false}}}};
  SECTION("a command rejected before anything is saved") {
    Site site(Switches{simSwitch("a", "arista_eos", "Ethernet1-8", {{"initial", initial}}),
                       simSwitch("b", "juniper_junos", "ge-0/0/0-7",
                                 {{"faults", {{"reject", {{"match", "vlan members"}}}}}})});
    auto beforeA = site.sim->state("a"), beforeB = site.sim->state("b");
    auto r = site.colo({"provision", site.request("REQ-2", 2)});
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("switch b refused 'set interfaces ge-0/0/0 unit 0 family ethernet-switching "
                     "vlan members 120': error: command rejected by policy; every touched port") !=
          std::string::npos);
    checkUntouched(site, "a", beforeA);
    checkUntouched(site, "b", beforeB);
    // The refused change was rolled back in the candidate, never committed.
    auto cmds = site.sim->state("b")["commands"];
    CHECK(std::find(cmds.begin(), cmds.end(), "rollback 0") != cmds.end());
    CHECK(site.sql("SELECT count(*) FROM unit_claims") == "0\n");
  }
  SECTION("a save that hangs after the other switch saved") {
    Site site(
        Switches{simSwitch("a", "arista_eos", "Ethernet1-8", {{"initial", initial}}),
                 simSwitch("b", "cisco_ios", "GigabitEthernet1/0/1-8",
                           {{"faults", {{"hang", {{"match", "write memory"}, {"times", 1}}}}}})},
        COLO_SOURCE_DIR "/playbooks", 1);
    auto beforeA = site.sim->state("a"), beforeB = site.sim->state("b");
    auto r = site.colo({"provision", site.request("REQ-3", 2)});
    INFO(r.err);
    CHECK(r.exit_code == 1);
    checkUntouched(site, "a", beforeA);  // saved, then restored and saved again
    checkUntouched(site, "b", beforeB);
    CHECK(site.sim->state("a")["saves"] == 2);
    CHECK(site.sql("SELECT count(*) FROM port_claims") == "0\n");
    // Once the switch behaves, the same request can be provisioned.
    r = site.colo({"provision", site.request("REQ-3", 2)});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(site.sql("SELECT status FROM requests") == "completed\n");
  }
}

TEST_CASE("a changed host key is refused before anything is sent") {
  // "tor" wins the tie between the two equal racks by name.
  Site site(Switches{simSwitch("tor", "arista_eos", "Ethernet1-8"),
                     simSwitch("zz", "arista_eos", "Ethernet1-8")});
  // Record zz's key under tor's address.
  std::string kh = Child::slurp(site.sim->knownHosts());
  auto otherLine = kh.substr(kh.find("[127.0.0.1]:" + std::to_string(site.sim->port("zz"))));
  otherLine = otherLine.substr(otherLine.find(' '));
  std::ofstream(site.sim->knownHosts()) << "[127.0.0.1]:" << site.sim->port("tor") << otherLine;
  auto r = site.colo({"provision", site.request("REQ-1", 1)});
  CHECK(r.exit_code == 1);
  INFO(r.err);
  CHECK(r.err.find("host key of 127.0.0.1:" + std::to_string(site.sim->port("tor")) +
                   " has CHANGED") != std::string::npos);
  CHECK(site.sim->state("tor")["sessions"] == 0);
  CHECK(site.sql("SELECT count(*) FROM unit_claims") == "0\n");
  CHECK(site.sql("SELECT reason FROM requests") == "host_key_unknown\n");
}

TEST_CASE("injection attempts are refused before any connection") {
  Site site(Switches{simSwitch("tor", "cisco_ios", "GigabitEthernet1/0/1-8")});
  // Through the request: the schema refuses it.
  auto r = site.colo({"provision", site.request("REQ-1", 1, "web;reload")});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("servers[0].hostname: 'web;reload0' may only hold letters") !=
        std::string::npos);
  // Through an administrator's template: the value check refuses it.
  TempDir pb;
  std::filesystem::copy(COLO_SOURCE_DIR "/playbooks", pb.path(),
                        std::filesystem::copy_options::recursive);
  std::string wf = Child::slurp(pb.file("provision.yaml"));
  wf.replace(wf.find("\"colo {tenant} {hostname} {request_id}\""), 39,
             "\"colo {tenant} | include {hostname}\"");
  pb.write("provision.yaml", wf);
  r = site.colo({"--playbooks", pb.path().string(), "provision", site.request("REQ-2", 1)});
  CHECK(r.exit_code == 2);
  CHECK(r.err ==
        "colo: provision REQ-2 failed: value of 'description' is not safe for a switch CLI: it "
        "contains '|' at position 14\n");
  CHECK(site.sim->state("tor")["sessions"] == 0);
  CHECK(site.sim->state("tor")["commands"].empty());
  // The request ended, with its reason, holding nothing.
  CHECK(site.sql("SELECT id, status FROM requests") == "REQ-2|failed\n");
  CHECK(site.sql("SELECT count(*) FROM unit_claims") == "0\n");
}

TEST_CASE("a failed Junos commit is rolled back and the port restored") {
  json initial = {{"ge-0/0/0", {{"description", "unused"}, {"vlan", 7}, {"enabled", false}}}};
  Site site(Switches{simSwitch(
      "tor", "juniper_junos", "ge-0/0/0-7",
      {{"initial", initial}, {"faults", {{"reject", {{"match", "commit"}, {"times", 1}}}}}})});
  auto before = site.sim->state("tor");
  auto r = site.colo({"provision", site.request("REQ-1", 1)});
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("switch tor refused 'commit and-quit': error: command rejected by policy") !=
        std::string::npos);
  auto st = site.sim->state("tor");
  CHECK(st["running"] == before["running"]);
  CHECK(st["candidate"] == before["candidate"]);
  CHECK(site.sql("SELECT count(*) FROM port_claims") == "0\n");
}

TEST_CASE("secrets come from the environment or 0600 files and never show up") {
  Site site(Switches{
      simSwitch("tor", "cisco_ios", "GigabitEthernet1/0/1-8", {{"enable_password", "en-pw"}})});
  // A password file others can read is refused before connecting.
  auto file = site.dir.write("pw.txt", "s3cret-pw\n");
  chmod(file.c_str(), 0644);
  std::string cfg = Child::slurp(site.config);
  const std::string env = "password_env: COLO_TEST_SW_PASSWORD";
  cfg.replace(cfg.find(env), env.size(), "password_file: pw.txt");
  site.dir.write("colo.yaml", cfg);
  auto r = site.colo({"provision", site.request("REQ-1", 1)});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("credentials 'lab': " + file + " is readable by others; chmod 600 it") !=
        std::string::npos);
  CHECK(site.sim->state("tor")["sessions"] == 0);
  CHECK(site.sql("SELECT reason FROM requests WHERE id = 'REQ-1'") == "credentials_missing\n");
  chmod(file.c_str(), 0600);
  r = site.colo({"provision", site.request("REQ-2", 1)});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  // Neither password appears in output, the ledger or the switch's log.
  auto everything = r.out + r.err + site.sql(".dump") +
                    site.colo({"--json", "request", "REQ-2"}).out +
                    site.sim->state("tor")["commands"].dump();
  CHECK(everything.find("s3cret-pw") == std::string::npos);
  CHECK(everything.find("en-pw") == std::string::npos);
}

namespace {

// The port as another department left it: colo must never take it.
json foreignPort(const std::string& vendor) {
  json p = {{"description", "LEGACY-SRV finance-db"}, {"vlan", 99}, {"enabled", true}};
  if (vendor != "juniper_junos") p["extra"] = {"speed 100"};
  return p;
}

std::string showCommand(const std::string& vendor) {
  if (vrpLike(vendor)) return "display current-configuration";
  return vendor == "juniper_junos" ? "show configuration interfaces" : "show running-config";
}

}  // namespace

TEST_CASE(
    "a capture with a log message or a prompt-shaped line in it fails, and the port is kept") {
  for (const auto& v : kVendors) {
    // One port is read alone; two with the listing of every port
    // (design.md §8, "Round trips").
    for (int nics : {1, 2})
      for (const char* fault : {"async_line", "prompt_line", "prompt_pause"}) {
        INFO(v.vendor << ", " << fault << ", " << nics << " port(s)");
        std::string port = v.first + (v.vendor == "juniper_junos" ? "0"
                                      : v.vendor == "hp_comware"  ? "49"
                                                                  : "1");
        json extra = {{"faults", {{fault, {{"match", showCommand(v.vendor)}, {"times", 1}}}}},
                      {"initial", {{port, foreignPort(v.vendor)}}}};
        Site site(Switches{simSwitch("tor", v.vendor, v.range, extra)});
        auto before = site.sim->state("tor");
        auto r = site.colo({"provision", site.request("REQ-1", 1, "web", nics)});
        INFO(r.err);
        CHECK(r.exit_code == 1);
        CHECK(r.err.find(nics == 1 ? "switch tor port " + port + ": cannot read its configuration"
                                   : "switch tor: cannot read the configuration of ports " +
                                         port) != std::string::npos);
        CHECK(r.err.find("no switch was changed") != std::string::npos);
        checkUntouched(site, "tor", before);
        CHECK(site.sql("SELECT status FROM requests") == "failed\n");
        // Log messages are turned off in colo's IOS sessions to begin with.
        if (v.vendor == "cisco_ios") {
          auto commands = site.sim->state("tor")["commands"];
          CHECK(std::find(commands.begin(), commands.end(), "terminal no monitor") !=
                commands.end());
        }
      }
  }
}

TEST_CASE("a port changed between capture and change is left to whoever changed it") {
  for (const auto& v : kVendors) {
    INFO(v.vendor);
    std::string port = v.first + (v.vendor == "juniper_junos" ? "0"
                                  : v.vendor == "hp_comware"  ? "49"
                                                              : "1");
    // Another administrator, right after colo's capture: colo reads the
    // port again before its first configuration command.
    json extra = {{"faults",
                   {{"intrude", {{"match", showCommand(v.vendor)}, {"skip", 1}, {"times", 1}}},
                    {"intrude_port", port}}}};
    Site site(Switches{simSwitch("tor", v.vendor, v.range, extra)});
    auto r = site.colo({"provision", site.request("REQ-1", 1)});
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("switch tor port " + port + " changed since colo captured it (now '") !=
          std::string::npos);
    CHECK(r.err.find("INTRUDER") != std::string::npos);
    CHECK(r.err.find("no switch was changed") != std::string::npos);
    CHECK(site.sql("SELECT reason FROM requests") == "foreign_port\n");
    auto st = site.sim->state("tor");
    CHECK(st["running"][port]["description"] == "INTRUDER");
    CHECK(st["running"][port]["vlan"] == 99);
    CHECK(st["running"][port]["extra"] == json{"speed 100"});
    CHECK(st["saves"] == 0);
    auto commands = st["commands"];
    CHECK(std::find(commands.begin(), commands.end(),
                    v.vendor == "juniper_junos" ? "configure private"
                    : vrpLike(v.vendor)         ? "system-view"
                                                : "configure terminal") == commands.end());
  }
}

TEST_CASE("verify reads the whole port: a line colo did not set fails the job and is restored") {
  for (const auto& v : kVendors) {
    INFO(v.vendor);
    std::string port = v.first + (v.vendor == "juniper_junos" ? "0"
                                  : v.vendor == "hp_comware"  ? "49"
                                                              : "1");
    // "speed 100" appears between apply and verify, next to colo's lines.
    json extra = {{"faults",
                   {{"sneak", {{"match", showCommand(v.vendor)}, {"skip", 2}, {"times", 1}}},
                    {"intrude_port", port}}}};
    Site site(Switches{simSwitch("tor", v.vendor, v.range, extra)});
    auto r = site.colo({"provision", site.request("REQ-1", 1)});
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("switch tor port " + port + " does not read back as configured: it shows '" +
                     (v.vendor == "juniper_junos" ? "set interfaces " + port + " " : "") +
                     "speed 100', which configure_port does not set") != std::string::npos);
    CHECK(r.err.find("every touched port was restored") != std::string::npos);
    auto st = site.sim->state("tor");
    CHECK(st["running"][port]["description"] == "");
    CHECK(st["running"][port]["vlan"] == 0);
    CHECK(site.sql("SELECT status FROM requests") == "failed\n");
  }
}

TEST_CASE("a pager that never ends fails the command within its deadline") {
  for (const auto& v : kVendors) {
    for (const char* fault : {"endless_pager", "tiny_pages"}) {
      INFO(v.vendor << ", " << fault);
      json extra = {{"faults", {{fault, {{"match", showCommand(v.vendor)}, {"times", 1}}}}}};
      Site site(Switches{simSwitch("tor", v.vendor, v.range, extra)}, COLO_SOURCE_DIR "/playbooks",
                2);
      auto before = site.sim->state("tor");
      auto r = site.colo({"provision", site.request("REQ-1", 1)});
      INFO(r.err);
      CHECK(r.exit_code == 1);
      if (std::string(fault) == "endless_pager")
        CHECK(r.err.find("the pager showed an empty page (page 2); giving up on the command") !=
              std::string::npos);
      else
        CHECK(r.err.find("pages; limits.command_s bounds the whole command)") != std::string::npos);
      CHECK(r.err.find("no switch was changed") != std::string::npos);
      checkUntouched(site, "tor", before);
    }
  }
}

TEST_CASE("colo retry: a failed request runs again from its stored body, nothing else is touched") {
  // The switch refuses the VLAN once: the first attempt fails and restores.
  Site site(Switches{
      simSwitch("tor", "cisco_ios", "GigabitEthernet1/0/1-8",
                {{"enable_password", "en-pw"},
                 {"faults", {{"reject", {{"match", "switchport access vlan"}, {"times", 1}}}}}})});
  auto first = site.colo({"provision", site.request("REQ-1", 1)});
  REQUIRE(first.exit_code == 1);
  REQUIRE(site.sql("SELECT status, attempt FROM requests") == "failed|1\n");
  // The request's file is gone: the id is enough.
  std::filesystem::remove(site.dir.file("REQ-1.json"));
  auto r = site.colo({"retry", "REQ-1"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("provisioned REQ-1 (BAPPEDA, letter 1/T/2026, attempt 2)") == 0);
  CHECK(site.sql("SELECT status, attempt FROM requests") == "completed|2\n");
  CHECK(site.sim->state("tor")["saved"]["GigabitEthernet1/0/1"]["vlan"] == 120);
  CHECK(site.sql("SELECT detail FROM events WHERE kind = 'planning' ORDER BY seq DESC LIMIT 1") ==
        "colo retry: attempt 2\n");
  // Anything but a failed request is refused, exit 1, and left as it was.
  auto events = site.sql("SELECT count(*) FROM events");
  auto again = site.colo({"retry", "REQ-1"});
  CHECK(again.exit_code == 1);
  CHECK(again.err ==
        "colo: request REQ-1 is completed; only a failed request is retried (nothing was "
        "changed)\n");
  CHECK(site.sql("SELECT count(*) FROM events") == events);
  CHECK(site.sql("SELECT status, attempt FROM requests") == "completed|2\n");
  auto missing = site.colo({"retry", "REQ-NOPE"});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err == "colo: request REQ-NOPE does not exist\n");
  // `provision ID` of an unknown id names both readings of the argument.
  auto unknown = site.colo({"provision", "REQ-NOPE"});
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err.find("REQ-NOPE: no such request file, and no request REQ-NOPE in the ledger") !=
        std::string::npos);
}

TEST_CASE("colo --json request ID gives the request as it was received") {
  Site site(Switches{
      simSwitch("tor", "cisco_ios", "GigabitEthernet1/0/1-8", {{"enable_password", "en-pw"}})});
  REQUIRE(site.colo({"reserve", site.request("REQ-1", 1)}).exit_code == 0);
  auto r = site.colo({"--json", "request", "REQ-1"});
  REQUIRE(r.exit_code == 0);
  auto sent = json::parse(colo::test::Child::slurp(site.dir.file("REQ-1.json")));
  auto got = json::parse(r.out);
  CHECK(got["request"]["id"] == "REQ-1");
  CHECK(got["request"]["servers"] == sent["servers"]);
  CHECK(got["attempt"] == 1);
}

TEST_CASE("release --forget-switches frees the rest and holds the ports until they are clean") {
  Site site(Switches{
      simSwitch("tor", "cisco_ios", "GigabitEthernet1/0/1-8", {{"enable_password", "en-pw"}})});
  REQUIRE(site.colo({"provision", site.request("REQ-1", 1)}).exit_code == 0);
  // Its letter, and how to print it without the browser's own header and footer.
  auto letter = site.colo({"letter", "REQ-1", "-o", site.dir.file("letter.html")});
  CHECK(letter.exit_code == 0);
  CHECK(letter.err.find("chromium --headless --no-pdf-header-footer --print-to-pdf=REQ-1.pdf ") !=
        std::string::npos);
  const std::string simPort = "port: " + std::to_string(site.sim->port("tor"));
  auto inventoryText = colo::test::Child::slurp(site.inventory);
  auto withPort = [&](const std::string& port) {
    auto text = inventoryText;
    text.replace(text.find(simPort), simPort.size(), port);
    site.dir.write("inventory.yaml", text);
  };
  // The switch is gone: nothing listens where it was.
  withPort("port: 1");
  auto refused = site.colo({"release", "REQ-1"});
  CHECK(refused.exit_code == 1);
  // It keeps its ending; the release's failure is recorded apart.
  CHECK(site.sql("SELECT status, reason, release_reason FROM requests") ==
        "completed|completed|switch_unreachable\n");
  CHECK(site.sql("SELECT release_error FROM requests").find("Connection refused") !=
        std::string::npos);
  auto shown = json::parse(site.colo({"--json", "request", "REQ-1"}).out);
  CHECK(shown["release_failed"]["reason"] == "switch_unreachable");

  auto noReason = site.colo({"release", "--forget-switches", "REQ-1"});
  CHECK(noReason.exit_code == 2);
  CHECK(noReason.err.find("--reason: a reason is required") != std::string::npos);
  auto stray = site.colo({"release", "--reason", "why", "REQ-1"});
  CHECK(stray.exit_code == 2);
  CHECK(site.sql("SELECT status FROM requests") == "completed\n");

  auto r =
      site.colo({"release", "--forget-switches", "--reason", "tor replaced after a fire", "REQ-1"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("released REQ-1 without touching the switches") == 0);
  CHECK(r.out.find("  tor GigabitEthernet1/0/1 (VLAN 120, web0)\n") != std::string::npos);
  CHECK(r.out.find("description unused") != std::string::npos);  // what colo would have sent
  CHECK(site.sql("SELECT status, reason, release_reason FROM requests") ==
        "released|switches_forgotten|\n");
  CHECK(site.sql("SELECT switch, port, request_id FROM port_claims") ==
        "tor|GigabitEthernet1/0/1|REQ-1\n");
  CHECK(site.sql("SELECT (SELECT count(*) FROM unit_claims) + (SELECT count(*) FROM "
                 "power_claims) + (SELECT count(*) FROM address_claims)") == "0\n");
  auto log = site.sql("SELECT group_concat(detail, ' | ') FROM events WHERE request_id = 'REQ-1'");
  CHECK(log.find("tor replaced after a fire") != std::string::npos);
  CHECK(log.find("ports to clean by hand") != std::string::npos);
  // Asked again: nothing to do.
  auto again = site.colo({"release", "--forget-switches", "--reason", "again", "REQ-1"});
  CHECK(again.exit_code == 0);
  CHECK(again.out == "request REQ-1 was already released (nothing was changed)\n");

  // The port to clean is not handed out again.
  REQUIRE(site.colo({"reserve", site.request("REQ-2", 1)}).exit_code == 0);
  CHECK(site.sql("SELECT port FROM port_claims WHERE request_id = 'REQ-2'") ==
        "GigabitEthernet1/0/2\n");

  // The switch is back; the port still carries REQ-1's configuration.
  withPort(simPort);
  auto dirty = site.colo({"validate", "--online"});
  CHECK(dirty.exit_code == 2);
  CHECK(dirty.err.find("switch tor port GigabitEthernet1/0/1 is to be cleaned by hand (REQ-1 was "
                       "released without touching the switches) but shows") != std::string::npos);
  CHECK(site.sql("SELECT count(*) FROM port_claims WHERE request_id = 'REQ-1'") == "1\n");

  // A technician cleans it by hand; the next check returns it to the free ports.
  {
    colo::drivers::SshOptions o;
    o.host = "127.0.0.1";
    o.port = site.sim->port("tor");
    o.username = "colo";
    o.password = "s3cret-pw";
    o.known_hosts = site.sim->knownHosts();
    colo::drivers::Device d("tor", colo::drivers::openSsh(o),
                            *colo::drivers::dialectFor("cisco_ios"), std::chrono::seconds(5),
                            "en-pw");
    d.open();
    d.configure({"default interface GigabitEthernet1/0/1", "interface GigabitEthernet1/0/1",
                 "shutdown", "exit"});
    d.save();
  }
  auto clean = site.colo({"validate", "--online"});
  INFO(clean.err);
  CHECK(clean.exit_code == 0);
  CHECK(clean.out.find("cleaned: switch tor port GigabitEthernet1/0/1 (to clean since REQ-1 was "
                       "released without touching the switches)") != std::string::npos);
  CHECK(site.sql("SELECT count(*) FROM port_claims WHERE request_id = 'REQ-1'") == "0\n");
}

TEST_CASE("forgotten ports on a switch gone from the inventory are no longer held") {
  Site site(Switches{
      simSwitch("tor", "cisco_ios", "GigabitEthernet1/0/1-8", {{"enable_password", "en-pw"}})});
  REQUIRE(site.colo({"provision", site.request("REQ-1", 1)}).exit_code == 0);
  REQUIRE(site.colo({"release", "--forget-switches", "--reason", "gone", "REQ-1"}).exit_code == 0);
  // The port's access_ports no longer list it (the switch was replaced by a smaller one).
  auto text = colo::test::Child::slurp(site.inventory);
  text.replace(text.find("GigabitEthernet1/0/1-8"), 22, "GigabitEthernet1/0/2-8");
  site.dir.write("inventory.yaml", text);
  auto r = site.colo({"validate"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("cleaned: switch tor port GigabitEthernet1/0/1") == 0);
  CHECK(r.out.find("no longer an access port: no longer held") != std::string::npos);
  CHECK(site.sql("SELECT count(*) FROM port_claims") == "0\n");
}
