// Failed authentications slowed per address: the bucket on its own, with
// time handed in.
#include <catch2/catch.hpp>

#include "core/auth_throttle.h"

using colo::agent::AuthThrottle;
using namespace std::chrono_literals;

TEST_CASE("a failed-authentication bucket: a burst, then one a second, reported once") {
  AuthThrottle t({3, 1, 100});
  AuthThrottle::Steady now{std::chrono::hours(1)};
  CHECK(t.wait("192.0.2.1", now) == 0s);
  CHECK_FALSE(t.failed("192.0.2.1", now));
  CHECK_FALSE(t.failed("192.0.2.1", now));
  CHECK(t.wait("192.0.2.1", now) == 0s);
  CHECK(t.failed("192.0.2.1", now));  // the third empties it: reported
  CHECK(t.wait("192.0.2.1", now) == 1s);
  CHECK(t.wait("198.51.100.2", now) == 0s);  // another address is not slowed
  // A second later, one more try; failing it is not reported again.
  CHECK(t.wait("192.0.2.1", now + 1s) == 0s);
  CHECK_FALSE(t.failed("192.0.2.1", now + 1s));
  CHECK(t.wait("192.0.2.1", now + 1s + 500ms) == 1s);
  // Refilled whole, a new burst is reported again.
  for (int i = 0; i < 2; ++i) CHECK_FALSE(t.failed("192.0.2.1", now + 10s));
  CHECK(t.failed("192.0.2.1", now + 10s));
}

TEST_CASE("a failed-authentication bucket remembers a bounded number of addresses") {
  // Refilling one failure in 1,000 s: a remembered address is still slowed
  // at the end, a forgotten one is not.
  AuthThrottle t({2, 0.001, 10});
  AuthThrottle::Steady now{std::chrono::hours(1)};
  for (int i = 0; i < 1000; ++i) {
    auto a = "2001:db8::" + std::to_string(i);  // documentation addresses, never contacted
    now += 1ms;
    t.failed(a, now);
    t.failed(a, now);
  }
  // The ten newest are remembered; the oldest were forgotten first.
  for (int i = 990; i < 1000; ++i) CHECK(t.wait("2001:db8::" + std::to_string(i), now) > 0s);
  CHECK(t.wait("2001:db8::0", now) == 0s);
  CHECK(t.wait("2001:db8::989", now) == 0s);
}
