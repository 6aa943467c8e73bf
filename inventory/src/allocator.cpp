#include "colo/inventory/allocator.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <optional>
#include <set>

#include "colo/inventory/error.h"

namespace colo::inventory {

namespace {

// Tentative changes of one allocation over the committed occupancy.
class Workspace {
 public:
  explicit Workspace(const Occupancy& occ) : occ_(occ) {}

  struct RackView {
    std::vector<bool> taken;  // 1..height
    std::vector<int> headroom;
  };

  // The rack as it would be with this allocation's tentative claims.
  RackView rack(std::size_t r) const {
    if (auto it = racks_.find(r); it != racks_.end()) return it->second;
    const Rack& rack = occ_.inventory().racks[r];
    RackView v;
    const auto& units = occ_.units(r);
    v.taken.resize(units.size());
    for (std::size_t u = 1; u < units.size(); ++u)
      v.taken[u] = units[u].kind != UnitOccupant::Kind::free;
    for (std::size_t f = 0; f < rack.feeds.size(); ++f)
      v.headroom.push_back(rack.usableWatts(rack.feeds[f]) - occ_.drawn(r, f));
    return v;
  }
  void commitRack(std::size_t r, RackView v) { racks_[r] = std::move(v); }

  bool portTaken(std::size_t s, std::size_t p) const {
    return occ_.portTaken(s, p) || ports_.count({s, p});
  }
  void takePort(std::size_t s, std::size_t p) { ports_.insert({s, p}); }

  std::optional<u128> nextAddress(std::size_t p) {
    const IpPool& pool = occ_.inventory().pools[p];
    u128 from = pool.firstUsable(), last = pool.lastUsable();
    const IntervalSet& mine = addresses_[p];
    while (true) {
      auto c = occ_.addressesTaken(p).firstGap(from, last);
      if (!c) return std::nullopt;
      auto d = mine.firstGap(*c, last);
      if (!d) return std::nullopt;
      if (*d == *c) return c;
      from = *d;
    }
  }
  void takeAddress(std::size_t p, u128 a) { addresses_[p].insert(a); }

  const Occupancy& occupancy() const { return occ_; }

 private:
  const Occupancy& occ_;
  std::map<std::size_t, RackView> racks_;
  std::set<std::pair<std::size_t, std::size_t>> ports_;
  std::map<std::size_t, IntervalSet> addresses_;
};

struct Run {
  int start = 0, length = 0;
};

std::vector<Run> freeRuns(const std::vector<bool>& taken) {
  std::vector<Run> runs;
  for (int u = 1; u < static_cast<int>(taken.size()); ++u) {
    if (taken[static_cast<std::size_t>(u)]) continue;
    if (!runs.empty() && runs.back().start + runs.back().length == u)
      ++runs.back().length;
    else
      runs.push_back({u, 1});
  }
  return runs;
}

// Feeds to charge: the one (or, redundant, two) with most headroom that can
// carry the full draw alone. Empty when the rack cannot.
std::vector<std::size_t> chooseFeeds(const std::vector<int>& headroom, int watts, bool redundant) {
  std::vector<std::size_t> order(headroom.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return headroom[a] > headroom[b]; });
  std::size_t need = redundant ? 2 : 1;
  if (order.size() < need) return {};
  order.resize(need);
  for (auto f : order)
    if (headroom[f] < watts) return {};
  std::sort(order.begin(), order.end());
  return order;
}

// A feed's load from this percentage of its usable watts on is a warning
// (FeedUsage::Level::high): placement stays below it while any rack can.
constexpr long kWarningPercent = 80;

struct Attempt {
  std::vector<std::pair<std::size_t, ServerPlacement>> placed;  // request index -> placement
  long waste = 0;     // units of the chosen gaps left unused
  long headroom = 0;  // watts left on the rack's feeds afterwards
  // The rack's most loaded feed afterwards, in parts per 10,000 of its
  // usable watts; and whether a feed this attempt charges ends at or above
  // the warning level.
  long worstLoad = 0;
  bool intoWarning = false;
  Workspace::RackView view;
  std::vector<std::pair<std::size_t, std::size_t>> ports;  // (switch, port)
};

// Places servers (in `order`) into rack `r`. With `all`, stops at the first
// that does not fit and returns nothing. With `belowWarning`, no feed may
// end at its warning level.
std::optional<Attempt> tryRack(const Workspace& ws, std::size_t r, const Request& req,
                               const std::vector<std::size_t>& order, bool all, bool belowWarning) {
  const Inventory& inv = ws.occupancy().inventory();
  const Rack& rack = inv.racks[r];
  Attempt a;
  a.view = ws.rack(r);
  std::set<std::pair<std::size_t, std::size_t>> mine;
  for (std::size_t i : order) {
    const ServerRequest& s = req.servers[i];
    // Units: the smallest free run that fits, lowest first.
    auto runs = freeRuns(a.view.taken);
    const Run* best = nullptr;
    for (const auto& run : runs)
      if (run.length >= s.units && (!best || run.length < best->length)) best = &run;
    auto feeds = best ? chooseFeeds(a.view.headroom, s.power_watts, s.redundant_power)
                      : std::vector<std::size_t>{};
    // With `belowWarning`, a server that would take a feed to its warning
    // level does not fit here.
    if (belowWarning)
      for (auto f : feeds) {
        long usable = rack.usableWatts(rack.feeds[f]);
        if ((usable - a.view.headroom[f] + s.power_watts) * 100 >= kWarningPercent * usable) {
          feeds.clear();
          break;
        }
      }
    // Ports: free access ports of the rack's switches, in order.
    std::vector<std::pair<std::size_t, std::size_t>> ports;
    if (best && !feeds.empty()) {
      for (const auto& swName : rack.switches) {
        const Switch* sw = inv.switchNamed(swName);
        if (!sw) continue;
        auto si = ws.occupancy().switchIndex(*sw);
        for (std::size_t p = 0; p < sw->access_ports.size() && ports.size() < s.nics.size(); ++p)
          if (!ws.portTaken(si, p) && !mine.count({si, p})) ports.push_back({si, p});
      }
    }
    if (!best || feeds.empty() || ports.size() < s.nics.size()) {
      if (all) return std::nullopt;
      continue;
    }
    ServerPlacement place;
    place.hostname = s.hostname;
    place.rack = rack.name;
    place.first_unit = best->start;
    place.height = s.units;
    place.power_watts = s.power_watts;
    place.redundant_power = s.redundant_power;
    a.waste += best->length - s.units;
    for (int u = best->start; u < best->start + s.units; ++u)
      a.view.taken[static_cast<std::size_t>(u)] = true;
    for (auto f : feeds) {
      a.view.headroom[f] -= s.power_watts;
      place.feeds.push_back({rack.feeds[f].name, s.power_watts});
      long usable = rack.usableWatts(rack.feeds[f]);
      if ((usable - a.view.headroom[f]) * 100 >= kWarningPercent * usable) a.intoWarning = true;
    }
    // Hold the ports so later servers and rounds count them as gone; which
    // port goes to which NIC is decided at the end, in request order.
    for (std::size_t n = 0; n < s.nics.size(); ++n) {
      mine.insert(ports[n]);
      a.ports.push_back(ports[n]);
      place.nics.push_back({static_cast<int>(n), {}, {}, 0, {}});
    }
    a.placed.emplace_back(i, std::move(place));
  }
  if (a.placed.empty()) return std::nullopt;
  a.headroom = std::accumulate(a.view.headroom.begin(), a.view.headroom.end(), 0L);
  for (std::size_t f = 0; f < rack.feeds.size(); ++f) {
    long usable = rack.usableWatts(rack.feeds[f]);
    long load = usable > 0 ? (usable - a.view.headroom[f]) * 10000 / usable : 10000;
    a.worstLoad = std::max(a.worstLoad, load);
  }
  return a;
}

// Better: not driving a feed into its warning level; then more servers
// placed; then, by policy, the least loaded worst feed (balance) or the
// smallest gaps (pack); then the smallest gaps, the most headroom, the
// rack's name.
bool better(Placement policy, const Attempt& a, const std::string& aName, const Attempt& b,
            const std::string& bName) {
  if (a.intoWarning != b.intoWarning) return !a.intoWarning;
  if (a.placed.size() != b.placed.size()) return a.placed.size() > b.placed.size();
  if (policy == Placement::balance && a.worstLoad != b.worstLoad) return a.worstLoad < b.worstLoad;
  if (a.waste != b.waste) return a.waste < b.waste;
  if (a.headroom != b.headroom) return a.headroom > b.headroom;
  return aName < bName;
}

// What ran out for a server no rack can take, and the closest candidate.
[[noreturn]] void nothingFits(const Workspace& ws, const ServerRequest& s) {
  const Inventory& inv = ws.occupancy().inventory();
  std::string need = std::to_string(s.units) + " contiguous free units with " +
                     std::to_string(s.power_watts) + " W on " +
                     (s.redundant_power ? "two feeds" : "one feed");
  if (!s.nics.empty())
    need += " and " + std::to_string(s.nics.size()) + " free switch port" +
            (s.nics.size() > 1 ? "s" : "");
  // Closeness: constraints met, plus for each unmet one how much of it the
  // rack has (a rack 50 W short is closer than one with no power left).
  struct Score {
    double closeness = -1;
    int gap = 0, watts = 0;
    std::size_t ports = 0;
    std::string name;
  } best;
  for (std::size_t r = 0; r < inv.racks.size(); ++r) {
    const Rack& rack = inv.racks[r];
    auto view = ws.rack(r);
    Score sc;
    sc.name = rack.name;
    for (const auto& run : freeRuns(view.taken)) sc.gap = std::max(sc.gap, run.length);
    auto head = view.headroom;
    std::sort(head.rbegin(), head.rend());
    std::size_t k = s.redundant_power ? 1 : 0;
    sc.watts = head.size() > k ? std::max(0, head[k]) : 0;
    for (const auto& swName : rack.switches)
      if (const Switch* sw = inv.switchNamed(swName)) {
        auto si = ws.occupancy().switchIndex(*sw);
        for (std::size_t p = 0; p < sw->access_ports.size(); ++p)
          if (!ws.portTaken(si, p)) ++sc.ports;
      }
    auto part = [](double have, double wanted) {
      return wanted <= 0 ? 1.0 : std::min(1.0, have / wanted);
    };
    sc.closeness = part(sc.gap, s.units) + part(sc.watts, s.power_watts) +
                   part(static_cast<double>(sc.ports), static_cast<double>(s.nics.size()));
    if (sc.closeness > best.closeness) best = sc;
  }
  std::string msg = "no rack has " + need + " for server " + s.hostname;
  if (best.closeness >= 0) {
    msg += "; closest: " + best.name + " has " + std::to_string(best.gap) +
           " contiguous free units, " + std::to_string(best.watts) + " W free on " +
           (s.redundant_power ? "its second-best feed" : "its best feed");
    if (!s.nics.empty()) msg += ", " + std::to_string(best.ports) + " free switch ports";
  }
  throw Error(ErrorKind::exhausted, msg);
}

}  // namespace

namespace {
// allocate(), or with `only`, allocateWithin().
std::optional<Plan> place(const Occupancy& occ, const Request& req, const std::vector<bool>* only) {
  checkRequestAgainst(req, occ.inventory());
  const Inventory& inv = occ.inventory();
  Workspace ws(occ);

  // Tallest and hungriest first: they are the hardest to place.
  std::vector<std::size_t> remaining(req.servers.size());
  std::iota(remaining.begin(), remaining.end(), 0);
  std::stable_sort(remaining.begin(), remaining.end(), [&](std::size_t a, std::size_t b) {
    const auto &x = req.servers[a], &y = req.servers[b];
    return std::tie(x.units, x.power_watts) > std::tie(y.units, y.power_watts);
  });

  std::vector<std::optional<ServerPlacement>> placed(req.servers.size());
  bool firstRound = true;
  while (!remaining.empty()) {
    // First: one rack for all when any can take them. Then, greedily, the rack
    // that takes the most of the rest, until every server has a place.
    // Each round below every feed's warning level where any rack can; past
    // it only when none can. One rack for all only below it: otherwise the
    // servers are spread.
    std::optional<Attempt> best;
    std::size_t bestRack = 0;
    for (bool belowWarning : {true, false}) {
      if (!belowWarning && (best || firstRound || only)) break;
      for (std::size_t r = 0; r < inv.racks.size(); ++r) {
        if (only && (r >= only->size() || !(*only)[r])) continue;
        auto a = tryRack(ws, r, req, remaining, firstRound, belowWarning);
        if (a && (!best ||
                  better(inv.placement, *a, inv.racks[r].name, *best, inv.racks[bestRack].name))) {
          best = std::move(a);
          bestRack = r;
        }
      }
    }
    if (!best && firstRound) {
      firstRound = false;
      continue;
    }
    if (!best && only) return std::nullopt;
    if (!best) nothingFits(ws, req.servers[remaining.front()]);
    for (auto [si, p] : best->ports) ws.takePort(si, p);
    ws.commitRack(bestRack, std::move(best->view));
    for (auto& [i, place] : best->placed) {
      placed[i] = std::move(place);
      remaining.erase(std::find(remaining.begin(), remaining.end(), i));
    }
    firstRound = false;
  }

  // Ports: placement only counted them; hand them out in request order, so
  // the letter's first server gets the rack's lowest free port.
  std::set<std::pair<std::size_t, std::size_t>> assigned;
  for (std::size_t i = 0; i < req.servers.size(); ++i) {
    ServerPlacement& sp = *placed[i];
    const Rack& rack = *inv.rack(sp.rack);
    std::size_t n = 0;
    for (const auto& swName : rack.switches) {
      const Switch* sw = inv.switchNamed(swName);
      if (!sw) continue;
      auto si = occ.switchIndex(*sw);
      for (std::size_t p = 0; p < sw->access_ports.size() && n < sp.nics.size(); ++p) {
        if (occ.portTaken(si, p) || !assigned.insert({si, p}).second) continue;
        sp.nics[n].switch_name = sw->name;
        sp.nics[n].port = sw->access_ports[p];
        ++n;
      }
    }
  }

  // Addresses: lowest free of each pool, in request order.
  Plan plan;
  plan.request_id = req.id;
  for (std::size_t i = 0; i < req.servers.size(); ++i) {
    ServerPlacement& sp = *placed[i];
    for (std::size_t n = 0; n < req.servers[i].nics.size(); ++n) {
      for (const auto& poolName : req.servers[i].nics[n].pools) {
        const IpPool* pool = inv.pool(poolName);
        auto p = occ.poolIndex(*pool);
        auto next = ws.nextAddress(p);
        if (!next)
          throw Error(ErrorKind::exhausted, "ip pool '" + poolName + "' (" + pool->prefix.str() +
                                                ") has no free address left for server " +
                                                sp.hostname + " nic " + std::to_string(n) + " (" +
                                                std::to_string(occ.addressesClaimed(p)) +
                                                " held by requests)");
        ws.takeAddress(p, *next);
        sp.nics[n].vlan = pool->vlan;
        sp.nics[n].addresses.push_back({poolName, IpAddress{*next, pool->prefix.network.v6},
                                        pool->prefix.length, pool->gateway});
      }
    }
    plan.servers.push_back(std::move(sp));
  }
  return plan;
}
}  // namespace

Plan allocate(const Occupancy& occ, const Request& req) {
  return *place(occ, req, nullptr);
}

std::optional<Plan> allocateWithin(const Occupancy& occ, const Request& req,
                                   const std::vector<bool>& racks) {
  return place(occ, req, &racks);
}

namespace {
// Where a claim holding `held` plans (design.md §6, "Claims made at once"):
// first only in the racks it holds, when it was overtaken while it waited
// for them; then around the racks and switches it found others claiming
// in; both only where every feed stays below its warning level. Otherwise
// anywhere.
Plan planFor(const Occupancy& occ, const Request& req, const ClaimBook::Locks& held) {
  const Inventory& inv = occ.inventory();
  auto index = [&](const Rack* rack) { return static_cast<std::size_t>(rack - inv.racks.data()); };
  if (auto racks = held.held("rack"); !racks.empty()) {
    std::vector<bool> within(inv.racks.size(), false);
    for (auto name : racks)
      if (const Rack* rack = inv.rack(name)) within[index(rack)] = true;
    auto plan = allocateWithin(occ, req, within);
    if (plan && held.cover(*plan)) return std::move(*plan);
  }
  auto racks = held.busy("rack"), switches = held.busy("switch");
  if (!racks.empty() || !switches.empty()) {
    std::vector<bool> within(inv.racks.size(), true);
    for (auto name : racks)
      if (const Rack* rack = inv.rack(name)) within[index(rack)] = false;
    for (std::size_t r = 0; r < inv.racks.size() && !switches.empty(); ++r)
      for (const auto& sw : inv.racks[r].switches)
        if (std::find(switches.begin(), switches.end(), sw) != switches.end()) within[r] = false;
    if (auto plan = allocateWithin(occ, req, within)) return std::move(*plan);
  }
  return allocate(occ, req);
}
}  // namespace

std::optional<ClaimedPlan> draftPlan(OccupancyCache& cache, const Request& req) {
  std::optional<ClaimedPlan> out;
  cache.peek([&](const Occupancy& occ) {
    try {
      ClaimedPlan d;
      d.plan = allocate(occ, req);
      d.generation = occ.generation();
      out = std::move(d);
    } catch (const Error&) {
      // Said by the write, which plans from what the ledger holds.
    }
  });
  return out;
}

ClaimedPlan claimNewPlan(Ledger& ledger, const Request& req, OccupancyCache& cache,
                         const std::function<void(const Plan&)>& check,
                         const std::optional<ClaimedPlan>& draft) {
  ClaimedPlan out;
  ClaimBook& book = ledger.claims();
  ClaimBook::Locks held;
  // Planned from what the ledger holds (the cache follows it first), or
  // taken from the draft made before the write; then the racks, switches
  // and pools the plan takes are locked. A plan stands when nothing was
  // claimed or freed in between, or when it was made after everything it
  // takes was locked: nobody else can claim there meanwhile. Otherwise it
  // is made again, keeping the locks; so it is when a rack or switch it
  // takes is being claimed in by another writer (design.md §6, "Claims
  // made at once").
  for (out.plans = 1;; ++out.plans) {
    if (out.plans == 1 && draft) {
      out.plan = draft->plan;
      out.generation = draft->generation;
    } else {
      cache.use(ledger, [&](const Occupancy& occ) {
        out.generation = occ.generation();
        out.plan = planFor(occ, req, held);
      });
    }
    if (check) check(out.plan);
    if (held.cover(out.plan)) break;
    if (book.lock(out.plan, held) && book.generation() == out.generation) break;
  }
  out.claimedAt = book.claimLocked(out.plan, req.tenant.code);
  return out;
}

std::string placementSummary(const Plan& plan) {
  std::string detail;
  for (const auto& s : plan.servers)
    detail += (detail.empty() ? "" : "; ") + s.hostname + " in " + s.rack + " U" +
              std::to_string(s.first_unit) +
              (s.height > 1 ? "-" + std::to_string(s.last_unit()) : std::string());
  return detail;
}

}  // namespace colo::inventory
