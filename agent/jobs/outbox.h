// Callbacks to the request system (design.md §10): what a callback says, and the
// deliverer that POSTs them from the ledger's durable outbox, with retries.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "colo/inventory/ledger.h"
#include "core/live_config.h"
#include "core/sla.h"

namespace colo::agent {

// The callback for a request's current status when that status ends it
// (completed, failed, released) and the request names a callback_url:
// everything the confirmation letter states. Its delivery id is stable per
// event and attempt, so enqueueing it twice sends it once.
// A completed request's callback carries `letter_url`, under `publicUrl`.
std::optional<inventory::OutboxEntry> callbackFor(const inventory::RequestRecord& r,
                                                  const SlaCalendar& sla, std::int64_t nowMs,
                                                  const std::string& publicUrl);
// request.release_failed for a request back from a failed release (it keeps
// its ending; `reason` and `error` are the release's), once per attempt.
std::optional<inventory::OutboxEntry> releaseFailedCallbackFor(const inventory::RequestRecord& r,
                                                               const SlaCalendar& sla,
                                                               std::int64_t nowMs,
                                                               const std::string& publicUrl);

// request.checked for a cabling check that ran (design.md §17), when the
// request names a callback_url: the check's id, whether every NIC is ok,
// and each NIC's verdict. Once per check.
std::optional<inventory::OutboxEntry> checkedCallbackFor(const inventory::RequestRecord& r,
                                                         std::int64_t checkId,
                                                         const nlohmann::json& report, bool ok,
                                                         std::int64_t nowMs);

// The HMAC key of a callback secret, as Standard Webhooks libraries read it:
// a "whsec_" secret is the base64-decoded rest, any other its own bytes.
std::string webhookKey(const std::string& secret);

// Delivers callbacks from the ledger's outbox until stopped, several at once
// (callback.parallel), each with its own deadline (callback.timeout_s), so no
// receiver delays another. Signed twice: Standard Webhooks (webhook-id,
// webhook-timestamp, webhook-signature "v1,<base64 HMAC-SHA256 of
// id.timestamp.body>") and, for receivers written before,
// X-Colo-Signature "sha256=<hex HMAC-SHA256 of the body>" and X-Colo-Delivery.
class Deliverer {
 public:
  // One POST to a receiver, over by `timeout` whatever the receiver does, or
  // as soon as `cancelled` says so: the HTTP status (0 when none came) and,
  // without one, why. The agent's is the HTTP client (http/client.h);
  // tests may substitute their own.
  struct PostResult {
    int status = 0;
    std::string error;
  };
  using Post = std::function<PostResult(const std::string& url,
                                        const std::map<std::string, std::string>& headers,
                                        const std::string& body, std::chrono::milliseconds timeout,
                                        const std::function<bool()>& cancelled)>;

  // Signs with config.callback_secret; each delivery reads the config as
  // it stands then (a reload changes the secret, the URLs, the limits).
  Deliverer(const LiveConfig& config, Post post);
  ~Deliverer();
  void start();
  void wake();  // a callback was queued
  // A delivery to `url` was asked for again: its receiver's backoff ends
  // (an operator says it is back), and the senders look at once.
  void redelivered(const std::string& url);
  void stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace colo::agent
