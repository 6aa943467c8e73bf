// Where requests are answered: a few threads of their own, never the HTTP
// I/O threads (docs/design.md §9, "No request holds the I/O threads"). The
// I/O threads only read and write bytes and answer the cheapest routes
// (/healthz); everything proportional to a body or to the data runs here.
// Clients, by address, take turns: one client's backlog waits behind its
// own requests, not in front of everyone else's.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/server.h"

namespace colo::agent {

struct HandlerPoolOptions {
  // More than the cores: a handler waiting for the ledger's lock holds its
  // thread without using the CPU.
  int threads = 4;
  std::size_t max_queued = 1024;           // in all; beyond it, 503
  std::size_t max_queued_per_client = 32;  // one address's share; beyond it, 429
  int nice = 5;                            // the pool's threads yield the CPU to the I/O threads
};

class HandlerPool {
 public:
  HandlerPool(HandlerPoolOptions options, HttpServer::AsyncHandler handler);
  ~HandlerPool();  // stop()
  HandlerPool(const HandlerPool&) = delete;
  HandlerPool& operator=(const HandlerPool&) = delete;

  // Queues the request for a pool thread, behind its client's earlier ones;
  // answers at once (429 or 503 with Retry-After) when the client's share
  // or the pool is full, or the pool has stopped.
  void submit(HttpRequest request, HttpServer::Reply reply);
  // The server's handler: `inline_` requests answered where they arrive,
  // the rest through submit().
  HttpServer::AsyncHandler front(std::function<bool(const HttpRequest&)> inline_);
  // Answers what is still queued 503, then ends the threads once the
  // request each is answering is done.
  void stop();

 private:
  struct Job {
    HttpRequest request;
    HttpServer::Reply reply;
  };
  void loop();

  HandlerPoolOptions opt_;
  HttpServer::AsyncHandler handler_;
  std::mutex m_;
  std::condition_variable cv_;
  std::map<std::string, std::deque<Job>> queued_;  // by client address
  std::deque<std::string> turns_;                  // clients with work, in turn
  std::size_t total_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace colo::agent
