// A small data center for lifecycle tests: two simulated switches ("a",
// Cisco IOS; "b", Arista EOS), one rack per switch with room for exactly one
// 2U server, a ledger made by `colo init`, and a config for the CLI and the
// agent. A request of two 2U servers with two NICs each therefore spans both
// switches: 4 ports, 2 per switch.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "agent.h"
#include "ledger_state.h"
#include "process.h"
#include "switchsim.h"

namespace colo::test {

inline const std::string kSiteToken = "colo_lifecycle_token_for_tests_only";
inline const std::string kSiteTechToken = "colo_technician_token_for_tests_only";

// The four access ports the site's switches offer, per vendor.
inline std::string sitePorts(const std::string& vendor) {
  if (vendor == "arista_eos") return "Ethernet1-4";
  if (vendor == "juniper_junos") return "ge-0/0/1-4";
  if (vendor == "huawei_vrp") return "GigabitEthernet0/0/1-4";
  return "GigabitEthernet1/0/1-4";  // cisco_ios, hp_comware
}

// Port n (1-4) of a site switch of `vendor`.
inline std::string sitePort(const std::string& vendor, int n) {
  auto range = sitePorts(vendor);
  return range.substr(0, range.size() - 3) + std::to_string(n);
}

struct SiteOptions {
  // Switch a is a Catalyst and switch b an Arista unless a test says.
  std::string vendorA = "cisco_ios", vendorB = "arista_eos";
  nlohmann::json faultsA = nlohmann::json::object(), faultsB = nlohmann::json::object();
  nlohmann::json initialA = nlohmann::json::object(), initialB = nlohmann::json::object();
  // What is plugged into each switch's ports (switchsim's "servers").
  nlohmann::json serversA = nlohmann::json::object(), serversB = nlohmann::json::object();
  // (rack, switch) pairs; each rack has room for one 2U server.
  std::vector<std::pair<std::string, std::string>> racks = {{"ra", "a"}, {"rb", "b"}};
  std::string playbooks = COLO_SOURCE_DIR "/playbooks";
  std::string passwordEnv = "COLO_TEST_SW_PASSWORD";
  bool knownHosts = true;  // false: an empty known_hosts file
  int workers = 1;
  int commandTimeout = 2;
  int callbackTimeout = 10;  // callback.timeout_s
  std::string extraConfig;   // more top-level config lines
  std::vector<int>
      callbackPorts;  // receivers on 127.0.0.1 that callbacks may go to (besides port 1)
  std::string state;  // the ledger; a new one (ledger_state.h) when empty
};

// Agent "one" (lease 5 s) whose first `description` command on switch a
// hangs for up to `commandTimeout` s: it stands mid-configure, holding
// switch a, until something happens.
inline SiteOptions hangingSite(int commandTimeout) {
  SiteOptions o;
  o.faultsA = {{"hang", {{"match", "description"}, {"times", 1}}}};
  o.commandTimeout = commandTimeout;
  o.extraConfig = "agent_id: one\nlease_s: 5\n";
  return o;
}

inline std::string allowedUrls(std::vector<int> ports) {
  ports.push_back(1);
  std::string out;
  for (int p : ports)
    out += (out.empty() ? "\"" : ", \"") + std::string("http://127.0.0.1:") + std::to_string(p) +
           "/\"";
  return out;
}

struct TwoSwitchSite {
  TempDir dir;
  std::string state;
  std::unique_ptr<SwitchSim> sim;
  std::string config;
  std::unique_ptr<Agent> agent;
  int callbackPort = 1;  // nothing listens there: callbacks stay in the outbox
  std::string vendorA, vendorB;

  explicit TwoSwitchSite(const SiteOptions& o = {})
      : state(o.state.empty() ? ledgerState(dir, "var/colo.db") : o.state),
        vendorA(o.vendorA),
        vendorB(o.vendorB) {
    setenv("COLO_TEST_SW_PASSWORD", "s3cret-pw", 1);
    setenv("COLO_TEST_CB_SECRET", "callback-secret", 1);
    sim = std::make_unique<SwitchSim>(Switches{
        simSwitch("a", o.vendorA, sitePorts(o.vendorA),
                  {{"faults", o.faultsA}, {"initial", o.initialA}, {"servers", o.serversA}}),
        simSwitch("b", o.vendorB, sitePorts(o.vendorB),
                  {{"faults", o.faultsB}, {"initial", o.initialB}, {"servers", o.serversB}})});
    std::string racks;
    for (const auto& [rack, sw] : o.racks)
      racks += "  - {name: " + rack +
               ", height: 3, reserved_units: [3], power: {feeds: [{name: " + rack +
               "-A, capacity_watts: 5000}, {name: " + rack +
               "-B, capacity_watts: 5000}]}, switches: [" + sw + "]}\n";
    dir.write(
        "inventory.yaml",
        "site: {name: dc-test, timezone: Asia/Pontianak}\nracks:\n" + racks +
            "switches:\n"
            "  - {name: a, vendor: " +
            o.vendorA + ", address: 127.0.0.1, port: " + std::to_string(sim->port("a")) +
            ", credentials: lab, access_ports: \"" + sitePorts(o.vendorA) +
            "\"}\n  - {name: b, vendor: " + o.vendorB +
            ", address: 127.0.0.1, port: " + std::to_string(sim->port("b")) +
            ", credentials: lab, access_ports: \"" + sitePorts(o.vendorB) +
            "\"}\n"
            "vlans: [{id: 120, name: pub}]\nip_pools:\n  - {name: pub-v4, prefix: 192.0.2.0/24, "
            "gateway: 192.0.2.1, vlan: 120}\n");
    std::string knownHosts = o.knownHosts ? sim->knownHosts() : dir.write("empty_known_hosts", "");
    auto sha = [&](const std::string& token) {
      return run({"/bin/sh", "-c", "printf %s '" + token + "' | sha256sum"}, dir).out.substr(0, 64);
    };
    auto hash = sha(kSiteToken);
    config = dir.write(
        "colo.yaml",
        "inventory: inventory.yaml\nstate: " + state + "\nplaybooks: " + o.playbooks +
            "\nknown_hosts: " + knownHosts +
            "\ncredentials:\n  lab: {username: colo, password_env: " + o.passwordEnv +
            "}\nlisten: 127.0.0.1:0\nworkers: " + std::to_string(o.workers) +
            "\ntokens:\n  - {name: request-system, role: requester, sha256: \"" + hash +
            "\"}\n  - {name: sik-tech, role: technician, sha256: \"" + sha(kSiteTechToken) +
            "\"}\n"
            "callback: {secret_env: COLO_TEST_CB_SECRET, retry_base_ms: 100, max_attempts: 50, "
            "timeout_s: " +
            std::to_string(o.callbackTimeout) + ", allowed_urls: [" + allowedUrls(o.callbackPorts) +
            "]}\n"
            "timeouts: {connect_s: 2, command_s: " +
            std::to_string(o.commandTimeout) + ", save_s: " + std::to_string(o.commandTimeout) +
            "}\n" + o.extraConfig);
    auto r = colo({"init"});
    if (r.exit_code != 0) throw std::runtime_error("colo init failed: " + r.err);
  }

  Result colo(std::vector<std::string> args) {
    args.insert(args.begin(), {COLO_BINARY, "--config", config});
    return run(args, dir);
  }
  std::unique_ptr<Child> coloChild(std::vector<std::string> args) {
    args.insert(args.begin(), {COLO_BINARY, "--config", config});
    return std::make_unique<Child>(args, dir);
  }

  // Two 2U servers (one per rack), two NICs each.
  std::string request(const std::string& id, int units = 2) {
    std::string server =
        R"("units": )" + std::to_string(units) +
        R"(, "power_watts": 300, "redundant_power": true, "nics": [{"pools": ["pub-v4"]}, {"pools": ["pub-v4"]}]})";
    return R"({"id": ")" + id +
           R"(", "letter_number": "1/T/2026", "tenant": {"code": "BAPPEDA", "name": "Bappeda"},
      "received_at": "2026-11-23T08:30:00+07:00", "callback_url": "http://127.0.0.1:)" +
           std::to_string(callbackPort) + R"(/cb",
      "servers": [{"hostname": "web0", )" +
           server + R"(, {"hostname": "web1", )" + server + "]}";
  }
  std::string requestFile(const std::string& id, int units = 2) {
    return dir.write(id + ".json", request(id, units));
  }

  void startAgent() { agent = std::make_unique<Agent>(config); }
  int post(const std::string& body) {
    auto r =
        run({"/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-H",
             "Authorization: Bearer " + kSiteToken, "-H", "Content-Type: application/json",
             "--data-binary", "@" + dir.write("post.json", body),
             "http://127.0.0.1:" + std::to_string(agent->port()) + "/v1/requests"},
            dir);
    return std::atoi(r.out.c_str());
  }

  std::string sql(const std::string& q) { return ledgerSql(state, q, dir); }
  std::string status(const std::string& id) {
    auto s = sql("SELECT status FROM requests WHERE id = '" + id + "'");
    return s.empty() ? "" : s.substr(0, s.size() - 1);
  }

  // Polls (bounded) until `done` holds; false when it never did.
  template <typename F>
  static bool eventually(F&& done, std::chrono::milliseconds limit = std::chrono::seconds(30)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return done();
  }
  bool waitEnded(const std::string& id) {
    return eventually([&] {
      auto s = status(id);
      return s == "completed" || s == "failed" || s == "released";
    });
  }
  // Until switch `sw` sits on a hung command.
  bool waitHung(const std::string& sw) {
    return eventually([&] {
      try {
        return sim->state(sw).value("hung", 0) > 0;
      } catch (const std::exception&) {
        return false;  // not written yet
      }
    });
  }
  nlohmann::json ports(const std::string& sw) {
    auto st = sim->state(sw);
    return {{"running", st["running"]}, {"saved", st["saved"]}};
  }

  // What must hold once request `id` (made by request()) has ended: the
  // ledger and both switches agree, and exactly one terminal callback is in
  // the outbox. `before` is ports() of each switch before the job. Returns
  // what does not hold; empty when all does.
  std::string disagreements(const std::string& id, const nlohmann::json& beforeA,
                            const nlohmann::json& beforeB) {
    std::string out;
    auto s = status(id);
    auto claims = sql(
        "SELECT (SELECT count(*) FROM unit_claims) || ' ' || (SELECT count(*) FROM port_claims) "
        "|| ' ' || (SELECT count(*) FROM address_claims) || ' ' || (SELECT count(*) FROM "
        "power_claims)");
    auto nowA = ports("a"), nowB = ports("b");
    if (s == "completed") {
      if (claims != "4 4 4 4\n") out += "completed but claims are " + claims;
      for (auto [sw, list] :
           {std::pair{"a", std::vector<std::string>{sitePort(vendorA, 1), sitePort(vendorA, 2)}},
            std::pair{"b", std::vector<std::string>{sitePort(vendorB, 1), sitePort(vendorB, 2)}}}) {
        auto now = std::string(sw) == "a" ? nowA : nowB;
        for (const auto& port : list)
          for (const char* which : {"running", "saved"}) {
            const auto& p = now[which][port];
            std::string want =
                "colo BAPPEDA " + std::string(sw == std::string("a") ? "web0 " : "web1 ") + id;
            if (p["description"] != want || p["vlan"] != 120 || p["enabled"] != true)
              out += std::string("completed but ") + sw + " " + port + " " + which + " is " +
                     p.dump() + "; ";
          }
      }
    } else if (s == "failed") {
      if (claims != "0 0 0 0\n") out += "failed but claims are " + claims;
      if (nowA != beforeA)
        out += "failed but switch a changed: " + nowA.dump() + " vs " + beforeA.dump() + "; ";
      if (nowB != beforeB)
        out += "failed but switch b changed: " + nowB.dump() + " vs " + beforeB.dump() + "; ";
    } else {
      out += "status is '" + s + "', not an ending; ";
    }
    auto cb = sql("SELECT count(*) || ' ' || group_concat(event) FROM outbox WHERE request_id = '" +
                  id + "'");
    if (cb != "1 " + s + "\n") out += "outbox holds " + cb;
    if (sql("SELECT count(*) FROM requests WHERE owner != ''") != "0\n")
      out += "a job still has an owner; ";
    return out;
  }
};

// Ports that start with something on them that a restore must bring back
// byte for byte: colo's own "released" state with a leftover VLAN, and a
// shut port with a VLAN.
inline SiteOptions withLeftovers(const std::string& vendorA = "cisco_ios",
                                 const std::string& vendorB = "arista_eos") {
  SiteOptions o;
  o.vendorA = vendorA;
  o.vendorB = vendorB;
  auto leftover = [](const std::string& vendor, const char* description, int vlan) {
    nlohmann::json p = {{"description", description}, {"vlan", vlan}, {"enabled", false}};
    if (vendor == "huawei_vrp") p["mode"] = "access";  // VRP takes a VLAN on access ports only
    return p;
  };
  o.initialA = {{sitePort(vendorA, 1), leftover(vendorA, "unused", 99)}};
  o.initialB = {{sitePort(vendorB, 2), leftover(vendorB, "", 7)}};
  return o;
}

// The command that saves on `vendor`'s switches.
inline std::string saveCommand(const std::string& vendor) {
  if (vendor == "huawei_vrp") return "save";
  if (vendor == "hp_comware") return "save force";
  return "write memory";
}

// The commands switch `sw` gets for one whole job, from a run without faults.
inline std::vector<std::string> commandsOfCleanRun(const std::string& sw,
                                                   const std::string& vendorA = "cisco_ios",
                                                   const std::string& vendorB = "arista_eos") {
  TwoSwitchSite site(withLeftovers(vendorA, vendorB));
  auto r = site.colo({"provision", site.requestFile("REQ-S")});
  if (r.exit_code != 0) throw std::runtime_error("clean run failed: " + r.err);
  return site.sim->state(sw)["commands"].get<std::vector<std::string>>();
}

}  // namespace colo::test
