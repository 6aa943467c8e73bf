// The agent's HTTP front end against hostile and sloppy clients: raw bytes
// over real sockets to the real binary.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <fstream>

#include "../support/ledger_lock.h"
#include "../support/two_switch_site.h"

// Whether this build runs under AddressSanitizer (g++ or clang).
#if defined(__SANITIZE_ADDRESS__)
#define COLO_TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COLO_TEST_UNDER_ASAN 1
#endif
#endif
#ifndef COLO_TEST_UNDER_ASAN
#define COLO_TEST_UNDER_ASAN 0
#endif

using colo::test::SiteOptions;
using colo::test::TwoSwitchSite;

namespace {

// A connection to the agent from `source` (any address in 127.0.0.0/8:
// several clients, each with its own address).
int connectTo(int port, const char* source = "127.0.0.1") {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  inet_pton(AF_INET, source, &from.sin_addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0)
    throw std::runtime_error(std::string("bind to ") + source + " failed");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
    throw std::runtime_error("connect failed");
  return fd;
}

// Everything the server sends until it closes or is silent for `quietMs`.
std::string readAll(int fd, int quietMs = 1000) {
  std::string out;
  char buf[65536];
  pollfd p{fd, POLLIN, 0};
  for (;;) {
    int ready = poll(&p, 1, quietMs);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    auto n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

// A connection from `source` in the middle of a request (its first line
// sent, nothing more): busy, not idle.
int midRequest(int port, const char* source = "127.0.0.1") {
  int fd = connectTo(port, source);
  send(fd, "GET /healthz HTTP/1.1\r\n", 24, MSG_NOSIGNAL);
  return fd;
}

std::string talk(int port, const std::string& bytes, int quietMs = 1000,
                 const char* source = "127.0.0.1") {
  int fd = connectTo(port, source);
  send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  auto out = readAll(fd, quietMs);
  close(fd);
  return out;
}

int countOf(const std::string& s, const std::string& what) {
  int n = 0;
  for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

long rssKb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

// Sends `head`, then `filler` repeatedly (up to `total` bytes) while the
// server reads; returns what the server answered.
std::string stream(int port, const std::string& head, const std::string& filler,
                   std::size_t total) {
  int fd = connectTo(port);
  send(fd, head.data(), head.size(), MSG_NOSIGNAL);
  std::string chunk;
  while (chunk.size() < 65536) chunk += filler;
  for (std::size_t sent = 0; sent < total; sent += chunk.size())
    if (send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL) <= 0) break;  // the server hung up
  auto out = readAll(fd, 2000);
  close(fd);
  return out;
}

}  // namespace

TEST_CASE(
    "endless chunk extensions, chunk-size lines and trailers are cut off, in bounded memory") {
  TwoSwitchSite site;
  site.startAgent();
  int port = site.agent->port();
  auto base = rssKb(site.agent->pid());
  const std::string head = "GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  struct Case {
    std::string name, prefix, filler;
  };
  for (const auto& c : {Case{"chunk extension", "1;ext=", "a"}, Case{"chunk-size line", "", "1"},
                        Case{"trailers", "0\r\n", "X-Trailer: yes\r\n"}}) {
    INFO(c.name);
    auto out = stream(port, head + c.prefix, c.filler, 64u << 20);
    CHECK(out.rfind("HTTP/1.1 4", 0) == 0);  // 413 or 431, not 200 and not silence
    CHECK(rssKb(site.agent->pid()) - base < 100 * 1024);
  }
  CHECK(talk(port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .rfind("HTTP/1.1 200", 0) == 0);
}

TEST_CASE("one trailer field longer than 64 KiB gets 431 and the agent lives on") {
  // Found by tests/fuzz/http_fuzz: Beast throws std::length_error for such a
  // field (nothing bounds trailers), and the exception ended the agent.
  TwoSwitchSite site;
  site.startAgent();
  int port = site.agent->port();
  auto out = talk(port,
                  "GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"
                  "X-Long: " +
                      std::string(70000, 't') + "\r\n\r\n");
  CHECK(out.rfind("HTTP/1.1 431", 0) == 0);
  CHECK(talk(port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .rfind("HTTP/1.1 200", 0) == 0);
}

TEST_CASE("pipelined requests each get their answer, in order") {
  TwoSwitchSite site;
  site.startAgent();
  int port = site.agent->port();
  std::string get = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  auto out =
      talk(port, get + get + "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(countOf(out, "HTTP/1.1 200 OK") == 3);
  // A body's bytes are the body, never the next request.
  std::string body = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
  auto post =
      "POST /v1/requests HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + colo::test::kSiteToken +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\n\r\n" + body;
  out = talk(port, post + "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(countOf(out, "HTTP/1.1 ") == 2);
  CHECK(out.find("HTTP/1.1 400") != std::string::npos);   // the POST: not JSON
  CHECK(out.find("colo_requests") == std::string::npos);  // /metrics was never run
}

TEST_CASE("connections beyond max_connections get 503 at once, and the agent stays responsive") {
  SiteOptions o;
  o.extraConfig = "max_connections: 8\n";
  TwoSwitchSite site(o);
  site.startAgent();
  int port = site.agent->port();
  // Eight clients each in the middle of a request: every slot is busy (an
  // idle connection would make room, see below).
  std::vector<int> busy;
  for (int i = 0; i < 8; ++i)
    busy.push_back(midRequest(port, ("127.0.0." + std::to_string(10 + i)).c_str()));
  // Make sure the server took them all. The probe is a whole request: an
  // empty one, let in while the server had not yet read the first bytes of
  // the eight, stayed idle, and the next probe from its address took its
  // place (design.md §9, "Connections") rather than being refused, again
  // and again on a busy machine, until the eight timed out.
  const std::string probe = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  REQUIRE(TwoSwitchSite::eventually(
      [&] { return talk(port, probe, 1000, "127.0.0.2").rfind("HTTP/1.1 503", 0) == 0; }));
  // Each one refused while the others still hold every slot: answered at
  // once, not queued until a slot frees (that would be a 200).
  int refused = 0;
  for (int i = 0; i < 20; ++i)
    refused += talk(port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 30000, "127.0.0.2")
                   .rfind("HTTP/1.1 503", 0) == 0;
  CHECK(refused == 20);
  for (int fd : busy) close(fd);
  REQUIRE(TwoSwitchSite::eventually([&] {
    return talk(port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
               .rfind("HTTP/1.1 200", 0) == 0;
  }));
}

TEST_CASE("one address holding many connections leaves room for everyone else") {
  SiteOptions o;
  o.extraConfig = "max_connections: 100\nmax_connections_per_client: 20\n";
  TwoSwitchSite site(o);
  site.startAgent();
  int port = site.agent->port();
  const std::string health = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  SECTION("idle: its oldest idle connections close as it opens more") {
    // 150 connections that send nothing, more than max_connections. Before,
    // they took every slot, and every other client got 503 until they timed
    // out (15 s, and again as the client reopened them).
    std::vector<int> idle;
    for (int i = 0; i < 150; ++i) idle.push_back(connectTo(port));
    CHECK(talk(port, health, 5000, "127.0.0.2").rfind("HTTP/1.1 200", 0) == 0);
    // At most 10 of them (half of its 20) stay open: the agent closes the
    // rest, oldest first (each close reaches this side a moment later).
    auto open = [&] {
      int n = 0;
      for (int fd : idle) {
        pollfd p{fd, POLLIN, 0};
        char c;
        n += !(poll(&p, 1, 0) == 1 && recv(fd, &c, 1, MSG_DONTWAIT) == 0);
      }
      return n;
    };
    CHECK(TwoSwitchSite::eventually([&] { return open() <= 10; }));
    CHECK(open() >= 1);
    for (int fd : idle) close(fd);
  }
  SECTION("busy: beyond its share it gets 429, and others are still served") {
    std::vector<int> busy;
    for (int i = 0; i < 20; ++i) busy.push_back(midRequest(port));
    REQUIRE(TwoSwitchSite::eventually(
        [&] { return talk(port, health).rfind("HTTP/1.1 429", 0) == 0; }));
    CHECK(talk(port, health).find("too many connections from this address (at most 20)") !=
          std::string::npos);
    CHECK(talk(port, health, 5000, "127.0.0.2").rfind("HTTP/1.1 200", 0) == 0);
    for (int fd : busy) close(fd);
  }
}

TEST_CASE("at max_connections a new client takes the place of the longest-idle connection") {
  SiteOptions o;
  o.extraConfig = "max_connections: 40\n";
  TwoSwitchSite site(o);
  site.startAgent();
  int port = site.agent->port();
  // 40 clients, each with one connection that waits for nothing. Before,
  // the 41st client got 503 until one of them timed out.
  std::vector<int> idle;
  for (int i = 0; i < 40; ++i) {
    auto source = "127.0.1." + std::to_string(10 + i);
    idle.push_back(connectTo(port, source.c_str()));
  }
  const std::string health = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  for (int i = 0; i < 5; ++i)
    CHECK(talk(port, health, 5000, "127.0.0.2").rfind("HTTP/1.1 200", 0) == 0);
  // With half the connections taken, an idle one waits 1 s, not 15: the
  // agent closes the rest of them long before.
  auto t0 = std::chrono::steady_clock::now();
  for (int fd : idle) readAll(fd, 20000);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(12));
  for (int fd : idle) close(fd);
}

TEST_CASE(
    "HTTP details: Host required, HEAD, 405 with Allow, 415, unknown transfer codings, bad UTF-8") {
  TwoSwitchSite site;
  site.startAgent();
  int port = site.agent->port();
  auto ask = [&](const std::string& request) { return talk(port, request); };
  CHECK(ask("GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n").rfind("HTTP/1.1 400", 0) == 0);
  CHECK(ask("GET /healthz HTTP/1.0\r\n\r\n").rfind("HTTP/1.1 200", 0) == 0);  // 1.0 has no Host

  auto head = ask("HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(head.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(head.find("Content-Length: 15\r\n") != std::string::npos);  // {"status":"ok"}
  CHECK(head.substr(head.find("\r\n\r\n") + 4).empty());
  // A path that also takes POST: HEAD is its GET (found by tests/fuzz/http_fuzz;
  // it was a 500).
  auto headList = ask("HEAD /v1/requests HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                      colo::test::kSiteToken + "\r\nConnection: close\r\n\r\n");
  CHECK(headList.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(headList.find("Content-Length: 2\r\n") != std::string::npos);  // []

  auto del = ask("DELETE /v1/racks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                 colo::test::kSiteToken + "\r\nConnection: close\r\n\r\n");
  CHECK(del.rfind("HTTP/1.1 405", 0) == 0);
  CHECK(del.find("Allow: GET, HEAD\r\n") != std::string::npos);

  for (std::string type : {"text/plain", "application/x-www-form-urlencoded"}) {
    INFO(type);
    auto body = site.request("REQ-T");
    auto r = ask("POST /v1/requests HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                 colo::test::kSiteToken + "\r\nContent-Type: " + type +
                 "\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) +
                 "\r\n\r\n" + body);
    CHECK(r.rfind("HTTP/1.1 415", 0) == 0);
  }
  CHECK(site.sql("SELECT count(*) FROM requests") == "0\n");

  CHECK(ask("POST /v1/requests HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\nConnection: "
            "close\r\n\r\n")
            .rfind("HTTP/1.1 501", 0) == 0);

  auto utf = ask("GET /v1/racks/\xff\xfe HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                 colo::test::kSiteToken + "\r\nConnection: close\r\n\r\n");
  CHECK(utf.rfind("HTTP/1.1 404", 0) == 0);
  auto json = nlohmann::json::parse(utf.substr(utf.find("\r\n\r\n") + 4), nullptr, false);
  CHECK_FALSE(json.is_discarded());

  // A wrong token leaves a line in the log, without the token.
  ask("GET /v1/racks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer colo_guess_123\r\nConnection: "
      "close\r\n\r\n");
  REQUIRE(TwoSwitchSite::eventually(
      [&] { return site.agent->log().find("\"auth.failed\"") != std::string::npos; }));
  CHECK(site.agent->log().find("colo_guess_123") == std::string::npos);
}

TEST_CASE(
    "HTTP framing by RFC 9112: no folded lines, one Host, header bytes counted however "
    "they come, no content codings") {
  TwoSwitchSite site;
  site.startAgent();
  int port = site.agent->port();
  auto status = [](const std::string& answer) { return answer.substr(0, 12); };
  auto closes = [](const std::string& answer) {
    return answer.find("\r\nConnection: close\r\n") != std::string::npos;
  };
  // Kept alive unless refused for good: the answer says whether it closes.
  auto ask = [&](const std::string& head, const std::string& body = "") {
    return talk(port, head + "\r\n" + body, 500);
  };

  // A field folded onto the next line: refused, and the connection closed
  // (what a proxy makes of it is anyone's guess).
  auto folded = ask("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Foo: a\r\n b\r\n");
  CHECK(status(folded) == "HTTP/1.1 400");
  CHECK(folded.find("obsolete line folding") != std::string::npos);
  CHECK(closes(folded));
  auto foldedTe =
      ask("POST /v1/requests HTTP/1.1\r\nHost: x\r\nX-Foo: a\r\n\tTransfer-Encoding: chunked\r\n",
          "0\r\n\r\n");
  CHECK(status(foldedTe) == "HTTP/1.1 400");
  CHECK(closes(foldedTe));
  CHECK(status(ask("POST /v1/requests HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n chunked\r\n",
                   "0\r\n\r\n")) == "HTTP/1.1 400");

  auto twoHosts = ask("GET /healthz HTTP/1.1\r\nHost: x\r\nHost: y\r\n");
  CHECK(status(twoHosts) == "HTTP/1.1 400");
  CHECK(closes(twoHosts));

  // 16 KiB of header in all, in one field or in thirty, in one write or many.
  std::string fields;
  for (int i = 0; i < 30; ++i)
    fields += "X-P" + std::to_string(i) + ": " + std::string(1000, 'a') + "\r\n";
  CHECK(status(ask("GET /healthz HTTP/1.1\r\nHost: x\r\n" + fields)) == "HTTP/1.1 431");
  {
    int fd = connectTo(port);
    std::string bytes = "GET /healthz HTTP/1.1\r\nHost: x\r\n" + fields + "\r\n";
    for (std::size_t at = 0; at < bytes.size(); at += 700)
      send(fd, bytes.data() + at, std::min<std::size_t>(700, bytes.size() - at), MSG_NOSIGNAL);
    CHECK(status(readAll(fd, 500)) == "HTTP/1.1 431");
    close(fd);
  }
  std::string some;
  for (int i = 0; i < 12; ++i)
    some += "X-P" + std::to_string(i) + ": " + std::string(1000, 'a') + "\r\n";
  CHECK(status(ask("GET /healthz HTTP/1.1\r\nHost: x\r\n" + some)) == "HTTP/1.1 200");

  // An encoded body is refused, not misread; identity is no coding.
  auto body = site.request("REQ-CE");
  auto post = [&](const std::string& coding) {
    return ask("POST /v1/requests HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                   colo::test::kSiteToken + "\r\nContent-Type: application/json\r\n" + coding +
                   "Content-Length: " + std::to_string(body.size()) + "\r\n",
               body);
  };
  for (std::string coding : {"gzip", "deflate", "br", "GZIP", "identity, gzip"}) {
    INFO(coding);
    auto r = post("Content-Encoding: " + coding + "\r\n");
    CHECK(status(r) == "HTTP/1.1 415");
    CHECK(r.find("Accept-Encoding: identity") != std::string::npos);
  }
  CHECK(site.sql("SELECT count(*) FROM requests") == "0\n");
  CHECK(status(post("Content-Encoding: identity\r\n")) == "HTTP/1.1 202");
}

TEST_CASE("requests waiting on a locked ledger hold no I/O thread: /healthz answers meanwhile",
          "[sqlite]") {
  // An administrator's sqlite3 shell (or a backup) holds the ledger's write
  // lock. A POST's write waits for it, holding the agent's ledger, and reads
  // of the ledger wait behind that. Before, each waiting read held one of
  // the two HTTP I/O threads, and /healthz waited with them.
  TwoSwitchSite site;
  site.startAgent();
  int port = site.agent->port();
  auto url = "http://127.0.0.1:" + std::to_string(port);
  colo::test::LedgerLockHolder lock(site.dir, site.dir.file("var/colo.db"));
  REQUIRE(TwoSwitchSite::eventually([&] { return lock.holds(); }));
  std::vector<std::unique_ptr<colo::test::Child>> waiting;
  auto curl = [&](std::vector<std::string> args) {
    std::vector<std::string> argv{"/usr/bin/curl",
                                  "-s",
                                  "-o",
                                  "/dev/null",
                                  "-w",
                                  "%{http_code}",
                                  "-m",
                                  "60",
                                  "-H",
                                  "Authorization: Bearer " + colo::test::kSiteToken};
    argv.insert(argv.end(), args.begin(), args.end());
    waiting.push_back(std::make_unique<colo::test::Child>(argv, site.dir));
  };
  curl({"-H", "Content-Type: application/json", "--data-binary",
        "@" + site.dir.write("p.json", site.request("REQ-W")), url + "/v1/requests"});
  REQUIRE(TwoSwitchSite::eventually([&] { return colo::test::connectionsTo(port) >= 1; }));
  for (int i = 0; i < 4; ++i) curl({url + "/v1/requests"});
  REQUIRE(TwoSwitchSite::eventually([&] { return colo::test::connectionsTo(port) >= 5; }));
  auto health = talk(port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 10000);
  CHECK(health.rfind("HTTP/1.1 200", 0) == 0);
  lock.release();
  for (auto& c : waiting) {
    auto r = c->wait();
    CHECK(r.exit_code == 0);
    CHECK((r.out == "200" || r.out == "202"));
  }
}

TEST_CASE("large refused bodies leave no memory behind") {
  // Six requesters at once, each 1 MiB of unknown keys, five times over:
  // the problem documents are bounded, and what the reading took is given
  // back. Before, six such bodies grew the agent by 250 MB and kept it.
  TwoSwitchSite site;
  site.startAgent();
  int port = site.agent->port();
  std::string body = "{";
  for (int i = 0; body.size() + 16 < 1000 * 1024; ++i)
    body += (i ? ",\"" : "\"") + std::to_string(i) + "\":0";
  body += "}";
  auto path = site.dir.write("keys.json", body);
  auto url = "http://127.0.0.1:" + std::to_string(port) + "/v1/requests";
  auto once = [&] {
    std::vector<std::unique_ptr<colo::test::Child>> posts;
    for (int i = 0; i < 6; ++i)
      posts.push_back(std::make_unique<colo::test::Child>(
          std::vector<std::string>{"/usr/bin/curl", "-s", "-m", "60", "-w", "\n%{http_code}", "-H",
                                   "Authorization: Bearer " + colo::test::kSiteToken, "-H",
                                   "Content-Type: application/json", "--data-binary", "@" + path,
                                   url},
          site.dir));
    for (auto& p : posts) {
      auto r = p->wait();
      CHECK(r.out.size() < 16 * 1024);  // the problem document, bounded
      CHECK(r.out.substr(r.out.size() - 3) == "400");
    }
  };
  once();  // the first round sizes the allocator's arenas
  auto base = rssKb(site.agent->pid());
  for (int round = 0; round < 4; ++round) once();
  auto after = rssKb(site.agent->pid());
  INFO("RSS " << base << " kB after one round, " << after << " kB after five");
#if COLO_TEST_UNDER_ASAN
  // Under AddressSanitizer freed memory is held in quarantine (256 MB) on
  // purpose: RSS says nothing there. The plain build's run asserts it.
  WARN("RSS not checked under AddressSanitizer");
#else
  CHECK(after - base < 16 * 1024);
#endif
}

TEST_CASE("guessing API tokens is slowed per address: 429 with Retry-After, logged once") {
  TwoSwitchSite site;
  site.startAgent();
  int port = site.agent->port();
  // 600 wrong tokens on one keep-alive connection, as fast as it goes.
  std::string burst;
  for (int i = 0; i < 600; ++i)
    burst += "GET /v1/requests HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer colo_guess" +
             std::to_string(i) + "\r\n" + (i == 599 ? "Connection: close\r\n" : "") + "\r\n";
  auto out = talk(port, burst, 30000);
  int unauthorized = countOf(out, "HTTP/1.1 401"), slowed = countOf(out, "HTTP/1.1 429");
  CHECK(unauthorized + slowed == 600);
  CHECK(unauthorized >= 10);  // the burst allowed
  CHECK(slowed >= 500);       // then one a second
  CHECK(out.find("Retry-After: ") != std::string::npos);
  // Another address is not slowed; the log says it once, not 590 times.
  auto other = talk(port,
                    "GET /v1/requests HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                        colo::test::kSiteToken + "\r\nConnection: close\r\n\r\n",
                    5000, "127.0.0.2");
  CHECK(other.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(countOf(site.agent->log(), "\"event\":\"auth.throttled\"") == 1);
}
