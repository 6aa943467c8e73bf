// SIGINT/SIGTERM while a command changes switches: the first stops further
// changes (the engine restores what it touched, then the request fails); a
// second one only says that the restore is still running. Nothing is
// abandoned half-done.
#pragma once

#include <signal.h>

namespace colo::agent {

// Handles SIGINT and SIGTERM while it lives.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
  static bool interrupted();
  // 130 for SIGINT, 143 for SIGTERM, as shells report them.
  static int exitCode();

 private:
  struct sigaction oldInt_ {
  }, oldTerm_{};
};

}  // namespace colo::agent
