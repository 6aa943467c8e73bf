#include "cli/systemd.h"

#include <systemd/sd-daemon.h>
#include <time.h>

namespace colo::agent::systemd {

bool notify(const std::string& state) {
  return sd_notify(0, state.c_str()) > 0;
}

std::string reloading() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  auto usec = static_cast<long long>(ts.tv_sec) * 1000000LL + ts.tv_nsec / 1000;
  return "RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec);
}

std::optional<std::chrono::microseconds> watchdogInterval() {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::microseconds(static_cast<long long>(usec / 2));
}

}  // namespace colo::agent::systemd
