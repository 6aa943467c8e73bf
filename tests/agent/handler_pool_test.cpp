// The handler pool on its own: clients take turns, one client's backlog is
// refused with 429 without touching anyone else's, and stopping answers
// what is still queued.
#include <catch2/catch.hpp>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/handler_pool.h"

using colo::agent::HandlerPool;
using colo::agent::HandlerPoolOptions;
using colo::agent::HttpRequest;
using colo::agent::HttpResponse;
using colo::agent::HttpServer;

namespace {

// A handler that records what it runs and holds the first request until
// the test lets go.
struct Held {
  std::mutex m;
  std::condition_variable cv;
  bool released = false, started = false;
  std::vector<std::string> ran;

  HttpServer::AsyncHandler handler() {
    return [this](HttpRequest r, HttpServer::Reply reply) {
      std::unique_lock lock(m);
      bool first = ran.empty();
      ran.push_back(r.target);
      started = true;
      cv.notify_all();
      if (first) cv.wait(lock, [&] { return released; });
      HttpResponse res;
      res.body = r.target;
      reply(res);
    };
  }
  void waitStarted() {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return started; });
  }
  void release() {
    std::lock_guard lock(m);
    released = true;
    cv.notify_all();
  }
};

HttpRequest from(const std::string& remote, const std::string& target) {
  HttpRequest r;
  r.method = "GET";
  r.target = target;
  r.remote = remote;
  return r;
}

struct Answers {
  std::mutex m;
  std::condition_variable cv;
  std::vector<std::pair<std::string, int>> got;  // target, status
  HttpServer::Reply to(const std::string& target) {
    return [this, target](HttpResponse r) {
      std::lock_guard lock(m);
      got.emplace_back(target, r.status);
      cv.notify_all();
    };
  }
  void waitFor(std::size_t n) {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return got.size() >= n; });
  }
  int statusOf(const std::string& target) {
    std::lock_guard lock(m);
    for (auto& [t, s] : got)
      if (t == target) return s;
    return 0;
  }
};

}  // namespace

TEST_CASE("the handler pool takes clients in turn and refuses one client's backlog alone") {
  Held held;
  Answers answers;
  HandlerPoolOptions opt;
  opt.threads = 1;
  opt.max_queued_per_client = 2;
  HandlerPool pool(opt, held.handler());
  pool.submit(from("192.0.2.1", "/a1"), answers.to("/a1"));
  held.waitStarted();  // a1 runs and holds the only thread
  pool.submit(from("192.0.2.1", "/a2"), answers.to("/a2"));
  pool.submit(from("192.0.2.1", "/a3"), answers.to("/a3"));
  pool.submit(from("192.0.2.1", "/a4"), answers.to("/a4"));  // over its share
  pool.submit(from("198.51.100.7", "/b1"), answers.to("/b1"));
  answers.waitFor(1);
  CHECK(answers.statusOf("/a4") == 429);  // at once, while a1 still runs
  held.release();
  answers.waitFor(5);
  CHECK(held.ran == std::vector<std::string>{"/a1", "/a2", "/b1", "/a3"});
  CHECK(answers.statusOf("/b1") == 200);
  CHECK(answers.statusOf("/a3") == 200);
}

TEST_CASE("the handler pool answers what is queued 503 when it stops, and refuses afterwards") {
  Held held;
  Answers answers;
  HandlerPoolOptions opt;
  opt.threads = 1;
  auto pool = std::make_unique<HandlerPool>(opt, held.handler());
  pool->submit(from("192.0.2.1", "/running"), answers.to("/running"));
  held.waitStarted();
  pool->submit(from("192.0.2.2", "/queued"), answers.to("/queued"));
  std::thread stopper([&] { pool->stop(); });
  answers.waitFor(1);  // the queued one, while the running one still runs
  CHECK(answers.statusOf("/queued") == 503);
  held.release();
  stopper.join();
  pool->submit(from("192.0.2.3", "/late"), answers.to("/late"));
  answers.waitFor(3);
  CHECK(answers.statusOf("/running") == 200);
  CHECK(answers.statusOf("/queued") == 503);
  CHECK(answers.statusOf("/late") == 503);
}

TEST_CASE("the pool's front answers the requests it is told to on the calling thread") {
  Answers answers;
  std::thread::id ranOn;
  HandlerPoolOptions opt;
  opt.threads = 1;
  HandlerPool pool(opt, [&](HttpRequest, HttpServer::Reply reply) {
    ranOn = std::this_thread::get_id();
    reply(HttpResponse{});
  });
  auto front = pool.front([](const HttpRequest& r) { return r.target == "/healthz"; });
  front(from("192.0.2.1", "/healthz"), answers.to("/healthz"));
  CHECK(ranOn == std::this_thread::get_id());
  front(from("192.0.2.1", "/v1/racks"), answers.to("/v1/racks"));
  answers.waitFor(2);
  CHECK(ranOn != std::this_thread::get_id());
}
