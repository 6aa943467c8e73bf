// The service promise: completion within 3 working days of receipt, weekends
// and configured holidays skipped, in the site's timezone.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>

namespace colo::agent {

struct Sla {
  std::string due_date;          // YYYY-MM-DD, local to the site
  std::int64_t deadline = 0;     // end of that day, seconds since the epoch
  std::optional<bool> met;       // set once completed (or once overdue)
  bool overdue = false;          // not completed and past the deadline
  std::int64_t late_seconds = 0;  // past the deadline when completed, or now while overdue
};

// "2d 3h", "5h 10m", "12m": how late, for people.
std::string lateText(std::int64_t seconds);

class SlaCalendar {
 public:
  // `utcOffsetSeconds`: the site's offset from UTC (Asia/Pontianak: +7 h,
  // no daylight saving). `holidays`: YYYY-MM-DD dates.
  SlaCalendar(int utcOffsetSeconds, std::set<std::string> holidays, int workingDays = 3);

  // For a request received at `receivedAt` (epoch seconds), completed at
  // `completedAt` if it is, judged at `now`.
  Sla evaluate(std::int64_t receivedAt, std::optional<std::int64_t> completedAt, std::int64_t now) const;

  bool workingDay(std::int64_t localDay) const;  // days since the epoch, local
  int utcOffset() const { return offset_; }

 private:
  int offset_;
  std::set<std::int64_t> holidays_;  // local days since the epoch
  int days_;
};

// The UTC offset of an IANA timezone now (from the system's zoneinfo).
int utcOffsetOf(const std::string& timezone);
std::string civilDate(std::int64_t daysSinceEpoch);

}  // namespace colo::agent
