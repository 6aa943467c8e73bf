// The cabling check (docs/design.md §17) end to end: the real binary, the
// SSH simulator playing servers plugged into ports, a real ledger.
#include <catch2/catch.hpp>

#include <map>
#include <nlohmann/json.hpp>

#include "../support/two_switch_site.h"

using colo::test::SiteOptions;
using colo::test::TwoSwitchSite;
using nlohmann::json;

namespace {

// web0 on switch a (IOS), web1 on switch b (EOS), two NICs each; the NICs
// name their MACs where `macs` says.
std::string request(const std::string& id, const std::vector<std::string>& macs,
                    const std::string& callback = "") {
  auto nic = [&](std::size_t i) {
    std::string mac = i < macs.size() && !macs[i].empty() ? R"(, "mac": ")" + macs[i] + "\"" : "";
    return R"({"pools": ["pub-v4"])" + mac + "}";
  };
  auto server = [&](const std::string& host, std::size_t first) {
    return R"({"hostname": ")" + host +
           R"(", "units": 2, "power_watts": 300, "redundant_power": true, "nics": [)" + nic(first) +
           ", " + nic(first + 1) + "]}";
  };
  return R"({"id": ")" + id +
         R"(", "letter_number": "1/T/2026", "tenant": {"code": "BAPPEDA", "name": "Bappeda"},
      "received_at": "2026-11-23T08:30:00+07:00", )" +
         (callback.empty() ? "" : R"("callback_url": ")" + callback + R"(", )") +
         R"("servers": [)" + server("web0", 0) + ", " + server("web1", 2) + "]}";
}

json lldp(const std::string& name) {
  return {{"system_name", name}, {"port_id", "eno1"}};
}

}  // namespace

TEST_CASE("colo check says which NICs are plugged in right and what is wrong with the others") {
  SiteOptions o;
  // web0 nic0: announces itself over LLDP (its FQDN). web0 nic1: its cable
  // went into the free port next door. web1 nic0: link, but no LLDP and no
  // MAC to go by. web1 nic1: nothing plugged in.
  o.serversA = {{"GigabitEthernet1/0/1", {{"lldp", lldp("web0.dinkes.example")}}},
                {"GigabitEthernet1/0/3", {{"macs", {"00:50:56:a3:00:02"}}}}};
  o.serversB = {{"Ethernet1", {{"macs", {"00:50:56:a3:00:03"}}, {"input_errors", 12}}}};
  TwoSwitchSite site(o);
  auto file = site.dir.write("REQ-C.json", request("REQ-C", {"", "0050.56a3.0002"}));
  REQUIRE(site.colo({"provision", file}).exit_code == 0);
  auto before = site.sim->state("a")["commands"].size();

  auto r = site.colo({"check", "REQ-C", "--json"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  auto j = json::parse(r.out);
  CHECK(j["request_id"] == "REQ-C");
  CHECK(j["ok"] == false);
  REQUIRE(j["nics"].size() == 4);
  auto nic = [&](const std::string& host, int n) {
    for (const auto& x : j["nics"])
      if (x["hostname"] == host && x["nic"] == n) return x;
    FAIL("no NIC " << host << " " << n);
    return json();
  };
  auto w00 = nic("web0", 0);
  CHECK(w00["verdict"] == "ok");
  CHECK(w00["switch"] == "a");
  CHECK(w00["port"] == "GigabitEthernet1/0/1");
  CHECK(w00["link"] == "up");
  CHECK(w00["lldp"]["system_name"] == "web0.dinkes.example");
  CHECK(w00["lldp"]["port_id"] == "eno1");
  auto w01 = nic("web0", 1);
  CHECK(w01["verdict"] == "wrong_server");
  CHECK(w01["link"] == "down");
  CHECK(w01["expected_mac"] == "00:50:56:a3:00:02");
  CHECK(w01["found_on"] == "Gi1/0/3");
  CHECK_THAT(w01["detail"].get<std::string>(), Catch::Contains("is learned on Gi1/0/3"));
  auto w10 = nic("web1", 0);
  CHECK(w10["verdict"] == "unverified");
  CHECK(w10["macs"] == json::array({"00:50:56:a3:00:03"}));
  CHECK(w10["lldp"].is_null());
  CHECK(w10["input_errors"] == 12);
  CHECK_THAT(w10["detail"].get<std::string>(), Catch::Contains("lldpd"));
  auto w11 = nic("web1", 1);
  CHECK(w11["verdict"] == "no_link");
  CHECK(w11["macs"] == json::array());

  // Read-only: only show commands went to the switch, and nothing changed.
  auto st = site.sim->state("a");
  auto sent = st["commands"];
  REQUIRE(sent.size() > before);
  for (std::size_t i = before; i < sent.size(); ++i) {
    auto c = sent[i].get<std::string>();
    INFO(c);
    CHECK((c.rfind("show ", 0) == 0 || c.rfind("terminal ", 0) == 0 || c == "exit"));
  }
  CHECK(st["running"] == st["saved"]);

  // Kept with the request: its step log, its checks, newest first.
  auto req = json::parse(site.colo({"request", "REQ-C", "--json"}).out);
  REQUIRE(req["checks"].size() == 1);
  CHECK(req["checks"][0]["state"] == "done");
  CHECK(req["checks"][0]["ok"] == false);
  CHECK(req["checks"][0]["nics"].size() == 4);
  CHECK(req["events"].back()["kind"] == "checked");
  CHECK(req["events"].back()["detail"] ==
        "cabling checked: 4 NICs: 1 ok, 1 no_link, 1 wrong_server, 1 unverified");

  // The table for people, with what to do for each NIC not ok.
  auto text = site.colo({"check", "REQ-C"});
  CHECK(text.exit_code == 1);
  CHECK_THAT(text.out, Catch::Contains("VERDICT"));
  CHECK_THAT(text.out, Catch::Contains("web0 nic1 (a GigabitEthernet1/0/2): wrong_server"));
  CHECK_THAT(text.out, Catch::Contains("web1 nic1 (b Ethernet2): no_link"));
  CHECK(json::parse(site.colo({"request", "REQ-C", "--json"}).out)["checks"].size() == 2);
  // The letter states the cabling as not verified for a server not all ok.
  CHECK_THAT(site.colo({"letter", "REQ-C"}).out,
             Catch::Contains("web1<br><span class=\"cabling\">Kabel belum diverifikasi</span>"));
}

TEST_CASE("colo check on a Huawei and an H3C switch reads their own formats") {
  // web0 on switch a (VRP): nic0 announces itself, nic1's cable went into
  // the free port next door (VRP's table says "GE0/0/3"). web1 on switch b
  // (Comware): nic0 is known by its MAC only, nic1 has nothing plugged in.
  auto o = colo::test::withLeftovers("huawei_vrp", "hp_comware");
  o.initialA = o.initialB = json::object();
  o.serversA = {{"GigabitEthernet0/0/1", {{"lldp", lldp("web0.dinkes.example")}}},
                {"GigabitEthernet0/0/3", {{"macs", {"52:54:00:a3:00:02"}}}}};
  o.serversB = {{"GigabitEthernet1/0/1", {{"macs", {"52:54:00:a3:00:03"}}, {"input_errors", 12}}}};
  TwoSwitchSite site(o);
  auto file =
      site.dir.write("REQ-C.json", request("REQ-C", {"", "5254-00a3-0002", "52:54:00:a3:00:03"}));
  REQUIRE(site.colo({"provision", file}).exit_code == 0);
  std::map<std::string, std::size_t> sent;
  for (const char* sw : {"a", "b"}) sent[sw] = site.sim->state(sw)["commands"].size();
  auto r = site.colo({"check", "REQ-C", "--json"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  auto j = json::parse(r.out);
  REQUIRE(j["nics"].size() == 4);
  std::map<std::string, json> by;
  for (const auto& x : j["nics"])
    by[x["hostname"].get<std::string>() + "/" + std::to_string(x["nic"].get<int>())] = x;
  CHECK(by["web0/0"]["verdict"] == "ok");
  CHECK(by["web0/0"]["port"] == "GigabitEthernet0/0/1");
  CHECK(by["web0/0"]["lldp"]["system_name"] == "web0.dinkes.example");
  CHECK(by["web0/1"]["verdict"] == "wrong_server");
  CHECK(by["web0/1"]["found_on"] == "GigabitEthernet0/0/3");
  CHECK(by["web1/0"]["verdict"] == "ok");
  CHECK(by["web1/0"]["input_errors"] == 12);
  CHECK(by["web1/1"]["verdict"] == "no_link");
  // Read-only: no configuration command reached either switch.
  for (const char* sw : {"a", "b"}) {
    auto commands = site.sim->state(sw)["commands"];
    CHECK(commands.size() > sent[sw]);
    for (std::size_t i = sent[sw]; i < commands.size(); ++i)
      CHECK(commands[i].get<std::string>() != "system-view");
  }
}

TEST_CASE("colo check refuses what cannot be checked, saying why") {
  TwoSwitchSite site;
  auto missing = site.colo({"check", "REQ-NONE"});
  CHECK(missing.exit_code == 1);
  CHECK_THAT(missing.err, Catch::Contains("REQ-NONE is not in the ledger"));
  REQUIRE(site.colo({"reserve", site.requestFile("REQ-R")}).exit_code == 0);
  auto reserved = site.colo({"check", "REQ-R"});
  CHECK(reserved.exit_code == 1);
  CHECK_THAT(reserved.err, Catch::Contains("only a completed request's cabling can be checked"));
  auto badInterval = site.colo({"check", "REQ-R", "--watch", "--interval", "5x"});
  CHECK(badInterval.exit_code == 2);
  CHECK_THAT(badInterval.err, Catch::Contains("--interval 5x: give seconds or minutes"));
}

TEST_CASE("colo check --watch follows the technician plugging a cable in") {
  SiteOptions o;
  o.serversA = {{"GigabitEthernet1/0/1", {{"lldp", lldp("web0")}}},
                {"GigabitEthernet1/0/2", {{"macs", {"00:50:56:a3:00:02"}}}}};
  // web1 nic0's link comes up at the third reading; its errors grow.
  o.serversB = {
      {"Ethernet1", {{"lldp", lldp("web1")}, {"link_after_reads", 3}, {"errors_per_read", 4}}},
      {"Ethernet2", {{"lldp", lldp("web1")}}}};
  TwoSwitchSite site(o);
  auto file = site.dir.write("REQ-W.json", request("REQ-W", {"", "00:50:56:a3:00:02"}));
  REQUIRE(site.colo({"provision", file}).exit_code == 0);
  auto r = site.colo({"check", "REQ-W", "--watch", "--interval", "1s", "--timeout", "2m"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("web1 nic0 (b Ethernet1): no_link, link down"));
  CHECK_THAT(r.out, Catch::Contains("web1 nic0 (b Ethernet1): ok, link up"));
  CHECK_THAT(r.out, Catch::Contains("input errors grew by"));
  CHECK_THAT(r.out, Catch::Contains("4 NICs: 4 ok"));
  // Only the last check is recorded.
  auto req = json::parse(site.colo({"request", "REQ-W", "--json"}).out);
  REQUIRE(req["checks"].size() == 1);
  CHECK(req["checks"][0]["ok"] == true);
}

TEST_CASE("POST /v1/requests/{id}/check: a worker checks, GET shows it, a callback tells") {
  SiteOptions o;
  o.serversA = {{"GigabitEthernet1/0/1", {{"lldp", lldp("web0")}}},
                {"GigabitEthernet1/0/2", {{"lldp", lldp("web0")}}}};
  o.serversB = {{"Ethernet1", {{"lldp", lldp("web1")}}}, {"Ethernet2", {{"lldp", lldp("web1")}}}};
  TwoSwitchSite site(o);
  auto file = site.dir.write("REQ-A.json", request("REQ-A", {}, "http://127.0.0.1:1/cb"));
  REQUIRE(site.colo({"provision", file}).exit_code == 0);
  site.startAgent();
  std::string base = "http://127.0.0.1:" + std::to_string(site.agent->port());
  auto curl = [&](const std::string& token, const std::string& method, const std::string& path) {
    auto r = colo::test::run({"/usr/bin/curl", "-s", "-w", "\n%{http_code}", "-X", method, "-H",
                              "Authorization: Bearer " + token, base + path},
                             site.dir);
    auto nl = r.out.rfind('\n');
    return std::pair{std::atoi(r.out.c_str() + nl + 1), r.out.substr(0, nl)};
  };
  // A requester may not; a technician may; a second ask while one is
  // pending is the same check.
  CHECK(curl(colo::test::kSiteToken, "POST", "/v1/requests/REQ-A/check").first == 403);
  auto [code, body] = curl(colo::test::kSiteTechToken, "POST", "/v1/requests/REQ-A/check");
  INFO(body);
  REQUIRE(code == 202);
  auto asked = json::parse(body);
  CHECK(asked["id"] == "REQ-A");
  auto id = asked["check"]["id"];
  CHECK(curl(colo::test::kSiteTechToken, "POST", "/v1/requests/REQ-NONE/check").first == 404);
  json got;
  REQUIRE(TwoSwitchSite::eventually([&] {
    auto [c, b] = curl(colo::test::kSiteTechToken, "GET", "/v1/requests/REQ-A");
    got = json::parse(b);
    return c == 200 && !got["checks"].empty() && got["checks"][0]["state"] == "done";
  }));
  auto check = got["checks"][0];
  CHECK(check["id"] == id);
  CHECK(check["ok"] == true);
  CHECK(check["requested_by"] == "api:sik-tech");
  REQUIRE(check["nics"].size() == 4);
  for (const auto& n : check["nics"]) CHECK(n["verdict"] == "ok");
  CHECK(got["steps"].back()["kind"] == "checked");
  // request.checked waits in the outbox for the request system.
  auto cb = site.sql("SELECT body FROM outbox WHERE event = 'checked'");
  REQUIRE_FALSE(cb.empty());
  auto sent = json::parse(cb);
  CHECK(sent["type"] == "request.checked");
  CHECK(sent["check_id"] == id);
  CHECK(sent["ok"] == true);
  CHECK(sent["nics"].size() == 4);
  // The letter says when each server's cabling was verified.
  auto letter = site.colo({"letter", "REQ-A"});
  CHECK_THAT(letter.out, Catch::Contains("web0<br><span class=\"cabling\">Kabel terverifikasi "));
}
