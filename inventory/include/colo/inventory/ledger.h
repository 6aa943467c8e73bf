// The reservation ledger: requests, what each one holds, and an append-only
// event log. Either one SQLite file (the default: a path) or a PostgreSQL 15
// database shared by several agents (a postgresql:// URI, SPEC §12).
//
// Unique keys on (rack, unit), (switch, port) and address make it impossible
// to hand anything out twice, whatever the code above does and however many
// processes write at once. On SQLite writers take turns (BEGIN IMMEDIATE); on
// PostgreSQL they run at once, and a claim locks the racks, switches and
// pools it touches, in one global order.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "colo/inventory/lifecycle.h"
#include "colo/inventory/plan.h"
#include "colo/inventory/request.h"
#include "colo/inventory/time.h"

namespace colo::inventory {

// Everything currently held by requests, as stored.
struct Claims {
  struct Unit {
    std::string rack;
    int unit;
    std::string request_id, hostname, tenant;
  };
  struct Power {
    std::string rack, feed;
    int watts;
    std::string request_id, hostname;
  };
  struct Address {
    std::string pool;
    IpAddress address;
    std::string request_id, hostname;
  };
  struct Port {
    std::string switch_name, port;
    int vlan;
    std::string request_id, hostname;
  };
  std::vector<Unit> units;
  std::vector<Power> power;
  std::vector<Address> addresses;
  std::vector<Port> ports;
};

struct LetterRecord {
  std::string request_id;
  int year = 0;
  int seq = 0;
  std::string number;     // as rendered when issued
  std::string issued_at;  // UTC, when first issued
};

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
  std::optional<Plan> allocation;  // kept after release, for the record
  std::string submitted_by;        // token name ("" from the CLI)
  std::string completed_at;        // when it became completed or failed
  int attempt = 0;                 // provisioning or release attempts so far
  std::string owner;               // the process working on it ("" when none)
  std::optional<Status> release_from;  // while releasing: the status to fall back to
};

// What a status change records: who, why, and who works on it next.
struct StepNote {
  std::string actor;   // "cli:alice", "agent:worker-1"
  std::string detail;  // for the step log
  std::string error;   // the reason, when the request fails
  std::string owner;   // the job's owner in the new status (only while in progress)
};

// A job a process took or adopted, with the status it was in.
struct Job {
  std::string id;
  Status status;
  std::string previous_owner;  // adopted from a process that is gone
};

struct LedgerEvent {
  std::int64_t seq = 0;
  std::string at;
  std::string actor;
  std::string request_id;
  std::string kind;
  std::string detail;
};

// A completion callback waiting in the outbox.
struct OutboxEntry {
  std::string delivery_id;
  std::string request_id;
  std::string url;
  std::string body;
  std::string event;  // completed, failed, released
  int attempts = 0;
  std::int64_t next_attempt_at = 0;  // epoch milliseconds
};

// What became of one callback delivery, for people.
struct CallbackDelivery {
  std::string delivery_id;
  std::string url;
  std::string event;
  int attempts = 0;
  std::int64_t next_attempt_at = 0;  // epoch milliseconds, while pending
  std::string delivered_at;          // UTC, once delivered
  std::string last_error;
  bool given_up = false;
  int last_status = 0;          // the receiver's last HTTP status (0: none)
  std::string last_attempt_at;  // UTC, once tried
};

// Counters the ledger keeps as it changes (schema 6).
struct Tallies {
  std::map<std::string, std::int64_t> requests;  // by status name
  std::map<std::string, std::int64_t> units;     // units held by requests, by rack
  std::map<std::pair<std::string, std::string>, std::int64_t> watts;  // by (rack, feed)
  std::map<std::string, std::int64_t> addresses;                      // held, by pool
  std::map<std::string, std::int64_t> callbacks;  // delivered, backlog, given_up, failed_attempts
};

// A process that owns jobs, alive until `until` unless it renews (SPEC §12).
struct Lease {
  std::string owner;     // the id its jobs name
  std::string agent_id;  // the agent's configured name, or "cli"
  std::string host;
  std::int64_t pid = 0;
  std::string started_at;  // UTC
  std::int64_t until = 0;  // epoch milliseconds, by the renewer's clock
};

// Which requests a listing wants, and where it goes on from.
struct RequestQuery {
  std::optional<Status> status;
  std::string tenant_code;                  // "" for any
  std::optional<std::string> submitted_by;  // a requester: its own only
  std::string updated_after;                // UTC as the ledger writes it; "" for any
  // Keyset: only requests after this one in the order they came into the
  // ledger (created_at, then id); empty for the first page.
  std::string after_created_at, after_id;
};

// Whether a ledger location names a PostgreSQL database (a postgresql:// or
// postgres:// URI) rather than a SQLite file.
bool isPostgresUri(std::string_view location);

class Ledger {
 public:
  static constexpr int kSchemaVersion = 7;  // ledger::kSchemaVersion

  enum class Open {
    create,      // `colo init` (and the agent): create the file when missing
    must_exist,  // everything else: a missing file is an error, nothing is created
  };

  // Opens the ledger at `state` (a file path, or a postgresql:// URI with no
  // password in it), creating (Open::create: a missing file) or migrating its
  // schema. Throws Error(invalid_input) for a missing file (must_exist), a
  // file or database that is not a colo ledger or one from a newer schema,
  // naming it; Error(storage) when the database cannot be reached. `clock`
  // stamps what the ledger records (the system's when empty). `password`
  // goes to PostgreSQL beside the URI (PGPASSWORD and ~/.pgpass work too).
  explicit Ledger(const std::string& state, Open mode = Open::must_exist, Clock clock = {},
                  std::string password = {});
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // The state it was opened with: a path or a URI (never with a password).
  const std::string& path() const;
  // The schema version opening found: 0 for a ledger it created, less than
  // kSchemaVersion for one it migrated.
  std::int64_t foundVersion() const;
  // The time by the ledger's clock, in milliseconds since the epoch.
  std::int64_t nowMs() const;

  // While `abort` returns true, waiting for another writer's lock gives up
  // at once (Error(storage), "database is locked"): a process that is
  // stopping is not held by someone else's transaction.
  void setWaitAbort(std::function<bool()> abort);

  // Runs `work` in one write transaction. Other writers, in this process or
  // another, wait for it (busy timeout). Rolls back if `work` throws. On
  // PostgreSQL, `work` runs again after a deadlock, a serialization failure
  // or a claim whose plan went stale: it must assign what it computes, not
  // accumulate it.
  void write(const std::function<void()>& work);
  // Runs `work` in one read transaction: everything it reads is one
  // snapshot, whatever other connections commit meanwhile.
  void read(const std::function<void()>& work);

  // Increases with every change to what is claimed; lets a cache of claims
  // know it is stale.
  std::int64_t generation();
  Claims claims();
  std::optional<RequestRecord> request(std::string_view id);
  std::vector<RequestRecord> requests(std::optional<Status> status = std::nullopt);
  // The matching requests in the order they came into the ledger, from the
  // query's keyset position on, until `visit` returns false: summaries,
  // without `fingerprint`, `body` and `allocation` (left empty), read from
  // the requests_summary index alone.
  void scanRequests(const RequestQuery& query, const std::function<bool(RequestRecord&)>& visit);
  // How many match (the keyset position ignored).
  std::int64_t countRequests(const RequestQuery& query);
  // The addresses requests hold in `pool`, in no particular order.
  std::vector<Claims::Address> addressClaims(std::string_view pool);
  std::vector<LedgerEvent> events(std::string_view request_id);

  // Jobs. Inside write(): the oldest queued request, or a release nobody
  // works on, that no other transaction is taking (its row stays locked
  // until this one ends); nullopt when there is none. The caller moves it
  // on, or makes it its own with ownJob().
  std::optional<Job> nextJob();
  void ownJob(std::string_view id, std::string_view owner);
  // Requests in progress whose owner is gone (`alive` says no, or none is
  // recorded) become `owner`'s, atomically; only `id` when given.
  std::vector<Job> adoptOrphans(const std::string& owner,
                                const std::function<bool(const std::string&)>& alive,
                                std::string_view id = {});
  // Gives up `owner`'s claim on a job it cannot go on with (an unexpected
  // error): the job becomes an orphan, adopted and continued later.
  void disown(std::string_view id, const std::string& owner);
  // A port's configuration before colo touched it, per attempt (the first
  // capture of an attempt wins: a resumed attempt keeps what was there
  // before it started).
  void saveCapture(std::string_view request_id, int attempt, std::string_view sw,
                   std::string_view port, const std::vector<std::string>& lines);
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> captures(
      std::string_view request_id, int attempt);

  // The callback outbox. enqueueCallback ignores a delivery id seen before
  // (runs inside write() or on its own).
  void enqueueCallback(const OutboxEntry& entry);

  // A completed request's confirmation letter number: issued on the first
  // call (the next sequence number of `year`, rendered by `number`), the
  // same ever after. The ledger keeps (year, sequence) unique, also across
  // processes (runs inside write() or on its own).
  LetterRecord issueLetter(const std::string& request_id, int year,
                           const std::function<std::string(int seq, int year)>& number);
  std::optional<LetterRecord> letter(const std::string& request_id);
  // Takes up to `limit` due deliveries nobody else is sending, for
  // `claimer` until `claimUntil` (ms): several agents never send one at the
  // same time, and one whose sender died is taken again after that.
  std::vector<OutboxEntry> claimCallbacks(std::int64_t now, int limit, std::string_view claimer,
                                          std::int64_t claimUntil);
  // Gives a claimed delivery back unsent (the sender is stopping).
  void unclaimCallback(std::string_view deliveryId);
  // Every delivery of a request's callbacks, oldest first.
  std::vector<CallbackDelivery> callbacks(std::string_view request_id);
  std::optional<std::int64_t> nextCallbackAt();
  // One attempt's outcome: `httpStatus` is the receiver's answer (0 when
  // none came: refused, timed out, not allowed).
  void callbackResult(const std::string& deliveryId, bool delivered, const std::string& error,
                      std::int64_t nextAttemptAt, bool giveUp, int httpStatus = 0);

  // Queues the request's last callback again, as a new delivery (its own
  // id, `<original id>~r<n>`, the same body and URL) due at once: nullopt when
  // the request has had no callback. While the last one is still being
  // tried, that one is returned and nothing is queued.
  std::optional<CallbackDelivery> redeliver(std::string_view request_id);

  // What /metrics reports, kept by the ledger as it changes (reading it
  // costs the number of racks, feeds and pools, not the history).
  Tallies tallies();
  // The requests changed (inserted, or given an event) since `cursor` (0:
  // all of them); returns the cursor to pass next time. Opaque: on SQLite
  // the newest event's seq, on PostgreSQL a transaction horizon, so that a
  // transaction that commits after a later one is not missed. A request may
  // be visited again on the next call.
  std::int64_t changesSince(std::int64_t cursor,
                            const std::function<void(const std::string& id)>& visit);

  // Leases of the owners of jobs (SPEC §12). renewLease writes the row
  // (creating it); endLease removes it and the switches its owner holds.
  void renewLease(const Lease& lease);
  void endLease(std::string_view owner);
  std::optional<Lease> lease(std::string_view owner);
  std::vector<Lease> leases();
  // A switch held by one job at a time, across processes and machines:
  // takeSwitch succeeds when nobody holds it, or when its holder is still
  // `replacing` (a holder whose owner is gone); releaseSwitch lets go of it
  // if `holder` still has it.
  bool takeSwitch(std::string_view sw, std::string_view holder, std::string_view owner,
                  std::string_view replacing = {});
  struct SwitchHolder {
    std::string holder, owner;
  };
  std::optional<SwitchHolder> switchHolder(std::string_view sw);
  void releaseSwitch(std::string_view sw, std::string_view holder);
  // The jobs in progress `owner` holds.
  std::vector<Job> ownedJobs(const std::string& owner);
  // From now on, this connection's job writes are refused with Error(moved)
  // unless `owner` still holds the request, in progress: transition from a
  // status in progress, appendEvent and saveCapture. An owner whose lease
  // lapsed while it was paused or cut off writes nothing over the one that
  // took its job over, nor after it ended the job.
  void setFence(std::string owner);

  // Whether the request still holds anything (units, power, ports, addresses).
  bool holdsClaims(std::string_view request_id);

  // The following run inside write().
  // A new request in status `initial` (queued or planning), owned by
  // `note.owner`, with its first event (note.actor, note.detail): every
  // change to a request appends an event, which changesSince() relies on.
  void insertRequest(const Request& request, Status initial, const StepNote& note,
                     std::string_view submittedBy = {});
  // Claims everything in `plan`, first locking its racks, switches and pools.
  // `basedOn` is the generation the plan was made from (-1: unchecked): when
  // the claims changed since, the transaction runs again. A unit, port or
  // address already held makes it throw Error(conflict) naming the thing and
  // its holder. Returns the generation after the claim.
  std::int64_t claim(const Plan& plan, std::string_view tenant, std::int64_t basedOn = -1);
  // Frees everything `request_id` holds; its recorded allocation stays.
  void unclaim(std::string_view request_id);
  // The one way a status changes: a compare-and-set from `from` to `to`
  // (which kTransitions must allow), with its step-log entry. Throws
  // Error(moved) when the request is no longer `from`: someone else moved it,
  // and nothing is overwritten.
  void transition(std::string_view request_id, Status from, Status to, const StepNote& note);
  void appendEvent(std::string_view actor, std::string_view request_id, std::string_view kind,
                   std::string_view detail);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace colo::inventory
