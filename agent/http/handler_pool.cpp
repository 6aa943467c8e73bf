#include "http/handler_pool.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "http/problem.h"

namespace colo::agent {

namespace {

HttpResponse busy(int status, const std::string& detail) {
  auto r = problem(status, status == 429 ? "Too Many Requests" : "Service Unavailable", detail);
  r.headers["Retry-After"] = "1";
  return r;
}

}  // namespace

HandlerPool::HandlerPool(HandlerPoolOptions options, HttpServer::AsyncHandler handler)
    : opt_(options), handler_(std::move(handler)) {
  for (int i = 0; i < std::max(1, opt_.threads); ++i) threads_.emplace_back([this] { loop(); });
}

HandlerPool::~HandlerPool() {
  stop();
}

void HandlerPool::submit(HttpRequest request, HttpServer::Reply reply) {
  int refused = 503;
  {
    std::lock_guard lock(m_);
    auto it = queued_.find(request.remote);
    std::size_t mine = it == queued_.end() ? 0 : it->second.size();
    if (!stopping_ && mine < opt_.max_queued_per_client && total_ < opt_.max_queued) {
      if (mine == 0) turns_.push_back(request.remote);
      auto& q = queued_[request.remote];
      q.push_back({std::move(request), std::move(reply)});
      ++total_;
      cv_.notify_one();
      return;
    }
    if (!stopping_ && mine >= opt_.max_queued_per_client) refused = 429;
    if (stopping_) refused = 0;
  }
  if (refused == 0) return reply(busy(503, "colo is stopping"));
  if (refused == 429)
    // Its own earlier requests are still waiting: this one is refused
    // without costing anyone else anything.
    return reply(busy(429, "requests from this address are already waiting (at most " +
                               std::to_string(opt_.max_queued_per_client) +
                               "); send the next once one is answered"));
  reply(busy(503, "the agent has too many requests waiting; try again shortly"));
}

HttpServer::AsyncHandler HandlerPool::front(std::function<bool(const HttpRequest&)> inline_) {
  return [this, inline_ = std::move(inline_)](HttpRequest request, HttpServer::Reply reply) {
    if (inline_(request)) return handler_(std::move(request), std::move(reply));
    submit(std::move(request), std::move(reply));
  };
}

void HandlerPool::stop() {
  std::map<std::string, std::deque<Job>> left;
  {
    std::lock_guard lock(m_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    left.swap(queued_);
    turns_.clear();
    total_ = 0;
  }
  cv_.notify_all();
  // Queued ones first: their clients need not wait for the running ones.
  for (auto& [client, jobs] : left)
    for (auto& j : jobs) j.reply(busy(503, "colo is stopping"));
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void HandlerPool::loop() {
  // Linux: a thread's own nice value. Under load the I/O threads (and with
  // them /healthz and every connection's bytes) get the CPU first.
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), opt_.nice);
  while (true) {
    Job job;
    {
      std::unique_lock lock(m_);
      cv_.wait(lock, [&] { return stopping_ || !turns_.empty(); });
      if (stopping_) return;
      auto client = std::move(turns_.front());
      turns_.pop_front();
      auto it = queued_.find(client);
      job = std::move(it->second.front());
      it->second.pop_front();
      --total_;
      if (it->second.empty())
        queued_.erase(it);
      else
        turns_.push_back(std::move(client));  // its next request after everyone else's
    }
    try {
      handler_(std::move(job.request), job.reply);
    } catch (const std::exception& e) {
      job.reply(problem(500, "Internal Server Error", e.what()));
    }
  }
}

}  // namespace colo::agent
