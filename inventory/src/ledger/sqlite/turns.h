// Fair turns at SQLite's write lock between processes (design.md §6, "Two
// writers on one SQLite file"). SQLite has one writer at a time and no queue:
// a process waiting for the lock retries on a timer, while the process that
// holds it may commit and begin again at once, so a busy writer can keep the
// other waiting for many transactions in a row. WriterTurns adds the queue's
// manners without adding a lock: a word in a small file beside the ledger
// (LEDGER-turns) says when a writer last waited, and a writer that has just
// committed while another waits lets it go first before it begins again, for
// at most a short while. SQLite's lock stays the only mutual exclusion: a
// process that dies, hangs or never opens the file costs the others at most
// that short while, never a turn's correctness.
#pragma once

#include <cstdint>
#include <string>

namespace colo::inventory::ledger {

class WriterTurns {
 public:
  struct Options {
    // A wait older than this is over (its writer took the lock, gave up or
    // died); a waiting writer says so again at least every 250 us.
    std::int64_t waitFreshNs = 1'000'000;
    // How long a writer that owes a turn lets the waiter go first at most:
    // a waiter scheduled late must not stall the writer longer.
    std::int64_t yieldAtMostNs = 2'000'000;
  };
  // The file is opened (made) when first needed, at the first write: a
  // process that only reads the ledger leaves none. No turns (every call
  // only waits as told) where it cannot be, e.g. a read-only directory.
  explicit WriterTurns(const std::string& ledgerPath) : WriterTurns(ledgerPath, Options{}) {}
  WriterTurns(const std::string& ledgerPath, Options options);
  ~WriterTurns();
  WriterTurns(const WriterTurns&) = delete;
  WriterTurns& operator=(const WriterTurns&) = delete;

  // Before asking for the write lock: if this process held it last and
  // another was waiting then, wait until another has taken it (at most
  // Options::yieldAtMostNs, and not once the waiter has stopped waiting).
  enum class Yield { owed_nothing, another_took_it, waiter_gone, waited_enough };
  Yield beforeBegin();
  // Each time the lock was found taken: say so, and wait up to `us`
  // microseconds for its release.
  void waitForRelease(int us);
  // The lock was taken by this process.
  void began();
  // The lock was given back (commit or rollback).
  void released();

  // Whether the file beside the ledger is in use.
  bool shared() const { return shared_ != nullptr; }

 private:
  bool open();

  struct Shared;
  Options options_;
  std::string path_, ledger_;
  bool opened_ = false;
  Shared* shared_ = nullptr;
  std::uint32_t mine_ = 0;  // `taken` when this process last took the lock
  bool owe_ = false;        // another was waiting when this process released
};

}  // namespace colo::inventory::ledger
