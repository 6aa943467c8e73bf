#include "cli/interrupt.h"

#include <unistd.h>

#include <atomic>

namespace colo::agent {

namespace {

std::atomic<int> gSignal{0};
static_assert(std::atomic<int>::is_always_lock_free);

}  // namespace

extern "C" void onInterrupt(int sig) {
  static const char first[] =
      "\ncolo: interrupted: no further change is sent; restoring every touched port as it was...\n";
  static const char again[] =
      "\ncolo: still restoring the switches as they were; please wait, colo will not leave them "
      "half-done\n";
  int expected = 0;
  if (gSignal.compare_exchange_strong(expected, sig))
    (void)!write(2, first, sizeof first - 1);
  else
    (void)!write(2, again, sizeof again - 1);
}

InterruptGuard::InterruptGuard() {
  struct sigaction sa {};
  sa.sa_handler = onInterrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &oldInt_);
  sigaction(SIGTERM, &sa, &oldTerm_);
  sigaction(SIGHUP, &sa, &oldHup_);
}

InterruptGuard::~InterruptGuard() {
  sigaction(SIGINT, &oldInt_, nullptr);
  sigaction(SIGTERM, &oldTerm_, nullptr);
  sigaction(SIGHUP, &oldHup_, nullptr);
}

bool InterruptGuard::interrupted() {
  return gSignal.load() != 0;
}
int InterruptGuard::exitCode() {
  return 128 + gSignal.load();
}

}  // namespace colo::agent
