// Time as the agent reads it, injected (docs/design.md, "Time"): the wall
// clock (what the ledger stamps, due dates, leases' ends, callback retries)
// and the monotonic clock with the waits that run on it (the workers'
// orphan scans, lease renewals, the deliverer's retries, polls). Tests hand
// in a ManualTime and move it forward by hand instead of sleeping.
//
// Network I/O deadlines (SSH commands, callback POSTs, the database's busy
// waits) are real time: a switch does not wait for a test's clock.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

namespace colo::agent {

class TimeSource {
 public:
  using Steady = std::chrono::steady_clock::time_point;
  using Duration = std::chrono::steady_clock::duration;

  virtual ~TimeSource() = default;
  // Milliseconds since the epoch.
  virtual std::int64_t wallMs() = 0;
  virtual Steady now() = 0;
  // With `lock` held on `cv`'s mutex: waits until `ready()` (checked under
  // the lock, after every notification) or until now() reaches `deadline`.
  // Returns ready().
  virtual bool waitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                         Steady deadline, const std::function<bool()>& ready) = 0;

  bool waitFor(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, Duration d,
               const std::function<bool()>& ready) {
    return waitUntil(lock, cv, now() + d, ready);
  }
};

// The machine's clocks.
std::shared_ptr<TimeSource> realTime();

// A clock that stands still until advance() moves it (both the wall and the
// monotonic clock by the same amount). Waits on it end when their
// condition holds or advance() passes their deadline.
class ManualTime final : public TimeSource {
 public:
  explicit ManualTime(std::int64_t wallMs) : wall_(wallMs) {}
  std::int64_t wallMs() override { return wall_.load(); }
  Steady now() override { return Steady(Duration(steady_.load())); }
  bool waitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, Steady deadline,
                 const std::function<bool()>& ready) override;
  void advance(Duration d);

 private:
  std::atomic<std::int64_t> wall_;
  // Monotonic time starts an hour in: nothing reads as "long ago" at first.
  std::atomic<Duration::rep> steady_{
      std::chrono::duration_cast<Duration>(std::chrono::hours(1)).count()};
};

}  // namespace colo::agent
