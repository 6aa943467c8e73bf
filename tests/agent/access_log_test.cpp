// The agent's log as an operator follows it (design.md §9): one line per
// API call with its request id, route pattern, status, duration and caller;
// times in RFC 3339 UTC.
#include <catch2/catch.hpp>

#include <iostream>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "../support/api_site.h"

using namespace colo::test;
using nlohmann::json;

namespace {

// What the process writes to stdout meanwhile, line by line.
class CapturedLog {
 public:
  CapturedLog() : old_(std::cout.rdbuf(out_.rdbuf())) {}
  ~CapturedLog() { std::cout.rdbuf(old_); }
  std::vector<json> lines(const std::string& event) {
    std::vector<json> found;
    std::istringstream in(out_.str());
    for (std::string line; std::getline(in, line);) {
      auto j = json::parse(line, nullptr, false);
      if (j.is_object() && j.value("event", "") == event) found.push_back(j);
    }
    return found;
  }

 private:
  std::ostringstream out_;
  std::streambuf* old_;
};

}  // namespace

TEST_CASE("every API call is logged once, with a request id it echoes in X-Request-Id", "[dates]") {
  Site c;
  CapturedLog log;

  colo::agent::HttpRequest mine;
  mine.method = "GET";
  mine.target = "/v1/requests/REQ-P1?fields=secret-looking-query";
  mine.remote = "127.0.0.1";
  mine.authorization = "Bearer " + kPlanning;
  mine.headers["x-request-id"] = "lb-7f3a:42";
  auto r = c.send(mine);
  CHECK(r.status == 200);
  CHECK(r.headers["X-Request-Id"] == "lb-7f3a:42");

  // Not well formed (a newline, too long): a new id instead.
  mine.headers["x-request-id"] = "bad\nid";
  auto fresh = c.send(mine).headers["X-Request-Id"];
  CHECK(std::regex_match(fresh, std::regex("[0-9a-f]{32}")));
  mine.headers["x-request-id"] = std::string(65, 'a');
  CHECK(c.send(mine).headers["X-Request-Id"] != std::string(65, 'a'));

  CHECK(c.call("GET", "/v1/requests/REQ-P1", "colo_wrong").status == 401);
  CHECK(c.call("GET", "/v1/nothing-here?q=1", kAdmin).status == 404);
  CHECK(c.call("GET", "/readyz", "").status == 200);  // a probe that holds: no line

  auto lines = log.lines("http.request");
  REQUIRE(lines.size() == 5);
  const auto& first = lines[0];
  CHECK(first["level"] == "info");
  CHECK(first["request_id"] == "lb-7f3a:42");
  CHECK(first["method"] == "GET");
  CHECK(first["route"] == "/v1/requests/{id}");
  CHECK(first["status"] == 200);
  CHECK(first["caller"] == "sikd-bappeda");
  CHECK(first["duration_ms"].is_number());
  CHECK(first["remote"] == "127.0.0.1");
  CHECK(std::regex_match(first["ts"].get<std::string>(),
                         std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)")));
  CHECK(lines[1]["request_id"] == fresh);
  // Neither the query nor a token is ever in the log.
  for (const auto& l : lines) {
    CHECK(l.dump().find("secret-looking-query") == std::string::npos);
    CHECK(l.dump().find(kPlanning) == std::string::npos);
  }
  CHECK(lines[3]["status"] == 401);
  CHECK(lines[3].count("caller") == 0);
  CHECK(lines[4]["status"] == 404);
  CHECK(lines[4]["path"] == "/v1/nothing-here");
  CHECK(lines[4].count("route") == 0);
}

TEST_CASE("a path that is not UTF-8 is logged with U+FFFD, and the call still answered",
          "[dates]") {
  // Found by http_fuzz: the log line's JSON refused byte 0xFF and threw.
  Site c;
  CapturedLog log;
  colo::agent::HttpRequest req;
  req.method = "GET";
  req.target = "/v1/\xff\xfe-nothing";
  req.remote = "127.0.0.1";
  CHECK(c.send(req).status == 404);
  auto lines = log.lines("http.request");
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["path"] == "/v1/\uFFFD\uFFFD-nothing");
}
