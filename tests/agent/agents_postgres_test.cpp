// Several agents on one PostgreSQL ledger (design.md §12): racing for scarce
// room, an agent killed or paused mid-job, the database restarted under
// load. Run by the suite's PostgreSQL pass only ([postgres]).
#include <catch2/catch.hpp>

#include <signal.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "../support/receiver.h"
#include "../support/two_switch_site.h"

using colo::test::Agent;
using colo::test::Child;
using colo::test::Gate;
using colo::test::hangingSite;
using colo::test::SiteOptions;
using colo::test::TwoSwitchSite;
using nlohmann::json;

namespace {

// The site's config for a second agent: the same ledger and switches, its
// own agent_id.
std::string secondConfig(TwoSwitchSite& site, const std::string& from, const std::string& to) {
  std::string text = Child::slurp(site.config);
  auto at = text.find("agent_id: " + from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size() + 10, "agent_id: " + to);
  return site.dir.write("colo-" + to + ".yaml", text);
}

// One 2U server with one NIC: each rack of the site has room for one.
std::string oneServer(const std::string& id) {
  return R"({"id": ")" + id +
         R"(", "letter_number": "1/T/2026", "tenant": {"code": "BAPPEDA", "name": "Bappeda"},
      "received_at": "2026-11-23T08:30:00+07:00", "servers": [{"hostname": "s-)" +
         id + R"(", "units": 2, "power_watts": 300, "redundant_power": true,
      "nics": [{"pools": ["pub-v4"]}]}]})";
}

int postTo(TwoSwitchSite& site, Agent& agent, const std::string& body) {
  auto r =
      colo::test::run({"/usr/bin/curl", "-s", "-m", "20", "-o", "/dev/null", "-w", "%{http_code}",
                       "-X", "POST", "-H", "Authorization: Bearer " + colo::test::kSiteToken, "-H",
                       "Content-Type: application/json", "--data-binary",
                       "@" + site.dir.write("post-" + std::to_string(rand()) + ".json", body),
                       "http://127.0.0.1:" + std::to_string(agent.port()) + "/v1/requests"},
                      site.dir);
  return std::atoi(r.out.c_str());
}

int getStatus(TwoSwitchSite& site, Agent& agent, const std::string& path) {
  auto r =
      colo::test::run({"/usr/bin/curl", "-s", "-m", "5", "-o", "/dev/null", "-w", "%{http_code}",
                       "http://127.0.0.1:" + std::to_string(agent.port()) + path},
                      site.dir);
  return std::atoi(r.out.c_str());
}

// A PostgreSQL cluster of a test's own, for tests that stop or restart it
// (the shared one serves other tests meanwhile); removed at the end.
struct OwnCluster {
  colo::test::TempDir dir;
  std::string cluster;
  OwnCluster() {
    // The server runs as `postgres`, which must reach the cluster's directory.
    std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_all |
                                                 std::filesystem::perms::group_exec |
                                                 std::filesystem::perms::others_exec);
    cluster = (dir.path() / "cluster").string();
    if (!run("start")) throw std::runtime_error("pg-cluster start failed");
  }
  ~OwnCluster() { run("stop"); }
  // `pg-cluster COMMAND`: start, stop, down, up.
  bool run(const std::string& command) {
    return colo::test::run({COLO_SOURCE_DIR "/scripts/pg-cluster", command, cluster}, dir)
               .exit_code == 0;
  }
  std::string createdb(const std::string& name) {
    auto r =
        colo::test::run({COLO_SOURCE_DIR "/scripts/pg-cluster", "createdb", cluster, name}, dir);
    if (r.exit_code != 0) throw std::runtime_error("pg-cluster createdb failed: " + r.err);
    return colo::test::trimmed(r.out);
  }
};

int commandsOn(TwoSwitchSite& site, const std::string& sw) {
  return static_cast<int>(site.sim->state(sw)["commands"].size());
}

}  // namespace

TEST_CASE("two agents and eight CLI processes race for scarce room: exact winners, no deadlock",
          "[postgres]") {
  SiteOptions o;
  o.racks = {{"ra", "a"}, {"rb", "a"}, {"rc", "b"}, {"rd", "b"}};  // room for four servers
  o.workers = 2;
  o.extraConfig = "agent_id: one\nlease_s: 10\n";
  TwoSwitchSite site(o);
  site.startAgent();
  Agent other(secondConfig(site, "one", "two"));

  // Twelve requests posted to the two agents at once, eight reserved by CLI
  // processes at the same moment.
  Gate gate;
  std::vector<std::unique_ptr<Child>> clis;
  for (int i = 0; i < 8; ++i)
    clis.push_back(std::make_unique<Child>(
        std::vector<std::string>{COLO_BINARY, "--config", site.config, "reserve",
                                 site.dir.write("cli" + std::to_string(i) + ".json",
                                                oneServer("REQ-CLI-" + std::to_string(i)))},
        site.dir, &gate));
  std::vector<std::thread> posters;
  std::atomic<int> accepted{0};
  for (int i = 0; i < 12; ++i)
    posters.emplace_back([&, i] {
      Agent& to = i % 2 ? other : *site.agent;
      if (postTo(site, to, oneServer("REQ-API-" + std::to_string(i))) == 202) ++accepted;
    });
  gate.release();
  for (auto& t : posters) t.join();
  CHECK(accepted == 12);
  int cliWon = 0;
  for (auto& c : clis) {
    auto r = c->wait();
    INFO(r.err);
    if (r.exit_code == 0) {
      ++cliWon;
    } else {
      CHECK(r.exit_code == 1);
      CHECK(r.err.find("no rack has") != std::string::npos);  // exhausted, nothing else
    }
  }
  for (int i = 0; i < 12; ++i) CHECK(site.waitEnded("REQ-API-" + std::to_string(i)));
  // Exactly the room there is was handed out, each unit, port and address once.
  CHECK(site.sql("SELECT count(DISTINCT request_id) FROM unit_claims") == "4\n");
  CHECK(site.sql("SELECT count(*), count(DISTINCT rack || ':' || unit) FROM unit_claims") ==
        "8|8\n");
  CHECK(site.sql("SELECT count(*), count(DISTINCT address) FROM address_claims") == "4|4\n");
  CHECK(site.sql("SELECT count(*), count(DISTINCT switch || port) FROM port_claims") == "4|4\n");
  auto won =
      std::stoi(site.sql("SELECT count(*) FROM requests WHERE status IN ('completed', "
                         "'reserved')"));
  CHECK(won == 4);
  CHECK(won ==
        cliWon + std::stoi(site.sql("SELECT count(*) FROM requests WHERE status = 'completed'")));
  // Whoever lost was told there is no room; no deadlock, retry or lock error
  // surfaced anywhere.
  CHECK(site.sql("SELECT count(*) FROM requests WHERE status = 'failed' AND error NOT LIKE "
                 "'%no rack has%'") == "0\n");
  for (auto* a : {site.agent.get(), &other}) {
    auto log = a->log();
    INFO(log);
    CHECK(log.find("deadlock") == std::string::npos);
    CHECK(log.find("\"level\":\"error\"") == std::string::npos);
  }
}

TEST_CASE("kill -9 of an agent mid-configure: another agent finishes or undoes its job",
          "[postgres]") {
  TwoSwitchSite site(hangingSite(20));
  auto beforeA = site.ports("a"), beforeB = site.ports("b");
  site.startAgent();
  REQUIRE(site.post(site.request("REQ-K")) == 202);
  REQUIRE(site.waitHung("a"));
  REQUIRE(site.status("REQ-K") == "configuring");
  site.agent->stop(SIGKILL);
  // Another agent on the same ledger: the job's owner is gone (its process
  // on this host no longer exists, or its lease runs out): adopted.
  Agent other(secondConfig(site, "one", "two"));
  REQUIRE(site.waitEnded("REQ-K"));
  INFO(other.log());
  CHECK(site.disagreements("REQ-K", beforeA, beforeB).empty());
  CHECK(other.log().find("job.interrupted") != std::string::npos);
  CHECK(site.sql("SELECT count(*) FROM switch_locks") == "0\n");
}

TEST_CASE("an agent paused beyond its lease does not act on the job another agent took over",
          "[postgres]") {
  TwoSwitchSite site(hangingSite(30));
  auto beforeA = site.ports("a"), beforeB = site.ports("b");
  site.startAgent();
  REQUIRE(site.post(site.request("REQ-S")) == 202);
  REQUIRE(site.waitHung("a"));
  auto owner = site.sql("SELECT owner FROM requests WHERE id = 'REQ-S'");
  // Paused (a hung VM, a stop-the-world pause) beyond its lease.
  REQUIRE(kill(site.agent->pid(), SIGSTOP) == 0);
  Agent other(secondConfig(site, "one", "two"));
  REQUIRE(TwoSwitchSite::eventually(
      [&] {
        auto s = site.status("REQ-S");
        return s == "completed" || s == "failed";
      },
      std::chrono::seconds(40)));
  auto ended = site.status("REQ-S");
  CHECK(site.sql("SELECT owner FROM requests WHERE id = 'REQ-S'") == "\n");
  CHECK(site.disagreements("REQ-S", beforeA, beforeB).empty());
  auto commandsA = commandsOn(site, "a"), commandsB = commandsOn(site, "b");
  auto events = site.sql("SELECT count(*) FROM events WHERE request_id = 'REQ-S'");
  // Resumed: it finds its lease gone and sends nothing more, writes nothing.
  REQUIRE(kill(site.agent->pid(), SIGCONT) == 0);
  // Its job's end in its own log: from here on it has nothing to act on.
  REQUIRE(TwoSwitchSite::eventually([&] {
    auto log = site.agent->log();
    return log.find("provision.left") != std::string::npos ||
           log.find("provision.moved") != std::string::npos;
  }));
  INFO(site.agent->log());
  CHECK(commandsOn(site, "a") == commandsA);
  CHECK(commandsOn(site, "b") == commandsB);
  CHECK(site.sql("SELECT count(*) FROM events WHERE request_id = 'REQ-S'") == events);
  CHECK(site.status("REQ-S") == ended);
  CHECK(site.disagreements("REQ-S", beforeA, beforeB).empty());
  CHECK(owner != "\n");
}

TEST_CASE("the database restarted under load: no accepted request is lost", "[postgres]") {
  // A cluster of its own: restarting the shared one would upset other tests.
  OwnCluster pg;
  SiteOptions o;
  o.state = pg.createdb("restarts");
  o.workers = 2;
  TwoSwitchSite site(o);
  site.startAgent();

  // A client that posts 40 requests, each until it is accepted (as the
  // request system would), while the server restarts twice.
  std::map<std::string, int> answers;  // id -> the non-202 answers it got
  std::atomic<bool> posting{true}, giveUp{false};
  std::thread client([&] {
    for (int i = 0; i < 40 && !giveUp; ++i) {
      auto id = "REQ-R" + std::to_string(i);
      auto body = R"({"id": ")" + id +
                  R"(", "letter_number": "1/T/2026", "tenant": {"code": )"
                  R"("BAPPEDA", "name": "Bappeda"}, "received_at": "2026-11-23T08:30:00+07:00", )"
                  R"("servers": [{"hostname": "h)" +
                  std::to_string(i) + R"(", "units": 1, "power_watts": 100}]})";
      for (int attempt = 0; attempt < 200 && !giveUp; ++attempt) {
        int code = site.post(body);
        if (code == 202) break;
        ++answers[id];
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    posting = false;
  });
  // A check that fails below ends the test with the client stopped, not
  // still posting.
  struct Joined {
    std::thread& client;
    std::atomic<bool>& giveUp;
    ~Joined() {
      giveUp = true;
      if (client.joinable()) client.join();
    }
  } joined{client, giveUp};
  // Two restarts while it posts, each begun once some requests are in:
  // stopped, the agent says it is not ready; started, ready again.
  auto stored = [&] { return std::stoi(site.sql("SELECT count(*) FROM requests")); };
  auto readyz = [&] { return getStatus(site, *site.agent, "/readyz"); };
  int restarts = 0;
  for (int restart = 0; restart < 2; ++restart) {
    int before = stored();
    REQUIRE(TwoSwitchSite::eventually([&] { return !posting || stored() >= before + 5; }));
    REQUIRE(pg.run("down"));
    CHECK(TwoSwitchSite::eventually([&] { return readyz() == 503; }));
    REQUIRE(pg.run("up"));
    CHECK(TwoSwitchSite::eventually([&] { return readyz() == 200; }));
    ++restarts;
  }
  CHECK(restarts == 2);
  client.join();
  // Every request is in the ledger once, accepted or not on its first try.
  CHECK(site.sql("SELECT count(*), count(DISTINCT id) FROM requests") == "40|40\n");
  for (int i = 0; i < 40; ++i) CHECK(site.waitEnded("REQ-R" + std::to_string(i)));
  // The database away: a POST is refused, not lost; back: accepted.
  REQUIRE(pg.run("down"));
  CHECK(TwoSwitchSite::eventually([&] { return readyz() == 503; }));
  CHECK(site.post(oneServer("REQ-AWAY")) == 503);
  REQUIRE(pg.run("up"));
  CHECK(TwoSwitchSite::eventually([&] { return readyz() == 200; }));
  CHECK(site.post(oneServer("REQ-AWAY")) == 202);
  CHECK(site.sql("SELECT count(*) FROM requests WHERE id = 'REQ-AWAY'") == "1\n");
  UNSCOPED_INFO("requests that needed more than one POST: " << answers.size());
  CHECK(site.sql("SELECT count(*) FROM requests WHERE status = 'failed' AND error NOT LIKE "
                 "'%no rack has%'") == "0\n");
}

TEST_CASE("the same new request posted to two agents at once is accepted by both, stored once",
          "[postgres]") {
  SiteOptions o;
  o.extraConfig = "agent_id: one\n";
  TwoSwitchSite site(o);
  site.startAgent();
  Agent other(secondConfig(site, "one", "two"));
  // A request system retrying through a load balancer: the same id and body
  // reach both agents within microseconds, 20 times over.
  for (int i = 0; i < 20; ++i) {
    auto body = oneServer("REQ-TWICE-" + std::to_string(i));
    int first = 0, second = 0;
    std::thread a([&] { first = postTo(site, *site.agent, body); });
    std::thread b([&] { second = postTo(site, other, body); });
    a.join();
    b.join();
    CHECK(first == 202);
    CHECK(second == 202);
  }
  CHECK(site.sql("SELECT count(*), count(DISTINCT id) FROM requests") == "20|20\n");
  CHECK(site.sql("SELECT count(*) FROM events WHERE kind = 'queued'") == "20\n");
}

TEST_CASE("two agents send each callback once, with its stable webhook-id", "[postgres]") {
  int port = colo::test::Receiver(0).port();
  colo::test::Receiver receiver(port);
  SiteOptions o;
  o.racks = {{"ra", "a"}, {"rb", "a"}, {"rc", "b"}, {"rd", "b"}};
  o.callbackPorts = {port};
  o.extraConfig = "agent_id: one\n";
  TwoSwitchSite site(o);
  site.startAgent();
  Agent other(secondConfig(site, "one", "two"));
  // Eight requests with a callback: four fit and complete, four fail; each
  // ends once, and both agents' deliverers see every delivery come due.
  for (int i = 0; i < 8; ++i) {
    auto body = oneServer("REQ-CB-" + std::to_string(i));
    body.insert(body.rfind('}'),
                R"(, "callback_url": "http://127.0.0.1:)" + std::to_string(port) + R"(/cb")");
    CHECK(postTo(site, i % 2 ? other : *site.agent, body) == 202);
  }
  REQUIRE(TwoSwitchSite::eventually([&] { return receiver.got().size() >= 8; }));
  // Every delivery recorded as delivered and none taken by a sender: a
  // second send, had there been one, was made (and counted) by now.
  REQUIRE(TwoSwitchSite::eventually([&] {
    return site.sql("SELECT count(*) FROM outbox WHERE delivered_at != '' AND claimed_by = ''") ==
           "8\n";
  }));
  std::map<std::string, int> byId;
  for (const auto& r : receiver.got()) ++byId[r.headers.at("webhook-id")];
  CHECK(byId.size() == 8);
  for (const auto& [id, n] : byId) {
    INFO(id);
    CHECK(n == 1);
  }
  CHECK(site.sql("SELECT count(*) FROM outbox WHERE delivered_at != '' AND attempts = 1") == "8\n");
}

TEST_CASE("one database under two spellings of its URI is one ledger: one agent_id, one owner",
          "[postgres]") {
  SiteOptions o;
  o.extraConfig = "agent_id: one\nlease_s: 10\n";
  TwoSwitchSite site(o);
  site.startAgent();
  // The same database, spelt with its host, port and user as parameters.
  auto server = site.state.substr(0, site.state.rfind('/'));
  auto name = site.state.substr(site.state.rfind('/') + 1);
  auto port = server.substr(server.rfind(':') + 1);
  std::string alias = "postgresql:///" + name + "?host=127.0.0.1&port=" + port + "&user=colo";
  std::string text = Child::slurp(site.config);
  text.replace(text.find("state: " + site.state), 7 + site.state.size(), "state: " + alias);
  auto aliased = site.dir.write("colo-alias.yaml", text);
  // A second agent with the same agent_id: refused, whatever the spelling.
  auto r = colo::test::run({COLO_BINARY, "--config", aliased, "agent"}, site.dir);
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("agent_id one is in use by process " + std::to_string(site.agent->pid())) !=
        std::string::npos);
  // Its own agent_id: it joins, and both name one list of agents.
  Agent other(secondConfig(site, "one", "two"));
  CHECK(site.sql("SELECT group_concat(agent_id, ',') FROM (SELECT agent_id FROM agents ORDER BY "
                 "agent_id) a") == "one,two\n");
}

TEST_CASE("the database created again under the agent's URI: not ready, no new work, said once",
          "[postgres]") {
  SiteOptions o;
  o.extraConfig = "agent_id: one\nlease_s: 6\n";
  TwoSwitchSite site(o);
  site.startAgent();
  REQUIRE(getStatus(site, *site.agent, "/readyz") == 200);
  // Dropped (its connections cut) and created again under its name, with a
  // new ledger in it: a restore gone wrong, a mistaken script.
  auto server = site.state.substr(0, site.state.rfind('/'));
  auto name = site.state.substr(site.state.rfind('/') + 1);
  auto psql = colo::test::run(
      {"/usr/bin/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", server + "/postgres", "-c",
       "DROP DATABASE " + name + " WITH (FORCE)", "-c", "CREATE DATABASE " + name},
      site.dir);
  REQUIRE(psql.exit_code == 0);
  REQUIRE(site.colo({"init"}).exit_code == 0);
  // Every connection the agent makes again finds another database and
  // refuses it; the lease's renewal (every lease_s/3) says so and stops new
  // work for good.
  CHECK(TwoSwitchSite::eventually(
      [&] { return site.agent->log().find("\"event\":\"ledger.lost\"") != std::string::npos; }));
  CHECK(getStatus(site, *site.agent, "/readyz") == 503);
  auto r = colo::test::run(
      {"/usr/bin/curl", "-s", "-m", "20", "-X", "POST", "-H",
       "Authorization: Bearer " + colo::test::kSiteToken, "-H", "Content-Type: application/json",
       "--data-binary", "@" + site.dir.write("req.json", oneServer("REQ-NEW")),
       "http://127.0.0.1:" + std::to_string(site.agent->port()) + "/v1/requests"},
      site.dir);
  INFO(r.out);
  CHECK(r.out.find("\"status\":503") != std::string::npos);
  CHECK(r.out.find("the database its ledger URI reaches is not the one it opened") !=
        std::string::npos);
  // Nothing of the agent's reached the new database: no lease, no request.
  CHECK(site.sql("SELECT count(*) FROM agents") == "0\n");
  CHECK(site.sql("SELECT count(*) FROM requests") == "0\n");
  auto log = site.agent->log();
  auto first = log.find("\"event\":\"ledger.lost\"");
  CHECK(first != std::string::npos);
  CHECK(log.find("\"event\":\"ledger.lost\"", first + 1) == std::string::npos);  // once
  CHECK(log.find("now reaches another database") != std::string::npos);
}

TEST_CASE("the database gone mid-job: the CLI names the ports left and the command that continues",
          "[postgres]") {
  OwnCluster pg;
  auto o = hangingSite(30);  // lease 5 s; the first `description` on switch a hangs
  o.state = pg.createdb("midjob");
  TwoSwitchSite site(o);
  auto child = site.coloChild({"provision", site.requestFile("REQ-M")});
  REQUIRE(site.waitHung("a"));
  REQUIRE(pg.run("down"));
  // Its lease cannot be renewed: it sends nothing more and says what is left.
  auto r = child->wait();
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("request REQ-M is left configuring") != std::string::npos);
  CHECK(r.err.find("its ports may be half-configured: a ") != std::string::npos);
  CHECK(r.err.find("`colo provision REQ-M` continues it from where it stood") != std::string::npos);
  CHECK(r.err.find("next owner") == std::string::npos);
  // The database back, the command it names does what it says.
  REQUIRE(pg.run("up"));
  auto again = site.colo({"provision", "REQ-M"});
  INFO(again.err);
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("provisioned REQ-M") != std::string::npos);
  CHECK(site.status("REQ-M") == "completed");
}
