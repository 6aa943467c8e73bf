#include "core/time_source.h"

namespace colo::agent {

namespace {

class RealTime final : public TimeSource {
 public:
  std::int64_t wallMs() override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  Steady now() override { return std::chrono::steady_clock::now(); }
  bool waitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, Steady deadline,
                 const std::function<bool()>& ready) override {
    return cv.wait_until(lock, deadline, ready);
  }
};

}  // namespace

std::shared_ptr<TimeSource> realTime() {
  static const auto real = std::make_shared<RealTime>();
  return real;
}

bool ManualTime::waitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                           Steady deadline, const std::function<bool()>& ready) {
  // A notification ends the wait at once; advance() is seen within a slice
  // of real time (the slice decides nothing: the deadline is this clock's).
  while (!ready()) {
    if (now() >= deadline) return ready();
    cv.wait_for(lock, std::chrono::milliseconds(2));
  }
  return true;
}

void ManualTime::advance(Duration d) {
  wall_ += std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  steady_ += d.count();
}

}  // namespace colo::agent
