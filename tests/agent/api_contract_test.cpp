// The request system's contract (design.md §9, issue 10): listings with limits,
// cursors, filters and counts; no existence oracle. Through the API's own
// handler, asserting the exact status, headers and body shape.
#include <catch2/catch.hpp>

#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "../support/api_site.h"
#include "../support/small_site.h"
#include "jobs/status_writer.h"

namespace inv = colo::inventory;
using colo::test::Site;
using nlohmann::json;
using namespace colo::test;

namespace {

std::string header(const colo::agent::HttpResponse& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? "" : it->second;
}

// The target in a Link header's rel="next" (or `rel`).
std::string linkTo(const colo::agent::HttpResponse& r, const std::string& rel) {
  auto link = header(r, "Link");
  auto at = link.find(">; rel=\"" + rel + "\"");
  if (at == std::string::npos) return "";
  auto open = link.rfind('<', at);
  return link.substr(open + 1, at - open - 1);
}

std::string next(const colo::agent::HttpResponse& r) {
  return linkTo(r, "next");
}

std::vector<std::string> ids(const colo::agent::HttpResponse& r) {
  std::vector<std::string> out;
  for (const auto& j : json::parse(r.body)) out.push_back(j["id"]);
  return out;
}

}  // namespace

TEST_CASE("listing requests: limit, an opaque cursor in Link, X-Total-Count, every item once") {
  Site site;
  for (int i = 0; i < 7; ++i)
    site.add("REQ-L" + std::to_string(i), "BAPPEDA", "sikd-bappeda", inv::Status::failed);
  // 9 in all: REQ-P1, REQ-H1, REQ-L0..6, in the order they came in (within
  // one millisecond, by id).
  auto all = site.call("GET", "/v1/requests", kAdmin);
  auto order = ids(all);
  REQUIRE(order.size() == 9);
  CHECK(std::set<std::string>(order.begin(), order.begin() + 2) ==
        std::set<std::string>{"REQ-P1", "REQ-H1"});
  CHECK(std::vector<std::string>(order.begin() + 2, order.end()) ==
        std::vector<std::string>{"REQ-L0", "REQ-L1", "REQ-L2", "REQ-L3", "REQ-L4", "REQ-L5",
                                 "REQ-L6"});
  auto first = site.call("GET", "/v1/requests?limit=4", kAdmin);
  REQUIRE(first.status == 200);
  CHECK(ids(first) == std::vector<std::string>(order.begin(), order.begin() + 4));
  CHECK(header(first, "X-Total-Count") == "9");
  auto second = site.call("GET", next(first), kAdmin);
  CHECK(ids(second) == std::vector<std::string>{"REQ-L2", "REQ-L3", "REQ-L4", "REQ-L5"});
  CHECK(next(second).rfind("/v1/requests?limit=4&cursor=", 0) == 0);
  CHECK(linkTo(second, "first") == "/v1/requests?limit=4");
  auto last = site.call("GET", next(second), kAdmin);
  CHECK(ids(last) == std::vector<std::string>{"REQ-L6"});
  CHECK(next(last).empty());
  CHECK(header(last, "Link") == "</v1/requests?limit=4>; rel=\"first\"");
  CHECK(header(last, "X-Total-Count") == "9");
  // Default 100; the body is an array of each request's status.
  CHECK(header(all, "Link").empty());
  CHECK(json::parse(all.body)[0].contains("sla"));

  SECTION("a request that arrives between pages is on a later page, nothing twice") {
    site.add("REQ-NEW", "DINKES", "sikd-dinkes", inv::Status::failed);
    auto rest = site.call("GET", next(second), kAdmin);
    CHECK(ids(rest) == std::vector<std::string>{"REQ-L6", "REQ-NEW"});
  }
  SECTION("filters travel in the Link, and the count is of what matches") {
    auto failed = site.call("GET", "/v1/requests?status=failed&tenant=BAPPEDA&limit=5", kAdmin);
    CHECK(ids(failed).size() == 5);
    CHECK(header(failed, "X-Total-Count") == "7");
    CHECK(next(failed).find("status=failed") != std::string::npos);
    CHECK(next(failed).find("tenant=BAPPEDA") != std::string::npos);
    CHECK(ids(site.call("GET", next(failed), kAdmin)) ==
          std::vector<std::string>{"REQ-L5", "REQ-L6"});
  }
}

TEST_CASE("listing requests: filters are checked, unknown parameters are 400") {
  Site site;
  auto bad = [&](const std::string& target, const std::string& detail) {
    auto r = site.call("GET", target, kAdmin);
    INFO(target << " -> " << r.body);
    CHECK(r.status == 400);
    CHECK(r.content_type == "application/problem+json");
    CHECK(json::parse(r.body)["detail"].get<std::string>().find(detail) != std::string::npos);
  };
  bad("/v1/requests?status=bogus", "status: 'bogus' is not one of queued, planning");
  bad("/v1/requests?limit=0", "limit: '0' is not a whole number from 1 to 1000");
  bad("/v1/requests?limit=1001", "limit: '1001'");
  bad("/v1/requests?limit=ten", "limit: 'ten'");
  bad("/v1/requests?cursor=bm90IG9uZQ", "cursor: not one this agent gave out");
  bad("/v1/requests?cursor=%25%25", "cursor: not one this agent gave out");
  bad("/v1/requests?late=yes", "late: 'yes' is neither true nor false");
  bad("/v1/requests?updated_after=yesterday", "updated_after: 'yesterday' is not an RFC 3339 time");
  bad("/v1/requests?tenant=a%20b", "tenant: a tenant code is");
  bad("/v1/requests?tenat=DINKES",
      "unknown query parameter 'tenat'; this list takes limit, cursor, late, missed, status, "
      "tenant, updated_after");
  bad("/v1/racks?room=1", "unknown query parameter 'room'; this list takes limit, cursor");
  bad("/v1/pools?limit=-1", "limit");
  CHECK(site.call("GET", "/v1/requests?tenant=DINKES", kAdmin).body.find("REQ-P1") ==
        std::string::npos);
  CHECK(ids(site.call("GET", "/v1/requests?tenant=DINKES", kAdmin)) ==
        std::vector<std::string>{"REQ-H1"});
  // A tenant code matches whatever its case.
  CHECK(ids(site.call("GET", "/v1/requests?tenant=dinkes", kAdmin)) ==
        std::vector<std::string>{"REQ-H1"});
  // Repeated, a filter means any of its values; anything else given twice is a 400.
  auto both = ids(site.call("GET", "/v1/requests?tenant=dinkes&tenant=Bappeda", kAdmin));
  CHECK(std::set<std::string>(both.begin(), both.end()) ==
        std::set<std::string>{"REQ-H1", "REQ-P1"});
  auto statuses = ids(site.call("GET", "/v1/requests?status=reserved&status=failed", kAdmin));
  CHECK(std::set<std::string>(statuses.begin(), statuses.end()) ==
        std::set<std::string>{"REQ-H1", "REQ-P1"});
  CHECK(ids(site.call("GET", "/v1/requests?status=released&status=failed", kAdmin)) ==
        std::vector<std::string>{"REQ-H1"});
  bad("/v1/requests?status=failed&status=bogus", "status: 'bogus' is not one of");
  bad("/v1/requests?limit=1&limit=2",
      "query parameter 'limit' is given 2 times; it takes one value (only status, tenant may be "
      "repeated, meaning any of them)");
  bad("/v1/racks?limit=1&limit=1", "query parameter 'limit' is given 2 times; it takes one value");
}

TEST_CASE("listing requests: late=true (open and overdue), missed=true and updated_after",
          "[dates]") {
  Site site;
  // Received Monday 2026-11-16, due Thursday 2026-11-19 (site time); it is
  // Wednesday: nothing is late yet.
  auto late = site.call("GET", "/v1/requests?late=true", kAdmin);
  CHECK(ids(late).empty());
  // Saturday: REQ-P1 (reserved) is overdue. REQ-H1 failed on Wednesday, on
  // time: an ended request is judged by when it ended, so it never is.
  site.now += 3 * 86400;
  CHECK(ids(site.call("GET", "/v1/requests?late=true", kAdmin)) ==
        std::vector<std::string>{"REQ-P1"});
  site.add("REQ-P2", "BAPPEDA", "sikd-bappeda", inv::Status::failed);  // failed on Saturday
  site.add("REQ-P3", "BAPPEDA", "sikd-bappeda", inv::Status::failed);  // the same
  // Late is open and overdue: the two that failed late missed their date.
  late = site.call("GET", "/v1/requests?late=true", kAdmin);
  CHECK(header(late, "X-Total-Count") == "1");
  CHECK(ids(late) == std::vector<std::string>{"REQ-P1"});
  auto missed = site.call("GET", "/v1/requests?missed=true&limit=1", kAdmin);
  CHECK(header(missed, "X-Total-Count") == "2");
  auto both = ids(missed);
  REQUIRE(!next(missed).empty());
  for (const auto& id : ids(site.call("GET", next(missed), kAdmin))) both.push_back(id);
  CHECK(std::set<std::string>(both.begin(), both.end()) ==
        std::set<std::string>{"REQ-P2", "REQ-P3"});
  CHECK(both.size() == 2);
  CHECK(ids(site.call("GET", "/v1/requests?late=true&missed=true", kAdmin)).empty());

  // updated_after: as the ledger wrote it, with milliseconds.
  std::string newest;
  for (const auto& r : json::parse(site.call("GET", "/v1/requests", kAdmin).body))
    newest = std::max(newest, r["updated_at"].get<std::string>());
  CHECK(ids(site.call("GET", "/v1/requests?updated_after=" + newest, kAdmin)).empty());
  CHECK(ids(site.call("GET", "/v1/requests?updated_after=2026-01-01T08:00:00%2B07:00", kAdmin))
            .size() == 4);
}

TEST_CASE("SLA fields for every status: an ended request is never overdue", "[dates]") {
  Site site;
  using S = inv::Status;
  // Received Monday 2026-11-16 08:00 +07:00, due Thursday 2026-11-19.
  site.walk("REQ-P1", {S::configuring, S::completed});  // Wednesday: on time
  site.now += 30 * 86400;
  site.walk("REQ-P1", {S::releasing, S::released});  // a month later
  auto sla = json::parse(site.call("GET", "/v1/requests/REQ-P1", kAdmin).body)["sla"];
  CHECK(sla == json{{"due_date", "2026-11-19"},
                    {"deadline", "2026-11-19T16:59:59Z"},
                    {"met", true},
                    {"overdue", false},
                    {"late_seconds", 0}});
  // Failed on Wednesday: met, whatever the date is now.
  sla = json::parse(site.call("GET", "/v1/requests/REQ-H1", kAdmin).body)["sla"];
  CHECK(sla["met"] == true);
  CHECK(sla["overdue"] == false);
  // Still open a month on: overdue by exactly the time since the deadline.
  site.add("REQ-P3", "BAPPEDA", "sikd-bappeda", S::reserved);
  sla = json::parse(site.call("GET", "/v1/requests/REQ-P3", kAdmin).body)["sla"];
  CHECK(sla["overdue"] == true);
  CHECK(sla["met"] == false);
  CHECK(sla["late_seconds"] == site.now - 1795107599);  // 2026-11-19T16:59:59Z
  // Failed late (now): missed, by as much, and not overdue.
  site.walk("REQ-P3", {S::configuring, S::failed});
  sla = json::parse(site.call("GET", "/v1/requests/REQ-P3", kAdmin).body)["sla"];
  CHECK(sla["overdue"] == false);
  CHECK(sla["met"] == false);
  CHECK(sla["late_seconds"] == site.now - 1795107599);
}

TEST_CASE("racks and pools are listed the same way") {
  Site site;
  auto racks = site.call("GET", "/v1/racks?limit=2", kPlanning);
  REQUIRE(racks.status == 200);
  CHECK(json::parse(racks.body).size() == 2);
  CHECK(header(racks, "X-Total-Count") == "3");
  CHECK(linkTo(racks, "first") == "/v1/racks?limit=2");
  auto rest = site.call("GET", next(racks), kPlanning);
  CHECK(json::parse(rest.body).size() == 1);
  CHECK(json::parse(rest.body)[0]["name"] == "R03");
  CHECK(next(rest).empty());
  auto pools = site.call("GET", "/v1/pools", kPlanning);
  CHECK(json::parse(pools.body).size() == 3);
  CHECK(header(pools, "X-Total-Count") == "3");
}

TEST_CASE("a requester sees its own requests, and cannot learn of another's by its id") {
  Site site;
  CHECK(ids(site.call("GET", "/v1/requests", kPlanning)) == std::vector<std::string>{"REQ-P1"});
  CHECK(header(site.call("GET", "/v1/requests", kPlanning), "X-Total-Count") == "1");
  CHECK(site.call("GET", "/v1/requests/REQ-H1", kPlanning).status == 404);
  // POSTing another's id: the same 409 as any taken id, whatever the body.
  auto body = [](const std::string& id, const std::string& tenant) {
    return R"({"id": ")" + id + R"(", "letter_number": "1/)" + id + R"(", "tenant": {"code": ")" +
           tenant + R"(", "name": ")" + tenant +
           R"( office"}, "received_at": "2026-11-16T08:00:00+07:00",
           "servers": [{"hostname": "h1", "units": 1, "power_watts": 100}]})";
  };
  auto theirs = site.call("POST", "/v1/requests", kPlanning, body("REQ-H1", "DINKES"));
  auto changed = site.call("POST", "/v1/requests", kPlanning, body("REQ-P1", "BAPPEDA2"));
  CHECK(theirs.status == 409);
  CHECK(changed.status == 409);
  CHECK(json::parse(theirs.body)["detail"] ==
        "request id REQ-H1 is taken by another request; a changed request needs a new id");
  CHECK(json::parse(changed.body)["detail"] ==
        "request id REQ-P1 is taken by another request; a changed request needs a new id");
  // The owner sending its own request again: the same answer as the first time.
  auto again = site.call("POST", "/v1/requests", kHealth, body("REQ-H1", "DINKES"));
  CHECK(again.status == 202);
  CHECK(json::parse(again.body)["status"] == "failed");
}

TEST_CASE("racks, pools, requests and a request carry an ETag, and If-None-Match answers 304") {
  Site site;
  auto conditional = [&](const std::string& target, const std::string& token,
                         const std::string& etag) {
    colo::agent::HttpRequest req;
    req.method = "GET";
    req.target = target;
    req.authorization = "Bearer " + token;
    req.headers["if-none-match"] = etag;
    return site.send(req);
  };
  for (std::string target : {"/v1/racks", "/v1/racks/R01", "/v1/pools", "/v1/requests",
                             "/v1/requests/REQ-P1", "/v1/racks/R01/elevation.svg"}) {
    INFO(target);
    auto first = site.call("GET", target, kAdmin);
    REQUIRE(first.status == 200);
    auto etag = header(first, "ETag");
    CHECK(std::regex_match(etag, std::regex("\"[0-9a-f]{32}\"")));
    auto again = conditional(target, kAdmin, etag);
    CHECK(again.status == 304);
    CHECK(again.body.empty());
    CHECK(header(again, "ETag") == etag);
    CHECK(conditional(target, kAdmin, "\"other\", W/" + etag).status == 304);
    CHECK(conditional(target, kAdmin, "\"other\"").status == 200);
  }
  // A change is a new ETag.
  auto before = header(site.call("GET", "/v1/requests", kAdmin), "ETag");
  site.add("REQ-N", "DINKES", "sikd-dinkes", inv::Status::failed);
  CHECK(conditional("/v1/requests", kAdmin, before).status == 200);
  // What another caller may not see is not revealed by its ETag either: a
  // requester's list has its own.
  CHECK(header(site.call("GET", "/v1/requests", kPlanning), "ETag") !=
        header(site.call("GET", "/v1/requests", kAdmin), "ETag"));
}

TEST_CASE("problems: a type per kind, and every invalid field at once with a JSON Pointer") {
  Site site;
  auto r = site.call("POST", "/v1/requests", kPlanning,
                     R"({"id": "REQ-X", "letter_number": "1/X", "tenant": {"code": "BAPPEDA"},
                         "received_at": "yesterday", "colour": "blue",
                         "servers": [{"hostname": "h1", "units": 0, "power_watts": 100},
                                     {"hostname": "h/2", "units": 1, "power_watts": 100}]})");
  REQUIRE(r.status == 400);
  CHECK(r.content_type == "application/problem+json");
  auto j = json::parse(r.body);
  CHECK(j["type"] == "urn:colo:problem:invalid-request");
  CHECK(j["title"] == "Invalid request");
  CHECK(j["status"] == 400);
  std::map<std::string, std::string> errors;
  for (const auto& e : j["errors"]) errors[e["pointer"]] = e["detail"];
  INFO(j.dump(2));
  CHECK(errors.count("/colour"));
  CHECK(errors.count("/tenant/name"));
  CHECK(errors.count("/received_at"));
  CHECK(errors.count("/servers/0/units"));
  CHECK(errors.count("/servers/1/hostname"));
  CHECK(errors.size() == 5);
  // The detail still says it all in one line, for logs and people.
  CHECK(j["detail"].get<std::string>().rfind("invalid request: ", 0) == 0);

  auto type = [&](const colo::agent::HttpResponse& res) {
    return json::parse(res.body)["type"].get<std::string>();
  };
  CHECK(type(site.call("GET", "/v1/requests/REQ-NONE", kAdmin)) == "urn:colo:problem:not-found");
  CHECK(type(site.call("GET", "/v1/requests", "")) == "urn:colo:problem:unauthorized");
  CHECK(type(site.call("POST", "/v1/requests/REQ-P1/release", kPlanning)) ==
        "urn:colo:problem:forbidden");
  CHECK(type(site.call("GET", "/v1/requests?limit=0", kAdmin)) == "urn:colo:problem:bad-request");
  CHECK(type(site.call("DELETE", "/v1/requests", kAdmin)) == "urn:colo:problem:method-not-allowed");
  auto bad = site.call("POST", "/v1/requests", kPlanning, "{\"id\": ");
  CHECK(type(bad) == "urn:colo:problem:invalid-request");
  CHECK(json::parse(bad.body)["errors"].size() == 1);
}

TEST_CASE("a request's status lists its callback deliveries") {
  Site site;
  CHECK(json::parse(site.call("GET", "/v1/requests/REQ-H1", kHealth).body)["deliveries"] ==
        json::array());
  site.ledger->outbox().enqueue(
      {"REQ-H1-failed-1", "REQ-H1", "http://127.0.0.1:9/cb", "{}", "failed", 0, 1795000060000});
  site.ledger->outbox().enqueue(
      {"REQ-H1-failed-2", "REQ-H1", "http://127.0.0.1:9/cb", "{}", "failed", 0, 1795000060000});
  site.ledger->outbox().enqueue(
      {"REQ-H1-failed-3", "REQ-H1", "http://127.0.0.1:9/cb", "{}", "failed", 0, 1795000060000});
  site.ledger->outbox().result("REQ-H1-failed-1", false, "connection refused", 1795000120000,
                               false);
  site.ledger->outbox().result("REQ-H1-failed-2", true, "", 0, false, 204);
  site.ledger->outbox().result("REQ-H1-failed-3", false, "HTTP 503", 1795000120000, true, 503);
  auto d = json::parse(site.call("GET", "/v1/requests/REQ-H1", kHealth).body)["deliveries"];
  REQUIRE(d.size() == 3);
  CHECK(d[0]["delivery_id"] == "REQ-H1-failed-1");
  CHECK(d[0]["event"] == "failed");
  CHECK(d[0]["state"] == "pending");
  CHECK(d[0]["attempts"] == 1);
  CHECK(d[0]["last_error"] == "connection refused");
  CHECK(d[0]["next_attempt_at"] == "2026-11-18T11:08:40Z");
  CHECK_FALSE(d[0].contains("last_status"));  // no answer came
  CHECK(d[0]["last_attempt_at"].get<std::string>().rfind("2026-11-18T11:06:40.", 0) == 0);
  CHECK(d[1]["state"] == "delivered");
  CHECK(d[1]["last_status"] == 204);
  CHECK(d[1]["delivered_at"] == d[1]["last_attempt_at"]);
  CHECK_FALSE(d[1].contains("next_attempt_at"));
  CHECK(d[2]["state"] == "given_up");
  CHECK(d[2]["last_status"] == 503);
  CHECK(d[2]["last_error"] == "HTTP 503");
}

TEST_CASE("a technician asks for a callback again: a new delivery of the last event") {
  Site site;
  auto redeliver = [&](const std::string& id, const std::string& token) {
    return site.call("POST", "/v1/requests/" + id + "/redeliver", token);
  };
  CHECK(redeliver("REQ-H1", kHealth).status == 403);  // a requester may not
  CHECK(redeliver("REQ-NONE", kTech).status == 404);
  auto none = redeliver("REQ-P1", kTech);  // nothing was ever sent for it
  CHECK(none.status == 409);
  CHECK(json::parse(none.body)["detail"] ==
        "request REQ-P1 has no callback to deliver again: it has not ended, or it names no "
        "callback_url");

  site.ledger->outbox().enqueue(
      {"REQ-H1-failed-1", "REQ-H1", "http://127.0.0.1:9/cb", "{\"a\":1}", "failed", 0, 0});
  // Still being tried, backing off for ten minutes: that delivery, due now,
  // its backoff from the start; nothing more is queued.
  site.ledger->outbox().result("REQ-H1-failed-1", false, "HTTP 500", site.now * 1000 + 600000,
                               false, 500);
  auto pending = redeliver("REQ-H1", kTech);
  CHECK(pending.status == 202);
  auto p = json::parse(pending.body);
  CHECK(p["delivery_id"] == "REQ-H1-failed-1");
  CHECK(p["attempts"] == 0);
  CHECK(p["next_attempt_at"] == "2026-11-18T11:06:40Z");
  // A body names the delivery; anything else in it is a 400.
  auto named = [&](const std::string& body) {
    return site.call("POST", "/v1/requests/REQ-H1/redeliver", kTech, body);
  };
  CHECK(named(R"({"delivery_id": "REQ-H1-failed-1"})").status == 202);
  CHECK(named(R"({"delivery_id": "REQ-X-failed-1"})").status == 404);
  CHECK(named(R"({"delivery": "REQ-H1-failed-1"})").status == 400);
  CHECK(named(R"({"delivery_id": 1})").status == 400);
  CHECK(named(R"({"delivery_id": "a", "delivery_id": "b"})").status == 400);
  site.ledger->outbox().result("REQ-H1-failed-1", false, "HTTP 500", 0, true, 500);  // given up
  auto again = redeliver("REQ-H1", kTech);
  CHECK(again.status == 202);
  auto d = json::parse(again.body);
  CHECK(d["delivery_id"] == "REQ-H1-failed-1~r1");
  CHECK(d["event"] == "failed");
  CHECK(d["state"] == "pending");
  CHECK(d["attempts"] == 0);
  CHECK(d["next_attempt_at"] == "2026-11-18T11:06:40Z");  // due at once
  CHECK(redeliver("REQ-H1", kTech).body == again.body);   // asked twice: queued once
  site.ledger->outbox().result("REQ-H1-failed-1~r1", true, "", 0, false, 200);
  CHECK(json::parse(redeliver("REQ-H1", kAdmin).body)["delivery_id"] == "REQ-H1-failed-1~r2");
  // Any delivery, not only the last: the first one again is ~r3.
  auto first = named(R"({"delivery_id": "REQ-H1-failed-1"})");
  CHECK(first.status == 202);
  CHECK(json::parse(first.body)["delivery_id"] == "REQ-H1-failed-1~r3");
  site.ledger->outbox().result("REQ-H1-failed-1~r3", true, "", 0, false, 200);
  auto all = json::parse(site.call("GET", "/v1/requests/REQ-H1", kHealth).body)["deliveries"];
  REQUIRE(all.size() == 4);
  CHECK(all[1]["state"] == "delivered");
  CHECK(all[2]["state"] == "pending");
  // The same body and URL as the original.
  auto due = site.ledger->outbox().take(site.now * 1000 + 10000, 10, "test", 0);
  REQUIRE(due.size() == 1);
  CHECK(due[0].body == "{\"a\":1}");
  CHECK(due[0].url == "http://127.0.0.1:9/cb");
}

TEST_CASE("racks and pools are answered while the shared ledger is busy storing requests") {
  Site site;
  // As while the intake stores a batch: the API's ledger is taken. Rack and
  // pool views come from a connection of their own and do not wait for it.
  std::unique_lock busy(site.ledgerMutex);
  auto racks =
      std::async(std::launch::async, [&] { return site.call("GET", "/v1/racks", kAdmin); });
  auto rack =
      std::async(std::launch::async, [&] { return site.call("GET", "/v1/racks/R01", kAdmin); });
  auto pools =
      std::async(std::launch::async, [&] { return site.call("GET", "/v1/pools", kAdmin); });
  bool answered = true;
  for (auto* f : {&racks, &rack, &pools})
    answered = answered && f->wait_for(std::chrono::seconds(20)) == std::future_status::ready;
  busy.unlock();  // before any check can fail, so that nothing is left waiting
  REQUIRE(answered);
  CHECK(racks.get().status == 200);
  CHECK(rack.get().status == 200);
  CHECK(pools.get().status == 200);
}

TEST_CASE("a pool in detail: free ranges, and who holds each address, a page at a time") {
  Site site;
  colo::agent::StatusWriter status(*site.ledger, site.sla, "http://127.0.0.1:8080");
  inv::OccupancyCache cache(site.inventory);
  for (const char* id : {"REQ-A", "REQ-B"})
    status.reserve(colo::test::request(id, {{"h", 1, 100, false, {{"pub-v4"}}}}), "test", cache);
  auto first = site.call("GET", "/v1/pools/pub-v4?limit=1", kAdmin);
  REQUIRE(first.status == 200);
  auto j = json::parse(first.body);
  CHECK(j["name"] == "pub-v4");
  CHECK(j["free_ranges"][0] == json{{"first", "192.0.2.4"}, {"last", "192.0.2.6"}, {"size", "3"}});
  CHECK(j["free_ranges_truncated"] == false);
  CHECK(j["held_by"] ==
        json{{{"address", "192.0.2.2"}, {"request_id", "REQ-A"}, {"hostname", "h"}}});
  CHECK(header(first, "X-Total-Count") == "2");
  auto second = site.call("GET", next(first), kAdmin);
  CHECK(json::parse(second.body)["held_by"][0]["address"] == "192.0.2.3");
  CHECK(next(second).empty());
  CHECK(linkTo(second, "first") == "/v1/pools/pub-v4?limit=1");
  // A requester sees that addresses are held, not by whom.
  auto seen = json::parse(site.call("GET", "/v1/pools/pub-v4", kPlanning).body);
  CHECK(seen["held_by"][0] ==
        json{{"address", "192.0.2.2"}, {"request_id", nullptr}, {"hostname", nullptr}});
  auto missing = site.call("GET", "/v1/pools/pub-v5", kAdmin);
  CHECK(missing.status == 404);
  CHECK(json::parse(missing.body)["detail"] == "pool pub-v5 does not exist (did you mean pub-v4?)");
  CHECK(site.call("GET", "/v1/pools/pub-v4?cursor=bm9wZQ", kAdmin).status == 400);
}
