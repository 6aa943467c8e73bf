// The agent and systemd (Type=notify): READY=1 once it serves, RELOADING=1
// and READY=1 around a reload, STOPPING=1 on SIGTERM, WATCHDOG=1 while it
// is alive (design.md §9, "Running as a service"). Outside systemd
// (NOTIFY_SOCKET not set) each call does nothing.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace colo::agent::systemd {

// Sends `state` ("READY=1", "STATUS=...", several lines at once) to the
// service manager; false when there is none or it could not be told.
bool notify(const std::string& state);

// RELOADING=1 with the monotonic time, as systemd asks of a reload.
std::string reloading();

// How often to send WATCHDOG=1: half of WatchdogSec when systemd watches
// this process (WATCHDOG_USEC, and WATCHDOG_PID if set, is this one);
// none otherwise.
std::optional<std::chrono::microseconds> watchdogInterval();

}  // namespace colo::agent::systemd
