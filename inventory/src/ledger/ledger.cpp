// The ledger: one connection (connection.h) and the stores on it, each in a
// file of its own (requests, claims, jobs, outbox, letters, leases, feed),
// all written once over ledger::Db. The backends (sqlite/, postgres/) own
// their schema and their SQL differences.
#include "colo/inventory/ledger.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

#include "colo/inventory/error.h"
#include "connection.h"

namespace colo::inventory {

bool isPostgresUri(std::string_view location) {
  return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

namespace ledger {

void Connection::write(const std::function<void()>& work) {
  if (inWrite) {
    work();  // already inside a transaction
    return;
  }
  // Where writers run concurrently (PostgreSQL), a deadlock, a serialization
  // failure or a plan made from claims that changed meanwhile rolls back and
  // runs `work` again, after a pause that grows and varies.
  thread_local std::minstd_rand jitter{std::random_device{}()};
  for (int attempt = 0;; ++attempt) {
    db->begin(ledger::Transaction::write);
    inWrite = true;
    try {
      work();
      db->commit();
      inWrite = false;
      return;
    } catch (const ledger::Retry& e) {
      inWrite = false;
      db->rollback();
      if (attempt >= db->retries())
        throw Error(ErrorKind::storage, std::string(e.what()) + " (gave up after " +
                                            std::to_string(attempt + 1) + " attempts)");
      auto ceiling = std::min(500, 5 << std::min(attempt, 7));
      std::this_thread::sleep_for(std::chrono::milliseconds(
          1 + static_cast<int>(jitter() % static_cast<unsigned>(ceiling))));
    } catch (...) {
      inWrite = false;
      db->rollback();
      throw;
    }
  }
}

void Connection::read(const std::function<void()>& work) {
  if (inWrite) {
    work();
    return;
  }
  if (inRead) {
    work();
    return;
  }
  db->begin(ledger::Transaction::read);
  inRead = true;
  try {
    work();
    inRead = false;
    db->commit();
  } catch (...) {
    inRead = false;
    db->rollback();
    throw;
  }
}

}  // namespace ledger

Ledger::Ledger(const std::string& location, Open mode, Clock clock, std::string password)
    : c_(std::make_unique<ledger::Connection>()),
      requests_(*c_),
      claims_(*c_),
      jobs_(*c_),
      outbox_(*c_),
      letters_(*c_),
      leases_(*c_),
      consoleSessions_(*c_),
      cablingChecks_(*c_),
      feed_(*c_) {
  c_->clock = clock ? std::move(clock) : systemClock();
  if (isPostgresUri(location))
    c_->db = ledger::openPostgres(location, password, mode == Open::create);
  else
    c_->db = ledger::openSqlite(location, mode == Open::create, &c_->abortWait);
}

Ledger::~Ledger() = default;

const std::string& Ledger::path() const {
  return c_->path();
}
std::int64_t Ledger::foundVersion() const {
  return c_->db->foundVersion();
}
std::string Ledger::replaced() const {
  return c_->db->replaced();
}
std::int64_t Ledger::nowMs() const {
  return c_->clock();
}
void Ledger::setWaitAbort(std::function<bool()> abort) {
  c_->abortWait = std::move(abort);
}
void Ledger::setFence(std::string owner) {
  c_->fence = std::move(owner);
}
void Ledger::write(const std::function<void()>& work) {
  c_->write(work);
}
void Ledger::read(const std::function<void()>& work) {
  c_->read(work);
}
bool Ledger::writing() const {
  return c_->inWrite;
}

}  // namespace colo::inventory
