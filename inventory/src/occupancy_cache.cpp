#include "colo/inventory/occupancy_cache.h"

#include <algorithm>
#include <stdexcept>

#include "colo/inventory/ledger.h"

namespace colo::inventory {

namespace {

constexpr std::size_t kStepsKept = 512;

#ifdef NDEBUG
constexpr bool kCheckEveryChange = false;
#else
constexpr bool kCheckEveryChange = true;
#endif

void merge(std::vector<std::size_t>& into, const std::vector<std::size_t>& more) {
  into.insert(into.end(), more.begin(), more.end());
  std::sort(into.begin(), into.end());
  into.erase(std::unique(into.begin(), into.end()), into.end());
}

}  // namespace

OccupancyCache::OccupancyCache(const Inventory& inventory) : inv_(inventory) {}
OccupancyCache::~OccupancyCache() = default;

void OccupancyCache::rebuild(Ledger& ledger, std::int64_t generation) {
  occ_ = std::make_unique<Occupancy>(
      inv_, generation, Occupancy::ClaimRows{[&](ClaimSink& sink) { ledger.claims().each(sink); }});
  ++stats_.builds;
  recent_.clear();
  knownSince_ = generation;
}

void OccupancyCache::remember(std::int64_t from, std::int64_t to, Occupancy::Touched touched) {
  recent_.push_back({from, to, std::move(touched)});
  while (recent_.size() > kStepsKept) {
    knownSince_ = recent_.front().to;
    recent_.pop_front();
  }
}

void OccupancyCache::update(Ledger& ledger) {
  auto generation = ledger.claims().generation();
  if (!occ_) {
    rebuild(ledger, generation);
    return;
  }
  auto from = occ_->generation();
  // A reader whose snapshot is older than what another thread followed to
  // uses the newer occupancy; a claim planned on it is checked against the
  // ledger's generation anyway (ClaimBook::claim).
  if (generation <= from) return;
  auto changed = ledger.claims().changedSince(from, generation);
  if (!changed) {
    rebuild(ledger, generation);
    return;
  }
  auto touched = occ_->follow(*changed, ledger.claims().of(*changed), generation);
  ++stats_.follows;
  stats_.requestsRead += static_cast<std::int64_t>(changed->size());
  remember(from, generation, std::move(touched));
  auto now = std::chrono::steady_clock::now();
  if (kCheckEveryChange || now - lastCheck_ >= checkEvery_) {
    lastCheck_ = now;
    selfCheck(ledger, generation);
  }
}

void OccupancyCache::selfCheck(Ledger& ledger, std::int64_t generation) {
  // On PostgreSQL a write transaction sees each commit as it lands: compare
  // only when nothing changed while both were read.
  Occupancy full(inv_, generation,
                 Occupancy::ClaimRows{[&](ClaimSink& sink) { ledger.claims().each(sink); }});
  if (ledger.claims().generation() != generation) return;
  ++stats_.checks;
  auto difference = occ_->difference(full);
  if (difference.empty()) return;
  ++stats_.mismatches;
  rebuild(ledger, generation);
  if (kCheckEveryChange)
    throw std::logic_error("occupancy followed to generation " + std::to_string(generation) +
                           " differs from the ledger's claims: " + difference);
  if (onMismatch_) onMismatch_(difference);
}

void OccupancyCache::use(Ledger& ledger, const std::function<void(const Occupancy&)>& use) {
  std::lock_guard lock(m_);
  update(ledger);
  use(*occ_);
}

OccupancyCache::Snapshot OccupancyCache::snapshot(Ledger& ledger, std::int64_t since) {
  std::lock_guard lock(m_);
  update(ledger);
  Snapshot out;
  out.occupancy = std::make_shared<const Occupancy>(*occ_);
  if (since == occ_->generation()) {
    out.touched = Occupancy::Touched{};
  } else if (since >= knownSince_ && since < occ_->generation()) {
    Occupancy::Touched t;
    for (const auto& step : recent_)
      if (step.to > since) {
        merge(t.racks, step.touched.racks);
        merge(t.switches, step.touched.switches);
        merge(t.pools, step.touched.pools);
      }
    out.touched = std::move(t);
  }
  return out;
}

void OccupancyCache::committed(const Plan& plan, const std::string& tenant, std::int64_t generation,
                               std::int64_t claimedAt) {
  std::lock_guard lock(m_);
  // Nobody else claimed or freed anything in between (PostgreSQL lets other
  // agents commit meanwhile): the occupancy plus this plan is the ledger.
  if (!occ_ || occ_->generation() != generation || claimedAt != generation + 1) return;
  auto touched = occ_->add(plan, tenant, claimedAt);
  remember(generation, claimedAt, std::move(touched));
}

void OccupancyCache::setSelfCheck(std::chrono::seconds every,
                                  std::function<void(const std::string&)> onMismatch) {
  std::lock_guard lock(m_);
  checkEvery_ = every;
  onMismatch_ = std::move(onMismatch);
}

OccupancyCache::Stats OccupancyCache::stats() const {
  std::lock_guard lock(m_);
  return stats_;
}

}  // namespace colo::inventory
