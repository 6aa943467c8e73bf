// Dates for tests that run the real binary on whatever day the suite runs:
// each is computed from one "now" (the machine's clock, read once by the
// test process), never a fixed day that later passes. Under libfaketime
// the test and every colo it starts share the shifted clock, so they agree.
//
// The expectations are computed here independently of colo's own code: the
// due date skips Saturdays and Sundays (the test sites configure no
// holidays), in the sample site's zone (Asia/Pontianak, UTC+7 all year).
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

namespace colo::test {

namespace dates {

constexpr std::chrono::hours kWib{7};

inline std::chrono::sys_seconds now() {
  static const auto at = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  return at;
}

// The site's local day `daysAgo` days before now.
inline std::chrono::year_month_day localDay(int daysAgo) {
  auto local = std::chrono::floor<std::chrono::days>(now() + kWib);
  return std::chrono::year_month_day{local - std::chrono::days(daysAgo)};
}

inline std::string iso(std::chrono::year_month_day d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return buf;
}

}  // namespace dates

// received_at of a request received `daysAgo` days ago at 08:30 site time.
inline std::string receivedDaysAgo(int daysAgo) {
  return dates::iso(dates::localDay(daysAgo)) + "T08:30:00+07:00";
}

// YYYY-MM-DD, three working days after the day of `received` (YYYY-MM-DD...).
inline std::string dueDate(const std::string& received) {
  using namespace std::chrono;
  int y = std::stoi(received.substr(0, 4));
  unsigned m = static_cast<unsigned>(std::stoi(received.substr(5, 2)));
  unsigned d = static_cast<unsigned>(std::stoi(received.substr(8, 2)));
  sys_days day{year{y} / month{m} / std::chrono::day{d}};
  for (int counted = 0; counted < 3;) {
    day += days(1);
    auto wd = weekday{day};
    if (wd != Saturday && wd != Sunday) ++counted;
  }
  return dates::iso(year_month_day{day});
}

// "23 November 2026", as the confirmation letter writes a YYYY-MM-DD date.
inline std::string tanggal(const std::string& isoDate) {
  static const char* months[] = {"Januari",   "Februari", "Maret",    "April",
                                 "Mei",       "Juni",     "Juli",     "Agustus",
                                 "September", "Oktober",  "November", "Desember"};
  int month = std::stoi(isoDate.substr(5, 2));
  return std::to_string(std::stoi(isoDate.substr(8, 2))) + " " + months[month - 1] + " " +
         isoDate.substr(0, 4);
}

}  // namespace colo::test
