// Time as colo reads it: an injectable wall clock, and the site's timezone
// with the IANA database's rules (daylight saving included).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace colo::inventory {

// Milliseconds since the epoch. Everything that reads the time of day takes
// one (tests set it); `systemClock()` is the real one.
using Clock = std::function<std::int64_t()>;
Clock systemClock();

// "2026-11-30T04:15:02.123Z": how the ledger stamps what happens.
std::string isoUtcMs(std::int64_t epochMs);

// An IANA timezone (Asia/Pontianak, Europe/Amsterdam) from the system's
// zoneinfo, or a fixed offset. Cheap to copy; safe to share across threads.
class TimeZone {
 public:
  // Throws std::invalid_argument when the system knows no such zone.
  static TimeZone named(const std::string& iana);
  static std::optional<TimeZone> find(const std::string& iana);
  static TimeZone fixed(int offsetSeconds, std::string name);

  const std::string& name() const { return name_; }
  // The offset from UTC at that instant, in seconds (+07:00 -> 25200).
  int offsetAt(std::int64_t epochSeconds) const;
  // "WIB", "CET", "CEST"; "+07" where the zone has no abbreviation.
  std::string abbreviationAt(std::int64_t epochSeconds) const;
  // The local day (days since 1970-01-01) an instant falls on.
  std::int64_t localDay(std::int64_t epochSeconds) const;
  // The first instant of a local day (the end of a daylight-saving gap when
  // midnight does not exist that day).
  std::int64_t startOfDay(std::int64_t localDay) const;

 private:
  TimeZone(const void* zone, int offset, std::string name)
      : zone_(zone), offset_(offset), name_(std::move(name)) {}
  const void* zone_;  // a date::time_zone, which lives as long as the program
  int offset_;        // when zone_ is null
  std::string name_;
};

// YYYY-MM-DD of a day number, and back (nullopt when not a real date).
std::string civilDate(std::int64_t daysSinceEpoch);
std::optional<std::int64_t> dayNumber(const std::string& yyyyMmDd);

// "2026-11-30 11:15 WIB": an instant as a person at the site reads it.
// With `withSeconds`, "2026-11-30 11:15:02 WIB".
std::string localText(std::int64_t epochSeconds, const TimeZone& zone, bool withZone = true,
                      bool withSeconds = false);
// The same of an RFC 3339 timestamp; the input unchanged when it is not one.
std::string localText(const std::string& timestamp, const TimeZone& zone, bool withZone = true,
                      bool withSeconds = false);

// Seconds since the epoch of an RFC 3339 timestamp with a UTC offset
// ("2026-11-23T08:30:00+07:00"), and the offset in seconds.
struct Timestamp {
  std::int64_t epoch_seconds = 0;
  int utc_offset_seconds = 0;
};
std::optional<Timestamp> parseRfc3339(std::string_view text);

}  // namespace colo::inventory
