#include "core/auth_throttle.h"

#include <algorithm>
#include <cmath>

namespace colo::agent {

AuthThrottle::AuthThrottle(Limits limits) : limits_(limits) {}

AuthThrottle::Bucket& AuthThrottle::bucket(const std::string& address, Steady now) {
  auto it = buckets_.find(address);
  if (it == buckets_.end()) {
    if (buckets_.size() >= limits_.max_addresses) {
      // Forget the addresses whose buckets are whole again; if none are,
      // the one idle longest (its next failure starts from a full bucket).
      std::erase_if(buckets_, [&](const auto& kv) {
        double seconds = std::chrono::duration<double>(now - kv.second.at).count();
        return kv.second.left + seconds * limits_.per_second >= limits_.burst;
      });
      if (buckets_.size() >= limits_.max_addresses)
        buckets_.erase(std::min_element(buckets_.begin(), buckets_.end(), [](auto& a, auto& b) {
          return a.second.at < b.second.at;
        }));
    }
    it = buckets_.emplace(address, Bucket{limits_.burst, now, false}).first;
  }
  auto& b = it->second;
  double seconds = std::max(0.0, std::chrono::duration<double>(now - b.at).count());
  b.left = std::min(limits_.burst, b.left + seconds * limits_.per_second);
  b.at = now;
  if (b.left >= limits_.burst) b.dry = false;
  return b;
}

std::chrono::seconds AuthThrottle::wait(const std::string& address, Steady now) {
  std::lock_guard lock(m_);
  if (!buckets_.count(address)) return std::chrono::seconds(0);
  auto& b = bucket(address, now);
  if (b.left >= 1) return std::chrono::seconds(0);
  return std::chrono::seconds(static_cast<long>(std::ceil((1 - b.left) / limits_.per_second)));
}

bool AuthThrottle::failed(const std::string& address, Steady now) {
  std::lock_guard lock(m_);
  auto& b = bucket(address, now);
  b.left = std::max(0.0, b.left - 1);
  if (b.left >= 1 || b.dry) return false;
  b.dry = true;
  return true;
}

}  // namespace colo::agent
