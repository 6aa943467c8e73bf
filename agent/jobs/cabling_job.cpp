#include "jobs/cabling_job.h"

#include <nlohmann/json.hpp>

#include "engine/cabling.h"
#include "jobs/outbox.h"

namespace colo::agent {

namespace inv = colo::inventory;
using nlohmann::json;

std::string checkRefusal(const inv::RequestRecord& r) {
  if (r.status == inv::Status::completed && r.allocation) return "";
  return "request " + r.id + " is " + std::string(inv::name(r.status)) +
         ": only a completed request's cabling can be checked (its ports are configured for its "
         "servers then)";
}

CheckRun runCheck(inv::Ledger& ledger, const inv::Inventory& inventory, SwitchOpener& opener,
                  const inv::CablingCheck& taken, const std::string& owner,
                  const std::string& actor, const std::function<bool()>& interrupt) {
  CheckRun out;
  out.check = taken;
  std::string error;
  auto rec = ledger.requests().find(taken.request_id);
  if (!rec)
    error = "request " + taken.request_id + " does not exist";
  else
    error = checkRefusal(*rec);
  if (error.empty()) {
    try {
      out.report = checkCabling(inventory, *rec, opener, interrupt);
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  bool done = error.empty();
  bool ok = done && out.report.ok();
  json report = cablingJson(out.report);
  std::string detail =
      done ? "cabling checked: " + cablingSummary(out.report) : "cabling check failed: " + error;
  ledger.write([&] {
    auto now = ledger.nowMs();
    out.recorded = ledger.cablingChecks().finish(
        taken.id, owner, done, ok, done ? report.dump() : "", error, now, actor, detail);
    if (out.recorded && done)
      if (auto entry = checkedCallbackFor(*rec, taken.id, report, ok, now))
        ledger.outbox().enqueue(*entry);
  });
  if (auto again = ledger.cablingChecks().find(taken.id)) out.check = *again;
  return out;
}

}  // namespace colo::agent
