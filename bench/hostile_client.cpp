// What hostile requesters do to everyone else's answers (docs/design.md
// §10, "No request holds the I/O threads"): four requesters each send the
// worst bodies we know, back to back, while an unauthenticated client asks
// GET /healthz every 20 ms and a fifth requester reads GET /v1/requests
// every 50 ms, each on a new connection. Prints the bystanders' latency
// (median, p99, max) and how many hostile requests were answered.
//
// Run by bench/api_under_attack, which starts the agent:
//   hostile_client PORT SECONDS HOSTILE_TOKEN... -- BYSTANDER_TOKEN
// Everything is on 127.0.0.1.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using Steady = std::chrono::steady_clock;
int port = 0;

// One exchange on a new connection from `source` (each requester has an
// address of its own in 127.0.0.0/8, as departments do): sends `request`,
// reads until the server closes (every request says Connection: close) or
// 10 s pass. Returns the status code (0: no answer).
int exchange(const std::string& source, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in from{};
  from.sin_family = AF_INET;
  inet_pton(AF_INET, source.c_str(), &from.sin_addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) {
    close(fd);
    return 0;
  }
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return 0;
  }
  auto deadline = Steady::now() + std::chrono::seconds(10);
  std::size_t sent = 0;
  while (sent < request.size()) {
    auto n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // refused early: read the answer
    sent += static_cast<std::size_t>(n);
  }
  std::string in;
  char buf[16384];
  while (Steady::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    auto n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    in.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  if (in.rfind("HTTP/1.1 ", 0) != 0) return 0;
  return std::atoi(in.c_str() + 9);
}

std::string get(const std::string& path, const std::string& token) {
  return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
         (token.empty() ? "" : "Authorization: Bearer " + token + "\r\n") + "\r\n";
}

std::string post(const std::string& body, const std::string& token) {
  return "POST /v1/requests HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
         "Content-Type: application/json\r\nAuthorization: Bearer " +
         token + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

constexpr std::size_t kBody = 1000 * 1024;  // under the 1 MiB limit

// The worst bodies we know: many values, many keys, a long escaped string,
// and a well-formed request as large as the value limit allows.
std::vector<std::pair<std::string, std::string>> hostileBodies() {
  std::vector<std::pair<std::string, std::string>> out;
  std::string s = "{\"x\":[{}";
  while (s.size() + 5 < kBody) s += ",{}";
  out.emplace_back("empty objects", s + "]}");
  s = "{";
  for (int i = 0; s.size() + 16 < kBody; ++i) s += (i ? ",\"" : "\"") + std::to_string(i) + "\":0";
  out.emplace_back("unknown keys", s + "}");
  s = R"({"id":"H-1","letter_number":"1/H/2026","tenant":{"code":"H","name":")";
  while (s.size() + 100 < kBody) s += "\\u00e9";
  out.emplace_back("escaped string",
                   s + R"("},"received_at":"2026-11-23T08:30:00+07:00",)" + R"("servers":[]})");
  s = R"({"id":"H-2","letter_number":"1/H/2026","tenant":{"code":"H","name":"H"},)"
      R"("received_at":"2026-11-23T08:30:00+07:00","servers":[)";
  for (int i = 0; i < 1200; ++i)
    s += std::string(i ? "," : "") + R"({"hostname":"h)" + std::to_string(i) +
         R"(","units":1,"power_watts":100,"nics":[{"pools":["colo-public-v4"]}]})";
  out.emplace_back("1200 servers", s + "]}");
  return out;
}

struct Series {
  std::mutex m;
  std::vector<double> ms;
  std::map<int, int> statuses;
  void add(double v, int status) {
    std::lock_guard lock(m);
    ms.push_back(v);
    ++statuses[status];
  }
};

void print(const char* name, Series& s) {
  std::lock_guard lock(s.m);
  auto v = s.ms;
  if (v.empty()) return (void)std::printf("%-28s no samples\n", name);
  std::sort(v.begin(), v.end());
  auto at = [&](double p) {
    return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5)];
  };
  std::printf("%-28s n=%-6zu median %7.2f ms   p99 %7.2f ms   max %7.2f ms   status", name,
              v.size(), at(0.5), at(0.99), v.back());
  for (auto [code, n] : s.statuses) std::printf(" %d:%d", code, n);
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr,
                 "usage: hostile_client PORT SECONDS HOSTILE_TOKEN... -- BYSTANDER_TOKEN\n");
    return 2;
  }
  port = std::atoi(argv[1]);
  int seconds = std::atoi(argv[2]);
  std::vector<std::string> hostile;
  std::string bystander;
  for (int i = 3; i < argc; ++i) {
    if (std::strcmp(argv[i], "--") == 0) {
      if (i + 1 < argc) bystander = argv[i + 1];
      break;
    }
    hostile.emplace_back(argv[i]);
  }
  auto bodies = hostileBodies();
  std::vector<std::string> requests;
  std::atomic<bool> done{false};
  Series health, reads, attacks;
  auto end = Steady::now() + std::chrono::seconds(seconds);
  std::vector<std::thread> threads;
  for (std::size_t n = 0; n < hostile.size(); ++n) {
    threads.emplace_back([&, n, token = hostile[n]] {
      auto source = "127.0.0." + std::to_string(10 + n);
      std::vector<std::string> mine;
      for (const auto& b : bodies) mine.push_back(post(b.second, token));
      for (std::size_t i = 0; !done; ++i) {
        auto t0 = Steady::now();
        int status = exchange(source, mine[i % mine.size()]);
        attacks.add(std::chrono::duration<double, std::milli>(Steady::now() - t0).count(), status);
      }
    });
  }
  auto every = [&](const char* source, std::chrono::milliseconds period, std::string request,
                   Series& into) {
    return std::thread([&, source, period, request] {
      auto next = Steady::now();
      while (!done) {
        next += period;
        auto t0 = Steady::now();
        int status = exchange(source, request);
        into.add(std::chrono::duration<double, std::milli>(Steady::now() - t0).count(), status);
        std::this_thread::sleep_until(next);
      }
    });
  };
  // Let the attack start before measuring.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  threads.push_back(every("127.0.0.2", std::chrono::milliseconds(20), get("/healthz", ""), health));
  if (!bystander.empty())
    threads.push_back(every("127.0.0.3", std::chrono::milliseconds(50),
                            get("/v1/requests?limit=1", bystander), reads));
  std::this_thread::sleep_until(end);
  done = true;
  for (auto& t : threads) t.join();
  std::printf("%zu hostile requesters, bodies:", hostile.size());
  for (const auto& b : bodies) std::printf(" %s (%zu B);", b.first.c_str(), b.second.size());
  std::printf("\n");
  print("hostile POST /v1/requests", attacks);
  print("GET /healthz (no token)", health);
  if (!bystander.empty()) print("GET /v1/requests (requester)", reads);
}
