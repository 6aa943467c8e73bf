// A callback receiver for tests: colo's own HTTP server class, recording
// every request it gets and answering 200.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/server.h"

namespace colo::test {

// A callback receiver: colo's own HTTP server class, recording what it gets.
class Receiver {
 public:
  explicit Receiver(int port, const std::string& cert = "", const std::string& key = "") {
    colo::agent::HttpServerOptions o;
    o.port = port;
    o.threads = 1;
    o.tls_cert = cert;
    o.tls_key = key;
    server_ =
        std::make_unique<colo::agent::HttpServer>(o, [this](const colo::agent::HttpRequest& r) {
          std::lock_guard lock(m_);
          got_.push_back(r);
          colo::agent::HttpResponse res;
          res.body = "{}";
          return res;
        });
    thread_ = std::thread([this] { server_->run(); });
  }
  ~Receiver() {
    server_->stop();
    thread_.join();
  }
  int port() const { return server_->port(); }
  std::vector<colo::agent::HttpRequest> got() {
    std::lock_guard lock(m_);
    return got_;
  }

 private:
  std::unique_ptr<colo::agent::HttpServer> server_;
  std::thread thread_;
  std::mutex m_;
  std::vector<colo::agent::HttpRequest> got_;
};

}  // namespace colo::test
