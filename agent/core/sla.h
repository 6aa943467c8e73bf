// The service promise: completion within 3 working days of receipt, weekends
// and configured holidays skipped, in the site's timezone.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "colo/inventory/time.h"

namespace colo::inventory {
struct RequestRecord;
}

namespace colo::agent {

struct Sla {
  std::string due_date;           // YYYY-MM-DD, local to the site
  std::int64_t deadline = 0;      // end of that day, seconds since the epoch
  std::optional<bool> met;        // set once completed (or once overdue)
  bool overdue = false;           // not completed and past the deadline
  std::int64_t late_seconds = 0;  // past the deadline when completed, or now while overdue

  // "Late" is open and past the due date: what needs doing now. A request
  // that ended after its due date "missed" it; one that ended in time "met"
  // it.
  bool late() const { return overdue; }
  bool missed() const { return !overdue && late_seconds > 0; }
};

// "2d 3h", "5h 10m", "12m": how late, for people.
std::string lateText(std::int64_t seconds);

class SlaCalendar {
 public:
  // `zone`: the site's timezone (its daylight-saving rules decide where each
  // local day begins). `holidays`: YYYY-MM-DD dates.
  SlaCalendar(inventory::TimeZone zone, std::set<std::string> holidays, int workingDays = 3);

  // For a request received at `receivedAt` (epoch seconds), answered
  // (completed, failed, or otherwise ended) at `endedAt` if it has been,
  // judged at `now`. An ended request is never overdue.
  Sla evaluate(std::int64_t receivedAt, std::optional<std::int64_t> endedAt,
               std::int64_t now) const;

  bool workingDay(std::int64_t localDay) const;  // days since the epoch, local
  const inventory::TimeZone& zone() const { return zone_; }

 private:
  inventory::TimeZone zone_;
  std::set<std::int64_t> holidays_;  // local days since the epoch
  int days_;
};

// A request's SLA, when its received_at is readable. An ended request is
// judged by when the department got its answer: when it completed or
// failed (a release keeps that), or when it was last changed if it ended
// otherwise (reserved, then released).
std::optional<Sla> slaOf(const inventory::RequestRecord& r, const SlaCalendar& calendar,
                         std::int64_t now);

}  // namespace colo::agent
