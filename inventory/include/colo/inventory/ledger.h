// The reservation ledger (docs/design.md, "The ledger"): requests, what each
// one holds, the jobs on them, their callbacks, letters and leases. Either
// one SQLite file (the default: a path) or a PostgreSQL 15 database shared
// by several agents (a postgresql:// URI).
//
// A Ledger is one connection; each concern is a small class on it, found by
// name: requests() (requests and their lifecycle), claims(), jobs() (the
// job queue and captures), outbox(), letters(), leases() (leases and switch
// locks), consoleSessions(), cablingChecks() and feed() (what /metrics follows). One connection is
// used by one thread at a time.
//
// On SQLite writers take turns (BEGIN IMMEDIATE); on PostgreSQL they run at
// once, and a claim locks the racks, switches and pools it touches, in one
// global order.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "colo/inventory/ledger/cabling_checks.h"
#include "colo/inventory/ledger/claims.h"
#include "colo/inventory/ledger/console_sessions.h"
#include "colo/inventory/ledger/feed.h"
#include "colo/inventory/ledger/jobs.h"
#include "colo/inventory/ledger/leases.h"
#include "colo/inventory/ledger/letters.h"
#include "colo/inventory/ledger/outbox.h"
#include "colo/inventory/ledger/requests.h"
#include "colo/inventory/time.h"

namespace colo::inventory {

// Whether a ledger location names a PostgreSQL database (a postgresql:// or
// postgres:// URI) rather than a SQLite file.
bool isPostgresUri(std::string_view location);

class Ledger {
 public:
  static constexpr int kSchemaVersion = 11;  // ledger::kSchemaVersion

  enum class Open {
    create,      // `colo init` (and the agent): create the file when missing
    must_exist,  // everything else: a missing file is an error, nothing is created
  };

  // Opens the ledger at `location` (a file path, or a postgresql:// URI with
  // no password in it), creating (Open::create: a missing file) or migrating
  // its schema. Throws Error(invalid_input) for a missing file (must_exist),
  // a file or database that is not a colo ledger or one from a newer schema,
  // naming it; Error(storage) when the database cannot be reached. `clock`
  // stamps what the ledger records (the system's when empty). `password`
  // goes to PostgreSQL beside the URI (PGPASSWORD and ~/.pgpass work too).
  explicit Ledger(const std::string& location, Open mode = Open::must_exist, Clock clock = {},
                  std::string password = {});
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  RequestBook& requests() { return requests_; }
  ClaimBook& claims() { return claims_; }
  JobQueue& jobs() { return jobs_; }
  Outbox& outbox() { return outbox_; }
  LetterBook& letters() { return letters_; }
  Leases& leases() { return leases_; }
  ConsoleSessions& consoleSessions() { return consoleSessions_; }
  CablingChecks& cablingChecks() { return cablingChecks_; }
  MetricsFeed& feed() { return feed_; }

  // The location it was opened with: a path or a URI (never with a password).
  const std::string& path() const;
  // The schema version opening found: 0 for a ledger it created, less than
  // kSchemaVersion for one it migrated.
  std::int64_t foundVersion() const;
  // Empty while this connection reaches the database it opened; otherwise
  // why not (PostgreSQL: another cluster or a database created again under
  // the URI, found when reconnecting), and nothing is read or written any
  // more (Error(storage)).
  std::string replaced() const;
  // The time by the ledger's clock, in milliseconds since the epoch.
  std::int64_t nowMs() const;

  // While `abort` returns true, waiting for another writer's lock gives up
  // at once (Error(storage), "database is locked"): a process that is
  // stopping is not held by someone else's transaction.
  void setWaitAbort(std::function<bool()> abort);
  // From now on, this connection's job writes are refused with Error(moved)
  // unless `owner` still holds the request, in progress: a transition from
  // a status in progress, an event and a capture. An owner whose lease
  // lapsed while it was paused or cut off writes nothing over the one that
  // took its job over, nor after it ended the job.
  void setFence(std::string owner);

  // Runs `work` in one write transaction. Other writers, in this process or
  // another, wait for it (busy timeout). Rolls back if `work` throws. On
  // PostgreSQL, `work` runs again after a deadlock, a serialization failure
  // or a claim whose plan went stale: it must assign what it computes, not
  // accumulate it.
  void write(const std::function<void()>& work);
  // Runs `work` in one read transaction: everything it reads is one
  // snapshot, whatever other connections commit meanwhile.
  void read(const std::function<void()>& work);
  // Whether this connection is inside a write transaction now.
  bool writing() const;

 private:
  std::unique_ptr<ledger::Connection> c_;
  RequestBook requests_;
  ClaimBook claims_;
  JobQueue jobs_;
  Outbox outbox_;
  LetterBook letters_;
  Leases leases_;
  ConsoleSessions consoleSessions_;
  CablingChecks cablingChecks_;
  MetricsFeed feed_;
};

}  // namespace colo::inventory
