#include "sla.h"

#include <cstdlib>
#include <ctime>
#include <mutex>
#include <optional>

namespace colo::agent {

std::string civilDate(std::int64_t z) {
  // Howard Hinnant's civil_from_days.
  z += 719468;
  std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  auto doe = static_cast<unsigned>(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  unsigned d = doy - (153 * mp + 2) / 5 + 1;
  unsigned m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  return buf;
}

namespace {

// Days since 1970-01-01 of a YYYY-MM-DD date (Howard Hinnant's
// days_from_civil); nullopt when it is not one.
std::optional<std::int64_t> daysOf(const std::string& date) {
  int y = 0;
  unsigned m = 0, d = 0;
  if (date.size() != 10 || std::sscanf(date.c_str(), "%4d-%2u-%2u", &y, &m, &d) != 3)
    return std::nullopt;
  if (m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
  y -= m <= 2;
  std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  auto yoe = static_cast<unsigned>(y - era * 400);
  unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

SlaCalendar::SlaCalendar(int utcOffsetSeconds, std::set<std::string> holidays, int workingDays)
    : offset_(utcOffsetSeconds), days_(workingDays) {
  // Read once: a working day is then a set lookup, not a date to format.
  for (const auto& h : holidays)
    if (auto day = daysOf(h); day && civilDate(*day) == h) holidays_.insert(*day);
}

bool SlaCalendar::workingDay(std::int64_t day) const {
  // 1970-01-01 was a Thursday: day 0 -> weekday 4 (Sunday = 0).
  auto weekday = ((day % 7) + 7 + 4) % 7;
  if (weekday == 0 || weekday == 6) return false;
  return !holidays_.count(day);
}

Sla SlaCalendar::evaluate(std::int64_t receivedAt, std::optional<std::int64_t> completedAt,
                          std::int64_t now) const {
  auto localDay = [&](std::int64_t t) {
    auto local = t + offset_;
    return local >= 0 ? local / 86400 : (local - 86399) / 86400;
  };
  // Count working days after the day of receipt.
  std::int64_t day = localDay(receivedAt);
  for (int counted = 0; counted < days_;)
    if (workingDay(++day)) ++counted;
  Sla sla;
  sla.due_date = civilDate(day);
  sla.deadline = (day + 1) * 86400 - offset_ - 1;
  if (completedAt) {
    sla.met = *completedAt <= sla.deadline;
    if (!*sla.met) sla.late_seconds = *completedAt - sla.deadline;
  } else if (now > sla.deadline) {
    sla.overdue = true;
    sla.met = false;
    sla.late_seconds = now - sla.deadline;
  }
  return sla;
}

std::string lateText(std::int64_t s) {
  if (s <= 0) return "-";
  auto d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60;
  if (d > 0) return std::to_string(d) + "d " + std::to_string(h) + "h";
  if (h > 0) return std::to_string(h) + "h " + std::to_string(m) + "m";
  return std::to_string(std::max<std::int64_t>(m, 1)) + "m";
}

int utcOffsetOf(const std::string& timezone) {
  // localtime_r after tzset reads TZ: done once, under a lock, at start-up.
  static std::mutex m;
  std::lock_guard lock(m);
  const char* old = std::getenv("TZ");
  std::string saved = old ? old : "";
  setenv("TZ", timezone.c_str(), 1);
  tzset();
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  int offset = static_cast<int>(tm.tm_gmtoff);
  if (old)
    setenv("TZ", saved.c_str(), 1);
  else
    unsetenv("TZ");
  tzset();
  return offset;
}

}  // namespace colo::agent
