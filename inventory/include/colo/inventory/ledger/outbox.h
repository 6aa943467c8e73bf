// The durable callback outbox: a request's ending is queued in the same
// transaction as the ending, then delivered at least once by whichever
// sender takes it (one at a time, across agents).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace colo::inventory {

namespace ledger {
class Connection;
}

// A callback waiting in the outbox.
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

class Outbox {
 public:
  explicit Outbox(ledger::Connection& c) : c_(c) {}

  // Ignores a delivery id seen before (inside Ledger::write or on its own).
  void enqueue(const OutboxEntry& entry);
  // Whether every ended request's callback was checked for once, at a
  // start (a ledger of a colo that queued endings apart from them); since
  // then every ending queues its own in its transaction.
  bool endingsChecked();
  void markEndingsChecked();
  // Takes up to `limit` due deliveries nobody else is sending, for `sender`
  // until `takenUntil` (ms): several agents never send one at the same
  // time, and one whose sender died is taken again after that.
  std::vector<OutboxEntry> take(std::int64_t now, int limit, std::string_view sender,
                                std::int64_t takenUntil);
  // The callback URLs with a delivery due at `now` that nobody is sending,
  // the earliest due first, at most `limit`: a sender picks among them by
  // receiver, then takes that URL's earliest with takeFor().
  std::vector<std::string> dueUrls(std::int64_t now, int limit);
  // As take(), one delivery, to `url` only.
  std::optional<OutboxEntry> takeFor(std::string_view url, std::int64_t now,
                                     std::string_view sender, std::int64_t takenUntil);
  // Gives a taken delivery back unsent (the sender is stopping).
  void giveBack(std::string_view deliveryId);
  // One attempt's outcome: `httpStatus` is the receiver's answer (0 when
  // none came: refused, timed out, not allowed).
  void result(const std::string& deliveryId, bool delivered, const std::string& error,
              std::int64_t nextAttemptAt, bool giveUp, int httpStatus = 0);
  // When a delivery can next be taken (epoch ms): the earliest due time, or
  // for one another sender has taken, when that runs out; nullopt when none
  // is pending.
  std::optional<std::int64_t> nextDue();
  // Every delivery of a request's callbacks, oldest first.
  std::vector<CallbackDelivery> deliveries(std::string_view request_id);
  // Sends one of the request's callbacks again, at once: `deliveryId` (the
  // last one when empty). Delivered or given up, it is queued as a new
  // delivery (its own id, `<original id>~r<n>`, the same body and URL) due
  // now; still being tried, it is made due now with its backoff reset (its
  // attempts count from 0 again). nullopt when the request has no such
  // callback.
  std::optional<CallbackDelivery> redeliver(std::string_view request_id,
                                            std::string_view deliveryId = {});

 private:
  std::vector<OutboxEntry> takeWhere(std::int64_t now, int limit, std::string_view sender,
                                     std::int64_t takenUntil, std::optional<std::string_view> url);
  ledger::Connection& c_;
};

}  // namespace colo::inventory
