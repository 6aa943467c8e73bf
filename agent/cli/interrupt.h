// SIGINT/SIGTERM/SIGHUP while a command changes switches (SIGHUP: the
// technician's SSH session dropped, and with it the terminal): the first stops further
// changes (the engine restores what it touched, then the request fails); a
// second one only says that the restore is still running. Nothing is
// abandoned half-done.
#pragma once

#include <signal.h>

namespace colo::agent {

// Handles SIGINT, SIGTERM and SIGHUP while it lives.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
  static bool interrupted();
  // 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP, as shells report them.
  static int exitCode();

 private:
  struct sigaction oldInt_ {
  }, oldTerm_{}, oldHup_{};
};

}  // namespace colo::agent
