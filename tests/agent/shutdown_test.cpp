// Callbacks nothing can stall, and a SIGTERM that stops the agent at once
// whatever the receivers, the switches or the ledger's other writers do: each
// test shows it by what did not happen (an attempt counted, a job failed by
// a timeout, a lock let go), never by a stopwatch.
// The real binary, the SSH simulator, real sockets.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "../support/ledger_lock.h"
#include "../support/receiver.h"
#include "../support/two_switch_site.h"

using colo::test::Receiver;
using colo::test::SiteOptions;
using colo::test::TwoSwitchSite;
using nlohmann::json;

namespace {

// A receiver that takes connections (the kernel does) and never answers.
class BlackHole {
 public:
  BlackHole() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 || listen(fd_, 64) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      throw std::runtime_error("black hole: cannot listen");
    port_ = ntohs(a.sin_port);
  }
  ~BlackHole() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

std::string base64(const unsigned char* data, int len) {
  std::string out(static_cast<std::size_t>(4 * ((len + 2) / 3)) + 1, '\0');
  out.resize(static_cast<std::size_t>(
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, len)));
  return out;
}

}  // namespace

TEST_CASE("a receiver that never answers delays no other callback") {
  BlackHole hole;
  int port = Receiver(0).port();
  Receiver receiver(port);
  SiteOptions o;
  o.racks = {{"R1", "a"}, {"R2", "b"}, {"R3", "a"}, {"R4", "b"}};
  o.workers = 2;
  o.callbackPorts = {port, hole.port()};
  o.callbackTimeout = 300;  // the stuck delivery waits as long as colo lets it
  TwoSwitchSite site(o);
  site.startAgent();
  // The stuck one first, so that it is being delivered when the other ends.
  site.callbackPort = hole.port();
  REQUIRE(site.post(site.request("REQ-STUCK")) == 202);
  REQUIRE(site.waitEnded("REQ-STUCK"));
  REQUIRE(TwoSwitchSite::eventually([&] {
    return site.sql(
               "SELECT count(*) FROM outbox WHERE request_id = 'REQ-STUCK' AND "
               "claimed_by != ''") == "1\n";
  }));  // taken: its POST hangs from here on
  site.callbackPort = port;
  REQUIRE(site.post(site.request("REQ-FINE")) == 202);
  REQUIRE(TwoSwitchSite::eventually([&] { return !receiver.got().empty(); }));
  CHECK(json::parse(receiver.got()[0].body)["request_id"] == "REQ-FINE");
  // Delivered while the stuck one still hangs, its one attempt not over:
  // the other did not wait for it.
  CHECK(site.sql("SELECT attempts FROM outbox WHERE request_id = 'REQ-STUCK'") == "0\n");
}

TEST_CASE("callbacks are signed the Standard Webhooks way, with a whsec_ secret", "[dates]") {
  int port = Receiver(0).port();
  Receiver receiver(port);
  SiteOptions o;
  o.callbackPorts = {port};
  TwoSwitchSite site(o);
  // "whsec_" + base64 of the key bytes, as Standard Webhooks libraries make them.
  const unsigned char key[] = {0x01, 0x02, 0x03, 0xfe, 0xff, 'k', 'e', 'y'};
  std::string secret = "whsec_" + base64(key, sizeof key);
  setenv("COLO_TEST_CB_SECRET", secret.c_str(), 1);
  site.callbackPort = port;
  site.startAgent();
  REQUIRE(site.post(site.request("REQ-W")) == 202);
  REQUIRE(TwoSwitchSite::eventually([&] { return !receiver.got().empty(); }));
  auto cb = receiver.got()[0];
  const auto& id = cb.headers.at("webhook-id");
  const auto& ts = cb.headers.at("webhook-timestamp");
  CHECK(id == cb.headers.at("x-colo-delivery"));
  CHECK(std::abs(std::stoll(ts) - std::time(nullptr)) < 60);
  std::string signed_ = id + "." + ts + "." + cb.body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key, sizeof key, reinterpret_cast<const unsigned char*>(signed_.data()),
       signed_.size(), mac, &len);
  CHECK(cb.headers.at("webhook-signature") == "v1," + base64(mac, static_cast<int>(len)));
  // The legacy signature uses the same key bytes (not the whsec_ text).
  HMAC(EVP_sha256(), key, sizeof key, reinterpret_cast<const unsigned char*>(cb.body.data()),
       cb.body.size(), mac, &len);
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) {
    char two[3];
    std::snprintf(two, sizeof two, "%02x", mac[i]);
    hex += two;
  }
  CHECK(cb.headers.at("x-colo-signature") == "sha256=" + hex);
  // The same event delivered again keeps its id: a receiver deduplicates on it.
  CHECK(id == "REQ-W-completed-1");
  setenv("COLO_TEST_CB_SECRET", "callback-secret", 1);
}

TEST_CASE("SIGTERM stops the agent at once while a switch hangs and a receiver never answers") {
  BlackHole hole;
  SiteOptions o;
  o.faultsB = {{"hang_at_command", 25}};  // within the second job: the first takes 20 commands
  o.commandTimeout = 600;                 // neither wait ends by itself while the test runs
  o.callbackTimeout = 300;
  o.racks = {{"R1", "a"}, {"R2", "b"}, {"R3", "a"}, {"R4", "b"}};
  o.workers = 2;
  o.callbackPorts = {hole.port()};
  TwoSwitchSite site(o);
  site.callbackPort = hole.port();
  site.startAgent();
  REQUIRE(site.post(site.request("REQ-1")) == 202);  // its callback hangs
  REQUIRE(site.waitEnded("REQ-1"));
  REQUIRE(site.post(site.request("REQ-2")) == 202);  // a command of its job hangs
  REQUIRE(site.waitHung("b"));
  int status = site.agent->stop(SIGTERM);
  INFO(site.agent->log());
  CHECK(status == 0);
  // It cut both waits short instead of sitting them out: the job was left
  // as it stood (not failed by a command timeout), and the callback's POST
  // was not counted as an attempt (not failed by its timeout).
  CHECK(site.agent->log().find("\"provision.left\"") != std::string::npos);
  CHECK(site.status("REQ-2") == "configuring");  // left for the next start, as after a crash
  CHECK(
      site.sql("SELECT attempts, delivered_at, given_up FROM outbox WHERE request_id = 'REQ-1'") ==
      "0||0\n");
  // The next start continues it.
  site.startAgent();
  REQUIRE(site.waitEnded("REQ-2"));
  CHECK(site.status("REQ-2") == "completed");
  // Continued to the end: all four of its ports held, none twice.
  CHECK(site.sql("SELECT count(*), count(DISTINCT switch || port) FROM port_claims WHERE "
                 "request_id = 'REQ-2'") == "4|4\n");
}

TEST_CASE("SIGTERM while a request waits for a locked ledger ends cleanly, the lock still held",
          "[sqlite]") {
  TwoSwitchSite site;
  site.startAgent();
  // Someone else holds the ledger's write lock until the test lets go.
  colo::test::LedgerLockHolder lockHolder(site.dir, site.dir.file("var/colo.db"));
  auto locked = [&] {
    auto r = colo::test::run(
        {"/usr/bin/sqlite3", site.dir.file("var/colo.db"), "BEGIN IMMEDIATE; ROLLBACK;"}, site.dir);
    return r.exit_code != 0;
  };
  REQUIRE(TwoSwitchSite::eventually([&] { return lockHolder.holds(); }));
  auto post = std::make_unique<colo::test::Child>(
      std::vector<std::string>{
          "/usr/bin/curl", "-s", "-m", "60", "-X", "POST", "-H",
          "Authorization: Bearer " + colo::test::kSiteToken, "-H", "Content-Type: application/json",
          "--data-binary", "@" + site.dir.write("p.json", site.request("REQ-L")),
          "http://127.0.0.1:" + std::to_string(site.agent->port()) + "/v1/requests"},
      site.dir);
  // The request is on its way in (curl is connected to the agent): storing it
  // waits for the lock.
  REQUIRE(
      TwoSwitchSite::eventually([&] { return colo::test::connectionsTo(site.agent->port()) > 0; }));
  int status = site.agent->stop(SIGTERM);
  CHECK(status == 0);    // a clean exit: no sanitizer report, no crash
  CHECK(locked());       // and it did not wait for the other writer to let go
  lockHolder.release();  // now the holder commits
  post->wait();
}
