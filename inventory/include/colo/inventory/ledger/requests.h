// A ledger's requests and their lifecycle: each request as received, its
// status (changed only by a compare-and-set along inventory/lifecycle.h's
// table), and its append-only step log.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "colo/inventory/holding.h"
#include "colo/inventory/lifecycle.h"
#include "colo/inventory/plan.h"
#include "colo/inventory/request.h"

namespace colo::inventory {

namespace ledger {
class Connection;
}

struct RequestRecord {
  std::string id;
  std::string fingerprint;
  std::string body;  // canonical JSON as received
  std::string tenant_code;
  std::string letter_number;
  Status status = Status::queued;
  std::string received_at;
  std::string created_at;
  std::string updated_at;
  std::string error;
  std::optional<Plan> allocation;      // kept after release, for the record
  std::string submitted_by;            // token name ("" from the CLI)
  std::string completed_at;            // when it became completed or failed
  int attempt = 0;                     // provisioning or release attempts so far
  std::string owner;                   // the process working on it ("" when none)
  std::optional<Status> release_from;  // while releasing: the status to fall back to
  std::string reason;                  // why it ended (lifecycle.h, kReasons); "" while it has not
  std::string release_reason;          // why its last release failed ("" when none failed since)
  std::string release_error;           // that failure, for people
};

// What a status change records: who, why, and who works on it next.
struct StepNote {
  StepNote() = default;
  StepNote(std::string actor_, std::string detail_, std::string error_, std::string owner_,
           std::string reason_ = {})
      : actor(std::move(actor_)),
        detail(std::move(detail_)),
        error(std::move(error_)),
        owner(std::move(owner_)),
        reason(std::move(reason_)) {}
  std::string actor;   // "cli:alice", "agent:worker-1"
  std::string detail;  // for the step log
  std::string error;   // what went wrong, for people: a failure, or a failed release
  std::string owner;   // the job's owner in the new status (only while in progress)
  std::string reason;  // why it ended, or why its release failed (lifecycle.h, kReasons)
};

struct LedgerEvent {
  std::int64_t seq = 0;
  std::string at;
  std::string actor;
  std::string request_id;
  std::string kind;
  std::string detail;
};

// Which requests a listing wants, and where it goes on from.
struct RequestQuery {
  std::vector<Status> statuses;             // any of these; empty for any
  std::vector<std::string> tenant_codes;    // any of these, compared case-insensitively; empty: any
  std::optional<std::string> submitted_by;  // a requester: its own only
  std::string updated_after;                // UTC as the ledger writes it; "" for any
  // Keyset: only requests after this one in the order they came into the
  // ledger (created_at, then id); empty for the first page.
  std::string after_created_at, after_id;
  // The newest first instead; and a page of them: `limit` (0: all) after
  // skipping `offset`.
  bool newest_first = false;
  std::int64_t offset = 0, limit = 0;
};

class RequestBook {
 public:
  explicit RequestBook(ledger::Connection& c) : c_(c) {}

  std::optional<RequestRecord> find(std::string_view id);
  std::vector<RequestRecord> all(std::optional<Status> status = std::nullopt);
  // The matching requests in the order they came into the ledger, from the
  // query's keyset position on, until `visit` returns false: summaries,
  // without `fingerprint`, `body` and `allocation` (left empty), read from
  // the requests_summary index alone.
  void scan(const RequestQuery& query, const std::function<bool(RequestRecord&)>& visit);
  // How many match (the keyset position and the page ignored).
  std::int64_t count(const RequestQuery& query);
  // The tenant codes among the matching requests, each once, in order.
  std::vector<std::string> tenants(const RequestQuery& query);
  // The other requests of `tenant_code` that cite the department letter
  // `letter_number` (a letter is one request: a second use is a mistake, or
  // a resubmission under a new id), oldest first, at most 10.
  std::vector<std::string> citingLetter(std::string_view tenant_code,
                                        std::string_view letter_number, std::string_view except_id);
  std::vector<LedgerEvent> events(std::string_view request_id);
  // Every reservation any request made, from when its claims were
  // committed (reserved or configuring) until they were freed (released,
  // or failed), with
  // the request's stored allocation, in the order they were made: the
  // history the capacity forecast reads (forecast.h). A request tried
  // again holds once per attempt.
  std::vector<Holding> holdings();

  // The following run inside Ledger::write. Only the jobs' StatusWriter
  // writes a status in colo (tests/architecture checks it); tests of the
  // ledger's own promises call them too.
  //
  // A new request in status `initial` (queued or planning), owned by
  // `note.owner`, with its first event (note.actor, note.detail): every
  // change to a request appends an event, which the metrics feed relies on.
  void insert(const Request& request, Status initial, const StepNote& note,
              std::string_view submittedBy = {});
  // The one way a status changes: a compare-and-set from `from` to `to`
  // (which kTransitions must allow), with its step-log entry. Throws
  // Error(moved) when the request is no longer `from`: someone else moved it,
  // and nothing is overwritten.
  void transition(std::string_view request_id, Status from, Status to, const StepNote& note);
  void appendEvent(std::string_view actor, std::string_view request_id, std::string_view kind,
                   std::string_view detail);

 private:
  ledger::Connection& c_;
};

}  // namespace colo::inventory
