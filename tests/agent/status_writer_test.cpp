// The one writer of statuses (jobs/status_writer.h): reservations, the
// release rule, and an ending's callback queued with every ending, whoever
// causes it.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "../support/ledger_state.h"
#include "../support/small_site.h"
#include "../support/temp_dir.h"
#include "colo/inventory/error.h"
#include "jobs/outbox.h"
#include "jobs/status_writer.h"

using namespace colo::inventory;
using colo::agent::ForgetAsked;
using colo::agent::ReleaseAsked;
using colo::agent::RetryAsked;
using colo::agent::SlaCalendar;
using colo::agent::StatusWriter;
using colo::test::request;
using colo::test::smallInventory;
using colo::test::TempDir;

namespace {

const SlaCalendar& calendar() {
  static const SlaCalendar cal(TimeZone::named("Asia/Pontianak"), {});
  return cal;
}

}  // namespace

TEST_CASE("reserving is idempotent per request id and release frees everything") {
  TempDir dir;
  auto inv = smallInventory();
  Ledger ledger(colo::test::ledgerState(dir), Ledger::Open::create);
  StatusWriter status(ledger, calendar(), "http://127.0.0.1:8080");
  colo::inventory::OccupancyCache cache(inv);
  auto req = request("REQ-1", {{"a", 2, 300, true, {{"pub-v4"}}}});
  auto first = status.reserve(req, "test", cache);
  CHECK_FALSE(first.existing);
  auto again = status.reserve(req, "test", cache);
  CHECK(again.existing);
  CHECK(toJson(again.plan) == toJson(first.plan));
  auto claims = ledger.claims().all();
  CHECK(claims.units.size() == 2);
  CHECK(claims.power.size() == 2);
  CHECK(claims.addresses.size() == 1);
  CHECK(claims.ports.size() == 1);

  // The same id with another body is a conflict, and changes nothing.
  auto other = request("REQ-1", {{"a", 3, 300, true, {{"pub-v4"}}}});
  CHECK_THROWS_WITH(status.reserve(other, "test", cache),
                    "request REQ-1 was already received with a different body; a changed "
                    "request needs a new id");
  CHECK(ledger.claims().all().units.size() == 2);

  // A second request does not get what the first holds.
  auto second =
      status.reserve(request("REQ-2", {{"b", 2, 300, true, {{"pub-v4"}}}}), "test", cache);
  CHECK(second.plan.servers[0].nics[0].addresses[0].address.str() == "192.0.2.3");
  CHECK(second.plan.servers[0].first_unit != first.plan.servers[0].first_unit);

  // A reservation touched no switch: asking for its release frees it at once.
  auto asked = status.askRelease("REQ-1", {"test", "release", "", ""});
  CHECK(asked.outcome == ReleaseAsked::Outcome::released);
  claims = ledger.claims().all();
  CHECK(claims.units.size() == 2);  // REQ-2's
  CHECK(claims.addresses.size() == 1);
  auto rec = ledger.requests().find("REQ-1");
  REQUIRE(rec);
  CHECK(rec->status == Status::released);
  CHECK(rec->allocation);  // kept for the record
  auto events = ledger.requests().events("REQ-1");
  REQUIRE(events.size() == 3);
  CHECK(events[0].kind == "planning");
  CHECK(events[1].kind == "reserved");
  CHECK(events[2].kind == "released");
  // Asked again: nothing to do, and it says so.
  asked = status.askRelease("REQ-1", {"test", "release", "", ""});
  CHECK(asked.outcome == ReleaseAsked::Outcome::already_released);
  CHECK(asked.refusal("REQ-1") == "request REQ-1 was already released");
  CHECK(status.askRelease("REQ-9", {"test", "", "", ""}).outcome ==
        ReleaseAsked::Outcome::not_found);
  // A status moves only from the one it is in: nothing is overwritten.
  CHECK_THROWS_WITH(
      status.freeAndRelease("REQ-1", Status::releasing, "test"),
      "request REQ-1 is released, not releasing: another colo process moved it; left as it is");
  CHECK_THROWS_WITH(status.freeAndRelease("REQ-9", Status::releasing, "test"),
                    "request REQ-9 is not in the ledger");
  // A released id is not reused.
  CHECK_THROWS_WITH(status.reserve(req, "test", cache),
                    "request REQ-1 is released; it cannot be reserved again (use a new id)");
  // The freed address is the lowest free again.
  auto third =
      status.reserve(request("REQ-3", {{"c", 1, 100, false, {{"pub-v4"}}}}), "test", cache);
  CHECK(third.plan.servers[0].nics[0].addresses[0].address.str() == "192.0.2.2");
}

TEST_CASE("the release rule: only what has ended, or is only reserved, may be released") {
  TempDir dir;
  Ledger ledger(colo::test::ledgerState(dir), Ledger::Open::create);
  StatusWriter status(ledger, calendar(), "http://127.0.0.1:8080");
  auto req = request("REQ-Q", {{"q", 1, 100, false, {}}});
  ledger.write([&] { status.accept(req, Status::queued, {"test", "accepted", "", ""}); });
  auto asked = status.askRelease("REQ-Q", {"test", "", "", ""});
  CHECK(asked.outcome == ReleaseAsked::Outcome::not_ended);
  CHECK(asked.refusal("REQ-Q") == "request REQ-Q is queued; release it once it has ended");
  CHECK(ledger.requests().find("REQ-Q")->status == Status::queued);
  // Taken by a worker, then completed: now it may, and a worker returns its
  // ports (the release stays unowned until one takes it).
  auto job = status.takeJob("agent:test#1", "agent:worker-0");
  REQUIRE(job);
  CHECK(job->id == "REQ-Q");
  CHECK(job->status == Status::planning);
  status.move("REQ-Q", Status::planning, Status::failed, {"test", "", "no room", ""});
  // Failed holding nothing: nothing to release, and it stays failed.
  asked = status.askRelease("REQ-Q", {"api:ops", "release asked", "", ""});
  CHECK(asked.outcome == ReleaseAsked::Outcome::nothing_held);
  CHECK(asked.refusal("REQ-Q") ==
        "request REQ-Q failed and holds nothing: there is nothing to release, so it stays failed "
        "(`colo retry REQ-Q` tries it again)");
  CHECK(ledger.requests().find("REQ-Q")->status == Status::failed);
  // Retried, then completed: now it may be released.
  auto retry = status.askRetry("REQ-Q", {"test", "retry", "", ""});
  CHECK(retry.outcome == RetryAsked::Outcome::retrying);
  CHECK(retry.attempt == 2);
  status.move("REQ-Q", Status::planning, Status::configuring, {"test", "", "", "agent:test#1"});
  status.move("REQ-Q", Status::configuring, Status::completed, {"test", "", "", ""});
  asked = status.askRelease("REQ-Q", {"api:ops", "release asked", "", ""});
  CHECK(asked.outcome == ReleaseAsked::Outcome::releasing);
  CHECK(ledger.requests().find("REQ-Q")->status == Status::releasing);
  CHECK(status.askRelease("REQ-Q", {"test", "", "", ""}).outcome ==
        ReleaseAsked::Outcome::already_releasing);
  job = status.takeJob("agent:test#1", "agent:worker-0");
  REQUIRE(job);
  CHECK(job->status == Status::releasing);
  CHECK(ledger.requests().find("REQ-Q")->owner == "agent:test#1");
}

TEST_CASE("forgetting the switches: what may be forgotten, and what stays held") {
  TempDir dir;
  auto inv = smallInventory();
  Ledger ledger(colo::test::ledgerState(dir), Ledger::Open::create);
  StatusWriter status(ledger, calendar(), "http://127.0.0.1:8080");
  colo::inventory::OccupancyCache cache(inv);
  bool ownerAlive = true;
  auto alive = [&](const std::string&) { return ownerAlive; };
  auto note = colo::inventory::StepNote{"api:ops", "the switch burned", "", ""};
  CHECK(status.forgetSwitches("REQ-NOPE", note, alive).outcome == ForgetAsked::Outcome::not_found);

  // Queued: not yet.
  auto queued = request("REQ-Q", {{"q", 1, 100, false, {}}});
  ledger.write([&] { status.accept(queued, Status::queued, {"test", "accepted", "", ""}); });
  auto asked = status.forgetSwitches("REQ-Q", note, alive);
  CHECK(asked.outcome == ForgetAsked::Outcome::not_ended);
  CHECK(asked.refusal("REQ-Q") ==
        "request REQ-Q is queued; forget its switches once it has ended (nothing was changed)");

  // A reservation: an ordinary release, nothing to clean.
  status.reserve(request("REQ-R", {{"r", 1, 100, false, {{"pub-v4"}}}}), "test", cache);
  asked = status.forgetSwitches("REQ-R", note, alive);
  CHECK(asked.outcome == ForgetAsked::Outcome::released);
  CHECK(asked.ports.empty());
  CHECK_FALSE(ledger.claims().holds("REQ-R"));

  // Completed: released, its ports stay held.
  status.reserve(request("REQ-C", {{"c", 1, 100, false, {{"pub-v4"}}}}), "test", cache);
  status.move("REQ-C", Status::reserved, Status::configuring, {"test", "", "", "agent:a#1"});
  status.move("REQ-C", Status::configuring, Status::completed, {"test", "", "", ""});
  // A release a live process works on is left to it.
  status.askRelease("REQ-C", {"test", "release", "", "agent:a#1"});
  asked = status.forgetSwitches("REQ-C", note, alive);
  CHECK(asked.outcome == ForgetAsked::Outcome::release_running);
  CHECK(ledger.requests().find("REQ-C")->status == Status::releasing);
  // Its process died: now it may.
  ownerAlive = false;
  asked = status.forgetSwitches("REQ-C", note, alive);
  REQUIRE(asked.outcome == ForgetAsked::Outcome::released);
  REQUIRE(asked.ports.size() == 1);
  CHECK(colo::agent::portList(asked.ports) ==
        asked.ports[0].switch_name + " " + asked.ports[0].port + " (VLAN 120)");
  auto rec = ledger.requests().find("REQ-C");
  CHECK(rec->status == Status::released);
  auto held = ledger.claims().all();
  CHECK(held.units.empty());
  CHECK(held.power.empty());
  CHECK(held.addresses.empty());
  REQUIRE(held.ports.size() == 1);
  CHECK(held.ports[0].request_id == "REQ-C");
  CHECK(ledger.requests().events("REQ-C").back().detail.find("ports to clean by hand") !=
        std::string::npos);
  // The port is not handed out again; freed once it is clean.
  auto next = status.reserve(request("REQ-N", {{"n", 1, 100, false, {{"pub-v4"}}}}), "test", cache);
  CHECK(next.plan.servers[0].nics[0].port != held.ports[0].port);
  CHECK(status.forgetSwitches("REQ-C", note, alive).outcome ==
        ForgetAsked::Outcome::already_released);
  ledger.write([&] {
    CHECK_FALSE(
        ledger.claims().unclaimPort("REQ-N", held.ports[0].switch_name, held.ports[0].port));
    CHECK(ledger.claims().unclaimPort("REQ-C", held.ports[0].switch_name, held.ports[0].port));
  });
  CHECK_FALSE(ledger.claims().holds("REQ-C"));
}

TEST_CASE("an operator's reason is checked before it reaches the step log") {
  using colo::agent::reasonProblem;
  CHECK(reasonProblem("switch tor-r03 removed after a fire") == "");
  CHECK(reasonProblem("  ") == "a reason is required: say why, for the step log");
  CHECK(reasonProblem(std::string(301, 'x')) == "the reason is 301 bytes long; at most 300");
  CHECK(reasonProblem("bad \xff byte") == "the reason is not UTF-8 (byte 5)");
  CHECK(reasonProblem("two\nlines").find("a control character") != std::string::npos);
}

TEST_CASE("every ending queues its callback, whichever way the request ends") {
  TempDir dir;
  auto inv = smallInventory();
  Ledger ledger(colo::test::ledgerState(dir), Ledger::Open::create);
  StatusWriter status(ledger, calendar(), "http://127.0.0.1:8080");
  colo::inventory::OccupancyCache cache(inv);
  auto withCallback = [](Request r) {
    auto body = nlohmann::json::parse(r.canonical);
    body["callback_url"] = "http://127.0.0.1:9000/cb";
    return parseRequestJson(body.dump());
  };
  // Reserved, then released (before: a caller had to remember this one).
  status.reserve(withCallback(request("REQ-R", {{"r", 1, 100, false, {}}})), "t", cache);
  REQUIRE(status.askRelease("REQ-R", {"t", "", "", ""}).outcome == ReleaseAsked::Outcome::released);
  // Failed while planning.
  ledger.write([&] {
    status.accept(withCallback(request("REQ-F", {{"f", 1, 100, false, {}}})), Status::planning,
                  {"t", "", "", "cli:t"});
  });
  status.move("REQ-F", Status::planning, Status::failed, {"t", "", "nothing fits", ""});
  auto events = [&](const std::string& id) {
    std::vector<std::string> out;
    for (const auto& d : ledger.outbox().deliveries(id)) out.push_back(d.event);
    return out;
  };
  CHECK(events("REQ-R") == std::vector<std::string>{"released"});
  CHECK(events("REQ-F") == std::vector<std::string>{"failed"});
  // Queued again at a start (a crash between an ending and its callback):
  // the same delivery, not a second one.
  status.queueEndingCallbacks();
  CHECK(events("REQ-R").size() == 1);
  CHECK(events("REQ-F").size() == 1);
}

TEST_CASE("a start checks the endings' callbacks once per ledger, never again") {
  TempDir dir;
  auto inv = smallInventory();
  auto state = colo::test::ledgerState(dir);
  Ledger ledger(state, Ledger::Open::create);
  StatusWriter status(ledger, calendar(), "http://127.0.0.1:8080");
  colo::inventory::OccupancyCache cache(inv);
  auto body = nlohmann::json::parse(request("REQ-R", {{"r", 1, 100, false, {}}}).canonical);
  body["callback_url"] = "http://127.0.0.1:9000/cb";
  status.reserve(parseRequestJson(body.dump()), "t", cache);
  REQUIRE(status.askRelease("REQ-R", {"t", "", "", ""}).outcome == ReleaseAsked::Outcome::released);
  REQUIRE(ledger.outbox().deliveries("REQ-R").size() == 1);
  // A ledger from a colo that queued endings apart from them, and crashed
  // in between: the ending's callback is missing.
  colo::test::ledgerSql(state, "DELETE FROM outbox", dir);
  REQUIRE(ledger.outbox().deliveries("REQ-R").empty());
  CHECK(status.queueEndingCallbacks() == 1);  // the first start on it
  CHECK(ledger.outbox().deliveries("REQ-R").size() == 1);
  // Later starts do not read the history again.
  colo::test::ledgerSql(state, "DELETE FROM outbox", dir);
  CHECK(status.queueEndingCallbacks() == 0);
  CHECK(StatusWriter(ledger, calendar(), "http://127.0.0.1:8080").queueEndingCallbacks() == 0);
  CHECK(ledger.outbox().deliveries("REQ-R").empty());
}

TEST_CASE("a failed release is announced once as release_failed, and the ending stays") {
  TempDir dir;
  auto inv = smallInventory();
  Ledger ledger(colo::test::ledgerState(dir), Ledger::Open::create);
  StatusWriter status(ledger, calendar(), "http://127.0.0.1:8080");
  colo::inventory::OccupancyCache cache(inv);
  auto body =
      nlohmann::json::parse(request("REQ-C", {{"c", 1, 100, false, {{"pub-v4"}}}}).canonical);
  body["callback_url"] = "http://127.0.0.1:9000/cb";
  status.reserve(parseRequestJson(body.dump()), "t", cache);
  status.move("REQ-C", Status::reserved, Status::configuring, {"t", "", "", "agent:a#1"});
  status.move("REQ-C", Status::configuring, Status::completed, {"t", "", "", ""});
  auto rec = ledger.requests().find("REQ-C");
  CHECK(rec->reason == "completed");  // filled in when the caller gives none
  auto bodies = [&] {
    std::vector<nlohmann::json> out;
    for (const auto& d : ledger.outbox().deliveries("REQ-C"))
      out.push_back({{"id", d.delivery_id}, {"event", d.event}});
    return out;
  };
  // Twice released, twice refused by the switch.
  for (int i = 0; i < 2; ++i) {
    REQUIRE(status.askRelease("REQ-C", {"t", "release", "", "agent:a#1"}).outcome ==
            ReleaseAsked::Outcome::releasing);
    status.move("REQ-C", Status::releasing, Status::completed,
                {"t", "release failed, nothing freed", "switch a: Connection refused", "",
                 "switch_unreachable"});
  }
  rec = ledger.requests().find("REQ-C");
  CHECK(rec->status == Status::completed);
  CHECK(rec->reason == "completed");
  CHECK(rec->error.empty());
  CHECK(rec->release_reason == "switch_unreachable");
  CHECK(rec->release_error == "switch a: Connection refused");
  auto got = bodies();
  REQUIRE(got.size() == 3);
  CHECK(got[0]["event"] == "completed");
  CHECK(got[1]["event"] == "release_failed");
  CHECK(got[2]["event"] == "release_failed");
  CHECK(got[1]["id"] != got[2]["id"]);  // one per release attempt
  // What the receiver gets: the release's reason and text; the ending as it was.
  auto entry = colo::agent::releaseFailedCallbackFor(*rec, calendar(), 1795000000000,
                                                     "http://127.0.0.1:8080");
  REQUIRE(entry);
  auto sent = nlohmann::json::parse(entry->body);
  CHECK(sent["type"] == "request.release_failed");
  CHECK(sent["status"] == "completed");
  CHECK(sent["reason"] == "switch_unreachable");
  CHECK(sent["error"] == "switch a: Connection refused");
  CHECK(sent["attempt"] == rec->attempt);
  CHECK(sent.contains("completed_at"));
  CHECK(sent["ended_at"] == sent["completed_at"]);
  // A start queues endings again: nothing new (the completion went before
  // the releases, under an earlier attempt).
  status.queueEndingCallbacks();
  CHECK(bodies().size() == 3);
  // The next release that succeeds clears the release's failure.
  REQUIRE(status.askRelease("REQ-C", {"t", "release", "", "agent:a#1"}).outcome ==
          ReleaseAsked::Outcome::releasing);
  CHECK(ledger.requests().find("REQ-C")->release_reason.empty());
  status.freeAndRelease("REQ-C", Status::releasing, "t");
  rec = ledger.requests().find("REQ-C");
  CHECK(rec->reason == "released_by_operator");
  CHECK(bodies().back()["event"] == "released");
  // A released callback: when it ended, no completed_at.
  auto released =
      colo::agent::callbackFor(*rec, calendar(), 1795000000000, "http://127.0.0.1:8080");
  REQUIRE(released);
  auto j = nlohmann::json::parse(released->body);
  CHECK(j["reason"] == "released_by_operator");
  CHECK_FALSE(j.contains("completed_at"));
  CHECK(j["ended_at"] == rec->updated_at);
}
