// Where an approved request is accepted: stored with group commit before
// its 202. Handlers hand requests over and are answered later; one thread
// writes everything pending in one transaction (one fsync), then answers
// them all. Durable before 202, without one fsync each.
#pragma once

#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "colo/inventory/request.h"

namespace colo::agent {

class StatusWriter;

class Intake {
 public:
  struct Outcome {
    int http = 202;      // 202 accepted (new, or the same again), 409 another body or sender
    std::string status;  // the request's status
  };
  // `writer` works on the shared ledger, whose every use is under `ledgerMutex`.
  Intake(StatusWriter& writer, std::mutex& ledgerMutex);
  ~Intake();
  Intake(const Intake&) = delete;
  Intake& operator=(const Intake&) = delete;
  // Calls `done` once the request is stored (or found), from the intake's
  // thread; with an exception pointer if the write failed.
  using Done = std::function<void(Outcome, std::exception_ptr)>;
  void submit(inventory::Request request, std::string caller, std::string remote, Done done);

 private:
  struct Item;
  void loop();
  StatusWriter& writer_;
  std::mutex& ledgerMutex_;
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Item>> pending_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace colo::agent
