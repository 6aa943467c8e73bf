#include "core/roles.h"

namespace colo::agent {

const std::vector<std::string>& roleNames() {
  static const std::vector<std::string> names = {"requester", "technician", "admin"};
  return names;
}

std::string_view name(Role role) {
  return roleNames()[static_cast<std::size_t>(role) - 1];
}

std::optional<Role> parseRole(std::string_view text) {
  for (std::size_t i = 0; i < roleNames().size(); ++i)
    if (roleNames()[i] == text) return static_cast<Role>(i + 1);
  return std::nullopt;
}

}  // namespace colo::agent
