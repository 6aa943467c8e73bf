#include "colo/inventory/lifecycle.h"

namespace colo::inventory {

namespace {
constexpr Status kAll[] = {Status::queued,      Status::planning,  Status::reserved,
                           Status::configuring, Status::completed, Status::releasing,
                           Status::released,    Status::failed};
}  // namespace

std::string_view name(Status s) {
  switch (s) {
    case Status::queued:
      return "queued";
    case Status::planning:
      return "planning";
    case Status::reserved:
      return "reserved";
    case Status::configuring:
      return "configuring";
    case Status::completed:
      return "completed";
    case Status::releasing:
      return "releasing";
    case Status::released:
      return "released";
    case Status::failed:
      return "failed";
  }
  return "unknown";
}

std::optional<Status> parseStatus(std::string_view text) {
  for (auto s : kAll)
    if (name(s) == text) return s;
  return std::nullopt;
}

std::span<const Status> allStatuses() {
  return kAll;
}

}  // namespace colo::inventory
