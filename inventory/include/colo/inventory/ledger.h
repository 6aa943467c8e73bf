// The reservation ledger: one SQLite file (WAL, foreign keys, busy timeout)
// holding requests, what each one holds, and an append-only event log.
//
// Unique keys on (rack, unit), (switch, port) and address make it impossible
// to hand anything out twice, whatever the code above does and however many
// processes write at once. Writers are serialized by BEGIN IMMEDIATE.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "colo/inventory/plan.h"
#include "colo/inventory/request.h"

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

struct RequestRecord {
  std::string id;
  std::string fingerprint;
  std::string body;  // canonical JSON as received
  std::string tenant_code;
  std::string letter_number;
  std::string status;  // queued planning reserved configuring completed failed released
  std::string received_at;
  std::string created_at;
  std::string updated_at;
  std::string error;
  std::optional<Plan> allocation;  // kept after release, for the record
  std::string submitted_by;        // token name ("" from the CLI)
  std::string completed_at;        // when it became completed or failed
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
  int attempts = 0;
  std::int64_t next_attempt_at = 0;  // epoch seconds
};

class Ledger {
 public:
  static constexpr int kSchemaVersion = 2;

  enum class Open {
    create,        // create the file (and its directory) when missing
    if_exists,     // a missing file reads as an empty ledger; nothing is created
  };

  // Opens the ledger at `path`, creating or migrating its schema. Throws
  // Error(storage) for a file that is not a colo ledger or is from a newer
  // schema, naming the path.
  explicit Ledger(const std::string& path, Open mode = Open::create);
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  const std::string& path() const;

  // Runs `work` in one write transaction. Other writers, in this process or
  // another, wait for it (busy timeout). Rolls back if `work` throws.
  void write(const std::function<void()>& work);

  // Increases with every change to what is claimed; lets a cache of claims
  // know it is stale.
  std::int64_t generation();
  Claims claims();
  std::optional<RequestRecord> request(std::string_view id);
  std::vector<RequestRecord> requests(const std::string& status = "");
  std::vector<LedgerEvent> events(std::string_view request_id);
  // Jobs of the agent. takeJob() atomically takes the oldest queued request
  // (now "planning") or requested release; nullopt when there is none.
  std::optional<std::string> takeJob(bool& isRelease);
  // At start-up: requeues what was planning, re-asks interrupted releases,
  // and returns the requests left "configuring" by a crash.
  std::vector<std::string> recoverJobs();
  // A port's configuration before colo touched it (first capture wins).
  void saveCapture(std::string_view request_id, std::string_view sw, std::string_view port,
                   const std::vector<std::string>& lines);
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> captures(std::string_view request_id);

  // The callback outbox. enqueueCallback ignores a delivery id seen before.
  void enqueueCallback(const OutboxEntry& entry);
  std::vector<OutboxEntry> dueCallbacks(std::int64_t now, int limit);
  std::optional<std::int64_t> nextCallbackAt();
  void callbackResult(const std::string& deliveryId, bool delivered, const std::string& error,
                      std::int64_t nextAttemptAt, bool giveUp);
  // delivered, backlog, given_up, failed_attempts.
  std::map<std::string, std::int64_t> callbackCounts();

  // Whether the request still holds anything (units, power, ports, addresses).
  bool holdsClaims(std::string_view request_id);

  // The following run inside write().
  void insertRequest(const Request& request, std::string_view status,
                     std::string_view submittedBy = {});
  // Claims everything in `plan`. A unit, port or address already held makes
  // it throw Error(conflict) naming the thing and its holder.
  void claim(const Plan& plan, std::string_view tenant);
  // Frees everything `request_id` holds; its recorded allocation stays.
  void unclaim(std::string_view request_id);
  void setStatus(std::string_view request_id, std::string_view status,
                 std::string_view error = {});
  void requestRelease(std::string_view request_id);
  // A requested release that failed: it may be requested again.
  void clearReleaseRequest(std::string_view request_id);
  void appendEvent(std::string_view actor, std::string_view request_id, std::string_view kind,
                   std::string_view detail);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace colo::inventory
