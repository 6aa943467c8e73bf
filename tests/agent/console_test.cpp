// The console's logins, sessions and forms (design.md §11), through the API's own
// handler with an injected clock: what a browser sends, what it gets back.
// The pages themselves are driven by a real browser in tests/ui/.
#include <catch2/catch.hpp>

#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "../support/api_site.h"
#include "../support/small_site.h"
#include "colo/inventory/allocator.h"
#include "colo/inventory/loader.h"
#include "colo/inventory/request.h"
#include "http/api.h"
#include "ui/pages.h"
#include "ui/sessions.h"

namespace inv = colo::inventory;
using namespace colo::agent;
using namespace colo::test;

namespace {

// Keeps cookies as a browser does (the last Set-Cookie of each name).
struct Browser {
  explicit Browser(Site& site) : c(site) {}
  Site& c;
  std::map<std::string, std::string> cookies;
  std::string origin;

  HttpResponse request(const std::string& method, const std::string& target,
                       const std::string& form = "") {
    HttpRequest req;
    req.method = method;
    req.target = target;
    req.body = form;
    req.remote = "127.0.0.1";
    req.headers["host"] = "colo.example:8080";
    if (!origin.empty()) req.headers["origin"] = origin;
    if (!form.empty())
      req.content_type = req.headers["content-type"] = "application/x-www-form-urlencoded";
    std::string jar;
    for (const auto& [k, v] : cookies) jar += (jar.empty() ? "" : "; ") + k + "=" + v;
    if (!jar.empty()) req.headers["cookie"] = jar;
    auto res = c.send(req);
    if (auto it = res.headers.find("Set-Cookie"); it != res.headers.end()) {
      const auto& sc = it->second;
      auto eq = sc.find('='), semi = sc.find(';');
      auto name = sc.substr(0, eq), value = sc.substr(eq + 1, semi - eq - 1);
      if (value.empty() || sc.find("Max-Age=0") != std::string::npos)
        cookies.erase(name);
      else
        cookies[name] = value;
    }
    return res;
  }
  HttpResponse get(const std::string& target) { return request("GET", target); }
  HttpResponse post(const std::string& target, const std::string& form) {
    return request("POST", target, form);
  }

  static std::string csrf(const std::string& html) {
    std::smatch m;
    if (!std::regex_search(html, m, std::regex(R"re(name="csrf" value="([0-9a-f]+)")re")))
      return "";
    return m[1];
  }
  HttpResponse login(const std::string& token, const std::string& next = "") {
    auto form = get("/ui/login");
    return post("/ui/login", "token=" + token + "&csrf=" + csrf(form.body) + "&next=" + next);
  }
};

std::string location(const HttpResponse& r) {
  auto it = r.headers.find("Location");
  return it == r.headers.end() ? "" : it->second;
}

}  // namespace

TEST_CASE("console: without a session every page is a 303 to the login, with nothing of the page",
          "[dates]") {
  Site c;
  Browser b(c);
  for (std::string path :
       {"/ui/", "/ui/racks/R01", "/ui/racks/R01/elevation.svg", "/ui/pools", "/ui/requests",
        "/ui/requests/REQ-P1", "/ui/requests/REQ-P1/letter", "/ui/no-such-page"}) {
    INFO(path);
    auto r = b.get(path);
    CHECK(r.status == 303);
    CHECK(location(r).rfind("/ui/login", 0) == 0);
    CHECK(r.body.empty());
  }
  CHECK(location(b.get("/ui/racks/R01")) == "/ui/login?next=%2Fui%2Fracks%2FR01");
  CHECK(location(b.get("/")) == "/ui/");
  CHECK(location(b.get("/ui")) == "/ui/");
  // A bearer token is the API's way in, not the console's.
  HttpRequest bearer;
  bearer.method = "GET";
  bearer.target = "/ui/";
  bearer.authorization = "Bearer " + kAdmin;
  CHECK(c.send(bearer).status == 303);
  // Forms without a session do nothing.
  CHECK(location(b.post("/ui/requests/REQ-P1/release", "csrf=x")) == "/ui/login");
  CHECK(c.ledger->requests().find("REQ-P1")->status == inv::Status::reserved);
}

TEST_CASE(
    "console: logging in checks the token and the form's CSRF cookie, and sets a strict cookie") {
  Site c;
  Browser b(c);
  auto form = b.get("/ui/login");
  CHECK(form.status == 200);
  CHECK(form.body.find("name=\"token\"") != std::string::npos);
  CHECK(form.headers["Set-Cookie"].find("colo_login=") == 0);
  std::string csrf = Browser::csrf(form.body);
  REQUIRE(csrf.size() == 64);

  // Another site's form: no login cookie (SameSite) or not the same token.
  Browser other(c);
  CHECK(other.post("/ui/login", "token=" + kAdmin + "&csrf=" + csrf).status == 403);
  CHECK(other.cookies.count("colo_session") == 0);
  // A wrong token.
  auto wrong = b.post("/ui/login", "token=colo_wrong&csrf=" + csrf);
  CHECK(wrong.status == 401);
  CHECK(wrong.body.find("That token is not valid.") != std::string::npos);
  CHECK(b.cookies.count("colo_session") == 0);

  auto ok = b.login(kAdmin, "/ui/pools");
  CHECK(ok.status == 303);
  CHECK(location(ok) == "/ui/pools");
  const auto& cookie = ok.headers["Set-Cookie"];
  CHECK(std::regex_match(cookie, std::regex("colo_session=[0-9a-f]{64}; Path=/; Max-Age=43200; "
                                            "HttpOnly; SameSite=Strict")));
  auto page = b.get("/ui/");
  CHECK(page.status == 200);
  CHECK(page.content_type == "text/html; charset=utf-8");
  CHECK(page.headers["Content-Security-Policy"].find("default-src 'none'; style-src 'sha256-") ==
        0);
  CHECK(page.headers["X-Frame-Options"] == "DENY");
  CHECK(page.headers["X-Content-Type-Options"] == "nosniff");
  CHECK(page.headers["Cache-Control"] == "no-store");
  CHECK(page.body.find("ops (admin)") != std::string::npos);
  CHECK(b.get("/ui/requests").body.find("Times in Asia/Pontianak, now WIB (UTC+07:00).") !=
        std::string::npos);
  // Already logged in: the form leads to the console.
  CHECK(location(b.get("/ui/login")) == "/ui/");

  SECTION("under TLS the cookie is Secure") {
    c.config.tls_cert = "cert.pem";
    c.reconfigure();
    Browser t(c);
    CHECK(t.login(kAdmin).headers["Set-Cookie"].find("; Secure") != std::string::npos);
  }
  SECTION("after login only a console page of this origin") {
    for (std::string next : {"//evil.example/", "https://evil.example/ui/", "/v1/requests",
                             "/ui/%0d%0aSet-Cookie:x=y", "/ui//evil.example"}) {
      INFO(next);
      Browser t(c);
      CHECK(location(t.login(kAdmin, next)) == "/ui/");
    }
  }
}

TEST_CASE(
    "console: a session ends on logout (with its CSRF token), when idle, when old, and with its "
    "token") {
  Site c;
  Browser b(c);
  REQUIRE(b.login(kTech).status == 303);
  auto page = b.get("/ui/requests");
  REQUIRE(page.status == 200);
  std::string csrf = Browser::csrf(page.body);

  SECTION("logout needs the session's CSRF token") {
    auto session = b.cookies["colo_session"];
    CHECK(b.post("/ui/logout", "csrf=0000").status == 403);
    CHECK(b.get("/ui/").status == 200);
    auto out = b.post("/ui/logout", "csrf=" + csrf);
    CHECK(out.status == 303);
    CHECK(location(out) == "/ui/login");
    CHECK(out.headers["Set-Cookie"].find("colo_session=; Path=/; Max-Age=0") == 0);
    // Replaying the old cookie opens nothing.
    b.cookies["colo_session"] = session;
    CHECK(b.get("/ui/").status == 303);
  }
  SECTION("30 minutes unused") {
    c.now += 29 * 60;
    CHECK(b.get("/ui/").status == 200);
    c.now += 29 * 60;  // used 29 minutes ago
    CHECK(b.get("/ui/").status == 200);
    c.now += 30 * 60;
    CHECK(b.get("/ui/").status == 303);
  }
  SECTION("12 hours after login, however busy") {
    for (int i = 0; i < 12 * 4 - 1; ++i) {
      c.now += 15 * 60;
      REQUIRE(b.get("/ui/").status == 200);
    }
    c.now += 15 * 60;
    CHECK(b.get("/ui/").status == 303);
  }
  SECTION("the token leaves the config, or changes role (at a reload)") {
    Browser other(c);
    REQUIRE(other.login(kAdmin).status == 303);
    c.config.tokens.erase(c.config.tokens.begin() + 1);  // budi's
    c.reconfigure();
    CHECK(b.get("/ui/").status == 303);
    CHECK(other.get("/ui/").status == 200);
    c.config.tokens[0].role = colo::agent::Role::requester;
    c.reconfigure();
    CHECK(other.get("/ui/").status == 303);
  }
}

TEST_CASE("console: releasing takes a technician, the session's CSRF token and this origin",
          "[dates]") {
  Site c;
  Browser planner(c), tech(c);
  REQUIRE(planner.login(kPlanning).status == 303);
  REQUIRE(tech.login(kTech).status == 303);
  auto mine = planner.get("/ui/requests/REQ-P1");
  REQUIRE(mine.status == 200);
  CHECK(mine.body.find("id=\"release\"") == std::string::npos);
  CHECK(planner.post("/ui/requests/REQ-P1/release", "csrf=" + Browser::csrf(mine.body)).status ==
        403);

  auto page = tech.get("/ui/requests/REQ-P1");
  REQUIRE(page.body.find("id=\"release\"") != std::string::npos);
  std::string csrf = Browser::csrf(page.body);
  CHECK(tech.post("/ui/requests/REQ-P1/release", "csrf=").status == 403);
  CHECK(tech.post("/ui/requests/REQ-P1/release", "csrf=" + Browser::csrf(mine.body)).status == 403);
  tech.origin = "https://evil.example";
  CHECK(tech.post("/ui/requests/REQ-P1/release", "csrf=" + csrf).status == 403);
  CHECK(c.ledger->requests().find("REQ-P1")->status == inv::Status::reserved);

  tech.origin = "http://colo.example:8080";
  auto done = tech.post("/ui/requests/REQ-P1/release", "csrf=" + csrf);
  CHECK(done.status == 303);
  CHECK(location(done) == "/ui/requests/REQ-P1?done=released");
  CHECK(c.ledger->requests().find("REQ-P1")->status == inv::Status::released);
  CHECK(tech.get(location(done)).body.find("Released: everything it held is free again.") !=
        std::string::npos);
  auto again = tech.post("/ui/requests/REQ-P1/release", "csrf=" + csrf);
  CHECK(again.status == 409);
  CHECK(again.body.find("request REQ-P1 was already released") != std::string::npos);
  CHECK(tech.post("/ui/requests/REQ-NONE/release", "csrf=" + csrf).status == 404);
}

TEST_CASE("console: a requester sees its own requests only, as over the API", "[dates]") {
  Site c;
  Browser planner(c);
  REQUIRE(planner.login(kPlanning).status == 303);
  auto list = planner.get("/ui/requests");
  CHECK(list.body.find("data-id=\"REQ-P1\"") != std::string::npos);
  CHECK(list.body.find("REQ-H1") == std::string::npos);
  CHECK(list.body.find("DINKES") == std::string::npos);  // not even as a filter
  CHECK(planner.get("/ui/requests/REQ-H1").status == 404);
  CHECK(planner.get("/ui/requests/REQ-H1/letter").status == 404);
  CHECK(planner.get("/ui/requests/REQ-P1/letter").status == 409);  // not completed
  CHECK(planner.get("/ui/racks/R01").status == 200);
  CHECK(planner.get("/ui/pools?pool=pub-v4").status == 200);
  CHECK(planner.get("/ui/pools?pool=nope").status == 404);
  CHECK(planner.get("/ui/racks/R9").status == 404);
  CHECK(planner.get("/ui/requests?status=bogus").status == 400);
  CHECK(planner.get("/ui/requests?page=x").status == 400);
  auto svg = planner.get("/ui/racks/R01/elevation.svg");
  CHECK(svg.content_type == "image/svg+xml");
  CHECK(svg.body.rfind("<?xml", 0) == 0);

  Browser ops(c);
  REQUIRE(ops.login(kAdmin).status == 303);
  // Another department's server in R02: occupied to the requester, by
  // name to the administrator (as over the API).
  for (const auto& target : {"/ui/racks/R02", "/ui/racks/R02/elevation.svg"}) {
    auto theirs = planner.get(target);
    CHECK(theirs.body.find("dinkes-db01") == std::string::npos);
    CHECK(theirs.body.find("DINKES") == std::string::npos);
    CHECK(theirs.body.find("occupied 1") != std::string::npos);
    CHECK(ops.get(target).body.find("dinkes-db01") != std::string::npos);
  }
  auto all = ops.get("/ui/requests?status=failed");
  CHECK(all.body.find("data-id=\"REQ-H1\"") != std::string::npos);
  CHECK(all.body.find("data-id=\"REQ-P1\"") == std::string::npos);
  CHECK(ops.get("/ui/requests?tenant=BAPPEDA").body.find("data-id=\"REQ-P1\"") !=
        std::string::npos);
  // Received Monday 2026-11-16, due Thursday 2026-11-19 (end of day, site
  // time); it is Wednesday.
  CHECK(ops.get("/ui/requests?late=1").body.find("REQ-P1") == std::string::npos);
  c.now += 3 * 86400;
  REQUIRE(ops.login(kAdmin).status == 303);  // the session ended meanwhile
  auto late = ops.get("/ui/requests?late=1");
  CHECK(late.body.find("data-id=\"REQ-P1\" data-late=\"1\"") != std::string::npos);
  CHECK(late.body.find(">late 1d") != std::string::npos);
}

TEST_CASE("console: only GET and POST, forms are small, names in pages are escaped", "[dates]") {
  Site c;
  Browser b(c);
  REQUIRE(b.login(kAdmin).status == 303);
  CHECK(b.request("DELETE", "/ui/").status == 405);
  CHECK(b.post("/ui/requests/REQ-P1/release", std::string(5000, 'a')).status == 413);
  auto r = b.get("/ui/racks/%3Cscript%3E");
  CHECK(r.status == 404);
  CHECK(r.body.find("<script>") == std::string::npos);
  CHECK(r.body.find("rack &lt;script&gt; does not exist") != std::string::npos);
}

TEST_CASE("session store: the least recently used session ends beyond the limit", "[dates]") {
  Site site;
  SessionStore store({1800, 43200, 2}, *site.ledger, site.ledgerMutex);
  auto a = store.open({"a", colo::agent::Role::admin, "h", "c", 0, 0}, 100);
  auto b = store.open({"b", colo::agent::Role::admin, "h", "c", 0, 0}, 200);
  auto valid = [](const ConsoleSession&) { return true; };
  CHECK(store.use(a, 300, valid));  // a is now the most recent
  auto c = store.open({"c", colo::agent::Role::admin, "h", "c", 0, 0}, 400);
  CHECK(store.size() == 2);
  CHECK(store.use(a, 500, valid));
  CHECK_FALSE(store.use(b, 500, valid));
  CHECK(store.use(c, 500, valid)->caller == "c");
  CHECK_FALSE(store.use("not-a-session", 500, valid));
  CHECK_FALSE(store.use(std::string(64, '0'), 500, valid));
}

TEST_CASE("failed logins and API tokens are slowed per address, then answered 429", "[dates]") {
  // Before, 300 wrong console logins in 0.2 s and 600 wrong API tokens in
  // 0.12 s were each answered at once, with no end.
  auto time = std::make_shared<ManualTime>(1795000000000);
  Site c(std::make_shared<AuthThrottle>(AuthThrottle::Limits{10, 1, 100}));
  c.config.time = time;
  c.reconfigure();
  Browser b(c);
  for (int i = 0; i < 10; ++i) CHECK(b.login("colo_wrong" + std::to_string(i)).status == 401);
  auto slowed = b.login("colo_wrong-again");
  CHECK(slowed.status == 429);
  CHECK(slowed.headers["Retry-After"] == "1");
  CHECK(slowed.body.find("Too many failed logins from this address") != std::string::npos);
  // While it is slowed, not even the right token is looked at, through the
  // console or the API: a guess that happened to be right would tell.
  CHECK(b.login(kAdmin).status == 429);
  CHECK(c.call("GET", "/v1/requests", kAdmin).status == 429);
  CHECK(c.call("GET", "/v1/requests", kAdmin).headers["Retry-After"] == "1");
  // Unauthenticated routes are not slowed.
  CHECK(c.call("GET", "/healthz", "").status == 200);
  // A second later: one more try.
  time->advance(std::chrono::seconds(1));
  CHECK(b.login(kAdmin).status == 303);
  CHECK(c.call("GET", "/v1/requests", "colo_wrong").status == 401);
  CHECK(c.call("GET", "/v1/requests", kAdmin).status == 429);
}

TEST_CASE("session store: one token's logins end its own oldest sessions, never another's",
          "[dates]") {
  // Before, a requester logging in 1,000 times ended an administrator's
  // session (the store dropped the least recently used of all).
  Site site;
  SessionStore store({1800, 43200, 1000, 3}, *site.ledger, site.ledgerMutex);
  auto valid = [](const ConsoleSession&) { return true; };
  auto admin = store.open({"noc", colo::agent::Role::admin, "admin-hash", "c", 0, 0}, 100);
  std::vector<std::string> mine;
  for (int i = 0; i < 1000; ++i)
    mine.push_back(
        store.open({"dinkes", colo::agent::Role::requester, "req-hash", "c", 0, 0}, 200 + i));
  CHECK(store.size() == 4);
  CHECK(store.use(admin, 1300, valid)->caller == "noc");
  CHECK_FALSE(store.use(mine[996], 1300, valid));
  for (int i = 997; i < 1000; ++i) CHECK(store.use(mine[i], 1300, valid));
  // The whole store full: the token holding the most gives way.
  Site other;
  SessionStore small({1800, 43200, 3, 3}, *other.ledger, other.ledgerMutex);
  auto a = small.open({"noc", colo::agent::Role::admin, "admin-hash", "c", 0, 0}, 100);
  auto r1 = small.open({"d", colo::agent::Role::requester, "req-hash", "c", 0, 0}, 200);
  small.open({"d", colo::agent::Role::requester, "req-hash", "c", 0, 0}, 300);
  small.open({"d", colo::agent::Role::requester, "req-hash", "c", 0, 0}, 400);
  CHECK(small.use(a, 500, valid));
  CHECK_FALSE(small.use(r1, 500, valid));
}

TEST_CASE("session store: the idle and absolute limits hold across agents on one ledger",
          "[dates]") {
  // Two agents: two connections to one ledger. Before, each agent kept its
  // own sessions in memory.
  Site site;
  colo::inventory::Ledger second(site.ledger->path());
  std::mutex secondMutex;
  SessionStore a({1800, 43200}, *site.ledger, site.ledgerMutex);
  SessionStore b({1800, 43200}, second, secondMutex);
  auto valid = [](const ConsoleSession&) { return true; };
  auto id = a.open({"noc", colo::agent::Role::admin, "h", "csrf-1", 0, 0}, 1000);
  auto seen = b.use(id, 1100, valid);
  REQUIRE(seen);
  CHECK(seen->caller == "noc");
  CHECK(seen->role == colo::agent::Role::admin);
  CHECK(seen->csrf == "csrf-1");
  // Used at b, so not idle at a 1,799 s later.
  CHECK(a.use(id, 1100 + 1799, valid));
  // Idle for 1,800 s, wherever it was used last: ended for both.
  CHECK_FALSE(b.use(id, 2899 + 1800, valid));
  CHECK_FALSE(a.use(id, 2899 + 1800, valid));
  // Twelve hours after login it ends, however busy it was.
  auto busy = a.open({"noc", colo::agent::Role::admin, "h", "csrf-2", 0, 0}, 10000);
  for (std::int64_t t = 10000; t < 10000 + 43200; t += 1700) REQUIRE(b.use(busy, t, valid));
  CHECK_FALSE(a.use(busy, 10000 + 43200, valid));
  // A token that left the config ends the session for every agent.
  auto gone = a.open({"old", colo::agent::Role::technician, "h2", "c", 0, 0}, 60000);
  CHECK_FALSE(b.use(gone, 60001, [](const ConsoleSession&) { return false; }));
  CHECK_FALSE(a.use(gone, 60002, valid));
  CHECK(a.size() == 0);
}

TEST_CASE("console: long lists come a hundred rows a page", "[dates]") {
  Site c;
  for (int i = 0; i < 120; ++i)
    c.add("REQ-X" + std::to_string(1000 + i), "BAPPEDA", "sikd-bappeda", inv::Status::failed);
  Browser ops(c);
  REQUIRE(ops.login(kAdmin).status == 303);
  auto rows = [](const std::string& html) {
    std::ptrdiff_t n = 0;
    for (std::size_t at = 0; (at = html.find("<tr data-id=", at)) != std::string::npos; ++at) ++n;
    return n;
  };
  auto first = ops.get("/ui/requests");
  CHECK(rows(first.body) == 100);
  CHECK(first.body.find("122 requests") != std::string::npos);
  CHECK(first.body.find("href=\"/ui/requests?status=&amp;tenant=&amp;page=2\">next") !=
        std::string::npos);
  CHECK(first.body.find("rel=\"prev\"") == std::string::npos);
  auto second = ops.get("/ui/requests?page=2");
  CHECK(rows(second.body) == 22);
  CHECK(second.body.find("rel=\"next\"") == std::string::npos);
  CHECK(rows(ops.get("/ui/requests?page=9").body) == 22);  // past the end: the last page
  auto failed = ops.get("/ui/requests?status=failed&tenant=BAPPEDA");
  CHECK(failed.body.find("120 requests") != std::string::npos);
  CHECK(failed.body.find("href=\"/ui/requests?status=failed&amp;tenant=BAPPEDA&amp;page=2\"") !=
        std::string::npos);
}

namespace {

// A completed request of BAPPEDA holding R01 U2-3, tor-r01 Ethernet2 and
// 192.0.2.2 (as the workers leave one), and one of DINKES holding R02
// U1 and 192.0.2.3.
void addHolders(Site& c) {
  auto server = [](const std::string& host, const std::string& rack, int unit, int height,
                   const std::string& sw, const std::string& port, const std::string& ip) {
    inv::ServerPlacement s;
    s.hostname = host;
    s.rack = rack;
    s.first_unit = unit;
    s.height = height;
    s.power_watts = 200;
    s.feeds = {{rack + "-A", 200}};
    inv::NicAssignment nic;
    nic.switch_name = sw;
    nic.port = port;
    nic.vlan = 120;
    nic.addresses = {
        {"pub-v4", *inv::IpAddress::parse(ip), 29, inv::IpAddress::parse("192.0.2.1")}};
    s.nics = {nic};
    return s;
  };
  struct Holder {
    const char *id, *tenant, *by;
    inv::ServerPlacement server;
  };
  for (const auto& h :
       {Holder{"REQ-C1", "BAPPEDA", "sikd-bappeda",
               server("web01", "R01", 2, 2, "tor-r01", "Ethernet2", "192.0.2.2")},
        Holder{"REQ-D1", "DINKES", "sikd-dinkes",
               server("db-server", "R02", 1, 1, "tor-r02", "GigabitEthernet1/0/2", "192.0.2.3")}}) {
    c.add(h.id, h.tenant, h.by, inv::Status::configuring);
    inv::Plan plan{h.id, {h.server}};
    c.ledger->write([&] { c.ledger->claims().claim(plan, h.tenant); });
    c.walk(h.id, {inv::Status::completed});
  }
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("console: a release asks first, saying what each switch will receive", "[dates]") {
  Site c;
  addHolders(c);
  Browser tech(c), admin(c), planner(c);
  REQUIRE(tech.login(kTech).status == 303);
  REQUIRE(admin.login(kAdmin).status == 303);
  REQUIRE(planner.login(kPlanning).status == 303);

  // The request's page links to the question; it holds no release form.
  auto page = tech.get("/ui/requests/REQ-C1");
  CHECK(page.body.find("id=\"release\" href=\"/ui/requests/REQ-C1/release\"") != std::string::npos);
  CHECK(page.body.find("action=\"/ui/requests/REQ-C1/release\"") == std::string::npos);

  auto ask = tech.get("/ui/requests/REQ-C1/release");
  REQUIRE(ask.status == 200);
  CHECK(ask.body.find("<td>tor-r01</td><td class=\"mono\">Ethernet2</td>") != std::string::npos);
  // The exact commands, from the repository's Arista template.
  auto pre = ask.body.find("<pre class=\"commands\" data-switch=\"tor-r01\">");
  REQUIRE(pre != std::string::npos);
  auto commands = ask.body.substr(pre, ask.body.find("</pre>", pre) - pre);
  CHECK(commands.find("default interface Ethernet2\ninterface Ethernet2\ndescription unused\n"
                      "shutdown\n") != std::string::npos);
  // And what the ledger frees.
  CHECK(ask.body.find("<td>web01</td>") != std::string::npos);
  CHECK(ask.body.find("U2\u20133") != std::string::npos);
  CHECK(ask.body.find("192.0.2.2") != std::string::npos);
  CHECK(ask.body.find("id=\"confirm-release\"") != std::string::npos);
  CHECK(ask.body.find("id=\"forget\"") == std::string::npos);  // an admin's
  CHECK(admin.get("/ui/requests/REQ-C1/release").body.find("id=\"forget\"") != std::string::npos);
  // Asking changes nothing.
  CHECK(c.ledger->requests().find("REQ-C1")->status == inv::Status::completed);

  // A reservation: nothing on a switch, freed at once.
  auto reserved = tech.get("/ui/requests/REQ-P1/release");
  CHECK(reserved.status == 200);
  CHECK(reserved.body.find("id=\"no-switch-work\"") != std::string::npos);
  // Failed and holding nothing: no release (it would hide the failure), a retry.
  auto failed = tech.get("/ui/requests/REQ-H1/release");
  CHECK(failed.status == 409);
  CHECK(failed.body.find("stays failed") != std::string::npos);
  CHECK(failed.body.find("confirm-release") == std::string::npos);
  auto failedPage = tech.get("/ui/requests/REQ-H1");
  CHECK(failedPage.body.find("id=\"release\"") == std::string::npos);
  CHECK(failedPage.body.find("id=\"retry\"") != std::string::npos);
  // A requester neither asks nor sees another department's.
  CHECK(planner.get("/ui/requests/REQ-C1/release").status == 403);
  CHECK(planner.get("/ui/requests/REQ-D1/release").status == 404);

  auto done = tech.post("/ui/requests/REQ-C1/release", "csrf=" + Browser::csrf(ask.body));
  CHECK(location(done) == "/ui/requests/REQ-C1?done=releasing");
  CHECK(c.ledger->requests().find("REQ-C1")->status == inv::Status::releasing);
  CHECK(tech.get("/ui/requests/REQ-C1/release").body.find("being released already") !=
        std::string::npos);
}

TEST_CASE(
    "console: an admin releases without touching a gone switch, and the ports to clean stay "
    "in sight",
    "[dates]") {
  Site c;
  addHolders(c);
  Browser tech(c), admin(c);
  REQUIRE(tech.login(kTech).status == 303);
  REQUIRE(admin.login(kAdmin).status == 303);
  std::string techCsrf = Browser::csrf(tech.get("/ui/").body);
  std::string csrf = Browser::csrf(admin.get("/ui/").body);
  CHECK(tech.post("/ui/requests/REQ-C1/release", "csrf=" + techCsrf + "&forget=1&reason=burned")
            .status == 403);
  auto noReason = admin.post("/ui/requests/REQ-C1/release", "csrf=" + csrf + "&forget=1&reason=");
  CHECK(noReason.status == 400);
  CHECK(noReason.body.find("a reason is required") != std::string::npos);
  CHECK(c.ledger->requests().find("REQ-C1")->status == inv::Status::completed);

  c.now += 1200;  // 20 minutes after it completed (the session is still live)
  auto done = admin.post("/ui/requests/REQ-C1/release",
                         "csrf=" + csrf + "&forget=1&reason=tor-r01+burned+in+the+fire");
  CHECK(location(done) == "/ui/requests/REQ-C1?done=forgotten");
  CHECK(c.ledger->requests().find("REQ-C1")->status == inv::Status::released);
  auto page = admin.get(location(done));
  CHECK(page.body.find("Released without touching the switches") != std::string::npos);
  auto table = page.body.find("id=\"ports-to-clean\"");
  REQUIRE(table != std::string::npos);
  CHECK(page.body.find("Ethernet2", table) != std::string::npos);
  CHECK(page.body.find("description unused", table) != std::string::npos);
  CHECK(page.body.find("tor-r01 burned in the fire") != std::string::npos);  // the step log
  // It ended when it was released, 20 minutes after it completed (18:06:40).
  CHECK(page.body.find("<dt>Ended</dt><dd>2026-11-18 18:26</dd>") != std::string::npos);
  CHECK(admin.get("/ui/requests.csv")
            .body.find(
                "\r\nREQ-C1,released,BAPPEDA,1/REQ-C1,2026-11-16 08:00:00,2026-11-19,2026-11-18 "
                "18:26:40,met,switches_forgotten,") != std::string::npos);
  // Once the port is cleaned (validate --online frees it), the list is gone.
  c.ledger->write([&] { c.ledger->claims().unclaimPort("REQ-C1", "tor-r01", "Ethernet2"); });
  CHECK(admin.get("/ui/requests/REQ-C1").body.find("ports-to-clean") == std::string::npos);
}

TEST_CASE("console: a failed request is tried again, any callback delivered again", "[dates]") {
  Site c;
  Browser tech(c), planner(c);
  REQUIRE(tech.login(kTech).status == 303);
  REQUIRE(planner.login(kPlanning).status == 303);
  std::string csrf = Browser::csrf(tech.get("/ui/").body);
  std::string planCsrf = Browser::csrf(planner.get("/ui/").body);

  SECTION("retry") {
    int before = c.ledger->requests().find("REQ-H1")->attempt;
    auto done = tech.post("/ui/requests/REQ-H1/retry", "csrf=" + csrf);
    CHECK(location(done) == "/ui/requests/REQ-H1?done=retrying");
    auto r = c.ledger->requests().find("REQ-H1");
    CHECK(r->status == inv::Status::planning);
    CHECK(r->attempt == before + 1);
    auto again = tech.post("/ui/requests/REQ-H1/retry", "csrf=" + csrf);
    CHECK(again.status == 409);
    CHECK(again.body.find("only a failed request is retried") != std::string::npos);
    CHECK(tech.post("/ui/requests/REQ-P1/retry", "csrf=" + csrf).status == 409);
    CHECK(planner.post("/ui/requests/REQ-P1/retry", "csrf=" + planCsrf).status == 403);
  }

  SECTION("redeliver, delivered or not") {
    c.ledger->write([&] {
      c.ledger->outbox().enqueue({"REQ-H1~failed~1", "REQ-H1", "https://sikd.example/hook", "{}",
                                  "failed", 0, (c.now + 600) * 1000});
    });
    auto page = tech.get("/ui/requests/REQ-H1");
    CHECK(page.body.find("data-delivery=\"REQ-H1~failed~1\"") != std::string::npos);
    CHECK(page.body.find("<button class=\"redeliver\">Send now</button>") != std::string::npos);
    CHECK(planner.get("/ui/requests/REQ-P1").body.find("redeliver") == std::string::npos);

    auto done =
        tech.post("/ui/requests/REQ-H1/redeliver", "csrf=" + csrf + "&delivery_id=REQ-H1~failed~1");
    CHECK(location(done) == "/ui/requests/REQ-H1?done=redelivered");
    auto d = c.ledger->outbox().deliveries("REQ-H1");
    REQUIRE(d.size() == 1);
    CHECK(d[0].next_attempt_at <= c.now * 1000 + c.ticks);  // due now, not in ten minutes
    CHECK(tech.post("/ui/requests/REQ-H1/redeliver", "csrf=" + csrf + "&delivery_id=nope").status ==
          404);
    CHECK(tech.post("/ui/requests/REQ-H1/redeliver", "csrf=" + csrf).status == 400);
    CHECK(planner.post("/ui/requests/REQ-P1/redeliver", "csrf=" + planCsrf + "&delivery_id=x")
              .status == 403);
  }
}

TEST_CASE("console: search finds requests, servers and addresses, a requester only its own",
          "[dates]") {
  Site c;
  addHolders(c);
  Browser admin(c), planner(c);
  REQUIRE(admin.login(kAdmin).status == 303);
  REQUIRE(planner.login(kPlanning).status == 303);
  auto hits = [](const HttpResponse& r) { return count(r.body, "<li data-kind="); };

  auto web = admin.get("/ui/search?q=WEB");
  CHECK(web.status == 200);
  CHECK(web.body.find("<a href=\"/ui/requests/REQ-C1\">web01</a>") != std::string::npos);
  CHECK(web.body.find("rack R01 U2\u20133") != std::string::npos);

  auto held = admin.get("/ui/search?q=192.0.2.2");
  CHECK(held.body.find("held by web01, request REQ-C1 (completed)") != std::string::npos);
  CHECK(admin.get("/ui/search?q=192.0.2.5").body.find("not held \u00b7 pool pub-v4") !=
        std::string::npos);
  CHECK(admin.get("/ui/search?q=192.0.2.1").body.find("the gateway of pool pub-v4") !=
        std::string::npos);
  CHECK(admin.get("/ui/search?q=203.0.113.9").body.find("in no pool of the inventory") !=
        std::string::npos);
  auto byId = admin.get("/ui/search?q=%20req-c1%20");
  CHECK(byId.body.find("data-kind=\"request\"><span class=\"badge\">request</span> <a "
                       "href=\"/ui/requests/REQ-C1\">REQ-C1</a>") != std::string::npos);
  CHECK(hits(admin.get("/ui/search?q=1%2FREQ")) == 4);  // letter numbers
  CHECK(admin.get("/ui/search?q=dinkes-db01").body.find("data-kind=\"device\"") !=
        std::string::npos);

  // A requester: its own, and another's address as held, not by whom.
  CHECK(hits(planner.get("/ui/search?q=web01")) == 1);
  CHECK(hits(planner.get("/ui/search?q=db-server")) == 0);
  CHECK(hits(planner.get("/ui/search?q=dinkes-db01")) == 0);
  auto theirs = planner.get("/ui/search?q=192.0.2.3");
  CHECK(theirs.body.find("held by another department") != std::string::npos);
  CHECK(theirs.body.find("REQ-D1") == std::string::npos);
  CHECK(theirs.body.find("db-server") == std::string::npos);
  CHECK(hits(planner.get("/ui/search?q=REQ-")) == 2);  // REQ-P1, REQ-C1

  CHECK(admin.get("/ui/search?q=" + std::string(201, 'a')).status == 400);
  CHECK(admin.get("/ui/search").body.find("name=\"q\"") != std::string::npos);
  auto script = admin.get("/ui/search?q=%3Cscript%3E");
  CHECK(script.body.find("<script>") == std::string::npos);
  CHECK(script.body.find("0 matches") != std::string::npos);
}

TEST_CASE("console: requests and a pool's holders as CSV, as the viewer may see them", "[dates]") {
  Site c;
  addHolders(c);
  Browser admin(c), planner(c);
  REQUIRE(admin.login(kAdmin).status == 303);
  REQUIRE(planner.login(kPlanning).status == 303);

  auto all = admin.get("/ui/requests.csv");
  CHECK(all.status == 200);
  CHECK(all.content_type == "text/csv; charset=utf-8; header=present");
  CHECK(all.headers["Content-Disposition"] ==
        "attachment; filename=\"colo-requests-2026-11-18.csv\"");
  CHECK(all.body.rfind("request,status,tenant,letter_number,received (Asia/Pontianak),due_date,"
                       "ended (Asia/Pontianak),sla,reason,attempt,submitted_by,error\r\n",
                       0) == 0);
  CHECK(count(all.body, "\r\n") == 5);  // the header and four requests
  CHECK(all.body.find("\r\nREQ-H1,failed,DINKES,1/REQ-H1,2026-11-16 08:00:00,2026-11-19,") !=
        std::string::npos);
  auto failed = admin.get("/ui/requests.csv?status=failed");
  CHECK(count(failed.body, "\r\n") == 2);
  auto own = planner.get("/ui/requests.csv");
  CHECK(own.body.find("REQ-H1") == std::string::npos);
  CHECK(own.body.find("REQ-D1") == std::string::npos);
  CHECK(own.body.find("REQ-C1") != std::string::npos);
  CHECK(admin.get("/ui/requests").body.find("href=\"/ui/requests.csv?status=&amp;tenant=\"") !=
        std::string::npos);

  auto pool = admin.get("/ui/pools/pub-v4/holders.csv");
  CHECK(pool.body ==
        "pool,address,request,hostname,tenant\r\n"
        "pub-v4,192.0.2.2,REQ-C1,web01,BAPPEDA\r\n"
        "pub-v4,192.0.2.3,REQ-D1,db-server,DINKES\r\n");
  CHECK(planner.get("/ui/pools/pub-v4/holders.csv").body ==
        "pool,address,request,hostname,tenant\r\n"
        "pub-v4,192.0.2.2,REQ-C1,web01,BAPPEDA\r\n"
        "pub-v4,192.0.2.3,,,\r\n");
  CHECK(admin.get("/ui/pools/nope/holders.csv").status == 404);
  // The pool's page, as the API: another department's holder is not named.
  auto page = planner.get("/ui/pools?pool=pub-v4");
  CHECK(page.body.find("REQ-D1") == std::string::npos);
  CHECK(page.body.find("db-server") == std::string::npos);
  CHECK(page.body.find("another department") != std::string::npos);
  CHECK(page.body.find("href=\"/ui/pools/pub-v4/holders.csv\"") != std::string::npos);
}

TEST_CASE("console: a CSV cell is quoted as RFC 4180 says and never runs as a formula") {
  ui::RequestRow row;
  row.record.id = "REQ-1";
  row.record.tenant_code = "BAPPEDA";
  row.record.letter_number = "=HYPERLINK(\"http://x\")";
  row.record.error = "switch said: \"% Invalid input\", line 2\nthen closed";
  row.record.status = inv::Status::failed;
  auto csv = ui::requestsCsv({row}, inv::TimeZone::named("Asia/Pontianak"));
  CHECK(csv.find("\r\nREQ-1,failed,BAPPEDA,\"'=HYPERLINK(\"\"http://x\"\")\",,,,,,0,,"
                 "\"switch said: \"\"% Invalid input\"\", line 2\nthen closed\"\r\n") !=
        std::string::npos);
}

TEST_CASE("console: the step log shows seconds, and the requests table reads as cards on a phone",
          "[dates]") {
  Site c;
  Browser admin(c);
  REQUIRE(admin.login(kAdmin).status == 303);
  // Stamped 2026-11-18T11:06:40Z, 18:06:40 in Pontianak.
  auto steps = admin.get("/ui/requests/REQ-P1").body;
  CHECK(steps.find("<td class=\"id\">2026-11-18 18:06:40</td>") != std::string::npos);
  auto list = admin.get("/ui/requests").body;
  CHECK(list.find("<table id=\"requests\" class=\"cards\">") != std::string::npos);
  CHECK(list.find("<td class=\"id\" data-label=\"Request\"><a href=\"/ui/requests/REQ-P1\">") !=
        std::string::npos);
  CHECK(list.find("data-label=\"Due\">2026-11-19</td>") != std::string::npos);
}

TEST_CASE("forecast: technicians see when things run out, over the API, the console and /metrics",
          "[dates]") {
  // Before, the console showed today's usage only and nothing said when a
  // rack or pool would be full.
  Site c;
  // One 2U server claimed now: the only consumption of the last 90 days.
  auto req = colo::test::request("REQ-F1", {{"f1", 2, 300, false, {{"pub-v4"}}}});
  c.ledger->write([&] {
    c.ledger->requests().insert(req, inv::Status::planning, {"test", "", "", ""});
    inv::Occupancy occ(c.inventory, c.ledger->claims().all(), c.ledger->claims().generation());
    c.ledger->claims().claim(inv::allocate(occ, req), "BAPPEDA");
    c.ledger->requests().transition("REQ-F1", inv::Status::planning, inv::Status::configuring,
                                    {"test", "", "", ""});
  });
  auto r = c.call("GET", "/v1/forecast", kTech);
  REQUIRE(r.status == 200);
  auto f = nlohmann::json::parse(r.body);
  CHECK(f["as_of"] == "2026-11-18");
  CHECK(f["window_days"] == 90);
  int dated = 0;
  for (const auto& rack : f["racks"])
    if (rack["net_units"]["90d"] == 2) {
      ++dated;
      CHECK(rack["full_on"].is_string());
      CHECK(rack["units_per_30d"].get<double>() == Approx(2.0 / 3.0).epsilon(0.01));
    }
  CHECK(dated == 1);
  CHECK(nlohmann::json::parse(
            c.call("GET", "/v1/forecast?window=30d", kAdmin).body)["window_days"] == 30);
  CHECK(c.call("GET", "/v1/forecast?window=0", kTech).status == 400);
  CHECK(c.call("GET", "/v1/forecast?windows=30", kTech).status == 400);
  CHECK(c.call("GET", "/v1/forecast", kPlanning).status == 403);
  // /metrics: days until each level, +Inf where nothing is taken.
  auto metrics = c.call("GET", "/metrics", "").body;
  CHECK(metrics.find("# TYPE colo_days_until_full gauge") != std::string::npos);
  CHECK(std::regex_search(
      metrics,
      std::regex(
          R"re(colo_days_until_full\{kind="rack",name="R0[123]",rack="",level="100"\} [0-9]+\n)re")));
  CHECK(
      metrics.find(R"(colo_days_until_full{kind="pool",name="pub-v6",rack="",level="95"} +Inf)") !=
      std::string::npos);
  // The console: a card on the overview and a page, for technicians only.
  Browser tech(c);
  REQUIRE(tech.login(kTech).status == 303);
  auto overview = tech.get("/ui/");
  CHECK(overview.body.find("id=\"forecast-card\"") != std::string::npos);
  CHECK(overview.body.find("href=\"/ui/forecast\"") != std::string::npos);
  auto page = tech.get("/ui/forecast?window=365d");
  CHECK(page.status == 200);
  CHECK(page.body.find("at the rate of the last 365 days") != std::string::npos);
  CHECK(page.body.find("id=\"forecast-racks\"") != std::string::npos);
  CHECK(page.body.find("BAPPEDA") != std::string::npos);
  CHECK(tech.get("/ui/forecast?window=ninety").status == 400);
  Browser requester(c);
  REQUIRE(requester.login(kPlanning).status == 303);
  CHECK(requester.get("/ui/").body.find("forecast-card") == std::string::npos);
  CHECK(requester.get("/ui/forecast").status == 403);
}
