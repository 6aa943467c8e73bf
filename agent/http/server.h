// The HTTP/1.1 server of `colo agent` (Boost.Beast, kept out of this header;
// see beast.cpp). It only moves bytes: routes are a plain function from
// request to response.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "http/types.h"

namespace colo::agent {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (see HttpServer::port())
  int threads = 2;
  std::size_t body_limit = 1 << 20;       // larger bodies get 413
  std::chrono::seconds read_timeout{15};  // slow clients are cut off
  int max_connections = 1024;             // beyond it: 503 and close
  // One client address may hold this many connections (beyond: 429), of
  // which this many waiting idle for their next request (beyond: its
  // oldest idle one closes). At max_connections a new client takes the
  // place of the longest-idle connection of the address holding the most.
  int max_connections_per_client = 64;
  int max_idle_per_client = 32;
  // How long a connection may wait for its next request: read_timeout, and
  // this once half of max_connections are open.
  std::chrono::milliseconds idle_timeout_under_pressure{1000};
  std::string tls_cert, tls_key;  // both set: HTTPS only
  // Told of SIGHUP and SIGUSR1 (which then no longer end the process) and
  // of SIGINT/SIGTERM just before the server stops; called on an I/O
  // thread, so it must return at once (hand the work to another thread).
  std::function<void(int signal)> on_signal;
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  // Answers by calling `reply`, possibly later and from another thread (the
  // I/O thread is not held while, say, a write reaches the disk).
  using Reply = std::function<void(HttpResponse)>;
  using AsyncHandler = std::function<void(HttpRequest request, Reply reply)>;
  // Binds immediately; throws std::runtime_error naming host and port.
  HttpServer(const HttpServerOptions& options, Handler handler);
  HttpServer(const HttpServerOptions& options, AsyncHandler handler);
  ~HttpServer();
  int port() const;
  // Serves until stop() or SIGINT/SIGTERM; exchanges in flight get 500 ms to
  // finish. SIGHUP and SIGUSR1 go to options.on_signal, when given.
  // `serving` is called once, on an I/O thread, when the loop that answers
  // runs (a client connecting then is answered).
  void run(std::function<void()> serving = {});
  void stop();

 private:
  void waitForSignal();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace colo::agent
