#include "lifecycle.h"

#include "outbox.h"

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
  if (auto entry = callbackFor(*rec, sla_, nowMs())) ledger_.enqueueCallback(*entry);
}

}  // namespace colo::agent
