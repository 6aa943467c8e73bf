#include "core/metrics.h"

#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "colo/inventory/occupancy.h"
#include "colo/inventory/usage.h"
#include "core/prometheus.h"
#include "core/sla.h"

namespace colo::agent {

namespace inv = colo::inventory;

namespace {

template <class Map, class Key>
std::int64_t valueOf(const Map& m, const Key& k) {
  auto it = m.find(k);
  return it == m.end() ? 0 : it->second;
}

}  // namespace

struct LedgerMetrics::Impl {
  const inv::Inventory& inventory;
  const SlaCalendar& calendar;
  // The racks and pools with nothing claimed: what the inventory itself
  // takes (devices, reserved units and ranges, devices' draw), computed at
  // the first scrape, not at the start (a quarter second at 5,000 racks).
  std::once_flag based;
  std::vector<inv::RackUsage> racks;
  std::vector<inv::PoolUsage> pools;
  // The SLA, kept up to date from the ledger's changes.
  bool primed = false;
  std::int64_t seq = 0;                                // the newest event seen
  std::unordered_map<std::string, std::int64_t> open;  // unfinished: id -> its deadline
  std::unordered_set<std::string> missed;              // finished late

  Impl(const inv::Inventory& inv, const SlaCalendar& sla) : inventory(inv), calendar(sla) {}

  void base() {
    std::call_once(based, [&] {
      inv::Occupancy empty(inventory, inv::Claims{}, -1);
      racks = inv::rackUsage(empty);
      pools = inv::poolUsage(empty);
    });
  }

  void note(const inv::RequestRecord& r, std::int64_t now) {
    open.erase(r.id);
    missed.erase(r.id);
    auto s = slaOf(r, calendar, now);
    if (!s) return;
    bool finished = s->met.has_value() && !s->overdue;
    if (!finished)
      open[r.id] = s->deadline;
    else if (!*s->met)
      missed.insert(r.id);
  }

  SlaCounts count(inv::Ledger& ledger, std::int64_t now) {
    if (!primed) {
      // Once: every request, from the list index (no bodies). Changes made
      // meanwhile are seen again below, which is harmless.
      seq = ledger.feed().changesSince(0, [](const std::string&) {});
      ledger.requests().scan({}, [&](inv::RequestRecord& r) {
        note(r, now);
        return true;
      });
      primed = true;
    } else {
      std::vector<std::string> changed;
      seq = ledger.feed().changesSince(seq, [&](const std::string& id) { changed.push_back(id); });
      for (const auto& id : changed)
        if (auto r = ledger.requests().find(id)) note(*r, now);
    }
    SlaCounts out;
    for (const auto& [id, deadline] : open)
      if (now > deadline) ++out.overdue;
    out.missed = static_cast<long>(missed.size()) + out.overdue;
    return out;
  }
};

LedgerMetrics::LedgerMetrics(const inv::Inventory& inventory, const SlaCalendar& sla)
    : impl_(std::make_unique<Impl>(inventory, sla)) {}
LedgerMetrics::~LedgerMetrics() = default;

LedgerMetrics::SlaCounts LedgerMetrics::sla(inv::Ledger& ledger, std::int64_t now) {
  return impl_->count(ledger, now);
}

std::string LedgerMetrics::text(inv::Ledger& ledger, std::int64_t now) {
  auto t = ledger.feed().tallies();
  auto sla = impl_->count(ledger, now);
  impl_->base();
  std::string out;
  out.reserve(256 * (impl_->racks.size() + impl_->pools.size()) + 2048);
  out += "# HELP colo_requests Requests in the ledger, by status.\n# TYPE colo_requests gauge\n";
  for (auto s : inv::allStatuses()) {
    std::string name(inv::name(s));
    out += "colo_requests{status=\"" + name + "\"} " + std::to_string(valueOf(t.requests, name)) +
           "\n";
  }
  out +=
      "# HELP colo_sla_missed Requests that missed (or are past) their due date.\n"
      "# TYPE colo_sla_missed gauge\ncolo_sla_missed " +
      std::to_string(sla.missed) + "\n";
  out +=
      "# HELP colo_sla_overdue Unfinished requests past their due date.\n"
      "# TYPE colo_sla_overdue gauge\ncolo_sla_overdue " +
      std::to_string(sla.overdue) + "\n";
  out += "# HELP colo_rack_units Rack units by state.\n# TYPE colo_rack_units gauge\n";
  out +=
      "# HELP colo_feed_watts Watts drawn and usable per power feed.\n# TYPE colo_feed_watts "
      "gauge\n";
  for (const auto& r : impl_->racks) {
    const std::string rack = promLabel(r.name);
    auto claimed = static_cast<int>(valueOf(t.units, r.name));
    for (auto [state, n] :
         {std::pair{"free", r.units_free - claimed}, std::pair{"device", r.units_device},
          std::pair{"claimed", claimed}, std::pair{"reserved", r.units_reserved}})
      out += "colo_rack_units{rack=\"" + rack + "\",state=\"" + state + "\"} " + std::to_string(n) +
             "\n";
    for (const auto& f : r.feeds) {
      auto drawn = f.drawn_watts + valueOf(t.watts, std::pair{r.name, f.name});
      const std::string feed =
          "colo_feed_watts{rack=\"" + rack + "\",feed=\"" + promLabel(f.name) + "\",kind=\"";
      out += feed + "drawn\"} " + std::to_string(drawn) + "\n";
      out += feed + "usable\"} " + std::to_string(f.usable_watts) + "\n";
    }
  }
  out +=
      "# HELP colo_pool_addresses Addresses per pool: held by requests, and free.\n"
      "# TYPE colo_pool_addresses gauge\n";
  for (const auto& p : impl_->pools) {
    auto held = static_cast<inv::u128>(valueOf(t.addresses, p.name));
    const std::string pool = "colo_pool_addresses{pool=\"" + promLabel(p.name) + "\",kind=\"";
    out += pool + "held\"} " + inv::toDecimal(held) + "\n";
    out += pool + "free\"} " + inv::toDecimal(p.free > held ? p.free - held : 0) + "\n";
  }
  out += "# HELP colo_callbacks Completion callbacks by state.\n# TYPE colo_callbacks gauge\n";
  for (const char* k : {"delivered", "backlog", "given_up"})
    out += std::string("colo_callbacks{state=\"") + k + "\"} " +
           std::to_string(valueOf(t.callbacks, k)) + "\n";
  out +=
      "# HELP colo_callback_failures_total Failed delivery attempts.\n"
      "# TYPE colo_callback_failures_total counter\ncolo_callback_failures_total " +
      std::to_string(valueOf(t.callbacks, "failed_attempts")) + "\n";
  return out;
}

}  // namespace colo::agent
