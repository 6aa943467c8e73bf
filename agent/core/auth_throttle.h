// Failed authentications slowed per client address (docs/design.md §9,
// "Guessing"): each address has a bucket of `burst` failures that refills
// at `per_second`. An address whose bucket is empty gets 429 with
// Retry-After, before its credentials are even looked at, until a failure's
// worth has refilled. A burst is reported once: when the bucket first runs
// dry, not at every refusal after.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>

namespace colo::agent {

class AuthThrottle {
 public:
  using Steady = std::chrono::steady_clock::time_point;
  struct Limits {
    double burst = 10;                  // failures in a row before the first 429
    double per_second = 1;              // then one more guess a second
    std::size_t max_addresses = 10000;  // addresses remembered at once
  };
  explicit AuthThrottle(Limits limits);

  // How long `address` must wait before its credentials are looked at
  // again; zero: now.
  std::chrono::seconds wait(const std::string& address, Steady now);
  // Counts a failed authentication; true when this one emptied the
  // address's bucket (the start of a burst: say so once).
  bool failed(const std::string& address, Steady now);

 private:
  struct Bucket {
    double left = 0;
    Steady at;
    bool dry = false;  // ran dry, and has not refilled whole since
  };
  Bucket& bucket(const std::string& address, Steady now);

  Limits limits_;
  std::mutex m_;
  std::map<std::string, Bucket> buckets_;
};

}  // namespace colo::agent
