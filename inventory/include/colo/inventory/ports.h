// Switch interface names and the ranges administrators write for them:
// "GigabitEthernet1/0/1-44", "Ethernet1-48", "ge-0/0/0-47", or a
// comma-separated list of such items.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace colo::inventory {

// True when `name` is a plausible interface name that is safe to put on a
// switch command line: letters, digits and / . : - only, 1 to 64 characters,
// starting with a letter.
bool isInterfaceName(std::string_view name);

// Expands a port range expression into interface names in the order written.
// On error returns nullopt and sets *why.
std::optional<std::vector<std::string>> expandPortRange(std::string_view expr, std::string* why);

}  // namespace colo::inventory
