// The agent's log: one event per line, JSON (for journald, jq and log
// shippers) or text (for a person at a terminal), on stdout or in a file
// that logrotate may move (reopenLog on SIGUSR1). design.md §9.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace colo::agent {

enum class LogLevel { debug, info, warn, error };
enum class LogFormat { json, text };

std::optional<LogLevel> parseLogLevel(std::string_view name);
std::optional<LogFormat> parseLogFormat(std::string_view name);

// The config's `log:` section (and --log-format).
struct LogSettings {
  LogLevel level = LogLevel::info;  // lines below it are not written
  std::optional<LogFormat> format;  // none: text on a terminal, else JSON
  std::string file;                 // empty: stdout (journald under systemd)
  bool operator==(const LogSettings&) const = default;
};

// Applies `settings` to every line from here on; opens `settings.file` for
// appending (mode 0640). Throws std::runtime_error naming the file when it
// cannot be opened, and then changes nothing.
void configureLog(const LogSettings& settings);

// Opens the log file again by its name (logrotate moved the old one away);
// false, with the reason in `why`, when it cannot (the old one stays in use).
bool reopenLog(std::string& why);

// Writes `entry` with its time ("ts": RFC 3339 UTC with milliseconds) when
// its "level" (info when absent) is at or above the configured one. Never
// pass a token or a password: only ids, names and messages colo itself
// wrote.
void logEvent(nlohmann::json entry);

}  // namespace colo::agent
