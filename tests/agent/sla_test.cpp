#include <catch2/catch.hpp>

#include "core/sla.h"

using namespace colo::agent;
using colo::inventory::TimeZone;

namespace {
const TimeZone kPontianak = TimeZone::named("Asia/Pontianak");
// 2026-11-23T08:30:00+07:00, a Monday.
constexpr std::int64_t kMonday0830 = 1795397400;
constexpr std::int64_t kHour = 3600, kDay = 86400;
}  // namespace

TEST_CASE("due three working days after receipt, end of day, site time", "[dates]") {
  SlaCalendar cal(kPontianak, {});
  auto sla = cal.evaluate(kMonday0830, std::nullopt, kMonday0830);
  CHECK(sla.due_date == "2026-11-26");  // Thursday
  CHECK(sla.deadline == 1795712399);    // 2026-11-26T23:59:59+07:00 = 16:59:59Z
  CHECK_FALSE(sla.met.has_value());
  CHECK_FALSE(sla.overdue);
  CHECK(cal.evaluate(kMonday0830, kMonday0830 + 3 * kDay, 0).met == true);
  CHECK(cal.evaluate(kMonday0830, sla.deadline + 1, 0).met == false);
  auto late = cal.evaluate(kMonday0830, std::nullopt, sla.deadline + 1);
  CHECK(late.overdue);
  CHECK(late.met == false);
  // How late: completed late, or still open past the deadline.
  CHECK(cal.evaluate(kMonday0830, kMonday0830, 0).late_seconds == 0);
  CHECK(cal.evaluate(kMonday0830, sla.deadline + 2 * kHour, 0).late_seconds == 2 * kHour);
  CHECK(cal.evaluate(kMonday0830, std::nullopt, sla.deadline + kDay + kHour).late_seconds ==
        kDay + kHour);
  CHECK(lateText(0) == "-");
  CHECK(lateText(59) == "1m");
  CHECK(lateText(2 * kHour + 10 * 60) == "2h 10m");
  CHECK(lateText(3 * kDay + 4 * kHour + 59) == "3d 4h");
}

TEST_CASE("weekends and holidays do not count", "[dates]") {
  SlaCalendar cal(kPontianak, {"2026-12-25"});
  // Thursday 2026-11-26 -> Fri, Mon, Tue: due 2026-12-01.
  CHECK(cal.evaluate(kMonday0830 + 3 * kDay, std::nullopt, 0).due_date == "2026-12-01");
  // Received on Saturday 2026-11-28: Mon, Tue, Wed.
  CHECK(cal.evaluate(kMonday0830 + 5 * kDay, std::nullopt, 0).due_date == "2026-12-02");
  // Wednesday 2026-12-23 -> Thu 24, (Fri 25 holiday), Mon 28, Tue 29.
  std::int64_t dec23 = kMonday0830 + 30 * kDay;
  CHECK(cal.evaluate(dec23, std::nullopt, 0).due_date == "2026-12-29");
}

TEST_CASE("the receipt day is taken in the site's timezone", "[dates]") {
  SlaCalendar cal(kPontianak, {});
  // 2026-11-22T20:00:00Z is Monday 03:00 in Pontianak: counts from Monday.
  std::int64_t sundayUtcMondayLocal = kMonday0830 - 5 * kHour - 30 * 60;
  CHECK(cal.evaluate(sundayUtcMondayLocal, std::nullopt, 0).due_date == "2026-11-26");
  CHECK(kPontianak.offsetAt(kMonday0830) == 7 * kHour);
  CHECK(kPontianak.abbreviationAt(kMonday0830) == "WIB");
  CHECK(TimeZone::named("UTC").offsetAt(kMonday0830) == 0);
  CHECK_FALSE(TimeZone::find("Asia/Nowhere"));
  CHECK_FALSE(TimeZone::find("../../etc/passwd"));
  CHECK_FALSE(TimeZone::find("zone.tab"));  // a file beside the zones, not one
  CHECK_THROWS_WITH(TimeZone::named("Asia/Pontianac"),
                    Catch::Contains("unknown timezone 'Asia/Pontianac'"));
}

TEST_CASE("where daylight saving exists, each day is judged with that day's offset", "[dates]") {
  const TimeZone amsterdam = TimeZone::named("Europe/Amsterdam");
  SlaCalendar cal(amsterdam, {});
  // Received Monday 2026-06-01 10:00 CEST (+02:00): due Thursday, the end
  // of that day in summer time, whatever the offset is today.
  auto summer = cal.evaluate(1780300800, std::nullopt, 0);
  CHECK(summer.due_date == "2026-06-04");
  CHECK(summer.deadline == 1780610399);  // 2026-06-04T21:59:59Z = 23:59:59 CEST
  // Received Friday 2026-10-23 10:00 CEST; the clocks go back on Sunday 25:
  // due Wednesday 28 at the end of the day in winter time (+01:00).
  auto autumn = cal.evaluate(1792742400, std::nullopt, 0);
  CHECK(autumn.due_date == "2026-10-28");
  CHECK(autumn.deadline == 1793228399);  // 2026-10-28T22:59:59Z = 23:59:59 CET
  CHECK(amsterdam.abbreviationAt(1780300800) == "CEST");
  CHECK(amsterdam.abbreviationAt(1793228399) == "CET");
  // Saturday 2026-10-24 22:30Z is already Sunday 00:30 CEST locally; the
  // night of the change has 25 hours.
  CHECK(amsterdam.localDay(1792881000) == *colo::inventory::dayNumber("2026-10-25"));
  auto day25 = *colo::inventory::dayNumber("2026-10-25");
  CHECK(amsterdam.startOfDay(day25 + 1) - amsterdam.startOfDay(day25) == 25 * kHour);
  // Where the clocks jump at midnight (Chile, first Sunday of September),
  // the day begins when they jump: 01:00 -03, not a midnight that never was.
  const TimeZone santiago = TimeZone::named("America/Santiago");
  CHECK(santiago.startOfDay(*colo::inventory::dayNumber("2026-09-06")) == 1788667200);
  CHECK(colo::inventory::localText(1788667200, santiago) == "2026-09-06 01:00 UTC-03");
}

TEST_CASE("an ended request is judged by when it ended and is never overdue", "[dates]") {
  SlaCalendar cal(kPontianak, {});
  auto due = cal.evaluate(kMonday0830, std::nullopt, kMonday0830).deadline;
  // Completed (or failed) on time, then released long after: met, not late.
  auto onTime = cal.evaluate(kMonday0830, kMonday0830 + kDay, due + 30 * kDay);
  CHECK(onTime.met == true);
  CHECK_FALSE(onTime.overdue);
  CHECK(onTime.late_seconds == 0);
  // Ended late: missed by exactly that much, however long ago.
  auto late = cal.evaluate(kMonday0830, due + kHour, due + 30 * kDay);
  CHECK(late.met == false);
  CHECK_FALSE(late.overdue);
  CHECK(late.late_seconds == kHour);
}

#include "core/url.h"

TEST_CASE("callback URLs match an allowed origin exactly and a path on segment boundaries",
          "[dates]") {
  using colo::agent::callbackUrlAllowed;
  using colo::agent::HttpUrl;
  using colo::agent::parseAllowedUrl;
  std::string why;
  std::vector<HttpUrl> allowed;
  for (const char* entry : {"http://127.0.0.1:9000", "https://receiver.example/colo/"}) {
    auto a = parseAllowedUrl(entry, why);
    REQUIRE(a);
    allowed.push_back(*a);
  }
  auto ok = [&](const std::string& url) { return callbackUrlAllowed(url, allowed, why); };
  CHECK(ok("http://127.0.0.1:9000/"));
  CHECK(ok("http://127.0.0.1:9000/anything/below"));
  CHECK(ok("https://receiver.example/colo/cb"));
  CHECK(ok("https://receiver.example:443/colo/cb"));  // the default port, written out
  CHECK(ok("HTTPS://RECEIVER.example/colo"));
  CHECK_FALSE(ok("http://127.0.0.1:90001234/x"));  // a prefix of the entry, not its port
  CHECK_FALSE(ok("http://127.0.0.1:9001/"));
  CHECK_FALSE(ok("http://127.0.0.1/"));
  CHECK_FALSE(ok("https://127.0.0.1:9000/"));             // another scheme
  CHECK_FALSE(ok("https://receiver.example/colony/cb"));  // not on a segment boundary
  CHECK_FALSE(ok("https://receiver.example/colo/../x"));  // no dot segments
  CHECK_FALSE(ok("https://user:pw@receiver.example/colo/cb"));
  CHECK_FALSE(ok("https://receiver.example/colo/cb#frag"));
  CHECK_FALSE(ok("https://receiver.example.evil/colo/cb"));
  CHECK_FALSE(ok("file:///etc/passwd"));
  CHECK_FALSE(ok("not a url"));
  // Boost.URL 1.81 asserts on these (found by tests/fuzz/config_fuzz); they
  // are refused before it sees them.
  for (const char* rootless : {"a: ", "http: ", "a:?"}) {
    INFO(rootless);
    CHECK_FALSE(ok(rootless));
    CHECK(why == "must start with http:// or https://");
    CHECK_FALSE(parseAllowedUrl(rootless, why));
  }
  for (const char* bad :
       {"ftp://x/", "http://u@x/", "http://x/#f", "http://x/?q=1", "http://x:0/", "/relative"}) {
    INFO(bad);
    CHECK_FALSE(parseAllowedUrl(bad, why));
  }
}

#include "core/views.h"

TEST_CASE("large counts read as powers of two", "[dates]") {
  using colo::agent::countText;
  using colo::inventory::u128;
  CHECK(countText(254) == "254");
  CHECK(countText((u128{1} << 40) - 1) == "1099511627775");
  CHECK(countText(u128{1} << 64) == "2^64");
  CHECK(countText((u128{1} << 64) - 1) == "2^64 - 1");
  CHECK(countText((u128{1} << 64) + 5) == "2^64 + 5");
  CHECK(countText(((u128{1} << 64) - 1) >> 1) == "2^63 - 1");
  CHECK(countText(u128{3} << 62) == "~2^63.5");  // 1.5 x 2^63: log2(1.5) = 0.58
  CHECK(countText(~u128{0}) == "2^128 - 1");
}

#include "ui/letter.h"

TEST_CASE(
    "letter dates are written the Indonesian way, in site time, and numbers follow the pattern") {
  using namespace colo::agent;
  using colo::inventory::TimeZone;
  CHECK(tanggal("2026-11-29") == "29 November 2026");
  CHECK(tanggal("2027-01-05") == "5 Januari 2027");
  CHECK(tanggal("2026-08-17T10:00:00+07:00") == "17 Agustus 2026");
  CHECK(tanggal("not a date") == "not a date");
  // 2026-12-31T20:00Z is already 1 January in Pontianak (+7).
  CHECK(localDate("2026-12-31T20:00:00.000Z", TimeZone::named("Asia/Pontianak")) == "2027-01-01");
  CHECK(localDate("2026-12-31T20:00:00+00:00", TimeZone::named("UTC")) == "2026-12-31");
  CHECK(letterNumber("{seq}/COLO/DISKOMINFO/{year}", 7, 2026) == "7/COLO/DISKOMINFO/2026");
  CHECK(letterNumber("555/{seq}/{seq}-{year}", 12, 2027) == "555/12/12-2027");
}
