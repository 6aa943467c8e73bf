// Reading and validating the inventory (design.md §3).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "colo/inventory/diagnostics.h"
#include "colo/inventory/model.h"

namespace colo::inventory {

// 8 MiB: about 2,000 racks of 45 devices each, read in about 7 s.
inline constexpr std::uintmax_t kDefaultInventoryBytes = std::uintmax_t{8} << 20;

struct LoadOptions {
  // Vendors that have a dialect; empty means vendors are not checked.
  std::vector<std::string> vendors;
  // Credential sets named in the agent config; nullopt means not checked
  // (no config was given).
  std::optional<std::vector<std::string>> credentials;
  // The most YAML the inventory may hold, all files together (config
  // limits.inventory_bytes). yaml-cpp needs about 0.8 s and 65 MB of memory
  // per MB here, so a larger inventory is refused before it is read.
  std::uintmax_t max_bytes = kDefaultInventoryBytes;
  // How racks are chosen (config placement.policy), carried by the inventory.
  Placement placement = Placement::balance;
};

struct LoadResult {
  Inventory inventory;
  Diagnostics errors;  // in file order; empty when the inventory is valid
  bool ok() const { return errors.empty(); }
};

// Loads one YAML file, or every *.yaml / *.yml file of a directory (sorted by
// name) merged into one inventory, and checks it against itself.
LoadResult loadInventory(const std::string& path, const LoadOptions& options = {});

}  // namespace colo::inventory
