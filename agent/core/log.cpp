#include "core/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "colo/inventory/time.h"

namespace colo::agent {

using nlohmann::json;

namespace {

struct Sink {
  std::mutex m;
  LogSettings settings;
  LogFormat format = isatty(1) ? LogFormat::text : LogFormat::json;
  int fd = 1;  // stdout, or the log file
};

Sink& sink() {
  static Sink s;
  return s;
}

int openLogFile(const std::string& path) {
  return ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

// key=value, the value quoted when it holds a space, a quote or '='.
void appendText(std::string& out, const std::string& key, const json& v) {
  std::string s =
      v.is_string() ? v.get<std::string>() : v.dump(-1, ' ', false, json::error_handler_t::replace);
  out += ' ';
  out += key;
  out += '=';
  if (!s.empty() && s.find_first_of(" \"=\t") == std::string::npos) {
    out += s;
    return;
  }
  out += json(s).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string textLine(const json& e) {
  std::string out = e.value("ts", "") + " " + e.value("level", "info");
  if (e.contains("event")) out += " " + e.value("event", "");
  for (auto it = e.begin(); it != e.end(); ++it)
    if (it.key() != "ts" && it.key() != "level" && it.key() != "event")
      appendText(out, it.key(), it.value());
  // A control character a client sent never breaks the line.
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  return out;
}

void writeAll(int fd, const std::string& s) {
  std::size_t done = 0;
  while (done < s.size()) {
    auto n = ::write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a full disk loses the line, never the agent
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

std::optional<LogLevel> parseLogLevel(std::string_view n) {
  if (n == "debug") return LogLevel::debug;
  if (n == "info") return LogLevel::info;
  if (n == "warn") return LogLevel::warn;
  if (n == "error") return LogLevel::error;
  return std::nullopt;
}

std::optional<LogFormat> parseLogFormat(std::string_view n) {
  if (n == "json") return LogFormat::json;
  if (n == "text") return LogFormat::text;
  return std::nullopt;
}

void configureLog(const LogSettings& settings) {
  auto& s = sink();
  std::lock_guard lock(s.m);
  int fd = 1;
  if (!settings.file.empty()) {
    if (settings.file == s.settings.file && s.fd != 1) {
      fd = s.fd;
    } else {
      fd = openLogFile(settings.file);
      if (fd < 0)
        throw std::runtime_error("cannot open the log file " + settings.file + ": " +
                                 std::strerror(errno));
    }
  }
  if (s.fd != 1 && s.fd != fd) ::close(s.fd);
  s.fd = fd;
  s.settings = settings;
  s.format = settings.format.value_or(isatty(fd) ? LogFormat::text : LogFormat::json);
}

bool reopenLog(std::string& why) {
  auto& s = sink();
  std::lock_guard lock(s.m);
  if (s.settings.file.empty()) return true;  // stdout: nothing to reopen
  int fd = openLogFile(s.settings.file);
  if (fd < 0) {
    why = "cannot open the log file " + s.settings.file + ": " + std::strerror(errno);
    return false;
  }
  ::close(s.fd);
  s.fd = fd;
  return true;
}

void logEvent(json entry) {
  auto& s = sink();
  auto level = parseLogLevel(entry.value("level", "info")).value_or(LogLevel::info);
  auto now = std::chrono::system_clock::now();
  // RFC 3339 in UTC, to the millisecond: what journald, jq and people read.
  entry["ts"] = inventory::isoUtcMs(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
  std::lock_guard lock(s.m);
  if (level < s.settings.level) return;
  // Whatever a client sent that ends up in a line (a path, a method) may be
  // any bytes: what is not UTF-8 is written as U+FFFD, never a throw.
  std::string line = s.format == LogFormat::json
                         ? entry.dump(-1, ' ', false, json::error_handler_t::replace)
                         : textLine(entry);
  line += '\n';
  if (s.fd == 1)
    std::cout << line << std::flush;  // through the stream: whoever holds std::cout sees it
  else
    writeAll(s.fd, line);
}

}  // namespace colo::agent
