#include "core/sla.h"

#include <algorithm>
#include <optional>

#include "colo/inventory/ledger.h"

namespace colo::agent {

namespace inv = colo::inventory;

SlaCalendar::SlaCalendar(inv::TimeZone zone, std::set<std::string> holidays, int workingDays)
    : zone_(std::move(zone)), days_(workingDays) {
  // Read once: a working day is then a set lookup, not a date to format.
  for (const auto& h : holidays)
    if (auto day = inv::dayNumber(h)) holidays_.insert(*day);
}

bool SlaCalendar::workingDay(std::int64_t day) const {
  // 1970-01-01 was a Thursday: day 0 -> weekday 4 (Sunday = 0).
  auto weekday = ((day % 7) + 7 + 4) % 7;
  if (weekday == 0 || weekday == 6) return false;
  return !holidays_.count(day);
}

Sla SlaCalendar::evaluate(std::int64_t receivedAt, std::optional<std::int64_t> endedAt,
                          std::int64_t now) const {
  // Count working days after the day of receipt.
  std::int64_t day = zone_.localDay(receivedAt);
  for (int counted = 0; counted < days_;)
    if (workingDay(++day)) ++counted;
  Sla sla;
  sla.due_date = inv::civilDate(day);
  sla.deadline = zone_.startOfDay(day + 1) - 1;
  if (endedAt) {
    sla.met = *endedAt <= sla.deadline;
    if (!*sla.met) sla.late_seconds = *endedAt - sla.deadline;
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

namespace {
std::optional<std::int64_t> epochOf(const std::string& s) {
  if (s.empty()) return std::nullopt;
  auto t = inv::parseRfc3339(s);
  if (!t) return std::nullopt;
  return t->epoch_seconds;
}
}  // namespace

std::optional<Sla> slaOf(const inv::RequestRecord& r, const SlaCalendar& calendar,
                         std::int64_t now) {
  auto received = epochOf(r.received_at);
  if (!received) return std::nullopt;
  const std::string& answered = !r.completed_at.empty() ? r.completed_at
                                : inv::ended(r.status)  ? r.updated_at
                                                        : r.completed_at;
  return calendar.evaluate(*received, epochOf(answered), now);
}

}  // namespace colo::agent
