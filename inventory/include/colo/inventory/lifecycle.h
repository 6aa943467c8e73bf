// A request's life (design.md §7): its statuses and the transitions between
// them. This table is the one place to read it; the ledger enforces it twice
// (every status change is a compare-and-set on the expected status, and a
// trigger generated from this table refuses any other change, also one
// written behind colo's back).
//
//   queued ──> planning ──> configuring ──> completed ──> releasing ──> released
//                 │  │           │                           │   ▲
//                 │  └> reserved ┘ (colo reserve, then provision)  │
//                 │         └───────────────────────────────────────┘ (no switch work)
//                 └──────────────> failed <── configuring
//
// completed, failed and released end a request; each sends its callback.
// A job whose process died stays in its status and is continued by the
// process that adopts it (agent/jobs.h): no status means "interrupted".
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace colo::inventory {

enum class Status {
  queued,       // accepted, waiting for a worker
  planning,     // a worker or `colo provision` checks and plans it; holds nothing yet
  reserved,     // `colo reserve`: units, power, ports and addresses held, no switch work asked
  configuring,  // held, and the switches are being changed (captures stored first)
  completed,    // configured, verified and saved
  releasing,    // ports being returned to unused, then everything freed
  released,     // freed; the allocation stays for the record
  failed,       // ended without completing; the reason is in `error`
};

struct Transition {
  Status from, to;
  std::string_view when;  // what makes it happen
};

// Every allowed status change. Nothing else may change a status.
inline constexpr Transition kTransitions[] = {
    {Status::queued, Status::planning, "a worker (or colo provision) takes the job"},
    {Status::planning, Status::reserved,
     "colo reserve: claims committed, no switch work asked for"},
    {Status::planning, Status::configuring,
     "claims committed in the same transaction; switch work starts"},
    {Status::planning, Status::failed,
     "nothing fits, a value or credential is bad, or the planner stopped"},
    {Status::reserved, Status::configuring, "colo provision of a reserved request"},
    {Status::reserved, Status::released,
     "colo release of a reservation that never touched a switch"},
    {Status::configuring, Status::completed, "every switch configured, verified and saved"},
    {Status::configuring, Status::failed,
     "a switch fault, a foreign port, or an interrupt: ports restored"},
    {Status::completed, Status::releasing, "a release is asked for"},
    {Status::failed, Status::releasing,
     "release of a failed request that still holds ports it could not restore"},
    {Status::failed, Status::planning,
     "provisioned again after a failure: a new attempt, captured afresh"},
    {Status::releasing, Status::released, "ports unconfigured and saved; everything freed"},
    {Status::releasing, Status::completed,
     "the switches refused the release: ports restored, nothing freed"},
    {Status::releasing, Status::failed, "the same, for a failed request that still held ports"},
};

// Why a request ended as it did (design.md §7): a stable code for programs,
// in the status and in every callback, besides the text of `error`. Every
// ending has one; so does a release that failed (the request keeps its
// ending, and the release's reason is reported apart).
struct Reason {
  std::string_view code;
  std::string_view means;
};
inline constexpr Reason kReasons[] = {
    {"completed", "every port configured, verified and saved"},
    {"no_fit", "no rack, feed, port or address left where the request fits"},
    {"invalid_request", "a value of the request (or what it names) was refused"},
    {"credentials_missing", "a switch's credentials are not set or not readable where colo runs"},
    {"host_key_unknown", "a switch's SSH host key is not known, or changed"},
    {"switch_auth_failed", "a switch refused colo's credentials"},
    {"switch_unreachable", "a switch did not take the connection"},
    {"switch_timeout", "a switch stopped answering, or dropped the session"},
    {"switch_refused", "a switch refused a command"},
    {"verify_failed", "a port did not read back as configured"},
    {"foreign_port", "a port holds what colo did not put there, or changed under it"},
    {"interrupted", "the operator interrupted colo; touched ports were restored"},
    {"internal_error", "anything else; the text says what"},
    {"released_by_operator", "released when someone asked"},
    {"switches_forgotten", "released without touching the switches (ports to clean by hand)"},
    {"unclassified", "ended before this ledger recorded reasons"},
};
constexpr bool isReason(std::string_view code) {
  for (const auto& r : kReasons)
    if (r.code == code) return true;
  return false;
}

// Statuses a new request may be stored with.
inline constexpr Status kInitialStatuses[] = {Status::queued, Status::planning};

constexpr bool allowed(Status from, Status to) {
  for (const auto& t : kTransitions)
    if (t.from == from && t.to == to) return true;
  return false;
}

// The request has ended; nothing works on it unless an operator asks again.
constexpr bool ended(Status s) {
  return s == Status::completed || s == Status::failed || s == Status::released;
}

// A job is working on it: it has an owner, and a crash leaves it to recovery.
constexpr bool inProgress(Status s) {
  return s == Status::planning || s == Status::configuring || s == Status::releasing;
}

std::string_view name(Status s);
std::optional<Status> parseStatus(std::string_view text);
std::span<const Status> allStatuses();

}  // namespace colo::inventory
