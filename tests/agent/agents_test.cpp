// Several agents on one ledger that look like one (design.md §11, §12):
// `colo agents` and GET /v1/agents show each process, its lease and its
// work; /metrics counts the live ones; a console login made at one agent
// is good at every other and survives a restart. Real binaries, the SSH
// simulator, curl; on SQLite and (the suite's second pass) PostgreSQL.
#include <catch2/catch.hpp>

#include <signal.h>

#include <regex>

#include "../support/two_switch_site.h"
#include "colo/encoding/encoding.h"

using colo::test::Agent;
using colo::test::Child;
using colo::test::hangingSite;
using colo::test::SiteOptions;
using colo::test::TwoSwitchSite;
using nlohmann::json;

namespace {

const std::string kAdminToken = "colo_admin_token_for_the_agents_tests";

// The site's config with an administrator's token, and a copy for agent
// "two" beside it; returns the copy's path.
std::string withAdminAndSecond(TwoSwitchSite& site) {
  std::string text = Child::slurp(site.config);
  auto at = text.find("callback:");
  text = text.substr(0, at) + "  - {name: ops, role: admin, sha256: \"" +
         colo::encoding::sha256Hex(kAdminToken) + "\"}\n" + text.substr(at);
  site.dir.write("colo.yaml", text);
  auto id = text.find("agent_id: one");
  REQUIRE(id != std::string::npos);
  text.replace(id, 13, "agent_id: two");
  return site.dir.write("colo-two.yaml", text);
}

struct Reply {
  int status = 0;
  std::string body;
};

// A GET (or a form POST) with curl; `jar`, when given, keeps cookies as a
// browser would.
Reply call(TwoSwitchSite& site, const Agent& agent, const std::string& path,
           const std::string& token = "", const std::string& jar = "",
           const std::string& form = "") {
  std::vector<std::string> args = {"/usr/bin/curl",      "-s", "-m",          "10", "-o",
                                   site.dir.file("out"), "-w", "%{http_code}"};
  if (!token.empty()) args.insert(args.end(), {"-H", "Authorization: Bearer " + token});
  if (!jar.empty()) args.insert(args.end(), {"-b", jar, "-c", jar});
  if (!form.empty()) args.insert(args.end(), {"--data-raw", form});
  args.push_back("http://127.0.0.1:" + std::to_string(agent.port()) + path);
  auto r = colo::test::run(args, site.dir);
  return {std::atoi(r.out.c_str()), Child::slurp(site.dir.file("out"))};
}

json agents(TwoSwitchSite& site, const Agent& agent) {
  auto r = call(site, agent, "/v1/agents", kAdminToken);
  REQUIRE(r.status == 200);
  return json::parse(r.body);
}

const json* byName(const json& view, const std::string& name) {
  for (const auto& a : view["agents"])
    if (a["name"] == name) return &a;
  return nullptr;
}

}  // namespace

TEST_CASE(
    "colo agents and GET /v1/agents show every agent, its lease and its work, and mark a dead "
    "one expired") {
  // Before, `colo agents` answered "did you mean 'agent'?", there was no
  // route, and /metrics did not count agents.
  TwoSwitchSite site(hangingSite(20));
  auto second = withAdminAndSecond(site);
  site.startAgent();
  Agent two(second);
  REQUIRE(site.post(site.request("REQ-A")) == 202);
  REQUIRE(site.waitHung("a"));
  INFO(site.agent->log());

  auto view = agents(site, two);
  REQUIRE(view["agents"].size() == 2);
  CHECK(view["live_agents"] == 2);
  const json* one = byName(view, "one");
  const json* self = byName(view, "two");
  REQUIRE(one);
  REQUIRE(self);
  CHECK((*one)["kind"] == "agent");
  CHECK((*one)["pid"] == site.agent->pid());
  CHECK((*self)["pid"] == two.pid());
  CHECK((*one)["state"] == "live");
  CHECK((*one)["self"] == false);
  CHECK((*self)["self"] == true);
  CHECK((*one)["version"] == "0.1.0");
  CHECK(
      std::regex_match((*one)["revision"].get<std::string>(), std::regex("[0-9a-f]{12}|unknown")));
  CHECK(!(*one)["host"].get<std::string>().empty());
  // Renewed every 5/3 s; a busy machine may delay one renewal, never a minute.
  CHECK((*one)["lease_age_s"].get<double>() >= 0.0);
  CHECK((*one)["lease_age_s"].get<double>() < 60.0);
  CHECK((*one)["renewed_at"].is_string());
  CHECK((*one)["lease_expires_at"] > (*one)["renewed_at"]);
  CHECK((*one)["working_on"] ==
        json::parse(R"([{"request_id": "REQ-A", "status": "configuring"}])"));
  CHECK((*self)["working_on"].empty());
  // Administrators only.
  CHECK(call(site, two, "/v1/agents", colo::test::kSiteToken).status == 403);
  CHECK(call(site, two, "/v1/agents").status == 401);

  auto metrics = call(site, two, "/metrics").body;
  CHECK(metrics.find("\ncolo_agents_live 2\n") != std::string::npos);
  CHECK(std::regex_search(metrics, std::regex("\ncolo_agent_lease_age_seconds [0-9.]+\n")));

  auto listed = site.colo({"agents"});
  CHECK(listed.exit_code == 0);
  CHECK(std::regex_search(listed.out, std::regex("agent .*live .*REQ-A configuring")));
  CHECK(listed.out.find("EXPIRED") == std::string::npos);

  // Agent two dies without a word: its row stays, marked, for a day.
  two.stop(SIGKILL);
  REQUIRE(TwoSwitchSite::eventually([&] {
    auto now = agents(site, *site.agent);
    const json* gone = byName(now, "two");
    return gone && (*gone)["state"] == "expired";
  }));
  CHECK(agents(site, *site.agent)["live_agents"] == 1);
  listed = site.colo({"agents"});
  CHECK(listed.exit_code == 0);
  CHECK(std::regex_search(listed.out, std::regex("agent .*EXPIRED")));
  CHECK(listed.err.find("1 process EXPIRED") != std::string::npos);
  auto asJson = json::parse(site.colo({"agents", "--json"}).out);
  CHECK(asJson["live_agents"] == 1);
  CHECK(call(site, *site.agent, "/metrics").body.find("\ncolo_agents_live 1\n") !=
        std::string::npos);
  site.agent->stop(SIGKILL);
}

TEST_CASE(
    "a console login at one agent is good at another and after a restart, and ends for "
    "both at logout") {
  // Before, sessions lived in one agent's memory: the other agent sent the
  // browser to its login page, and a restart logged everyone out.
  SiteOptions o;
  o.extraConfig = "agent_id: one\n";
  TwoSwitchSite site(o);
  auto second = withAdminAndSecond(site);
  site.startAgent();
  Agent two(second);
  std::string jar = site.dir.file("cookies");
  auto form = call(site, *site.agent, "/ui/login", "", jar);
  std::smatch m;
  REQUIRE(std::regex_search(form.body, m, std::regex(R"re(name="csrf" value="([0-9a-f]+)")re")));
  auto login = call(site, *site.agent, "/ui/login", "", jar,
                    "token=" + kAdminToken + "&csrf=" + m[1].str() + "&next=/ui/");
  REQUIRE(login.status == 303);
  CHECK(call(site, *site.agent, "/ui/", "", jar).status == 200);
  CHECK(call(site, two, "/ui/", "", jar).status == 200);
  // The ledger holds the session's hash, never the cookie itself.
  std::string cookies = Child::slurp(jar);
  auto at = cookies.find("colo_session\t");
  REQUIRE(at != std::string::npos);
  std::string id = cookies.substr(at + 13, 64);
  CHECK(site.sql("SELECT count(*) FROM console_sessions WHERE id_sha256 = '" +
                 colo::encoding::sha256Hex(id) + "'") == "1\n");
  CHECK(site.sql("SELECT count(*) FROM console_sessions WHERE id_sha256 = '" + id + "'") == "0\n");

  // A restart logs nobody out.
  site.agent->stop(SIGTERM);
  site.startAgent();
  auto page = call(site, *site.agent, "/ui/", "", jar);
  CHECK(page.status == 200);
  // Logging out at agent two ends the session at agent one too.
  auto csrf = std::regex_search(page.body, m, std::regex(R"re(name="csrf" value="([0-9a-f]+)")re"));
  REQUIRE(csrf);
  CHECK(call(site, two, "/ui/logout", "", jar, "csrf=" + m[1].str()).status == 303);
  CHECK(call(site, *site.agent, "/ui/", "", jar).status == 303);
  CHECK(site.sql("SELECT count(*) FROM console_sessions") == "0\n");
}
