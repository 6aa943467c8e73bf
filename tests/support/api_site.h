// An agent's API in-process, for tests: the handler without sockets, over
// tests/data/small.yaml and a real SQLite ledger, with an injected clock and
// four tokens. Requests can be put straight into the ledger in any status.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>

#include "colo/drivers/dialect.h"
#include "colo/encoding/encoding.h"
#include "colo/inventory/loader.h"
#include "colo/inventory/request.h"
#include "engine/playbook.h"
#include "http/api.h"
#include "ledger_state.h"
#include "temp_dir.h"

namespace colo::test {

inline const std::string kAdmin = "colo_admin-token-for-console-tests";
inline const std::string kTech = "colo_technician-token-for-console-tests";
inline const std::string kPlanning = "colo_bappeda-requester-token";
inline const std::string kHealth = "colo_dinkes-requester-token";

struct Site {
  using Api = colo::agent::Api;
  colo::test::TempDir dir;
  // What the API reads is `live`: a test that changes `config` after the
  // start calls reconfigure(), as a reload would.
  colo::agent::Config config;
  colo::agent::LiveConfig live{colo::agent::Config{}};
  colo::inventory::Inventory inventory;
  std::unique_ptr<colo::inventory::Ledger> ledger;
  // The repository's port templates: the console shows what a release sends.
  colo::agent::Playbooks playbooks =
      colo::agent::loadPlaybooks(COLO_SOURCE_DIR "/playbooks", colo::drivers::knownVendors())
          .playbooks;
  std::mutex ledgerMutex;
  colo::agent::SlaCalendar sla{colo::inventory::TimeZone::named("Asia/Pontianak"), {}};
  std::int64_t now = 1795000000;  // 2026-11-18T11:06:40Z, a Wednesday
  std::int64_t ticks = 0;
  std::unique_ptr<Api> api;

  // `throttle`: failed authentications slowed as the agent does (none: not).
  explicit Site(std::shared_ptr<colo::agent::AuthThrottle> throttle = nullptr) {
    auto loaded = colo::inventory::loadInventory(COLO_SOURCE_DIR "/tests/data/small.yaml");
    REQUIRE(loaded.ok());
    inventory = std::move(loaded.inventory);
    config.tokens = {
        {"ops", colo::agent::Role::admin, colo::encoding::sha256Hex(kAdmin)},
        {"budi", colo::agent::Role::technician, colo::encoding::sha256Hex(kTech)},
        {"sikd-bappeda", colo::agent::Role::requester, colo::encoding::sha256Hex(kPlanning)},
        {"sikd-dinkes", colo::agent::Role::requester, colo::encoding::sha256Hex(kHealth)}};
    // The ledger stamps what happens by the API's clock, a millisecond on
    // at each reading so that what came first is stamped first.
    ledger = std::make_unique<colo::inventory::Ledger>(ledgerState(dir),
                                                       colo::inventory::Ledger::Open::create,
                                                       [this] { return now * 1000 + ticks++; });
    reconfigure();
    colo::agent::ApiContext ctx;
    ctx.config = &live;
    ctx.inventory = &inventory;
    ctx.ledger = ledger.get();
    ctx.ledgerMutex = &ledgerMutex;
    ctx.sla = &sla;
    ctx.playbooks = &playbooks;
    ctx.now = [this] { return now; };
    ctx.throttle = std::move(throttle);
    api = std::make_unique<Api>(ctx);
    add("REQ-P1", "BAPPEDA", "sikd-bappeda", colo::inventory::Status::reserved);
    add("REQ-H1", "DINKES", "sikd-dinkes", colo::inventory::Status::failed);
  }

  void reconfigure() { live.replace(config); }

  void add(const std::string& id, const std::string& tenant, const std::string& by,
           colo::inventory::Status status) {
    auto r = colo::inventory::parseRequestJson(
        R"({"id": ")" + id + R"(", "letter_number": "1/)" + id + R"(", "tenant": {"code": ")" +
        tenant + R"(", "name": ")" + tenant +
        R"( office"}, "received_at": "2026-11-16T08:00:00+07:00",
                                   "servers": [{"hostname": "h1", "units": 1, "power_watts": 100}]})");
    ledger->write([&] {
      ledger->requests().insert(r, colo::inventory::Status::planning,
                                {"test", "set up", "", "test"}, by);
      ledger->requests().transition(
          id, colo::inventory::Status::planning, status,
          {"test", "set up", status == colo::inventory::Status::failed ? "no room" : "", ""});
    });
  }

  // Walks a request through the lifecycle, one transition per status.
  void walk(const std::string& id, std::initializer_list<colo::inventory::Status> path) {
    auto from = ledger->requests().find(id)->status;
    for (auto to : path) {
      ledger->write([&] {
        ledger->requests().transition(id, from, to, {"test", "walked", "", ""});
      });
      from = to;
    }
  }

  // An API call with a bearer token (none when empty) and a JSON body.
  colo::agent::HttpResponse call(const std::string& method, const std::string& target,
                                 const std::string& token, const std::string& body = "") {
    colo::agent::HttpRequest req;
    req.method = method;
    req.target = target;
    req.remote = "127.0.0.1";
    if (!token.empty()) req.authorization = "Bearer " + token;
    req.body = body;
    if (!body.empty()) req.content_type = "application/json";
    return send(req);
  }

  // Waits for the answer: accepting a request answers from the intake's
  // thread once it is stored (bounded: a test fails rather than hangs).
  colo::agent::HttpResponse send(colo::agent::HttpRequest req) {
    auto answer = std::make_shared<std::promise<colo::agent::HttpResponse>>();
    auto future = answer->get_future();
    api->handle(req, [answer](colo::agent::HttpResponse r) { answer->set_value(std::move(r)); });
    REQUIRE(future.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
    return future.get();
  }
};

}  // namespace colo::test
