#include "colo/inventory/occupancy_cache.h"

#include <stdexcept>

#include "colo/inventory/ledger.h"

namespace colo::inventory {

OccupancyCache::OccupancyCache(const Inventory& inventory) : OccupancyCache(inventory, Options{}) {}
OccupancyCache::OccupancyCache(const Inventory& inventory, Options options)
    : inv_(inventory), options_(options) {}
OccupancyCache::~OccupancyCache() = default;

void OccupancyCache::rebuild(Ledger& ledger, std::int64_t generation) {
  occ_ = std::make_unique<Occupancy>(
      inv_, generation,
      Occupancy::ClaimRows{[&](ClaimSink& sink) { ledger.claims().each(sink); }, true});
  shared_.reset();
  ++stats_.builds;
  recent_.clear();
  knownSince_ = generation;
}

void OccupancyCache::remember(std::int64_t from, std::int64_t to, Occupancy::Touched touched) {
  shared_.reset();
  recent_.push_back({from, to, std::move(touched)});
  while (recent_.size() > options_.stepsKept) {
    knownSince_ = recent_.front().to;
    recent_.pop_front();
  }
}

std::shared_ptr<const Occupancy> OccupancyCache::shared() {
  if (!shared_) shared_ = std::make_shared<const Occupancy>(*occ_);
  return shared_;
}

bool OccupancyCache::update(Ledger& ledger) {
  auto generation = ledger.claims().generation();
  if (!occ_) {
    rebuild(ledger, generation);
    return false;
  }
  auto from = occ_->generation();
  // A reader whose snapshot is older than what another thread followed to
  // uses the newer occupancy (a write transaction on PostgreSQL sees each
  // commit as it lands; claimNewPlan checks what it planned under locks).
  bool followed = false;
  if (generation > from) {
    auto changed = ledger.claims().changesAfter(from, generation);
    if (!changed) {
      rebuild(ledger, generation);
      return false;
    }
    auto touched = occ_->follow(changed->requests, changed->claims, generation);
    ++stats_.follows;
    stats_.requestsRead += static_cast<std::int64_t>(changed->requests.size());
    remember(from, generation, std::move(touched));
    followed = true;
  }
  if (options_.checkEveryChange) return followed;
  // The periodic check reads every claim: never inside a write, whose locks
  // (on SQLite, the one write lock) others wait for meanwhile. It stays due
  // until a read (checkIfDue, after a claim's commit; a view).
  auto now = std::chrono::steady_clock::now();
  if (ledger.writing() || now - lastCheck_ < checkEvery_) return false;
  lastCheck_ = now;
  return true;
}

void OccupancyCache::checkIfDue(Ledger& ledger) {
  {
    std::lock_guard lock(m_);
    if (options_.checkEveryChange || std::chrono::steady_clock::now() - lastCheck_ < checkEvery_)
      return;
  }
  ledger.read([&] { use(ledger, [](const Occupancy&) {}); });
}

void OccupancyCache::selfCheck(Ledger& ledger, const std::shared_ptr<const Occupancy>& followed) {
  auto generation = followed->generation();
  // On PostgreSQL a write transaction sees each commit as it lands: compare
  // only when nothing changed while both were read.
  auto full = std::make_unique<Occupancy>(
      inv_, generation, Occupancy::ClaimRows{[&](ClaimSink& sink) { ledger.claims().each(sink); }});
  if (ledger.claims().generation() != generation) return;
  auto difference = followed->difference(*full);
  std::function<void(const std::string&)> report;
  {
    std::lock_guard lock(m_);
    ++stats_.checks;
    if (difference.empty()) return;
    ++stats_.mismatches;
    // Repaired: the rebuilt occupancy replaces the followed one, or, when
    // another thread followed further from the wrong one meanwhile, the next
    // reader builds anew.
    if (occ_ && occ_->generation() == generation) {
      occ_ = std::move(full);
      shared_.reset();
      recent_.clear();
      knownSince_ = generation;
      ++stats_.builds;
    } else {
      occ_.reset();
    }
    report = onMismatch_;
  }
  if (options_.throwOnMismatch)
    throw std::logic_error("occupancy followed to generation " + std::to_string(generation) +
                           " differs from the ledger's claims: " + difference);
  if (report) report(difference);
}

void OccupancyCache::use(Ledger& ledger, const std::function<void(const Occupancy&)>& use) {
  std::shared_ptr<const Occupancy> check;
  {
    std::lock_guard lock(m_);
    if (update(ledger)) check = shared();
    use(*occ_);
  }
  if (check) selfCheck(ledger, check);
}

void OccupancyCache::peek(const std::function<void(const Occupancy&)>& use) {
  std::shared_lock lock(m_);
  if (occ_) use(*occ_);
}

OccupancyCache::Snapshot OccupancyCache::snapshot(Ledger& ledger, std::int64_t since) {
  Snapshot out;
  bool check = false;
  {
    std::lock_guard lock(m_);
    check = update(ledger);
    out.occupancy = shared();
    auto now = occ_->generation();
    if (since == now) {
      out.touched = Occupancy::Touched{};
    } else if (since >= knownSince_ && since < now) {
      Occupancy::Touched t;
      for (const auto& step : recent_)
        if (step.to > since) t.merge(step.touched);
      out.touched = std::move(t);
    }
  }
  if (check) selfCheck(ledger, out.occupancy);
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
