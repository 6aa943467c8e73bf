// The agent's config while it runs (design.md §9, "Reload"): each piece of
// work takes a snapshot when it starts and keeps it to its end; a reload
// replaces the whole config at once, so nothing ever sees half of one.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/config.h"

namespace colo::agent {

class LiveConfig {
 public:
  explicit LiveConfig(Config initial);
  LiveConfig(const LiveConfig&) = delete;
  LiveConfig& operator=(const LiveConfig&) = delete;
  std::shared_ptr<const Config> get() const;
  void replace(Config next);

 private:
  mutable std::mutex m_;
  std::shared_ptr<const Config> current_;
};

// The config keys whose value differs between `running` and `next` but
// takes effect only when the agent starts again (the listen address, the
// ledger, the inventory, the worker count...), in the file's spelling; in
// `next` each is set back to the running value, so that the rest of `next`
// can apply alone.
std::vector<std::string> keepRestartOnly(const Config& running, Config& next);

// The keys that a reload changes, in the file's spelling (after
// keepRestartOnly: only those that apply).
std::vector<std::string> reloadedKeys(const Config& running, const Config& next);

}  // namespace colo::agent
