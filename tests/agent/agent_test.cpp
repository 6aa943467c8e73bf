// `colo agent` as it runs: the real binary, the switch simulator over SSH, a
// real SQLite ledger, and curl as the HTTP client.
#include <catch2/catch.hpp>

#include <filesystem>
#include <regex>

#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "../support/agent.h"
#include "../support/dates.h"
#include "../support/ledger_state.h"
#include "../support/process.h"
#include "../support/receiver.h"
#include "../support/switchsim.h"
#include "http/api.h"
#include "http/server.h"

#include <openssl/hmac.h>

using colo::test::Agent;
using colo::test::Child;
using colo::test::Receiver;
using colo::test::simSwitch;
using colo::test::Switches;
using colo::test::SwitchSim;
using colo::test::TempDir;
using nlohmann::json;

namespace {

// Token and hash made once with `colo token`; tests use fixed ones.
const std::string kRequester = "colo_requester_token_for_tests_only";
const std::string kTechnician = "colo_technician_token_for_tests_only";

std::string sha256(const std::string& s) {
  TempDir d;
  auto f = d.write("t", s);
  auto r = colo::test::run({"/usr/bin/sha256sum", f}, d);
  return r.out.substr(0, 64);
}

struct Http {
  int status = 0;
  std::string body;
  std::string head;  // the response's header block, as sent
  json j() const { return json::parse(body); }
  bool hasHeader(const std::string& line) const {
    return head.find(line + "\r\n") != std::string::npos;
  }
};

struct Site {
  TempDir dir;
  std::string state = colo::test::ledgerState(dir, "var/colo.db");
  std::unique_ptr<SwitchSim> sim;
  std::string config;
  std::unique_ptr<Agent> agent;

  // `extra`: more top-level config; `callbackExtra`: more keys of callback;
  // `allowedUrls`: the callback.allowed_urls list's items.
  explicit Site(json faults = json::object(), int commandTimeout = 5, const std::string& extra = "",
                const std::string& callbackExtra = "",
                const std::string& allowedUrls = "\"http://127.0.0.1:9000/\"") {
    setenv("COLO_TEST_SW_PASSWORD", "s3cret-pw", 1);
    setenv("COLO_TEST_CB_SECRET", "callback-secret", 1);
    sim = std::make_unique<SwitchSim>(
        Switches{simSwitch("tor", "cisco_ios", "GigabitEthernet1/0/1-8", {{"faults", faults}})});
    dir.write(
        "inventory.yaml",
        "site: {name: dc-test, timezone: Asia/Pontianak}\nracks:\n"
        "  - {name: R1, height: 10, power: {feeds: [{name: A, capacity_watts: 5000}, {name: B, "
        "capacity_watts: 5000}]}, switches: [tor]}\n"
        "switches:\n  - {name: tor, vendor: cisco_ios, address: 127.0.0.1, port: " +
            std::to_string(sim->port("tor")) +
            ", credentials: lab, access_ports: \"GigabitEthernet1/0/1-8\"}\n"
            "vlans: [{id: 120, name: pub}]\nip_pools:\n  - {name: pub-v4, prefix: 192.0.2.0/24, "
            "gateway: 192.0.2.1, vlan: 120}\n");
    config = dir.write(
        "colo.yaml",
        "inventory: inventory.yaml\nstate: " + state +
            "\nplaybooks: " COLO_SOURCE_DIR "/playbooks\nknown_hosts: " + sim->knownHosts() +
            "\ncredentials:\n  lab: {username: colo, password_env: COLO_TEST_SW_PASSWORD}\n"
            "listen: 127.0.0.1:0\nworkers: 2\n"
            "tokens:\n  - {name: request-system, role: requester, sha256: \"" +
            sha256(kRequester) + "\"}\n  - {name: noc, role: technician, sha256: \"" +
            sha256(kTechnician) +
            "\"}\n"
            "callback: {secret_env: COLO_TEST_CB_SECRET, retry_base_ms: 100, max_attempts: 50, " +
            callbackExtra + "allowed_urls: [" + allowedUrls +
            "]}\n"
            "timeouts: {connect_s: 5, command_s: " +
            std::to_string(commandTimeout) + ", save_s: " + std::to_string(commandTimeout) + "}\n" +
            extra);
    start();
  }
  void start() { agent = std::make_unique<Agent>(config); }

  // What call() puts before the token in Authorization.
  std::string authScheme = "Bearer ";

  Http call(const std::string& method, const std::string& path, const std::string& token = "",
            const std::string& body = "") {
    std::vector<std::string> args = {"/usr/bin/curl",
                                     "-s",
                                     "-o",
                                     dir.file("body"),
                                     "-D",
                                     dir.file("head"),
                                     "-w",
                                     "%{http_code}",
                                     "-X",
                                     method,
                                     "http://127.0.0.1:" + std::to_string(agent->port()) + path};
    if (!token.empty()) args.insert(args.end(), {"-H", "Authorization: " + authScheme + token});
    if (!body.empty() || method == "POST")
      args.insert(args.end(), {"-H", "Content-Type: application/json", "--data-binary",
                               "@" + dir.write("req.json", body)});
    auto r = colo::test::run(args, dir);
    return {std::atoi(r.out.c_str()), Child::slurp(dir.file("body")),
            Child::slurp(dir.file("head"))};
  }

  // Two weeks before the test's now: late whatever day the suite runs.
  const std::string received = colo::test::receivedDaysAgo(14);
  std::string request(const std::string& id, const std::string& extra = "") {
    return R"({"id": ")" + id + R"(", "letter_number": "027/142/APTIKA/2026",
      "tenant": {"code": "BAPPEDA", "name": "Badan Perencanaan"}, "received_at": ")" +
           received + R"(",
      "servers": [{"hostname": "web01", "units": 2, "power_watts": 450, "redundant_power": true,
                   "nics": [{"pools": ["pub-v4"]}]}])" +
           extra + "}";
  }

  // Waits (bounded) until the request reaches one of `statuses`.
  json waitFor(const std::string& id, std::vector<std::string> statuses,
               const std::string& step = "", const std::string& token = kRequester) {
    for (int i = 0; i < 1000; ++i) {
      auto r = call("GET", "/v1/requests/" + id, token);
      if (r.status == 200) {
        auto j = r.j();
        bool stepSeen = step.empty();
        for (const auto& s : j["steps"]) stepSeen = stepSeen || s["kind"] == step;
        if (stepSeen && std::find(statuses.begin(), statuses.end(), j["status"]) != statuses.end())
          return j;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    FAIL("request " << id << " never reached the expected state; agent log:\n" << agent->log());
    return {};
  }

  std::string sql(const std::string& q) { return colo::test::ledgerSql(state, q, dir); }
};

}  // namespace

TEST_CASE("the whole path: POST, provisioned in the background, status with SLA, release",
          "[dates]") {
  // Copies to two offices: still one A4 page.
  Site site(json::object(), 5,
            "letter: {tembusan: [Gubernur Kalimantan Barat (sebagai laporan), Sekretaris Daerah "
            "Provinsi Kalimantan Barat]}\n");
  auto r = site.call("POST", "/v1/requests", kRequester, site.request("REQ-1"));
  REQUIRE(r.status == 202);
  CHECK(r.j()["status"] == "queued");
  CHECK(r.j()["url"] == "/v1/requests/REQ-1");
  auto done = site.waitFor("REQ-1", {"completed", "failed"});
  INFO(done.dump(2));
  CHECK(done["status"] == "completed");
  CHECK(done["allocation"][0]["nics"][0]["port"] == "GigabitEthernet1/0/1");
  CHECK(done["allocation"][0]["nics"][0]["addresses"][0]["address"] == "192.0.2.2");
  CHECK(done["sla"]["due_date"] == colo::test::dueDate(site.received));
  // Met when it completed by the deadline (both UTC, so they compare as
  // text); the SLA's arithmetic has its own tests with an injected clock.
  CHECK(done["sla"]["met"] ==
        (done["completed_at"].get<std::string>() <= done["sla"]["deadline"].get<std::string>()));
  auto st = site.sim->state("tor");
  CHECK(st["saved"]["GigabitEthernet1/0/1"]["vlan"] == 120);
  CHECK(site.sql("SELECT count(*) FROM port_claims WHERE request_id = 'REQ-1'") == "1\n");

  // The confirmation letter: numbered once, every fact of the request, one A4 page.
  auto letter = site.call("GET", "/v1/requests/REQ-1/letter", kRequester);
  REQUIRE(letter.status == 200);
  const int year = std::stoi(done["completed_at"].get<std::string>().substr(0, 4));
  const std::string number = "1/COLO/DISKOMINFO/" + std::to_string(year);
  for (std::string fact :
       {std::string("<td id=\"letter-number\">") + number + "</td>",
        std::string("Yth. Kepala Badan Perencanaan<br>"), std::string("027/142/APTIKA/2026"),
        colo::test::tanggal(site.received),
        "batas waktu " + colo::test::tanggal(colo::test::dueDate(site.received)),
        std::string("melewati batas waktu layanan 3 (tiga) hari kerja"), std::string("REQ-1"),
        std::string("<td>web01<br><span class=\"cabling\">Kabel belum diverifikasi</span></td>"),
        std::string("R1 U1\u20132 (2U)"), std::string("450 W<br>A, B (redundan)"),
        std::string("tor port GigabitEthernet1/0/1, VLAN 120"),
        std::string("<span class=\"ip\">192.0.2.2/24</span> gateway 192.0.2.1"),
        std::string("@page { size: A4;"),
        // The office's service card, as the config's defaults carry it.
        std::string("Jl. Ahmad Yani, Gedung Pelayanan Terpadu Lantai 6, Komplek Kantor Gubernur "
                    "Kalimantan Barat, Pontianak 78124"),
        std::string("Telepon (0561) 8173627 &middot; Pos-el diskominfo@kalbarprov.go.id &middot; "
                    "Laman diskominfo.kalbarprov.go.id"),
        std::string("Tembusan Yth.:<ol><li>Gubernur Kalimantan Barat (sebagai laporan)</li><li>"
                    "Sekretaris Daerah Provinsi Kalimantan Barat</li></ol>")}) {
    INFO(fact);
    CHECK(letter.body.find(fact) != std::string::npos);
  }
  // Asked again: the same number, not the next one.
  CHECK(site.call("GET", "/v1/requests/REQ-1/letter", kRequester).body == letter.body);
  CHECK(site.sql("SELECT count(*), max(seq) FROM letters") == "1|1\n");
  CHECK(site.call("GET", "/v1/requests/REQ-404/letter", kRequester).status == 404);
  {
    // Printed by a real browser: exactly one A4 page. (On the real clock:
    // under libfaketime, Chromium's own timers crawl.)
    auto html = site.dir.write("letter.html", letter.body);
    auto pdf = site.dir.file("letter.pdf");
    auto printed = colo::test::run(
        {"/usr/bin/env", "-u", "LD_PRELOAD", "-u", "FAKETIME", "/usr/bin/chromium", "--headless",
         "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--user-data-dir=" + site.dir.file("chromium"), "--no-pdf-header-footer",
         "--print-to-pdf=" + pdf, "file://" + html},
        site.dir);
    INFO(printed.err);
    REQUIRE(std::filesystem::exists(pdf));
    auto info = colo::test::run({"/usr/bin/pdfinfo", pdf}, site.dir).out;
    INFO(info);
    CHECK(std::regex_search(info, std::regex("Pages: +1\n")));
    CHECK(std::regex_search(info,
                            std::regex(R"(Page size: +59\d(\.\d+)? x 84\d(\.\d+)? pts \(A4\))")));
  }

  // A requester may not release; a technician may.
  CHECK(site.call("POST", "/v1/requests/REQ-1/release", kRequester).status == 403);
  CHECK(site.call("POST", "/v1/requests/REQ-1/release", kTechnician).status == 202);
  auto released = site.waitFor("REQ-1", {"released"});
  auto gone = site.call("GET", "/v1/requests/REQ-1/letter", kRequester);
  CHECK(gone.status == 409);
  CHECK(gone.body.find("request REQ-1 is released: a confirmation letter is written only for a "
                       "completed request") != std::string::npos);
  CHECK(site.sim->state("tor")["saved"]["GigabitEthernet1/0/1"]["description"] == "unused");
  CHECK(site.sql("SELECT count(*) FROM port_claims") == "0\n");

  auto racks = site.call("GET", "/v1/racks", kRequester);
  CHECK(racks.status == 200);
  CHECK(racks.j()[0]["name"] == "R1");
  CHECK(site.call("GET", "/v1/racks/R1", kRequester).j()["elevation"].size() == 10);
  CHECK(site.call("GET", "/v1/racks/R9", kRequester).status == 404);
  auto svg = site.call("GET", "/v1/racks/R1/elevation.svg", kRequester);
  CHECK(svg.status == 200);
  CHECK(svg.body.rfind("<?xml", 0) == 0);
  CHECK(svg.body.find("data-rack=\"R1\"") != std::string::npos);
  // Documents a browser renders carry the console's protections.
  for (const auto* doc : {&svg, &letter}) {
    CHECK(doc->hasHeader("Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'"));
    CHECK(doc->hasHeader("X-Content-Type-Options: nosniff"));
    CHECK(doc->hasHeader("X-Frame-Options: DENY"));
    CHECK(doc->hasHeader("Cache-Control: no-store"));
  }
  CHECK(site.call("GET", "/v1/racks/R1/elevation.svg").status == 401);
  CHECK(site.call("GET", "/v1/racks/R9/elevation.svg", kRequester).status == 404);
  CHECK(site.call("GET", "/v1/pools", kRequester).j()[0]["name"] == "pub-v4");
  auto metrics = site.call("GET", "/metrics");
  CHECK(metrics.body.find("colo_jobs_total{outcome=\"completed\"} 2") != std::string::npos);
  CHECK(metrics.body.find("colo_switch_command_seconds_count{switch=\"tor\"} ") !=
        std::string::npos);
  CHECK(metrics.body.find("colo_rack_units{rack=\"R1\",state=\"free\"} 10") != std::string::npos);
  CHECK(metrics.body.find("colo_requests{status=\"released\"} 1") != std::string::npos);
  CHECK(std::regex_search(metrics.body,
                          std::regex("\ncolo_build_info\\{version=\"\\d+\\.\\d+\\.\\d+\","
                                     "revision=\"([0-9a-f]{12}|unknown)\"\\} 1\n")));
  CHECK(metrics.body.find("\ncolo_agent_up 1\n") != std::string::npos);
  CHECK(site.call("GET", "/healthz").status == 200);
  CHECK(site.call("GET", "/readyz").status == 200);
  // Tokens never reach the log.
  CHECK(site.agent->log().find(kRequester) == std::string::npos);
  CHECK(site.agent->log().find(kTechnician) == std::string::npos);
}

TEST_CASE("authentication: missing, wrong and under-privileged tokens") {
  Site site;
  auto r = site.call("GET", "/v1/racks");
  CHECK(r.status == 401);
  CHECK(r.j()["detail"] == "a valid bearer token is required");
  CHECK(site.call("GET", "/v1/racks", "colo_wrong").status == 401);
  CHECK(site.call("POST", "/v1/requests/X/release", kRequester).status == 403);
  CHECK(site.call("DELETE", "/v1/racks", kTechnician).status == 405);
  CHECK(site.call("GET", "/v1/nothing", kTechnician).status == 404);
  // The scheme's case does not matter, nor how many spaces follow it
  // (RFC 9110 11.1, 11.4); another scheme or no token is not a bearer token.
  for (const char* scheme : {"bearer ", "BEARER ", "bEaReR  "}) {
    site.authScheme = scheme;
    CHECK(site.call("GET", "/v1/racks", kTechnician).status == 200);
  }
  for (const char* scheme : {"Basic ", "Bearer", "Bearerx "}) {
    site.authScheme = scheme;
    CHECK(site.call("GET", "/v1/racks", kTechnician).status == 401);
  }
}

TEST_CASE("the same request again is the same answer, and another body is 409") {
  Site site;
  auto body = site.request("REQ-7");
  auto a = site.call("POST", "/v1/requests", kRequester, body);
  auto b = site.call("POST", "/v1/requests", kRequester, body);
  CHECK(a.status == 202);
  CHECK(b.status == 202);
  CHECK(b.j()["id"] == "REQ-7");
  auto c = site.call("POST", "/v1/requests", kRequester,
                     site.request("REQ-7", R"(, "callback_url": "http://127.0.0.1:9000/cb")"));
  CHECK(c.status == 409);
  CHECK(c.j()["detail"] ==
        "request id REQ-7 is taken by another request; a changed request needs a new id");
  site.waitFor("REQ-7", {"completed"});
  CHECK(site.sql("SELECT count(*) FROM requests") == "1\n");
}

TEST_CASE("malformed and hostile bodies get 4xx with a useful detail, and nothing is stored") {
  Site site;
  std::string good = site.request("REQ-H");
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    auto at = s.find(from);
    REQUIRE(at != std::string::npos);
    return s.replace(at, from.size(), to);
  };
  struct Case {
    std::string body;
    int status;
    std::string detail;  // a part of it
  };
  std::vector<Case> cases = {
      {"", 400, "bad JSON at line 1, column 1"},
      {"{", 400, "bad JSON at line 1, column 2"},
      {"[]", 400, "must be an object"},
      {"null", 400, "must be an object"},
      {"\"text\"", 400, "must be an object"},
      {"{\"id\": \"REQ-H\"}", 400, "letter_number: missing"},
      {with("\"units\": 2", "\"units\": \"2\""), 400, "servers[0].units: must be a whole number"},
      {with("\"units\": 2", "\"units\": 2.5"), 400, "servers[0].units: must be a whole number"},
      {with("\"units\": 2", "\"units\": -1"), 400, "servers[0].units: is -1"},
      {with("\"units\": 2", "\"units\": 1e999"), 400, "number overflow"},
      {with("\"power_watts\": 450", "\"power_watts\": 18446744073709551616"), 400, "power_watts"},
      {with("\"units\": 2", "\"units\": 2, \"rack\": \"R1\""), 400,
       "servers[0].rack: unknown field"},
      {with("\"id\": \"REQ-H\"", "\"id\": \"REQ-H\", \"priority\": 1"), 400,
       "priority: unknown field"},
      {with("REQ-H", "REQ H"), 400, "id: 'REQ H' may only hold"},
      {with("REQ-H", "../../etc/passwd"), 400, "id: '../../etc/passwd' may only hold"},
      {with("web01", "web01\\nreload"), 400, "must not contain control or format characters"},
      {with("Badan Perencanaan", "Dinas \\u202eakitamrofnI\\u202c Kominfo"), 400,
       "tenant.name: must not contain control or format characters (it holds U+202E"},
      {with("web01", "web01; reload"), 400, "servers[0].hostname"},
      {with("web01", "web01|include"), 400, "servers[0].hostname"},
      {with("web01", std::string(70, 'a')), 400, "servers[0].hostname: 'aaaa"},
      {with("BAPPEDA\"", "BAPPEDA'; DROP TABLE requests; --\""), 400, "tenant.code"},
      {with("Badan Perencanaan", "Badan\\u0000Perencanaan"), 400, "a control character"},
      {with("\"pub-v4\"", "\"nope\""), 422, "pool 'nope' does not exist"},
      {with("\"pub-v4\"", "\"pub-v4\", \"pub-v4\""), 400, "listed twice"},
      {with("\"units\": 2", "\"units\": 11"), 422, "tallest rack has 10"},
      {with(site.received, "yesterday"), 400, "received_at: must be an RFC 3339"},
      {with("\"servers\": [", "\"servers\": [], \"x\": ["), 400,
       "servers: must hold 1 to 64 items"},
      {with("\"nics\": [", "\"nics\": \"eth0\", \"n\": ["), 400, "nics: must be a list"},
      {good.substr(0, good.size() - 1) + R"(, "callback_url": "http://203.0.113.9/steal"})", 400,
       "callback_url: not under any of the configured callback.allowed_urls"},
      {good.substr(0, good.size() - 1) + R"(, "callback_url": "file:///etc/passwd"})", 400,
       "callback_url"},
      {std::string(40, '[') + std::string(40, ']'), 400, "nested too deeply"},
      // A key twice is refused, as in YAML: the first or the last winning
      // would each surprise someone (a callback_url sent elsewhere).
      {with("\"id\": \"REQ-H\"", "\"id\": \"REQ-H\", \"id\": \"REQ-I\""), 400, "id: appears twice"},
      {with("\"units\": 2", "\"units\": 2, \"units\": 2"), 400, "servers[0].units: appears twice"},
      // Values are counted as they are read: a body of 1 MiB of empty objects
      // is refused at the bound, long before it is built.
      {"{\"x\": [{}" +
           [] {
             std::string s;
             for (int i = 0; i < 20000; ++i) s += ",{}";
             return s;
           }() +
           "]}",
       400, "more than 10000 JSON values"},
      {"{" +
           [] {
             std::string s;
             for (int i = 0; i < 3000; ++i)
               s += (i ? "," : "") + ("\"k" + std::to_string(i) + "\":1");
             return s;
           }() +
           "}",
       400, "and 2955 more problems not listed"},
      {"{\"id\": \"" + std::string(2 << 20, 'a') + "\"}", 413, "larger than 1048576 bytes"},
  };
  REQUIRE(cases.size() >= 30);
  for (const auto& c : cases) {
    INFO(c.body.substr(0, 120));
    auto r = site.call("POST", "/v1/requests", kRequester, c.body);
    CHECK(r.status == c.status);
    auto j = json::parse(r.body, nullptr, false);
    REQUIRE_FALSE(j.is_discarded());
    CHECK(j["status"] == c.status);
    INFO("detail: " << j["detail"]);
    CHECK(j["detail"].get<std::string>().find(c.detail) != std::string::npos);
  }
  // A format problem and an inventory problem: both at once, in one 400.
  auto both = site.call("POST", "/v1/requests", kRequester,
                        with("\"pub-v4\"", "\"nope\"")
                            .replace(with("\"pub-v4\"", "\"nope\"").find("web01"), 5, "web 01"));
  CHECK(both.status == 400);
  CHECK(both.j()["errors"].size() == 2);
  CHECK(both.j()["detail"].get<std::string>().find("servers[0].hostname") != std::string::npos);
  CHECK(both.j()["detail"].get<std::string>().find("pool 'nope' does not exist") !=
        std::string::npos);
  // The second of two keys is named by its JSON pointer; a long list of
  // problems is cut at 50 and the rest counted.
  auto twice = site.call("POST", "/v1/requests", kRequester,
                         with("\"units\": 2", "\"units\": 2, \"units\": 3"));
  CHECK(twice.j()["errors"][0]["pointer"] == "/servers/0/units");
  std::string many = "{";
  for (int i = 0; i < 3000; ++i) many += (i ? "," : "") + ("\"k" + std::to_string(i) + "\":1");
  auto cut = site.call("POST", "/v1/requests", kRequester, many + "}");
  CHECK(cut.j()["errors"].size() == 51);
  CHECK(cut.body.size() < 8000);
  CHECK(site.sql("SELECT count(*) FROM requests") == "0\n");
  CHECK(site.sim->state("tor")["sessions"] == 0);
}

TEST_CASE("kill -9 while configuring: on restart the job ends and the switch and ledger agree") {
  // The first save hangs: the job sits in "configuring" after verifying.
  Site site({{"hang", {{"match", "write memory"}, {"times", 1}}}}, 30);
  REQUIRE(site.call("POST", "/v1/requests", kRequester, site.request("REQ-K")).status == 202);
  site.waitFor("REQ-K", {"configuring"}, "verify");
  site.agent->stop(SIGKILL);
  CHECK(site.sql("SELECT status FROM requests") == "configuring\n");
  CHECK(site.sql("SELECT count(*) FROM port_captures") == "1\n");
  site.start();
  auto done = site.waitFor("REQ-K", {"completed", "failed"});
  INFO(site.agent->log());
  CHECK(done["status"] == "completed");
  bool resumed = false;
  for (const auto& s : done["steps"]) resumed = resumed || s["kind"] == "resuming";
  CHECK(resumed);
  auto st = site.sim->state("tor");
  CHECK(st["saved"]["GigabitEthernet1/0/1"]["vlan"] == 120);
  CHECK(st["running"]["GigabitEthernet1/0/1"]["vlan"] == 120);
  CHECK(site.sql("SELECT count(*) FROM port_claims WHERE request_id = 'REQ-K'") == "1\n");
  CHECK(site.sql("SELECT count(*) FROM unit_claims") == "2\n");  // nothing allocated twice
}

TEST_CASE("every route the server answers is in the OpenAPI document") {
  auto doc = json::parse(colo::agent::openApiDocument());
  for (const auto& r : colo::agent::routes()) {
    INFO(r.method << " " << r.pattern);
    std::string m = r.method;
    std::transform(m.begin(), m.end(), m.begin(), ::tolower);
    CHECK(doc["paths"].contains(r.pattern));
    CHECK(doc["paths"][r.pattern].contains(m));
  }
}

namespace {

std::string hmacHex(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  std::string s;
  for (unsigned i = 0; i < len; ++i) {
    char b[3];
    std::snprintf(b, sizeof b, "%02x", out[i]);
    s += b;
  }
  return s;
}

}  // namespace

TEST_CASE("a callback is delivered once, signed, after the receiver was down across a restart",
          "[dates]") {
  int port = Receiver(0).port();  // a free port, with nothing on it now
  Site site(json::object(), 5, "", "", "\"http://127.0.0.1:" + std::to_string(port) + "/colo\"");
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/colo/callback";
  REQUIRE(site.call("POST", "/v1/requests", kRequester,
                    site.request("REQ-C", R"(, "callback_url": ")" + url + "\""))
              .status == 202);
  site.waitFor("REQ-C", {"completed"});
  // The receiver is down: attempts fail and are recorded.
  for (int i = 0; i < 500 && site.sql("SELECT attempts > 0 FROM outbox") != "1\n"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(site.sql("SELECT attempts > 0, delivered_at = '' FROM outbox") == "1|1\n");
  CHECK(site.sql("SELECT last_error != '' FROM outbox") == "1\n");

  site.agent->stop(SIGTERM);
  site.start();
  Receiver receiver(port);
  for (int i = 0; i < 500 && site.sql("SELECT delivered_at != '' FROM outbox") != "1\n"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(site.sql("SELECT delivered_at != '' FROM outbox") == "1\n");
  auto got = receiver.got();
  REQUIRE(got.size() == 1);
  const auto& cb = got[0];
  CHECK(cb.target == "/colo/callback");
  CHECK(cb.headers.at("x-colo-delivery") == "REQ-C-completed-1");
  CHECK(cb.headers.at("x-colo-signature") == "sha256=" + hmacHex("callback-secret", cb.body));
  auto body = json::parse(cb.body);
  CHECK(body["request_id"] == "REQ-C");
  CHECK(body["letter_number"] == "027/142/APTIKA/2026");
  CHECK(body["tenant"]["name"] == "Badan Perencanaan");
  CHECK(body["status"] == "completed");
  CHECK(body["reason"] == "completed");
  CHECK(body["attempt"] == 1);
  CHECK_FALSE(body["completed_at"].get<std::string>().empty());
  CHECK(body["ended_at"] == body["completed_at"]);
  CHECK(body["sla"]["due_date"] == colo::test::dueDate(site.received));
  CHECK(body["letter_url"] == "http://127.0.0.1:0/v1/requests/REQ-C/letter");  // public_url unset
  const auto& srv = body["servers"][0];
  CHECK(srv["rack"] == "R1");
  CHECK(srv["units"] == json{{"first", 1}, {"last", 2}});
  CHECK(srv["feeds"].size() == 2);
  CHECK(srv["nics"][0]["switch"] == "tor");
  CHECK(srv["nics"][0]["port"] == "GigabitEthernet1/0/1");
  CHECK(srv["nics"][0]["vlan"] == 120);
  CHECK(srv["nics"][0]["addresses"][0] == json{{"pool", "pub-v4"},
                                               {"address", "192.0.2.2"},
                                               {"prefix_length", 24},
                                               {"family", "ipv4"},
                                               {"gateway", "192.0.2.1"}});
  CHECK(body["type"] == "request.completed");
  auto metrics = site.call("GET", "/metrics").body;
  CHECK(metrics.find("colo_callbacks{state=\"delivered\"} 1") != std::string::npos);
  auto deliveries = site.call("GET", "/v1/requests/REQ-C", kRequester).j()["deliveries"];
  REQUIRE(deliveries.size() == 1);
  CHECK(deliveries[0]["last_status"] == 200);

  // A release sends its own event; a technician can have the last one sent again.
  auto waitForCallbacks = [&](std::size_t n) {
    for (int i = 0; i < 500 && receiver.got().size() < n; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return receiver.got();
  };
  REQUIRE(site.call("POST", "/v1/requests/REQ-C/release", kTechnician).status == 202);
  site.waitFor("REQ-C", {"released"});
  got = waitForCallbacks(2);
  REQUIRE(got.size() == 2);
  auto released = json::parse(got[1].body);
  CHECK(released["type"] == "request.released");
  CHECK(released["event"] == "released");
  CHECK(released["reason"] == "released_by_operator");
  CHECK_FALSE(released.contains("completed_at"));
  CHECK(released.contains("ended_at"));
  CHECK(got[1].headers.at("webhook-id") == "REQ-C-released-2");
  auto again = site.call("POST", "/v1/requests/REQ-C/redeliver", kTechnician);
  REQUIRE(again.status == 202);
  CHECK(again.j()["delivery_id"] == "REQ-C-released-2~r1");
  got = waitForCallbacks(3);
  REQUIRE(got.size() == 3);
  CHECK(got[2].body == got[1].body);
  // The same message again: the same webhook-id (the delivery has its own id).
  CHECK(got[2].headers.at("webhook-id") == "REQ-C-released-2");
  CHECK(got[2].headers.at("x-colo-delivery") == "REQ-C-released-2~r1");
  CHECK(got[2].headers.at("x-colo-signature") ==
        "sha256=" + hmacHex("callback-secret", got[2].body));
}

TEST_CASE("TLS: the agent serves HTTPS, and https callbacks verify the receiver", "[dates]") {
  TempDir certs;
  std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " +
      certs.file("key.pem") + " -out " + certs.file("cert.pem") +
      " -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);
  int port = Receiver(0).port();
  Site site(json::object(), 5,
            "tls: {cert: " + certs.file("cert.pem") + ", key: " + certs.file("key.pem") + "}\n",
            "ca_file: " + certs.file("cert.pem") + ", ",
            "\"https://127.0.0.1:" + std::to_string(port) + "/\"");
  auto https = [&](const std::string& path, std::vector<std::string> extra) {
    std::vector<std::string> args = {"/usr/bin/curl",
                                     "-s",
                                     "-o",
                                     site.dir.file("tls-body"),
                                     "-w",
                                     "%{http_code}",
                                     "--cacert",
                                     certs.file("cert.pem")};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back("https://127.0.0.1:" + std::to_string(site.agent->port()) + path);
    return std::atoi(colo::test::run(args, site.dir).out.c_str());
  };
  CHECK(https("/healthz", {}) == 200);
  // Without trusting the certificate, curl refuses; plain HTTP gets no answer.
  CHECK(std::atoi(colo::test::run(
                      {"/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                       "https://127.0.0.1:" + std::to_string(site.agent->port()) + "/healthz"},
                      site.dir)
                      .out.c_str()) == 0);
  CHECK(std::atoi(colo::test::run(
                      {"/usr/bin/curl", "-s", "-m", "5", "-o", "/dev/null", "-w", "%{http_code}",
                       "http://127.0.0.1:" + std::to_string(site.agent->port()) + "/healthz"},
                      site.dir)
                      .out.c_str()) != 200);

  // An https callback to a receiver whose certificate only callback.ca_file vouches for.
  Receiver receiver(port, certs.file("cert.pem"), certs.file("key.pem"));
  auto body = site.request(
      "REQ-T", R"(, "callback_url": "https://127.0.0.1:)" + std::to_string(port) + "/cb\"");
  REQUIRE(https("/v1/requests", {"-X", "POST", "-H", "Authorization: Bearer " + kRequester, "-H",
                                 "Content-Type: application/json", "--data-binary",
                                 "@" + site.dir.write("t.json", body)}) == 202);
  for (int i = 0; i < 500 && site.sql("SELECT delivered_at != '' FROM outbox") != "1\n"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  INFO(site.sql("SELECT last_error FROM outbox"));
  REQUIRE(site.sql("SELECT delivered_at != '' FROM outbox") == "1\n");
  REQUIRE(receiver.got().size() == 1);
  CHECK(json::parse(receiver.got()[0].body)["request_id"] == "REQ-T");
}

TEST_CASE("a release the switch refuses frees nothing and can be asked for again") {
  // The switch refuses the unused-port description once: the first release fails.
  Site site(json{{"reject", {{"match", "description unused"}, {"times", 1}}}});
  REQUIRE(site.call("POST", "/v1/requests", kRequester, site.request("REQ-R")).status == 202);
  site.waitFor("REQ-R", {"completed"});
  REQUIRE(site.call("POST", "/v1/requests/REQ-R/release", kTechnician).status == 202);
  site.waitFor("REQ-R", {"completed"}, "restore");               // releasing -> completed again
  CHECK(site.sql("SELECT count(*) FROM port_claims") == "1\n");  // nothing freed
  CHECK(site.sim->state("tor")["saved"]["GigabitEthernet1/0/1"]["vlan"] == 120);  // restored
  // Asked again, it goes through.
  REQUIRE(site.call("POST", "/v1/requests/REQ-R/release", kTechnician).status == 202);
  site.waitFor("REQ-R", {"released"});
  CHECK(site.sql("SELECT count(*) FROM port_claims") == "0\n");
  CHECK(site.sim->state("tor")["saved"]["GigabitEthernet1/0/1"]["description"] == "unused");
}

TEST_CASE("a ledger deleted or replaced under the agent: not ready, no new work, said once") {
  if (colo::test::onPostgres()) return;  // a file's identity: SQLite (docs/design.md §12)
  for (const char* how : {"deleted", "replaced"}) {
    INFO(how);
    Site site;
    REQUIRE(site.call("GET", "/readyz").status == 200);
    if (std::string(how) == "deleted") {
      std::filesystem::remove(site.state);
    } else {
      // A backup moved over the ledger: another file at the same path.
      auto backup = site.state + ".bak";
      std::filesystem::copy_file(site.state, backup);
      std::filesystem::rename(backup, site.state);
    }
    CHECK(site.call("GET", "/readyz").status == 503);
    auto r = site.call("POST", "/v1/requests", kRequester, site.request("REQ-9"));
    CHECK(r.status == 503);
    CHECK(r.j()["detail"].get<std::string>().find("its ledger file is not the one it opened") !=
          std::string::npos);
    CHECK(site.call("GET", "/readyz").status == 503);
    auto log = site.agent->log();
    auto first = log.find("\"event\":\"ledger.lost\"");
    CHECK(first != std::string::npos);
    CHECK(log.find("\"event\":\"ledger.lost\"", first + 1) == std::string::npos);  // once
    CHECK(log.find(std::string("the ledger file was ") + how) != std::string::npos);
  }
}

TEST_CASE("the agent refuses a ledger that does not exist, unless told --init") {
  if (colo::test::onPostgres()) return;  // a mistyped file path: SQLite
  Site site;  // a config whose state: the harness's agent created (--init)
  site.agent.reset();
  auto typo = site.state + ".bd";
  auto cfg = Child::slurp(site.config);
  cfg.replace(cfg.find("state: " + site.state), 7 + site.state.size(), "state: " + typo);
  auto mistyped = site.dir.write("mistyped.yaml", cfg);
  auto r = colo::test::run({COLO_BINARY, "--config", mistyped, "agent"}, site.dir);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("no ledger at " + typo + "; create it with `colo init`") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(typo));
}

TEST_CASE("a requester sees another department's servers as occupied, never who they are") {
  Site site;
  // Another department's request, sent by the NOC's token; one of the
  // requester's own.
  auto theirs = site.request("REQ-THEIRS");
  theirs.replace(theirs.find("web01"), 5, "finance-db");
  theirs.replace(theirs.find("BAPPEDA"), 7, "BPKAD");
  REQUIRE(site.call("POST", "/v1/requests", kTechnician, theirs).status == 202);
  site.waitFor("REQ-THEIRS", {"completed"}, "", kTechnician);
  REQUIRE(site.call("POST", "/v1/requests", kRequester, site.request("REQ-MINE")).status == 202);
  site.waitFor("REQ-MINE", {"completed"});

  auto asRequester = site.call("GET", "/v1/racks/R1", kRequester);
  auto svg = site.call("GET", "/v1/racks/R1/elevation.svg", kRequester);
  REQUIRE(asRequester.status == 200);
  REQUIRE(svg.status == 200);
  for (const auto* seen : {&asRequester, &svg}) {
    CHECK(seen->body.find("REQ-THEIRS") == std::string::npos);
    CHECK(seen->body.find("finance-db") == std::string::npos);
    CHECK(seen->body.find("BPKAD") == std::string::npos);
    CHECK(seen->body.find("occupied 1") != std::string::npos);
    // Its own server, by name.
    CHECK(seen->body.find("REQ-MINE") != std::string::npos);
    CHECK(seen->body.find("web01") != std::string::npos);
  }
  // Units and watts stay: the same count of units taken as a technician sees.
  auto asTechnician = site.call("GET", "/v1/racks/R1", kTechnician);
  CHECK(asTechnician.body.find("REQ-THEIRS") != std::string::npos);
  CHECK(asTechnician.body.find("finance-db") != std::string::npos);
  auto taken = [](const Http& r) {
    int n = 0;
    auto rack = r.j();  // kept: a range over a temporary's member would dangle
    for (const auto& u : rack["elevation"]) n += u["state"] != "free" ? 1 : 0;
    return n;
  };
  CHECK(taken(asRequester) == taken(asTechnician));
  CHECK(asRequester.j()["feeds"] == asTechnician.j()["feeds"]);
  // Its hover text keeps the units and the watts.
  auto title = svg.body.find("<title>occupied 1, U");
  REQUIRE(title != std::string::npos);
  CHECK(svg.body.substr(title, svg.body.find("</title>", title) - title).find(", 450 W on ") !=
        std::string::npos);
}

TEST_CASE("POST /retry: a failed request gets a new attempt, anything else is refused untouched") {
  // The switch refuses the VLAN once: the first attempt fails and restores.
  Site site(json{{"reject", {{"match", "switchport access vlan"}, {"times", 1}}}});
  REQUIRE(site.call("POST", "/v1/requests", kRequester, site.request("REQ-R")).status == 202);
  auto failed = site.waitFor("REQ-R", {"failed", "completed"});
  REQUIRE(failed["status"] == "failed");
  CHECK(failed["attempt"] == 1);
  // Posting the same body again answers the stored failure, as before.
  CHECK(site.call("POST", "/v1/requests", kRequester, site.request("REQ-R")).j()["status"] ==
        "failed");
  CHECK(site.call("POST", "/v1/requests/REQ-R/retry", kRequester).status == 403);
  auto r = site.call("POST", "/v1/requests/REQ-R/retry", kTechnician);
  INFO(r.body);
  REQUIRE(r.status == 202);
  CHECK(r.j() == json{{"id", "REQ-R"}, {"status", "planning"}, {"attempt", 2}});
  auto done = site.waitFor("REQ-R", {"completed", "failed"});
  CHECK(done["status"] == "completed");
  CHECK(done["attempt"] == 2);
  bool logged = false;
  for (const auto& s : done["steps"])
    logged = logged || (s["kind"] == "planning" &&
                        s["detail"].get<std::string>().find(": attempt 2") != std::string::npos);
  CHECK(logged);
  // A completed request: 409, nothing written.
  auto events = site.sql("SELECT count(*) FROM events WHERE request_id = 'REQ-R'");
  auto again = site.call("POST", "/v1/requests/REQ-R/retry", kTechnician);
  CHECK(again.status == 409);
  CHECK(again.j()["detail"] ==
        "request REQ-R is completed; only a failed request is retried (nothing was changed)");
  CHECK(site.sql("SELECT count(*) FROM events WHERE request_id = 'REQ-R'") == events);
  CHECK(site.call("POST", "/v1/requests/REQ-NONE/retry", kTechnician).status == 404);
}

TEST_CASE("an agent without a switch's password is not ready and refuses requests, naming it") {
  Site site;
  site.agent.reset();
  struct Restore {
    ~Restore() { setenv("COLO_TEST_SW_PASSWORD", "s3cret-pw", 1); }
  } restore;
  unsetenv("COLO_TEST_SW_PASSWORD");
  site.start();
  auto ready = site.call("GET", "/readyz");
  CHECK(ready.status == 503);
  CHECK(ready.j()["checks"] ==
        json{{"workers", true}, {"lease", true}, {"ledger", true}, {"switches", false}});
  // Refused before anything is stored: the request system sends it again
  // later, instead of a request that fails and is lost.
  auto r = site.call("POST", "/v1/requests", kRequester, site.request("REQ-NOPW"));
  CHECK(r.status == 503);
  CHECK(r.hasHeader("Retry-After: 60"));
  CHECK(r.j()["detail"] ==
        "this agent takes no new work: it could not work a switch: switch tor <- credentials "
        "'lab': environment variable COLO_TEST_SW_PASSWORD is not set; see its log; nothing was "
        "stored");
  CHECK(site.sql("SELECT count(*) FROM requests") == "0\n");
  auto log = site.agent->log();
  CHECK(log.find("\"event\":\"switch.unworkable\"") != std::string::npos);
  CHECK(log.find("COLO_TEST_SW_PASSWORD is not set") != std::string::npos);
  CHECK(log.find("s3cret-pw") == std::string::npos);
}

TEST_CASE("with readyz_probe_switches, a switch that does not answer SSH makes the agent unready") {
  // The switch refuses colo's login: its credentials resolve, its host key
  // is known, but no session can be had.
  Site site(json{{"refuse_auth", true}}, 5, "readyz_probe_switches: true\n");
  Http ready;
  for (int i = 0; i < 500; ++i) {  // the first probe runs in the background, bounded
    ready = site.call("GET", "/readyz");
    if (ready.status == 503) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(ready.status == 503);
  CHECK(ready.j()["checks"]["switches"] == false);
  CHECK(site.agent->log().find("\"event\":\"switch.unanswering\"") != std::string::npos);
  // Without the option, the same switch does not make it unready (only a job would find out).
  Site plain(json{{"refuse_auth", true}});
  CHECK(plain.call("GET", "/readyz").status == 200);
}
