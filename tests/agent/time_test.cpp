// The agent's timed work on an injected clock (core/time_source.h): the
// workers' orphan scan, a callback's retry after its backoff, a lease that
// lapses. Each test moves a ManualTime forward by hand and waits for what
// that makes happen; nothing waits for real time to pass.
#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <mutex>
#include <thread>

#include "../support/ledger_state.h"
#include "../support/small_site.h"
#include "../support/temp_dir.h"
#include "colo/drivers/dialect.h"
#include "colo/drivers/error.h"
#include "core/config.h"
#include "core/url.h"
#include "jobs/outbox.h"
#include "jobs/ownership.h"
#include "jobs/workers.h"

using colo::agent::Config;
using colo::agent::ManualTime;
using colo::test::TempDir;
namespace inv = colo::inventory;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t kStart = 1795000000000;  // 2026-11-18T11:06:40Z

// Bounded by real time only as a guard: each waits for an event that the
// clock's advance (or nothing at all) causes.
template <typename F>
bool eventually(F&& done) {
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return done();
}

Config configAt(const TempDir& dir, std::shared_ptr<ManualTime> time) {
  Config c;
  c.ledger_location = colo::test::ledgerState(dir);
  c.time = std::move(time);
  c.workers = 1;
  inv::Ledger create(c.ledger_location, inv::Ledger::Open::create, c.wallClock());
  return c;
}

}  // namespace

TEST_CASE("a worker adopts an orphaned job at its next orphan scan, when the clock says so") {
  TempDir dir;
  auto time = std::make_shared<ManualTime>(kStart);
  Config config = configAt(dir, time);
  auto inventory = colo::test::smallInventory();
  auto pb = colo::agent::loadPlaybooks(COLO_SOURCE_DIR "/playbooks", colo::drivers::knownVendors());
  REQUIRE(pb.errors.empty());
  colo::agent::SlaCalendar sla(inv::TimeZone::named("Asia/Pontianak"), {});
  colo::agent::WorkerSetup setup;
  colo::agent::LiveConfig live(config);
  setup.config = &live;
  setup.inventory = &inventory;
  setup.playbooks = &pb.playbooks;
  setup.sla = &sla;
  setup.ownership = colo::agent::makeOwnership(config, "agent");
  colo::agent::Workers workers(setup);
  workers.start({});

  // A job whose process died after it took it (no switch work: one server
  // without NICs).
  inv::Ledger ledger(config.ledger_location, inv::Ledger::Open::must_exist, config.wallClock());
  ledger.write([&] {
    ledger.requests().insert(colo::test::request("REQ-O", {{"o", 1, 100}}), inv::Status::planning,
                             {"cli:gone", "colo provision", "", "cli:nowhere:1:dead"});
  });
  auto status = [&] { return ledger.requests().find("REQ-O")->status; };
  // The clock stands still: no scan is due, the job stays as it is.
  CHECK(status() == inv::Status::planning);
  CHECK(ledger.requests().find("REQ-O")->owner == "cli:nowhere:1:dead");

  time->advance(5s);  // the orphan scan's period
  REQUIRE(eventually([&] { return status() == inv::Status::completed; }));
  bool byWorker = false;
  for (const auto& e : ledger.requests().events("REQ-O"))
    byWorker = byWorker || e.actor == "agent:worker-0";
  CHECK(byWorker);
  workers.stop();
}

TEST_CASE("wakes while the workers are busy are kept up to one a worker") {
  TempDir dir;
  auto time = std::make_shared<ManualTime>(kStart);
  Config config = configAt(dir, time);
  config.workers = 2;
  auto inventory = colo::test::smallInventory();
  colo::agent::WorkerSetup setup;
  colo::agent::LiveConfig live(config);
  setup.config = &live;
  setup.inventory = &inventory;
  colo::agent::Workers workers(setup);
  // Not started: nobody takes the wakes. A burst of 300 requests leaves
  // two looks at the queue to make, not 300.
  for (int i = 0; i < 300; ++i) workers.wake();
  CHECK(workers.pendingWakes() == 2);
}

TEST_CASE("a failed callback is tried again once its backoff has passed, not before") {
  TempDir dir;
  auto time = std::make_shared<ManualTime>(kStart);
  Config config = configAt(dir, time);
  std::string why;
  config.callback_allowed = {*colo::agent::parseAllowedUrl("http://127.0.0.1:9/", why)};
  config.callback_retry_base_ms = 60000;
  config.callback_parallel = 1;
  std::mutex m;
  int posts = 0;
  config.callback_secret = "secret";
  colo::agent::LiveConfig live(config);
  colo::agent::Deliverer deliverer(
      live, [&](const std::string&, const std::map<std::string, std::string>&, const std::string&,
                std::chrono::milliseconds, const std::function<bool()>&) {
        std::lock_guard lock(m);
        return ++posts == 1 ? colo::agent::Deliverer::PostResult{503, ""}
                            : colo::agent::Deliverer::PostResult{204, ""};
      });
  inv::Ledger ledger(config.ledger_location, inv::Ledger::Open::must_exist, config.wallClock());
  ledger.write([&] {
    ledger.requests().insert(colo::test::request("REQ-B", {{"b", 1, 100}}), inv::Status::queued,
                             {"test", "", "", ""});
  });
  ledger.outbox().enqueue(
      {"REQ-B-completed-1", "REQ-B", "http://127.0.0.1:9/cb", "{}", "completed", 0, kStart});
  deliverer.start();
  auto delivery = [&] { return ledger.outbox().deliveries("REQ-B").at(0); };
  // The first attempt, answered 503: the next is due within the backoff
  // (base x 2^0, a random half to all of it).
  REQUIRE(eventually([&] { return delivery().attempts == 1; }));
  auto first = delivery();
  CHECK(first.last_status == 503);
  CHECK(first.next_attempt_at >= kStart + 30000);
  CHECK(first.next_attempt_at <= kStart + 60000);
  {
    std::lock_guard lock(m);
    CHECK(posts == 1);  // the clock stands still: nothing more is due
  }
  time->advance(60s);
  REQUIRE(eventually([&] { return !delivery().delivered_at.empty(); }));
  CHECK(delivery().attempts == 2);
  std::lock_guard lock(m);
  CHECK(posts == 2);
  deliverer.stop();
}

// A clock that moves forward at the moment a wait begins, once armed: the
// advance lands between the deliverer reading the next due time and
// computing its wait's deadline, the window a test's advance() can hit.
class ClockMovingAtWait final : public colo::agent::TimeSource {
 public:
  explicit ClockMovingAtWait(std::int64_t wallMs) : inner_(wallMs) {}
  std::int64_t wallMs() override { return inner_.wallMs(); }
  Steady now() override {
    if (armed_.exchange(false)) inner_.advance(step_);
    return inner_.now();
  }
  bool waitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, Steady deadline,
                 const std::function<bool()>& ready) override {
    return inner_.waitUntil(lock, cv, deadline, ready);
  }
  void moveAtNextWait(Duration step) {
    step_ = step;
    armed_ = true;
  }
  bool moved() const { return !armed_; }

 private:
  ManualTime inner_;
  Duration step_{};
  std::atomic<bool> armed_{false};
};

TEST_CASE("a retry comes due even when the clock moves just as the deliverer starts to wait") {
  TempDir dir;
  auto time = std::make_shared<ClockMovingAtWait>(kStart);
  Config config;
  config.ledger_location = colo::test::ledgerState(dir);
  config.time = time;
  { inv::Ledger create(config.ledger_location, inv::Ledger::Open::create, config.wallClock()); }
  std::string why;
  config.callback_allowed = {*colo::agent::parseAllowedUrl("http://127.0.0.1:9/", why)};
  config.callback_retry_base_ms = 60000;
  config.callback_parallel = 1;
  std::atomic<int> posts{0};
  config.callback_secret = "secret";
  colo::agent::LiveConfig live(config);
  colo::agent::Deliverer deliverer(
      live, [&](const std::string&, const std::map<std::string, std::string>&, const std::string&,
                std::chrono::milliseconds, const std::function<bool()>&) {
        return ++posts == 1 ? colo::agent::Deliverer::PostResult{503, ""}
                            : colo::agent::Deliverer::PostResult{204, ""};
      });
  inv::Ledger ledger(config.ledger_location, inv::Ledger::Open::must_exist, config.wallClock());
  ledger.write([&] {
    ledger.requests().insert(colo::test::request("REQ-M", {{"b", 1, 100}}), inv::Status::queued,
                             {"test", "", "", ""});
  });
  ledger.outbox().enqueue(
      {"REQ-M-completed-1", "REQ-M", "http://127.0.0.1:9/cb", "{}", "completed", 0, kStart});
  deliverer.start();
  auto delivery = [&] { return ledger.outbox().deliveries("REQ-M").at(0); };
  REQUIRE(eventually([&] { return delivery().attempts == 1; }));
  // The deliverer reads the retry's due time from the clock as it stands,
  // then starts a wait: at that moment the clock passes the due time.
  time->moveAtNextWait(60s);
  deliverer.wake();
  REQUIRE(eventually([&] { return time->moved(); }));
  REQUIRE(eventually([&] { return !delivery().delivered_at.empty(); }));
  CHECK(posts == 2);
  deliverer.stop();
}

TEST_CASE(
    "a job waiting for a busy switch takes it when the holder lets go, or gives up by the "
    "clock") {
  TempDir dir;
  auto time = std::make_shared<ManualTime>(kStart);
  Config config = configAt(dir, time);
  // On PostgreSQL the holder's lease must outlive the clock's moves below
  // (a lapsed holder's switch is taken over: another test's subject).
  config.lease_s = 1000000;
  auto first = colo::agent::makeOwnership(config, "agent");
  auto second = colo::agent::makeOwnership(config, "cli");
  auto held = first->hold("sw1", 30s, {});

  // The clock stands still: the holder letting go is what ends the wait.
  auto waiting = std::async(std::launch::async, [&] { return second->hold("sw1", 30s, {}); });
  CHECK(waiting.wait_for(50ms) == std::future_status::timeout);
  held.reset();
  REQUIRE(waiting.wait_for(60s) == std::future_status::ready);
  auto taken = waiting.get();

  // Held for good: the wait ends when the clock passes its 30 s.
  auto giving = std::async(std::launch::async, [&] { return first->hold("sw1", 30s, {}); });
  // (Moved again until the wait ends: the waiter may read the clock only
  // after a move, and its 30 s count from then.)
  auto guard = std::chrono::steady_clock::now() + 60s;
  while (giving.wait_for(10ms) != std::future_status::ready &&
         std::chrono::steady_clock::now() < guard)
    time->advance(31s);
  REQUIRE(giving.wait_for(0s) == std::future_status::ready);
  try {
    giving.get();
    FAIL("the switch was taken twice");
  } catch (const colo::drivers::DriverError& e) {
    CHECK(e.kind() == colo::drivers::DriverErrorKind::timeout);
    CHECK_THAT(e.what(), Catch::Contains("switch sw1 is busy"));
  }
}

TEST_CASE("a lease lapses by the clock: others see its owner gone, and its jobs see the lapse",
          "[postgres]") {
  TempDir dir;
  auto timeA = std::make_shared<ManualTime>(kStart);
  auto timeB = std::make_shared<ManualTime>(kStart);
  Config a = configAt(dir, timeA);
  a.agent_id = "a";
  a.lease_s = 30;
  Config b = a;
  b.agent_id = "b";
  b.time = timeB;
  auto ownerA = colo::agent::makeOwnership(a, "agent");
  auto ownerB = colo::agent::makeOwnership(b, "agent");
  CHECK(ownerB->alive(ownerA->id()));
  auto lapsed = ownerA->watch();
  CHECK(ownerA->current());
  CHECK_FALSE(lapsed());

  // By B's clock, A's lease (until 30 s after its renewal) has run out: A
  // did not renew, its clock standing still.
  timeB->advance(31s);
  CHECK_FALSE(ownerB->alive(ownerA->id()));

  // A's own clock jumps past two thirds of the lease without a renewal (a
  // pause): it stops acting at once, and a renewal that comes after the
  // lapse does not give it back the jobs it had.
  timeA->advance(25s);
  CHECK(lapsed());
  REQUIRE(eventually([&] { return ownerA->current(); }));  // renewed
  CHECK(lapsed());
  CHECK(ownerA->watch()() == false);  // a job started now may act
}

TEST_CASE("one ledger reached by two paths has one set of owners and switch locks") {
  if (colo::test::onPostgres()) return;  // leases live in the ledger itself
  TempDir dir;
  auto time = std::make_shared<ManualTime>(kStart);
  Config direct = configAt(dir, time);
  // The same file through a symbolic link to its directory.
  auto real = std::filesystem::path(direct.ledger_location);
  auto alias = std::filesystem::path(dir.path()) / "alias";
  std::filesystem::create_directory_symlink(real.parent_path(), alias);
  Config linked = direct;
  linked.ledger_location = (alias / real.filename()).string();
  auto agent = colo::agent::makeOwnership(direct, "agent");
  auto cli = colo::agent::makeOwnership(linked, "cli");
  // The agent is alive to the CLI: its jobs are not orphans to adopt.
  CHECK(cli->alive(agent->id()));
  CHECK(agent->alive(cli->id()));
  // And a switch held by one is busy for the other.
  auto held = agent->hold("sw1", 30s, {});
  auto waiting = std::async(std::launch::async, [&] { return cli->hold("sw1", 30s, {}); });
  CHECK(waiting.wait_for(100ms) == std::future_status::timeout);
  held.reset();
  REQUIRE(waiting.wait_for(60s) == std::future_status::ready);
  CHECK(waiting.get() != nullptr);
}

TEST_CASE("a receiver that never answers holds two delivery slots, and delays nobody else") {
  // 24 callbacks to a receiver that hangs, then one to another receiver.
  // Before, the four delivery threads all waited on the first receiver
  // (16.5 s with timeout_s 3), and the other callback waited with them.
  TempDir dir;
  auto time = std::make_shared<ManualTime>(kStart);
  Config config = configAt(dir, time);
  std::string why;
  config.callback_allowed = {*colo::agent::parseAllowedUrl("http://127.0.0.1:9/", why),
                             *colo::agent::parseAllowedUrl("http://127.0.0.1:10/", why)};
  config.callback_parallel = 4;
  config.callback_parallel_per_receiver = 2;
  config.callback_timeout_s = 3;
  std::mutex m;
  std::condition_variable cv;
  bool released = false, otherDelivered = false, answering = false;
  int hung = 0, mostHung = 0, postsToHung = 0;
  config.callback_secret = "secret";
  colo::agent::LiveConfig live(config);
  colo::agent::Deliverer deliverer(
      live,
      [&](const std::string& url, const std::map<std::string, std::string>&, const std::string&,
          std::chrono::milliseconds, const std::function<bool()>& cancelled) {
        std::unique_lock lock(m);
        if (url.find(":10/") != std::string::npos) {
          otherDelivered = true;
          cv.notify_all();
          return colo::agent::Deliverer::PostResult{204, ""};
        }
        if (answering) return colo::agent::Deliverer::PostResult{204, ""};
        ++postsToHung;
        mostHung = std::max(mostHung, ++hung);
        cv.notify_all();
        // Hangs until the test lets go (or colo stops).
        while (!released && !cancelled()) cv.wait_for(lock, 10ms);
        --hung;
        return colo::agent::Deliverer::PostResult{0, "no answer within 3000 ms"};
      });
  inv::Ledger ledger(config.ledger_location, inv::Ledger::Open::must_exist, config.wallClock());
  for (int i = 0; i < 25; ++i) {
    auto id = "REQ-H" + std::to_string(i);
    ledger.write([&] {
      ledger.requests().insert(colo::test::request(id, {{"b", 1, 100}}), inv::Status::queued,
                               {"test", "", "", ""});
    });
    auto url = i < 24 ? "http://127.0.0.1:9/hooks/" + std::to_string(i) : "http://127.0.0.1:10/cb";
    ledger.outbox().enqueue({id + "-completed-1", id, url, "{}", "completed", 0, kStart - 100 + i});
  }
  deliverer.start();
  {
    std::unique_lock lock(m);
    REQUIRE(cv.wait_for(lock, 60s, [&] { return otherDelivered && hung == 2; }));
    CHECK(mostHung == 2);  // never more than its two slots
    released = true;
    cv.notify_all();
  }
  // Both hung attempts are recorded; the receiver then backs off as a
  // whole (the clock stands still): none of its other 22 is tried.
  auto attempted = [&] {
    int n = 0;
    for (int i = 0; i < 24; ++i)
      n += ledger.outbox().deliveries("REQ-H" + std::to_string(i)).at(0).attempts;
    return n;
  };
  REQUIRE(eventually([&] { return attempted() == 2; }));
  CHECK(postsToHung == 2);
  // (Its POST answered before the test went on; its record follows it.)
  CHECK(eventually(
      [&] { return !ledger.outbox().deliveries("REQ-H24").at(0).delivered_at.empty(); }));
  // The receiver is back and a technician asks for one again: its backoff
  // ends at once (the clock still stands), and it is delivered.
  {
    std::lock_guard lock(m);
    answering = true;
  }
  auto again = ledger.outbox().redeliver("REQ-H5");
  REQUIRE(again);
  deliverer.redelivered(again->url);
  REQUIRE(
      eventually([&] { return !ledger.outbox().deliveries("REQ-H5").at(0).delivered_at.empty(); }));
  deliverer.stop();
}
