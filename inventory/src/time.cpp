#include "colo/inventory/time.h"

#include <date/tz.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <stdexcept>

namespace colo::inventory {

namespace {

using Seconds = std::chrono::sys_seconds;

const date::time_zone* zoneOf(const void* z) {
  return static_cast<const date::time_zone*>(z);
}

Seconds at(std::int64_t t) {
  return Seconds{std::chrono::seconds{t}};
}

}  // namespace

Clock systemClock() {
  return [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
}

std::string isoUtcMs(std::int64_t ms) {
  auto secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  auto t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms - secs * 1000));
  return out;
}

std::optional<TimeZone> TimeZone::find(const std::string& iana) {
  // The database's own names only: no paths, no files beside the zones.
  if (iana.empty() || iana.size() > 64 || iana.find("..") != std::string::npos || iana[0] == '/')
    return std::nullopt;
  try {
    return TimeZone(date::locate_zone(iana), 0, iana);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

TimeZone TimeZone::named(const std::string& iana) {
  if (auto z = find(iana)) return *z;
  throw std::invalid_argument("unknown timezone '" + iana.substr(0, 64) +
                              "' (expected an IANA name such as Asia/Pontianak; is tzdata "
                              "installed?)");
}

TimeZone TimeZone::fixed(int offsetSeconds, std::string name) {
  return TimeZone(nullptr, offsetSeconds, std::move(name));
}

int TimeZone::offsetAt(std::int64_t t) const {
  if (!zone_) return offset_;
  return static_cast<int>(zoneOf(zone_)->get_info(at(t)).offset.count());
}

std::string TimeZone::abbreviationAt(std::int64_t t) const {
  if (zone_) {
    auto info = zoneOf(zone_)->get_info(at(t));
    // Zones without a name of their own say "+07": written UTC+07 below.
    if (!info.abbrev.empty() && info.abbrev.find_first_of("+-") == std::string::npos)
      return info.abbrev;
  }
  int off = offsetAt(t), a = off < 0 ? -off : off;
  char buf[16];
  if (a % 3600)
    std::snprintf(buf, sizeof buf, "UTC%c%02d:%02d", off < 0 ? '-' : '+', a / 3600, a % 3600 / 60);
  else
    std::snprintf(buf, sizeof buf, "UTC%c%02d", off < 0 ? '-' : '+', a / 3600);
  return buf;
}

std::int64_t TimeZone::localDay(std::int64_t t) const {
  auto local = t + offsetAt(t);
  return local >= 0 ? local / 86400 : (local - 86399) / 86400;
}

std::int64_t TimeZone::startOfDay(std::int64_t day) const {
  if (!zone_) return day * 86400 - offset_;
  date::local_seconds midnight{std::chrono::seconds{day * 86400}};
  // A midnight that does not exist (a spring-forward at 00:00) is the
  // moment the clocks jump; one that exists twice is the earlier.
  auto info = zoneOf(zone_)->get_info(midnight);
  if (info.result == date::local_info::nonexistent)
    return info.second.begin.time_since_epoch().count();
  return (midnight.time_since_epoch() - info.first.offset).count();
}

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

std::optional<std::int64_t> dayNumber(const std::string& date) {
  int y = 0;
  unsigned m = 0, d = 0;
  if (date.size() != 10 || std::sscanf(date.c_str(), "%4d-%2u-%2u", &y, &m, &d) != 3)
    return std::nullopt;
  if (m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
  // Howard Hinnant's days_from_civil.
  int yy = y - (m <= 2);
  std::int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
  auto yoe = static_cast<unsigned>(yy - era * 400);
  unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  std::int64_t day = era * 146097 + static_cast<std::int64_t>(doe) - 719468;
  if (civilDate(day) != date) return std::nullopt;  // 2026-02-30
  return day;
}

std::string localText(std::int64_t t, const TimeZone& zone, bool withZone, bool withSeconds) {
  auto local = static_cast<std::time_t>(t + zone.offsetAt(t));
  std::tm tm{};
  gmtime_r(&local, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, withSeconds ? "%Y-%m-%d %H:%M:%S" : "%Y-%m-%d %H:%M", &tm);
  return withZone ? std::string(buf) + " " + zone.abbreviationAt(t) : std::string(buf);
}

std::string localText(const std::string& ts, const TimeZone& zone, bool withZone,
                      bool withSeconds) {
  auto t = parseRfc3339(ts);
  return t ? localText(t->epoch_seconds, zone, withZone, withSeconds) : ts;
}

std::optional<Timestamp> parseRfc3339(std::string_view t) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  auto num = [&](std::size_t at, std::size_t len, int& out) {
    if (at + len > t.size()) return false;
    auto [p, ec] = std::from_chars(t.data() + at, t.data() + at + len, out);
    return ec == std::errc{} && p == t.data() + at + len;
  };
  int Y, M, D, h, m, s;
  if (t.size() < 20 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != 't') ||
      t[13] != ':' || t[16] != ':')
    return std::nullopt;
  if (!num(0, 4, Y) || !num(5, 2, M) || !num(8, 2, D) || !num(11, 2, h) || !num(14, 2, m) ||
      !num(17, 2, s))
    return std::nullopt;
  static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0;
  if (M < 1 || M > 12 || D < 1 || D > days[M - 1] || (M == 2 && D == 29 && !leap) || h > 23 ||
      m > 59 || s > 60)
    return std::nullopt;
  std::size_t i = 19;
  if (i < t.size() && t[i] == '.') {
    ++i;
    std::size_t start = i;
    while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i;
    if (i == start) return std::nullopt;
  }
  int offset = 0;
  if (i < t.size() && (t[i] == 'Z' || t[i] == 'z')) {
    ++i;
  } else if (i < t.size() && (t[i] == '+' || t[i] == '-')) {
    int oh, om;
    if (i + 6 != t.size() || t[i + 3] != ':' || !num(i + 1, 2, oh) || !num(i + 4, 2, om) ||
        oh > 23 || om > 59)
      return std::nullopt;
    offset = (oh * 3600 + om * 60) * (t[i] == '-' ? -1 : 1);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != t.size()) return std::nullopt;
  // Days from civil (Howard Hinnant's algorithm).
  int y = Y - (M <= 2);
  int era = (y >= 0 ? y : y - 399) / 400;
  int yoe = y - era * 400;
  int doy = (153 * (M + (M > 2 ? -3 : 9)) + 2) / 5 + D - 1;
  int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  std::int64_t daysSinceEpoch = std::int64_t{era} * 146097 + doe - 719468;
  return Timestamp{daysSinceEpoch * 86400 + h * 3600 + m * 60 + std::min(s, 59) - offset, offset};
}

}  // namespace colo::inventory
