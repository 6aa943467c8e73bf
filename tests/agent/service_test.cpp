// colo as a service (design.md §9): a reload that applies a new config
// whole or not at all, and what the agent tells systemd (READY, RELOADING,
// STOPPING, WATCHDOG) when started by the unit's own ExecStart line.
// The real binary, the SSH simulator, a real Unix datagram socket.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/un.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "../support/two_switch_site.h"
#include "colo/encoding/encoding.h"
#include "colo/inventory/ledger.h"
#include "core/log.h"

using colo::test::TwoSwitchSite;
using nlohmann::json;

namespace {

const std::string kOpsToken = "colo_ops_token_added_by_a_reload";

int get(TwoSwitchSite& site, const std::string& path, const std::string& token) {
  auto r = colo::test::run({"/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H",
                            "Authorization: Bearer " + token,
                            "http://127.0.0.1:" + std::to_string(site.agent->port()) + path},
                           site.dir);
  return std::atoi(r.out.c_str());
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void writeFile(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

// The config with one more token, an admin's, after the site's own.
std::string withOpsToken(const std::string& config) {
  auto at = config.find("callback:");
  return config.substr(0, at) + "  - {name: ops, role: admin, sha256: \"" +
         colo::encoding::sha256Hex(kOpsToken) + "\"}\n" + config.substr(at);
}

// How many of the agent's log lines have this event.
int events(TwoSwitchSite& site, const std::string& event) {
  int n = 0;
  std::istringstream lines(site.agent->log());
  for (std::string line; std::getline(lines, line);) {
    auto j = json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.is_object() && j.value("event", "") == event) ++n;
  }
  return n;
}

// A Unix datagram socket standing in for systemd's notify socket.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    if (path.size() >= sizeof a.sun_path) throw std::runtime_error("socket path too long");
    std::copy(path.begin(), path.end(), a.sun_path);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      throw std::runtime_error("cannot bind " + path);
    timeval tv{1, 0};  // each read waits at most a second; next() bounds the whole wait
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~NotifySocket() { close(fd_); }
  // The next message holding `what`, within 30 s; the messages on the way
  // are kept in seen(). Empty when none came.
  std::string next(const std::string& what) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      char buf[4096];
      auto n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) continue;
      std::string m(buf, static_cast<std::size_t>(n));
      seen_.push_back(m);
      if (m.find(what) != std::string::npos) return m;
    }
    return {};
  }
  const std::vector<std::string>& seen() const { return seen_; }

 private:
  std::string path_;
  int fd_ = -1;
  std::vector<std::string> seen_;
};

// The unit's ExecStart line, split at spaces (it has no quoting).
std::vector<std::string> execStart() {
  std::istringstream unit(readFile(COLO_SOURCE_DIR "/packaging/colo.service"));
  for (std::string line; std::getline(unit, line);)
    if (line.rfind("ExecStart=", 0) == 0) {
      std::istringstream words(line.substr(10));
      std::vector<std::string> out;
      for (std::string w; words >> w;) out.push_back(w);
      return out;
    }
  return {};
}

}  // namespace

TEST_CASE(
    "SIGHUP applies a new token at once, and names the listen address as waiting for a restart",
    "[sqlite]") {
  TwoSwitchSite site;
  site.startAgent();
  REQUIRE(get(site, "/v1/requests", kOpsToken) == 401);
  // A job in flight while the config changes.
  REQUIRE(site.post(site.request("REQ-1")) == 202);
  auto config = readFile(site.config);
  writeFile(site.config, std::regex_replace(withOpsToken(config), std::regex("listen: [^\n]*"),
                                            "listen: 127.0.0.1:1"));
  kill(site.agent->pid(), SIGHUP);
  REQUIRE(TwoSwitchSite::eventually([&] { return events(site, "config.reloaded") == 1; }));
  INFO(site.agent->log());
  CHECK(get(site, "/v1/requests", kOpsToken) == 200);
  CHECK(get(site, "/v1/requests", colo::test::kSiteToken) == 200);
  // The listen address is named as needing a restart; the agent still
  // answers where it listened.
  auto log = site.agent->log();
  CHECK(log.find("\"config.restart_needed\"") != std::string::npos);
  CHECK(log.find("\"keys\":[\"listen\",") != std::string::npos);  // and public_url, made from it
  CHECK(log.find("\"changed\":[\"tokens\"]") != std::string::npos);
  // The job went on to its end.
  REQUIRE(site.waitEnded("REQ-1"));
  CHECK(site.status("REQ-1") == "completed");
  CHECK(site.agent->stop(SIGTERM) == 0);
}

TEST_CASE("a config with an error is refused whole at a reload, and the running one stays",
          "[sqlite]") {
  TwoSwitchSite site;
  site.startAgent();
  auto good = readFile(site.config);
  // A new token, and a mistake further down: neither applies.
  writeFile(site.config, withOpsToken(good) + "workers: many\n");
  kill(site.agent->pid(), SIGHUP);
  REQUIRE(TwoSwitchSite::eventually([&] { return events(site, "config.reload_refused") == 1; }));
  INFO(site.agent->log());
  auto log = site.agent->log();
  // The error where it is, as `colo validate` would say it.
  CHECK(std::regex_search(log, std::regex("\"error\":\"[^\"]*colo\\.yaml:[0-9]+:[0-9]+: ")));
  CHECK(events(site, "config.reloaded") == 0);
  CHECK(get(site, "/v1/requests", kOpsToken) == 401);
  CHECK(get(site, "/v1/requests", colo::test::kSiteToken) == 200);
  // A switch whose credentials the new config lost: refused as well.
  writeFile(site.config,
            std::regex_replace(withOpsToken(good), std::regex("\n  lab: "), "\n  other: "));
  kill(site.agent->pid(), SIGHUP);
  REQUIRE(TwoSwitchSite::eventually([&] { return events(site, "config.reload_refused") == 2; }));
  CHECK(site.agent->log().find("uses credentials 'lab'") != std::string::npos);
  CHECK(get(site, "/v1/requests", kOpsToken) == 401);
  // Fixed: it applies.
  writeFile(site.config, withOpsToken(good));
  kill(site.agent->pid(), SIGHUP);
  REQUIRE(TwoSwitchSite::eventually([&] { return events(site, "config.reloaded") == 1; }));
  CHECK(get(site, "/v1/requests", kOpsToken) == 200);
}

TEST_CASE("colo reload-check says what a reload would, changing nothing") {
  TwoSwitchSite site;
  auto good = readFile(site.config);
  auto ok = site.colo({"reload-check"});
  CHECK(ok.exit_code == 0);
  CHECK(ok.out.find("is valid") != std::string::npos);
  writeFile(site.config, good + "log: {level: loud}\n");
  auto bad = site.colo({"reload-check"});
  CHECK(bad.exit_code == 2);
  CHECK(std::regex_search(bad.err, std::regex("colo\\.yaml:[0-9]+:[0-9]+: log: 'level' is debug")));
  // A secret's variable of the agent's own environment, not set here: a
  // note, not an error.
  writeFile(site.config,
            std::regex_replace(good, std::regex("COLO_TEST_CB_SECRET"), "COLO_NOT_SET_HERE"));
  auto elsewhere = site.colo({"reload-check"});
  CHECK(elsewhere.exit_code == 0);
  CHECK(elsewhere.out.find("COLO_NOT_SET_HERE is not set here") != std::string::npos);
}

TEST_CASE(
    "the unit's ExecStart tells systemd READY once it answers, then WATCHDOG, RELOADING "
    "and STOPPING",
    "[sqlite]") {
  TwoSwitchSite site;  // its ledger made by colo init, as the package's postinst does
  auto argv = execStart();
  REQUIRE(argv.size() >= 4);
  CHECK(argv[0] == "/usr/bin/colo");
  argv[0] = COLO_BINARY;
  for (auto& a : argv)
    if (a == "/etc/colo/colo.yaml") a = site.config;
  NotifySocket systemd(site.dir.file("notify.sock"));
  setenv("NOTIFY_SOCKET", site.dir.file("notify.sock").c_str(), 1);
  setenv("WATCHDOG_USEC", "400000", 1);  // a ping every 200 ms
  site.agent = std::make_unique<colo::test::Agent>(argv);
  unsetenv("NOTIFY_SOCKET");
  unsetenv("WATCHDOG_USEC");
  auto ready = systemd.next("READY=1");
  REQUIRE(!ready.empty());
  // Told only once it answers: /healthz is served now.
  CHECK(get(site, "/healthz", "") == 200);
  CHECK(systemd.seen().front().find("READY=1") != std::string::npos);  // nothing before it
  CHECK(!systemd.next("WATCHDOG=1").empty());
  kill(site.agent->pid(), SIGHUP);
  auto reloading = systemd.next("RELOADING=1");
  CHECK(reloading.find("MONOTONIC_USEC=") != std::string::npos);
  CHECK(!systemd.next("READY=1").empty());
  int status = site.agent->stop(SIGTERM);
  CHECK(status == 0);
  CHECK(!systemd.next("STOPPING=1").empty());
}

namespace {

// The log to dir/colo.log in `format`, at the default level; the settings.
colo::agent::LogSettings logToFile(const colo::test::TempDir& dir, colo::agent::LogFormat format) {
  colo::agent::LogSettings settings;
  settings.file = dir.file("colo.log");
  settings.format = format;
  colo::agent::configureLog(settings);
  return settings;
}

}  // namespace

TEST_CASE("the log file is opened again by name after logrotate moved it (SIGUSR1)") {
  colo::test::TempDir dir;
  auto settings = logToFile(dir, colo::agent::LogFormat::json);
  colo::agent::logEvent({{"level", "info"}, {"event", "before.rotation"}});
  colo::agent::logEvent({{"level", "debug"}, {"event", "below.the.level"}});
  std::filesystem::rename(dir.file("colo.log"), dir.file("colo.log.1"));
  std::string why;
  REQUIRE(colo::agent::reopenLog(why));
  colo::agent::logEvent({{"level", "warn"}, {"event", "after.rotation"}});
  colo::agent::configureLog({});  // stdout again, for whatever runs next
  auto rotated = readFile(dir.file("colo.log.1")), fresh = readFile(dir.file("colo.log"));
  CHECK(rotated.find("before.rotation") != std::string::npos);
  CHECK(rotated.find("below.the.level") == std::string::npos);
  CHECK(rotated.find("after.rotation") == std::string::npos);
  CHECK(fresh.find("after.rotation") != std::string::npos);
  CHECK(json::parse(fresh.substr(0, fresh.find('\n')))["level"] == "warn");
  // A file that cannot be opened is said, and changes nothing.
  settings.file = dir.file("no-such-dir/colo.log");
  CHECK_THROWS_WITH(colo::agent::configureLog(settings),
                    Catch::Contains("cannot open the log file") && Catch::Contains("no-such-dir"));
}

TEST_CASE("the text log is one line per event, its values quoted (and escaped) when they must be") {
  colo::test::TempDir dir;
  logToFile(dir, colo::agent::LogFormat::text);
  colo::agent::logEvent({{"level", "error"},
                         {"event", "switch.unworkable"},
                         {"error", "no host key for 127.0.0.1:22\nforged line"},
                         {"port", 22}});
  colo::agent::configureLog({});
  auto text = readFile(dir.file("colo.log"));
  CHECK(
      std::regex_match(text, std::regex("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z error "
                                        "switch\\.unworkable error=\"no host key for "
                                        "127\\.0\\.0\\.1:22\\\\nforged line\" port=22\n")));
}

TEST_CASE(
    "colo backup copies the ledger as one snapshot while others write to it, and "
    "verify-ledger checks the copy",
    "[sqlite]") {
  TwoSwitchSite site;
  site.dir.write("w.json", site.request("REQ-W"));
  // A writer, reserving and releasing again and again until told to stop,
  // and in any case after 2,000 rounds or two minutes; told to stop however
  // this test ends.
  std::string colo = std::string(COLO_BINARY) + " --config " + site.config + " --quiet";
  auto writer = std::make_unique<colo::test::Child>(
      std::vector<std::string>{
          "/usr/bin/timeout", "120", "/bin/sh", "-c",
          "cd " + site.dir.file("") +
              " && i=0; while [ ! -e stop ] && [ $i -lt 2000 ]; do i=$((i+1)); " +
              "sed \"s/REQ-W/REQ-W$i/\" w.json > w-$i.json; " + colo + " reserve w-$i.json; " +
              colo + " release REQ-W$i; done"},
      site.dir);
  struct Stop {
    TwoSwitchSite& site;
    std::unique_ptr<colo::test::Child>& writer;
    ~Stop() {
      if (!writer) return;
      site.dir.write("stop", "");
      writer->wait();
    }
  } stop{site, writer};
  // (-1 while the writer holds the lock and sqlite3 gives up at once.)
  auto requests = [&] {
    auto out = site.sql("SELECT count(*) FROM requests");
    return out.empty() ? -1 : std::stoi(out);
  };
  std::vector<int> seen;
  for (int n = 0; n < 5; ++n) {
    // Each copy after the writer has written more.
    int before = -1;
    REQUIRE(TwoSwitchSite::eventually([&] { return (before = requests()) >= 0; }));
    REQUIRE(TwoSwitchSite::eventually([&] { return requests() > before; }));
    auto copy = site.dir.file("copy-" + std::to_string(n) + ".db");
    auto made = site.colo({"backup", "--to", copy});
    INFO(made.err);
    REQUIRE(made.exit_code == 0);
    CHECK(made.out.find("integrity ok") != std::string::npos);
    auto checked = site.colo({"verify-ledger", copy});
    CHECK(checked.exit_code == 0);
    CHECK(checked.out.find("schema version " +
                           std::to_string(colo::inventory::Ledger::kSchemaVersion) +
                           " (this colo's), integrity ok") != std::string::npos);
    // One snapshot: each request holds all of its reservation (two 2U
    // servers with two NICs each) or none of it.
    auto torn = colo::test::run(
        {"/usr/bin/sqlite3", copy,
         "SELECT r.id FROM requests r WHERE (SELECT count(*) FROM unit_claims u WHERE "
         "u.request_id = r.id) NOT IN (0, 4) OR (SELECT count(*) FROM address_claims a WHERE "
         "a.request_id = r.id) NOT IN (0, 4) OR (SELECT count(*) FROM port_claims p WHERE "
         "p.request_id = r.id) NOT IN (0, 4)"},
        site.dir);
    CHECK(torn.exit_code == 0);
    CHECK(torn.out.empty());
    auto count =
        colo::test::run({"/usr/bin/sqlite3", copy, "SELECT count(*) FROM requests"}, site.dir);
    seen.push_back(std::stoi(count.out));
    // Never written over, nothing left beside it.
    CHECK(site.colo({"backup", "--to", copy}).exit_code == 2);
    CHECK(!std::filesystem::exists(copy + ".part"));
    CHECK(!std::filesystem::exists(copy + "-wal"));
    CHECK(!std::filesystem::exists(copy + "-turns"));
    CHECK((std::filesystem::status(copy).permissions() & std::filesystem::perms::others_read) ==
          std::filesystem::perms::none);
  }
  site.dir.write("stop", "");
  CHECK(writer->wait().exit_code == 0);  // stopped when told, not by its bounds
  writer.reset();
  CHECK(seen.back() > seen.front());  // taken while the writer wrote
  // A file that is not a ledger is named as such.
  auto notLedger = site.colo({"verify-ledger", site.config});
  CHECK(notLedger.exit_code == 2);
  CHECK(notLedger.err.find("is not a colo ledger") != std::string::npos);
}
