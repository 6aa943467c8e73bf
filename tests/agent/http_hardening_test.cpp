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

#include "../support/two_switch_site.h"

using colo::test::SiteOptions;
using colo::test::TwoSwitchSite;

namespace {

int connectTo(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
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

std::string talk(int port, const std::string& bytes, int quietMs = 1000) {
  int fd = connectTo(port);
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
  std::vector<int> idle;
  for (int i = 0; i < 8; ++i) idle.push_back(connectTo(port));
  // Make sure the server took them all.
  REQUIRE(talk(port, "").find("503") != std::string::npos);
  // Each one refused while the idle ones still hold every slot: answered at
  // once, not queued until a slot frees (that would be a 200).
  int refused = 0;
  for (int i = 0; i < 20; ++i)
    refused +=
        talk(port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 30000).rfind("HTTP/1.1 503", 0) == 0;
  CHECK(refused == 20);
  for (int fd : idle) close(fd);
  REQUIRE(TwoSwitchSite::eventually([&] {
    return talk(port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
               .rfind("HTTP/1.1 200", 0) == 0;
  }));
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
