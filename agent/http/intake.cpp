#include "http/intake.h"

#include "jobs/status_writer.h"

namespace colo::agent {

namespace inv = colo::inventory;

struct Intake::Item {
  inv::Request request;
  std::string caller, remote;
  Done done;
};

Intake::Intake(StatusWriter& writer, std::mutex& ledgerMutex)
    : writer_(writer), ledgerMutex_(ledgerMutex), thread_([this] { loop(); }) {}

Intake::~Intake() {
  {
    std::lock_guard lock(m_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void Intake::submit(inv::Request r, std::string caller, std::string remote, Done done) {
  {
    std::lock_guard lock(m_);
    if (!stopping_) {
      pending_.push_back(
          std::make_unique<Item>(Item{std::move(r), std::move(caller), std::move(remote), done}));
      cv_.notify_one();
      return;
    }
  }
  done({}, std::make_exception_ptr(std::runtime_error("the agent is stopping")));
}

void Intake::loop() {
  while (true) {
    std::vector<std::unique_ptr<Item>> batch;
    {
      std::unique_lock lock(m_);
      cv_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
      if (pending_.empty()) return;  // stopping, nothing left
      batch.swap(pending_);
    }
    // Everything pending goes into one transaction: one fsync for all.
    std::vector<Outcome> outcomes(batch.size());
    std::exception_ptr failure;
    try {
      std::lock_guard lock(ledgerMutex_);
      auto& ledger = writer_.ledger();
      ledger.write([&] {
        for (std::size_t i = 0; i < batch.size(); ++i) {
          const auto& r = batch[i]->request;
          if (auto existing = ledger.requests().find(r.id)) {
            // The same request again from the same sender: the same answer.
            // Anything else, including another sender's id, is one conflict
            // that says nothing of whose it is (no existence oracle).
            bool same = existing->fingerprint == r.fingerprint &&
                        existing->submitted_by == batch[i]->caller;
            outcomes[i] = {same ? 202 : 409, same ? std::string(inv::name(existing->status)) : ""};
            continue;
          }
          writer_.accept(r, inv::Status::queued,
                         {"api:" + batch[i]->caller, "accepted from " + batch[i]->remote, "", ""},
                         batch[i]->caller);
          outcomes[i] = {202, "queued"};
        }
      });
    } catch (...) {
      failure = std::current_exception();
    }
    for (std::size_t i = 0; i < batch.size(); ++i) batch[i]->done(outcomes[i], failure);
  }
}

}  // namespace colo::agent
