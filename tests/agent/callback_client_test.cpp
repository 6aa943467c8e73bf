// The callback client reads a callback_url the way the allow-list does (one
// parser, core/url.h): what the allow-list lets through is what is posted to.
#include <catch2/catch.hpp>

#include "../support/receiver.h"
#include "core/url.h"
#include "http/client.h"
#include "http/server.h"

using colo::agent::httpPost;
using colo::agent::parseAllowedUrl;

TEST_CASE("a callback_url the allow-list accepts is posted to as it reads it") {
  colo::test::Receiver receiver(0);
  auto port = std::to_string(receiver.port());
  std::string why;
  std::vector<colo::agent::HttpUrl> allowed = {
      *parseAllowedUrl("http://127.0.0.1:" + port + "/", why)};
  // Scheme and host are case-insensitive (RFC 3986); the path and query go
  // out as written.
  for (std::string url :
       {"HTTP://127.0.0.1:" + port + "/colo/cb?x=1", "http://127.0.0.1:" + port + "/colo/a%20b"}) {
    INFO(url);
    REQUIRE(colo::agent::callbackUrlAllowed(url, allowed, why));
    auto r = httpPost(url, {}, "{}", std::chrono::seconds(30));
    INFO(r.error);
    CHECK(r.status == 200);
  }
  auto got = receiver.got();
  REQUIRE(got.size() == 2);
  CHECK(got[0].target == "/colo/cb?x=1");
  CHECK(got[0].headers.at("host") == "127.0.0.1:" + port);
  CHECK(got[1].target == "/colo/a%20b");
  // What the parser refuses is never posted.
  auto r = httpPost("http://user:pw@127.0.0.1:" + port + "/", {}, "{}", std::chrono::seconds(30));
  CHECK(r.status == 0);
  CHECK(r.error == "callback_url must not carry a user name or password");
  CHECK(receiver.got().size() == 2);
}

TEST_CASE("a URL the sender could not use is refused where it is accepted, with the reason") {
  colo::test::Receiver receiver(0);
  auto port = std::to_string(receiver.port());
  std::string why;
  std::vector<colo::agent::HttpUrl> allowed = {
      *parseAllowedUrl("http://127.0.0.1:" + port + "/", why)};
  struct Case {
    std::string url, why;
  };
  for (const auto& c : std::vector<Case>{
           {"http://127.0.0.1:" + port + ":18730/",
            "'127.0.0.1:" + port + ":18730' is not a host and port"},
           {"http://127.0.0.1:84238/", "port '84238' is not a port number"},
           {"http://127.0.0.1:0/", "port '0' is not a port number"},
           {"http://127.0.0.1:/hooks", "port '' is not a port number"},
           {"http://127.0.0.1:" + port + "/./hooks/x", "'.' or '..' segments"},
           {"http://127.0.0.1:" + port + "/%2E%2e/x", "'.' or '..' segments"},
           {"http://127.0.0.1:" + port + "/hooks/../x", "'.' or '..' segments"},
       }) {
    INFO(c.url);
    CHECK_FALSE(colo::agent::callbackUrlAllowed(c.url, allowed, why));
    CHECK_THAT(why, Catch::Contains(c.why));
  }
  // A query without a path is delivered, to "/?...".
  auto url = "http://127.0.0.1:" + port + "?token=abc";
  REQUIRE(colo::agent::callbackUrlAllowed(url, allowed, why));
  auto r = httpPost(url, {}, "{}", std::chrono::seconds(30));
  INFO(r.error);
  CHECK(r.status == 200);
  REQUIRE(receiver.got().size() == 1);
  CHECK(receiver.got()[0].target == "/?token=abc");
  // An IPv6 literal with a port: the host without brackets to connect to,
  // with them in the Host field.
  auto v6 = colo::agent::parseHttpUrl("http://[::1]:" + port + "/cb", why);
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == receiver.port());
  CHECK(v6->authority == "[::1]:" + port);
}
