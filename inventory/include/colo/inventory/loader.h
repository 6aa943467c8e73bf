// Reading and validating the inventory (SPEC §2).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "colo/inventory/diagnostics.h"
#include "colo/inventory/model.h"

namespace colo::inventory {

struct LoadOptions {
  // Vendors that have a dialect; empty means vendors are not checked.
  std::vector<std::string> vendors;
  // Credential sets named in the agent config; nullopt means not checked
  // (no config was given).
  std::optional<std::vector<std::string>> credentials;
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
