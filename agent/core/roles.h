// Who may do what: the roles of API tokens (and of console logins made with
// them). Each role may do everything the one below it may.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace colo::agent {

enum class Role {
  requester = 1,   // submits requests and reads its own
  technician = 2,  // also reads every tenant's, releases, asks for a callback again
  admin = 3,       // everything
};

std::string_view name(Role role);
std::optional<Role> parseRole(std::string_view text);
// "requester", "technician", "admin", lowest first.
const std::vector<std::string>& roleNames();

constexpr bool atLeast(Role role, Role least) {
  return static_cast<int>(role) >= static_cast<int>(least);
}
// Every tenant's requests, not only its own.
constexpr bool seesEveryRequest(Role role) {
  return atLeast(role, Role::technician);
}
constexpr bool mayRelease(Role role) {
  return atLeast(role, Role::technician);
}

}  // namespace colo::agent
