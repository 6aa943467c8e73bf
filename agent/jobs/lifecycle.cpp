#include "jobs/lifecycle.h"

#include <nlohmann/json.hpp>

#include "core/log.h"
#include "jobs/outbox.h"

namespace colo::agent {

namespace inv = colo::inventory;

void Lifecycle::move(const std::string& id, inv::Status from, inv::Status to,
                     const inv::StepNote& note) {
  ledger_.write([&] {
    ledger_.transition(id, from, to, note);
    if (inv::ended(to)) announce(id);
  });
}

void Lifecycle::announce(const std::string& id) {
  auto rec = ledger_.request(id);
  if (!rec) return;
  // A request whose callback cannot be built (a damaged row) still ends:
  // the status change matters more, and the log says why no callback left.
  std::optional<inv::OutboxEntry> entry;
  try {
    entry = callbackFor(*rec, sla_, ledger_.nowMs(), publicUrl_);
  } catch (const std::exception& e) {
    logEvent({{"level", "error"},
              {"event", "callback.unbuildable"},
              {"request_id", id},
              {"error", e.what()}});
  }
  if (entry) ledger_.enqueueCallback(*entry);
}

}  // namespace colo::agent
