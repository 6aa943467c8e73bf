// One process's occupancy (design.md §5, "Following the ledger"): built from
// every claim once, then brought up to date with only the requests whose
// claims changed, and shared by the process's threads (its workers and its
// views), so that a request costs the same on an empty ledger and on one
// holding 200,000 reservations, and a second agent does not make the first
// read everything again.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>

#include "colo/inventory/occupancy.h"

namespace colo::inventory {

class Ledger;

class OccupancyCache {
 public:
  struct Options {
#ifdef NDEBUG
    bool checkEveryChange = false, throwOnMismatch = false;
#else
    // Builds with assertions (the sanitized tests) compare after every
    // change, and a difference throws std::logic_error: a test must see it.
    bool checkEveryChange = true, throwOnMismatch = true;
#endif
    // How many changes snapshot() can tell the touched racks and pools of.
    std::size_t stepsKept = 512;
  };
  // `inventory` must outlive this object.
  explicit OccupancyCache(const Inventory& inventory);
  OccupancyCache(const Inventory& inventory, Options options);
  ~OccupancyCache();
  OccupancyCache(const OccupancyCache&) = delete;
  OccupancyCache& operator=(const OccupancyCache&) = delete;

  const Inventory& inventory() const {
    return inv_;
  }

  // Inside a transaction of `ledger`: brings the occupancy up to the
  // generation that transaction sees, then calls `use` with it under this
  // cache's lock (keep it short: other threads wait).
  void use(Ledger& ledger, const std::function<void(const Occupancy&)>& use);
  // Outside any transaction: calls `use` with the occupancy as last
  // followed, which may be behind the ledger (nothing when none was built).
  // Several threads may peek at once; use() and the rest wait for them.
  void peek(const std::function<void(const Occupancy&)>& use);

  // Inside a transaction of `ledger`: a snapshot as of now (see use), which
  // stays as it is while the cache follows, and which racks, switches and
  // pools changed since generation `since` (nullopt when that is not known:
  // treat everything as changed).
  struct Snapshot {
    std::shared_ptr<const Occupancy> occupancy;
    std::optional<Occupancy::Touched> touched;
  };
  Snapshot snapshot(Ledger& ledger, std::int64_t since);

  // After the transaction that claimed `plan` committed: `generation` is the
  // one it was planned at, `claimedAt` the one its claim made. When nothing
  // else changed in between, the cache follows without reading the ledger.
  void committed(const Plan& plan, const std::string& tenant, std::int64_t generation,
                 std::int64_t claimedAt);

  // The self-check: every `every` (and after every change when
  // Options::checkEveryChange), the followed occupancy is compared with one
  // built from every claim, outside this cache's lock; a difference is
  // repaired (the rebuilt one is kept) and reported to `onMismatch` (or
  // thrown, when Options::throwOnMismatch).
  // A write transaction never runs it (it reads every claim while others
  // wait for the write's locks): a check due then waits for the next read,
  // or for checkIfDue, which runs it in a read of its own when due (outside
  // any transaction).
  void setSelfCheck(std::chrono::seconds every,
                    std::function<void(const std::string& difference)> onMismatch);
  void checkIfDue(Ledger& ledger);

  struct Stats {
    std::int64_t builds = 0;        // from every claim
    std::int64_t follows = 0;       // from the changes only
    std::int64_t requestsRead = 0;  // requests whose claims a follow read
    std::int64_t checks = 0, mismatches = 0;
  };
  Stats stats() const;

 private:
  // Under the lock; true when a self-check is due.
  bool update(Ledger& ledger);
  void rebuild(Ledger& ledger, std::int64_t generation);
  void remember(std::int64_t from, std::int64_t to, Occupancy::Touched touched);
  std::shared_ptr<const Occupancy> shared();
  // Without the lock.
  void selfCheck(Ledger& ledger, const std::shared_ptr<const Occupancy>& followed);

  const Inventory& inv_;
  const Options options_;
  // Shared by drafts (peek), which only read occ_; held alone otherwise.
  mutable std::shared_mutex m_;
  std::unique_ptr<Occupancy> occ_;
  // A copy of occ_ for readers, made on the first snapshot after a change.
  std::shared_ptr<const Occupancy> shared_;
  // What the last changes touched: (from, to, touched), oldest first.
  struct Step {
    std::int64_t from, to;
    Occupancy::Touched touched;
  };
  std::deque<Step> recent_;
  std::int64_t knownSince_ = 0;  // recent_ covers every change after this generation
  Stats stats_;
  std::chrono::seconds checkEvery_{3600};
  std::chrono::steady_clock::time_point lastCheck_ = std::chrono::steady_clock::now();
  std::function<void(const std::string&)> onMismatch_;
};

}  // namespace colo::inventory
