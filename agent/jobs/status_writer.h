// The one writer of a request's status (docs/design.md, "A request's
// life"). The statuses and the table of allowed transitions are
// inventory/lifecycle.h, where the ledger enforces them; this is where colo
// makes a change, with everything that goes with it in the same ledger
// transaction: the compare-and-set, its step-log entry, and for a status
// that ends the request, its callback in the outbox. No other code writes
// a status (tests/architecture checks it), so no caller can forget a
// callback, and the rules about which change may happen when (may this be
// released?) live here once.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "colo/inventory/ledger.h"
#include "colo/inventory/lifecycle.h"
#include "colo/inventory/occupancy_cache.h"
#include "colo/inventory/plan.h"
#include "colo/inventory/request.h"
#include "core/sla.h"

namespace colo::agent {

// A reservation made by `colo reserve`.
struct Reservation {
  inventory::Plan plan;
  bool existing = false;  // the request id was reserved before, with this body
};

// What asking for a release did.
struct ReleaseAsked {
  enum class Outcome {
    released,           // it held nothing on a switch (reserved): freed at once
    releasing,          // now releasing: its ports are returned, then everything freed
    already_releasing,  // a release was asked for before; `owner` works on it ("" for nobody yet)
    already_released,
    not_ended,     // it is still queued or being worked on: released once it has ended
    nothing_held,  // failed, holding nothing: it stays failed, the failure in sight
    not_found,
  };
  Outcome outcome;
  inventory::Status status = inventory::Status::queued;  // the status it was found in
  std::string owner;
  // For people: why nothing was done ("" when something was).
  std::string refusal(const std::string& id) const;
};

// What asking for a retry did.
struct RetryAsked {
  enum class Outcome {
    retrying,    // failed -> planning: a new attempt, for `owner` (or the next worker)
    not_failed,  // only a failed request is retried; nothing was changed
    holds,       // failed, but it still holds ports it could not restore
    not_found,
  };
  Outcome outcome = Outcome::not_found;
  inventory::Status status = inventory::Status::queued;  // the status it was found in
  int attempt = 0;                                       // the new attempt's number
  // For people: why nothing was done ("" when something was).
  std::string refusal(const std::string& id) const;
};

// What asking to release without touching the switches did (`colo release
// --forget-switches`: a switch gone for good).
struct ForgetAsked {
  enum class Outcome {
    released,          // freed; `ports` stay held until they are cleaned by hand
    already_released,  // nothing was changed
    not_ended,         // queued, planning or configuring: nothing was changed
    release_running,   // a live process (`owner`) is releasing it: nothing was changed
    nothing_held,      // failed, holding nothing: it stays failed
    not_found,
  };
  Outcome outcome = Outcome::not_found;
  inventory::Status status = inventory::Status::queued;  // the status it was found in
  std::string owner;
  std::vector<inventory::Claims::Port> ports;  // to clean by hand, still held
  // For people: why nothing was done ("" when something was).
  std::string refusal(const std::string& id) const;
};

// Why an operator's reason for the step log is refused (empty, longer than
// 300 bytes, not UTF-8, a control or bidi character), "" when it is fine.
std::string reasonProblem(const std::string& reason);

// "tor-r01 Gi1/0/5 (VLAN 120), tor-r01 Gi1/0/6 (VLAN 120)".
std::string portList(const std::vector<inventory::Claims::Port>& ports);

class StatusWriter {
 public:
  // `publicUrl`: how receivers reach the agent, for the letter's URL in a
  // completion callback (Config::public_url).
  StatusWriter(inventory::Ledger& ledger, const SlaCalendar& sla, std::string publicUrl)
      : ledger_(ledger), sla_(sla), publicUrl_(std::move(publicUrl)) {}

  inventory::Ledger& ledger() { return ledger_; }

  // A new request in status `initial` (queued, or planning when the caller
  // works on it at once), owned by `note.owner`. Inside a Ledger::write.
  void accept(const inventory::Request& request, inventory::Status initial,
              const inventory::StepNote& note, std::string_view submittedBy = {});

  // Moves `id` from `from` to `to` (Error(moved) when it is no longer
  // `from`). Inside or outside a Ledger::write.
  void move(const std::string& id, inventory::Status from, inventory::Status to,
            const inventory::StepNote& note);

  // The oldest queued request (moved to planning) or a release nobody works
  // on, taken for `owner`; nullopt when there is none.
  std::optional<inventory::Job> takeJob(const std::string& owner, const std::string& actor);

  // `colo reserve`: plans and claims `request` and leaves it reserved (no
  // switch work), in one transaction. The same request id with the same
  // body again returns the existing allocation; another body is
  // Error(conflict); a failed request that holds nothing is planned afresh.
  Reservation reserve(const inventory::Request& request, const std::string& actor,
                      inventory::OccupancyCache& occupancy);

  // The release rule: a request may be released once it has ended
  // (completed or failed), or while it is only reserved. A reservation is
  // freed at once; an ended request moves to releasing, for whoever
  // returns its ports (`note.owner`, or the next worker when empty).
  ReleaseAsked askRelease(const std::string& id, const inventory::StepNote& note);
  // What askRelease would do with a request in `status` that `holds`
  // something or nothing, changing nothing (the console asks before it
  // offers a release).
  static ReleaseAsked::Outcome releaseWould(inventory::Status status, bool holds);

  // A new attempt of a failed request from its stored body: failed ->
  // planning, for `note.owner` (the next worker when empty), the attempt's
  // number in the step log. Anything else is refused untouched.
  RetryAsked askRetry(const std::string& id, const inventory::StepNote& note);

  // Releases `id` without touching any switch (design.md §7, "Forgetting
  // the switches"): a completed request, a failed one that still holds
  // ports, or a release nobody alive works on, goes to released; its units,
  // power and addresses are freed; its ports stay held, to be cleaned by
  // hand. `note.detail` is the operator's reason, for the step log;
  // `note.owner` the caller's owner id when its writes are fenced (a CLI).
  ForgetAsked forgetSwitches(const std::string& id, const inventory::StepNote& note,
                             const std::function<bool(const std::string&)>& ownerAlive);

  // Frees everything `id` holds and moves it from `from` (releasing, once
  // its ports are unconfigured) to released.
  void freeAndRelease(const std::string& id, inventory::Status from, const std::string& actor);

  // Once per ledger, at an agent's first start on it: queues the callback
  // of each ended request's ending (idempotent by delivery id), for a
  // ledger a colo wrote that queued endings apart from them. Since then each
  // ending queues its own in its transaction. How many ended requests it
  // read (0 once they were checked).
  std::size_t queueEndingCallbacks();

 private:
  // Queues the callback of the status `id` ended in, if it asks for one.
  void announce(const std::string& id);
  void announce(const inventory::RequestRecord& request);
  // Queues request.release_failed for `id`, back from a failed release.
  void announceReleaseFailed(const std::string& id);

  inventory::Ledger& ledger_;
  const SlaCalendar& sla_;
  std::string publicUrl_;
};

}  // namespace colo::agent
