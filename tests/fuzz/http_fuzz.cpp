// The HTTP front end: bytes in over a real loopback connection, through
// Beast's parser and colo's routes (the sample inventory, a ledger of its
// own), response out. Whatever a client sends, no route may fail with 500
// or throw, and the server answers or closes within 10 s: a wedge is a
// finding. Tokens: "Bearer fuzz-admin" and "Bearer fuzz-requester".
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "colo/encoding/encoding.h"
#include "colo/inventory/ledger.h"
#include "colo/inventory/loader.h"
#include "colo/inventory/request.h"
#include "fuzz_support.h"
#include "http/api.h"
#include "http/server.h"

namespace agent = colo::agent;
namespace inv = colo::inventory;

namespace {

struct Server {
  agent::Config config;
  std::unique_ptr<agent::LiveConfig> live;
  inv::Inventory inventory;
  std::unique_ptr<inv::Ledger> ledger;
  std::mutex ledgerMutex;
  std::unique_ptr<agent::SlaCalendar> sla;
  std::unique_ptr<agent::Api> api;
  std::unique_ptr<agent::HttpServer> http;

  Server() {
    auto loaded = inv::loadInventory(COLO_SOURCE_DIR "/examples/inventory.yaml");
    if (!loaded.ok()) colo::fuzz::finding("the sample inventory does not load");
    inventory = std::move(loaded.inventory);
    config.tokens = {
        {"fuzz-admin", colo::agent::Role::admin, colo::encoding::sha256Hex("fuzz-admin")},
        {"fuzz-requester", colo::agent::Role::requester,
         colo::encoding::sha256Hex("fuzz-requester")}};
    std::string why;
    config.callback_allowed_urls = {"http://127.0.0.1:9000/"};
    config.callback_allowed = {*agent::parseAllowedUrl("http://127.0.0.1:9000/", why)};
    auto db = colo::fuzz::scratchDir() / "colo.db";
    ledger = std::make_unique<inv::Ledger>(db.string(), inv::Ledger::Open::create);
    sla = std::make_unique<agent::SlaCalendar>(inv::TimeZone::fixed(7 * 3600, "WIB"),
                                               std::set<std::string>{"2026-12-25"});
    live = std::make_unique<agent::LiveConfig>(config);
    agent::ApiContext ctx;
    ctx.config = live.get();
    ctx.inventory = &inventory;
    ctx.ledger = ledger.get();
    ctx.ledgerMutex = &ledgerMutex;
    ctx.sla = sla.get();
    ctx.now = [] { return std::int64_t{1795000000}; };
    ctx.wakeWorkers = [] {};
    ctx.metrics = [] { return std::string("colo_up 1\n"); };
    ctx.ready = [] { return colo::agent::ApiContext::Readiness{}; };
    api = std::make_unique<agent::Api>(ctx);
    agent::HttpServerOptions opt;
    opt.port = 0;
    opt.body_limit = 64 * 1024;
    opt.read_timeout = std::chrono::seconds(5);
    http = std::make_unique<agent::HttpServer>(
        opt, agent::HttpServer::AsyncHandler(
                 [this](const agent::HttpRequest& r, agent::HttpServer::Reply reply) {
                   colo::fuzz::onlyThrows<>("a route", [&] {
                     api->handle(r, [reply, target = r.target](agent::HttpResponse res) {
                       if (res.status == 500)
                         colo::fuzz::finding("500 for " + target.substr(0, 200) + ": " + res.body);
                       reply(std::move(res));
                     });
                   });
                 }));
    port = http->port();
    std::thread([this] { http->run(); }).detach();
  }
  int port = 0;
};

int port() {
  // Never destroyed: the server's threads run until the process exits.
  static Server* server = new Server;
  return server->port;
}

// libFuzzer's -timeout alarm (SIGALRM, every timeout/2 + 1 s, installed
// without SA_RESTART) interrupts whatever call the fuzzing thread is in:
// that is not the server's doing. An interrupted connect() goes on in the
// background; wait for its outcome.
bool connectTo(int fd, const sockaddr_in& addr) {
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) return true;
  if (errno != EINTR) return false;
  while (true) {
    pollfd p{fd, POLLOUT, 0};
    int ready = ::poll(&p, 1, 10000);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    int err = 0;
    socklen_t len = sizeof err;
    return ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
  }
}

// Sends `bytes`, half-closes, and reads until the server closes; false if
// that takes more than `limit`.
bool exchange(std::string_view bytes, std::chrono::milliseconds limit, std::string& answer) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (!connectTo(fd, addr))
    colo::fuzz::finding(std::string("cannot connect to the server: ") + std::strerror(errno));
  auto deadline = std::chrono::steady_clock::now() + limit;
  auto msLeft = [&] {
    return static_cast<int>(std::max<long long>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                 std::chrono::steady_clock::now())
               .count()));
  };
  std::size_t sent = 0;
  bool ok = true;
  if (bytes.empty()) ::shutdown(fd, SHUT_WR);  // nothing to send: say so at once
  char buf[16384];
  while (ok) {
    pollfd p{fd, static_cast<short>(POLLIN | (sent < bytes.size() ? POLLOUT : 0)), 0};
    int ready = ::poll(&p, 1, msLeft());
    // The alarm again (see connectTo): wait for what is left.
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      ok = false;
      break;
    }
    if (p.revents & POLLOUT) {
      auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n < 0)
        sent = bytes.size();  // the server closed first: fine
      else
        sent += static_cast<std::size_t>(n);
      if (sent == bytes.size()) ::shutdown(fd, SHUT_WR);
    }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      auto n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) break;
      answer.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return ok;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string answer;
  if (!exchange(colo::fuzz::bytes(data, size), std::chrono::seconds(10), answer))
    colo::fuzz::finding("no answer and no close within 10 s");
  if (!answer.empty() && answer.rfind("HTTP/1.1 ", 0) != 0)
    colo::fuzz::finding("an answer that is not HTTP/1.1: " + answer.substr(0, 80));
  return 0;
}
