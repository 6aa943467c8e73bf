#include "colo/inventory/occupancy.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <tuple>
#include <unordered_map>

namespace colo::inventory {

// What one request holds, by index, so that freeing it costs what it holds.
// Kept for every request that holds anything (200,000 of them in a large
// ledger), so it is kept small: indices, not names, and a request's
// addresses as runs (its NICs' addresses are mostly consecutive).
struct Occupancy::Held {
  struct Power {
    std::size_t rack, feed;
    int watts;
    std::string hostname;
  };
  struct Addresses {
    u128 first;
    std::uint32_t pool, count;  // first .. first + count - 1
  };
  std::vector<std::pair<std::size_t, int>> units;  // (rack, unit)
  std::vector<Power> power;
  std::vector<std::pair<std::size_t, std::size_t>> ports;  // (switch, port)
  std::vector<Addresses> addresses;
  std::uint32_t order = 0;  // its place in Index::order, while building

  void addAddress(std::size_t pool, u128 a) {
    for (auto& run : addresses)
      if (run.pool == pool && run.first + run.count == a) {
        ++run.count;
        return;
      }
    addresses.push_back({a, static_cast<std::uint32_t>(pool), 1});
  }
};

struct Occupancy::Index {
  std::unordered_map<std::string, Held> byRequest;
  // The request of the last lookup: a request's claim rows come one after
  // another, so most rows skip the hash (a node's address never moves).
  const std::string* lastId = nullptr;
  Held* last = nullptr;
  // While built from every claim: the requests in the order of their first
  // rows. Each claim table lists the requests in the order they claimed, so
  // the next table's rows find their request at `next` without a hash
  // lookup (a start looks up 200,000 requests once per table otherwise).
  std::vector<std::pair<const std::string*, Held*>> order;
  std::size_t next = 0;
  bool ordering = false;

  Held& of(const std::string& requestId) {
    if (last && *lastId == requestId) return *last;
    if (next < order.size() && *order[next].first == requestId) {
      std::tie(lastId, last) = order[next++];
      return *last;
    }
    auto [it, added] = byRequest.try_emplace(requestId);
    lastId = &it->first;
    last = &it->second;
    if (ordering) {
      if (added) {
        last->order = static_cast<std::uint32_t>(order.size());
        order.emplace_back(lastId, last);
      }
      next = last->order + 1;
    }
    return *last;
  }
  // The last rack, switch and pools found by name, and the last port's
  // place: consecutive rows mostly name the same ones (a request's two
  // feeds; its addresses, alternating between a v4 and a v6 pool; the same
  // port of the next rack's switch, as racks fill in turn).
  const Rack* lastRack = nullptr;
  const Switch* lastSwitch = nullptr;
  const IpPool* lastPools[2] = {nullptr, nullptr};
  std::size_t lastPort = 0;

  const Rack* rack(const Inventory& inv, const std::string& name) {
    if (!lastRack || lastRack->name != name) lastRack = inv.rack(name);
    return lastRack;
  }
  const Switch* switchNamed(const Inventory& inv, const std::string& name) {
    if (!lastSwitch || lastSwitch->name != name) lastSwitch = inv.switchNamed(name);
    return lastSwitch;
  }
  const IpPool* pool(const Inventory& inv, const std::string& name) {
    for (const auto* p : lastPools)
      if (p && p->name == name) return p;
    lastPools[1] = lastPools[0];
    return lastPools[0] = inv.pool(name);
  }

  // The first row of the next table.
  void rewind() {
    next = 0;
    last = nullptr;
  }
  void built() {
    order = {};
    ordering = false;
    rewind();
  }
  void erase(std::unordered_map<std::string, Held>::iterator it) {
    if (last == &it->second) last = nullptr;
    byRequest.erase(it);
  }
};

namespace {

std::string holder(const std::string& request_id, const std::string& hostname) {
  return "request " + request_id + " (" + hostname + ")";
}

SourceLocation fileOf(const Inventory& inv) {
  return {inv.files.empty() ? std::string("inventory") : inv.files.front(), 0, 0};
}

// What unit `u` of `rack` is without any claim: the last device the
// inventory puts there, else reserved, else free.
UnitOccupant baseUnit(const Rack& rack, int u) {
  UnitOccupant out;
  if (std::find(rack.reserved_units.begin(), rack.reserved_units.end(), u) !=
      rack.reserved_units.end())
    out = {UnitOccupant::Kind::reserved, "", "", ""};
  for (const auto& d : rack.devices)
    if (u >= d.position && u <= std::min(d.top(), rack.height))
      out = {UnitOccupant::Kind::device, d.name, d.tenant, ""};
  return out;
}

bool baseAddress(const IpPool& pool, u128 v) {
  if (pool.gateway && pool.gateway->value == v) return true;
  for (const auto& r : pool.reserved)
    if (r.first.value <= v && v <= r.last.value) return true;
  return false;
}

bool inUse(const Switch& sw, std::string_view port) {
  return std::find(sw.in_use.begin(), sw.in_use.end(), port) != sw.in_use.end();
}

void note(std::vector<std::size_t>* into, std::size_t i) {
  if (into) into->push_back(i);
}

// Claim rows handed from the thread that reads them to the one that
// applies them, a batch at a time; at most kBatches wait, so the rows are
// never all held.
class RowPipe : public ClaimSink {
 public:
  void unit(const Claims::Unit& c) override { add(filling_.units, c); }
  void power(const Claims::Power& c) override { add(filling_.power, c); }
  void port(const Claims::Port& c) override { add(filling_.ports, c); }
  void address(const Claims::Address& c) override { add(filling_.addresses, c); }

  // The reader's end: what is left, and how the feed ended.
  void close(std::exception_ptr error) {
    if (!error && rows_ > 0) {
      try {
        hand();
      } catch (...) {
        error = std::current_exception();
      }
    }
    std::lock_guard lock(mu_);
    closed_ = true;
    error_ = error;
    cv_.notify_all();
  }
  // The applier's end: the next batch, or nothing once the reader closed.
  // Throws what the feed threw.
  std::optional<Claims> take() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !full_.empty() || closed_; });
    if (!full_.empty()) {
      auto out = std::move(full_.front());
      full_.pop_front();
      cv_.notify_all();
      return out;
    }
    if (error_) std::rethrow_exception(error_);
    return std::nullopt;
  }
  // A batch applied, to be filled again (its vectors keep their capacity).
  void giveBack(Claims batch) {
    batch.units.clear();
    batch.power.clear();
    batch.ports.clear();
    batch.addresses.clear();
    std::lock_guard lock(mu_);
    spare_.push_back(std::move(batch));
  }
  // The applier failed: the reader's next hand-over throws.
  void cancel() {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    cv_.notify_all();
  }

 private:
  static constexpr std::size_t kRows = 4096, kBatches = 4;
  struct Cancelled : std::exception {
    const char* what() const noexcept override { return "occupancy build cancelled"; }
  };

  template <typename Row>
  void add(std::vector<Row>& into, const Row& row) {
    into.push_back(row);
    if (++rows_ == kRows) hand();
  }
  void hand() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return full_.size() < kBatches || cancelled_; });
    if (cancelled_) throw Cancelled();
    full_.push_back(std::move(filling_));
    filling_ = {};
    if (!spare_.empty()) {
      filling_ = std::move(spare_.back());
      spare_.pop_back();
    }
    rows_ = 0;
    cv_.notify_all();
  }

  Claims filling_;  // the reader's own
  std::size_t rows_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Claims> full_;
  std::vector<Claims> spare_;
  bool closed_ = false, cancelled_ = false;
  std::exception_ptr error_;
};

}  // namespace

void Occupancy::Touched::normalize() {
  for (auto* v : {&racks, &switches, &pools}) {
    std::sort(v->begin(), v->end());
    v->erase(std::unique(v->begin(), v->end()), v->end());
  }
}

void Occupancy::Touched::merge(const Touched& other) {
  racks.insert(racks.end(), other.racks.begin(), other.racks.end());
  switches.insert(switches.end(), other.switches.begin(), other.switches.end());
  pools.insert(pools.end(), other.pools.begin(), other.pools.end());
  normalize();
}

Occupancy::Occupancy(const Occupancy& o)
    : inv_(o.inv_),
      generation_(o.generation_),
      racks_(o.racks_),
      switches_(o.switches_),
      pools_(o.pools_),
      portIndex_(o.portIndex_),
      requestConflicts_(o.requestConflicts_),
      feedConflicts_(o.feedConflicts_) {}

Occupancy::~Occupancy() = default;

// Copy on write: a snapshot may still share the state.
Occupancy::RackState& Occupancy::rack(std::size_t r) {
  if (racks_[r].use_count() > 1) racks_[r] = std::make_shared<RackState>(*racks_[r]);
  if (touched_) note(&touched_->racks, r);
  return *racks_[r];
}
Occupancy::SwitchState& Occupancy::sw(std::size_t s) {
  if (switches_[s].use_count() > 1) switches_[s] = std::make_shared<SwitchState>(*switches_[s]);
  if (touched_) note(&touched_->switches, s);
  return *switches_[s];
}
Occupancy::PoolState& Occupancy::pool(std::size_t p) {
  if (pools_[p].use_count() > 1) pools_[p] = std::make_shared<PoolState>(*pools_[p]);
  if (touched_) note(&touched_->pools, p);
  return *pools_[p];
}
Occupancy::Index& Occupancy::index() {
  if (!index_) throw std::logic_error("Occupancy: a snapshot does not follow the ledger");
  return *index_;
}

Occupancy Occupancy::seenBy(const std::function<bool(const std::string&)>& own) const {
  Occupancy out(*this);
  for (std::size_t r = 0; r < out.racks_.size(); ++r) {
    auto& rack = out.rack(r);
    // One alias per occupant, shared by its units and its load.
    std::map<std::pair<std::string, std::string>, std::string> alias;
    auto hide = [&](std::string& name, std::string& requestId) {
      auto& a = alias[{name, requestId}];
      if (a.empty()) a = "occupied " + std::to_string(alias.size());
      name = a;
      requestId.clear();
    };
    for (auto& u : rack.units) {
      bool foreign = u.kind == UnitOccupant::Kind::device ||
                     (u.kind == UnitOccupant::Kind::claimed && !own(u.request_id));
      if (!foreign) continue;
      hide(u.name, u.request_id);
      u.tenant.clear();
    }
    for (auto& l : rack.loads)
      if (l.request_id.empty() || !own(l.request_id)) hide(l.name, l.request_id);
  }
  for (std::size_t s = 0; s < out.switches_.size(); ++s) {
    bool foreign = false;
    for (const auto& h : out.switches_[s]->holders)
      foreign = foreign || (!h.request_id.empty() && !own(h.request_id));
    if (!foreign) continue;
    for (auto& h : out.sw(s).holders)
      if (!h.request_id.empty() && !own(h.request_id)) {
        h.request_id.clear();
        h.hostname.clear();
      }
  }
  return out;
}

Occupancy::Occupancy(const Inventory& inv, const Claims& claims, std::int64_t generation)
    : Occupancy(inv, generation, ClaimRows{[&](ClaimSink& sink) {
                  for (const auto& u : claims.units) sink.unit(u);
                  for (const auto& p : claims.power) sink.power(p);
                  for (const auto& p : claims.ports) sink.port(p);
                  for (const auto& a : claims.addresses) sink.address(a);
                }}) {}

Occupancy::Occupancy(const Inventory& inv, std::int64_t generation, const ClaimRows& rows)
    : inv_(inv), generation_(generation), index_(std::make_unique<Index>()) {
  racks_.reserve(inv.racks.size());
  for (const Rack& rack : inv.racks) {
    auto st = std::make_shared<RackState>();
    st->units.resize(static_cast<std::size_t>(rack.height) + 1);
    st->drawn.assign(rack.feeds.size(), 0);
    for (int u = 1; u <= rack.height; ++u)
      st->units[static_cast<std::size_t>(u)] = baseUnit(rack, u);
    for (const auto& d : rack.devices) {
      PowerLoad load{d.name, "", d.power_watts, {}};
      for (std::size_t f = 0; f < rack.feeds.size(); ++f)
        if (d.feeds.empty() ||
            std::find(d.feeds.begin(), d.feeds.end(), rack.feeds[f].name) != d.feeds.end()) {
          st->drawn[f] += d.power_watts;
          load.feeds.push_back(f);
        }
      st->loads.push_back(std::move(load));
    }
    st->deviceDrawn = st->drawn;
    st->devices = st->loads.size();
    racks_.push_back(std::move(st));
  }
  auto ports = std::make_shared<std::vector<NameIndex>>(inv.switches.size());
  switches_.reserve(inv.switches.size());
  for (std::size_t s = 0; s < inv.switches.size(); ++s) {
    const Switch& sw = inv.switches[s];
    auto st = std::make_shared<SwitchState>();
    st->taken.assign(sw.access_ports.size(), 0);
    st->holders.resize(sw.access_ports.size());
    for (std::size_t p = 0; p < sw.access_ports.size(); ++p) {
      (*ports)[s].emplace(sw.access_ports[p], p);
      st->taken[p] = inUse(sw, sw.access_ports[p]) ? 1 : 0;
    }
    st->free = static_cast<std::size_t>(std::count(st->taken.begin(), st->taken.end(), 0));
    switches_.push_back(std::move(st));
  }
  portIndex_ = std::move(ports);
  pools_.reserve(inv.pools.size());
  for (const IpPool& pool : inv.pools) {
    auto st = std::make_shared<PoolState>();
    if (pool.gateway) st->taken.insert(pool.gateway->value);
    for (const auto& r : pool.reserved) st->taken.insert(r.first.value, r.last.value);
    pools_.push_back(std::move(st));
  }
  // The rows come table by table; each table starts the requests' order over.
  struct Sink : ClaimSink {
    Occupancy& o;
    int table = -1;
    explicit Sink(Occupancy& occ) : o(occ) {}
    Occupancy& at(int t) {
      if (t != table) o.index().rewind();
      table = t;
      return o;
    }
    void unit(const Claims::Unit& c) override { at(0).claimUnit(c); }
    void power(const Claims::Power& c) override { at(1).claimPower(c); }
    void port(const Claims::Port& c) override { at(2).claimPort(c); }
    void address(const Claims::Address& c) override { at(3).claimAddress(c); }
  } sink(*this);
  index_->ordering = true;
  RowPipe pipe;
  std::thread reader;
  if (rows.apart) {
    try {
      reader = std::thread([&] {
        std::exception_ptr error;
        try {
          rows.feed(pipe);
        } catch (...) {
          error = std::current_exception();
        }
        pipe.close(error);
      });
    } catch (const std::system_error&) {
      // No thread to spare: the rows are read here.
    }
  }
  if (!reader.joinable()) {
    rows.feed(sink);
  } else {
    try {
      while (auto batch = pipe.take()) {
        for (const auto& u : batch->units) sink.unit(u);
        for (const auto& p : batch->power) sink.power(p);
        for (const auto& p : batch->ports) sink.port(p);
        for (const auto& a : batch->addresses) sink.address(a);
        pipe.giveBack(std::move(*batch));
      }
    } catch (...) {
      pipe.cancel();
      reader.join();
      throw;
    }
    reader.join();
  }
  index_->built();
  for (std::size_t r = 0; r < racks_.size(); ++r) checkFeeds(r);
}

std::optional<std::size_t> Occupancy::portIndex(std::size_t s, std::string_view port) const {
  const auto& ports = (*portIndex_)[s];
  auto it = ports.find(port);
  if (it == ports.end()) return std::nullopt;
  return it->second;
}

void Occupancy::conflict(const std::string& requestId, const SourceLocation& where,
                         std::string message) {
  requestConflicts_[requestId].push_back({where, std::move(message)});
}

Diagnostics Occupancy::conflicts() const {
  Diagnostics out;
  for (const auto& [id, d] : requestConflicts_) out.insert(out.end(), d.begin(), d.end());
  for (const auto& [feed, d] : feedConflicts_) out.push_back(d);
  return out;
}

void Occupancy::claimUnit(const Claims::Unit& c) {
  const Rack* rk = index().rack(inv_, c.rack);
  if (!rk) {
    conflict(c.request_id, fileOf(inv_),
             "rack '" + c.rack + "' is gone from the inventory, but the ledger holds unit " +
                 std::to_string(c.unit) + " of it for " + holder(c.request_id, c.hostname));
    return;
  }
  if (c.unit < 1 || c.unit > rk->height) {
    conflict(c.request_id, rk->where,
             "rack '" + c.rack + "' is now " + std::to_string(rk->height) +
                 " units high, but the ledger holds unit " + std::to_string(c.unit) + " for " +
                 holder(c.request_id, c.hostname));
    return;
  }
  auto r = rackIndex(*rk);
  auto& slot = rack(r).units[static_cast<std::size_t>(c.unit)];
  if (slot.kind == UnitOccupant::Kind::device) {
    auto d = std::find_if(rk->devices.begin(), rk->devices.end(),
                          [&](const Device& x) { return x.name == slot.name; });
    conflict(c.request_id, d != rk->devices.end() ? d->where : rk->where,
             "device '" + slot.name + "' occupies unit " + std::to_string(c.unit) + " of rack '" +
                 c.rack + "', which colo reserved for " + holder(c.request_id, c.hostname));
  } else if (slot.kind == UnitOccupant::Kind::reserved) {
    conflict(c.request_id, rk->where,
             "rack '" + c.rack + "' marks unit " + std::to_string(c.unit) +
                 " reserved, but colo holds it for " + holder(c.request_id, c.hostname));
  }
  slot = {UnitOccupant::Kind::claimed, c.hostname, c.tenant, c.request_id};
  index().of(c.request_id).units.emplace_back(r, c.unit);
}

void Occupancy::claimPower(const Claims::Power& c) {
  const Rack* rk = index().rack(inv_, c.rack);
  if (!rk) return;  // reported with its units
  auto r = rackIndex(*rk);
  for (std::size_t f = 0; f < rk->feeds.size(); ++f) {
    if (rk->feeds[f].name != c.feed) continue;
    auto& st = rack(r);
    st.drawn[f] += c.watts;
    // Colo's servers after the devices, by request id and hostname.
    auto from = st.loads.begin() + static_cast<std::ptrdiff_t>(st.devices);
    auto it = std::lower_bound(
        from, st.loads.end(), std::tie(c.request_id, c.hostname),
        [](const PowerLoad& l, const auto& key) { return std::tie(l.request_id, l.name) < key; });
    if (it == st.loads.end() || it->request_id != c.request_id || it->name != c.hostname)
      it = st.loads.insert(it, {c.hostname, c.request_id, c.watts, {}});
    it->feeds.insert(std::lower_bound(it->feeds.begin(), it->feeds.end(), f), f);
    index().of(c.request_id).power.push_back({r, f, c.watts, c.hostname});
    return;
  }
  conflict(c.request_id, rk->where,
           "rack '" + c.rack + "' has no feed '" + c.feed + "', but the ledger charges " +
               std::to_string(c.watts) + " W to it for " + holder(c.request_id, c.hostname));
}

// A feed that colo's claims take past what it can carry (one the devices
// alone overload is the inventory's own error, reported by validation).
void Occupancy::checkFeeds(std::size_t r) {
  const Rack& rk = inv_.racks[r];
  const auto& st = *racks_[r];
  for (std::size_t f = 0; f < rk.feeds.size(); ++f) {
    int usable = rk.usableWatts(rk.feeds[f]);
    if (st.drawn[f] > usable && st.deviceDrawn[f] <= usable)
      feedConflicts_[{r, f}] = {rk.feeds[f].where,
                                "feed '" + rk.feeds[f].name + "' of rack '" + rk.name +
                                    "' now carries " + std::to_string(st.drawn[f]) +
                                    " W with what colo reserved, more than its " +
                                    std::to_string(usable) + " W usable"};
    else
      feedConflicts_.erase({r, f});
  }
}

void Occupancy::claimPort(const Claims::Port& c) {
  const Switch* swp = index().switchNamed(inv_, c.switch_name);
  if (!swp) {
    conflict(c.request_id, fileOf(inv_),
             "switch '" + c.switch_name +
                 "' is gone from the inventory, but the ledger holds its port " + c.port + " for " +
                 holder(c.request_id, c.hostname));
    return;
  }
  auto s = switchIndex(*swp);
  auto& guess = index().lastPort;
  auto p = guess < swp->access_ports.size() && swp->access_ports[guess] == c.port
               ? std::optional<std::size_t>(guess)
               : portIndex(s, c.port);
  if (!p) {
    conflict(c.request_id, swp->where,
             "switch '" + c.switch_name + "' no longer lists " + c.port +
                 " in access_ports, but the ledger holds it for " +
                 holder(c.request_id, c.hostname));
    return;
  }
  guess = *p;
  if (inUse(*swp, c.port))
    conflict(c.request_id, swp->where,
             "switch '" + c.switch_name + "' marks " + c.port + " in_use, but colo holds it for " +
                 holder(c.request_id, c.hostname));
  auto& st = sw(s);
  if (!st.taken[*p]) --st.free;
  st.taken[*p] = 1;
  st.holders[*p] = {c.request_id, c.hostname, c.vlan};
  index().of(c.request_id).ports.emplace_back(s, *p);
}

void Occupancy::claimAddress(const Claims::Address& c) {
  const IpPool* pl = index().pool(inv_, c.pool);
  if (!pl) {
    conflict(c.request_id, fileOf(inv_),
             "ip pool '" + c.pool + "' is gone from the inventory, but the ledger holds " +
                 c.address.str() + " of it for " + holder(c.request_id, c.hostname));
    return;
  }
  auto p = poolIndex(*pl);
  if (!pl->prefix.contains(c.address))
    conflict(c.request_id, pl->where,
             "ip pool '" + c.pool + "' no longer contains " + c.address.str() +
                 ", which colo holds for " + holder(c.request_id, c.hostname));
  else if (pools_[p]->taken.contains(c.address.value))
    conflict(c.request_id, pl->where,
             "ip pool '" + c.pool + "' now reserves " + c.address.str() +
                 " (gateway or reserved range), which colo holds for " +
                 holder(c.request_id, c.hostname));
  auto& st = pool(p);
  st.taken.insert(c.address.value);
  ++st.claimed;
  index().of(c.request_id).addAddress(p, c.address.value);
}

// Frees everything `requestId` holds here, back to what the inventory says.
void Occupancy::release(const std::string& requestId) {
  requestConflicts_.erase(requestId);
  auto found = index().byRequest.find(requestId);
  if (found == index().byRequest.end()) return;
  const Held& held = found->second;
  for (auto [r, u] : held.units)
    rack(r).units[static_cast<std::size_t>(u)] = baseUnit(inv_.racks[r], u);
  for (const auto& pw : held.power) {
    auto& st = rack(pw.rack);
    st.drawn[pw.feed] -= pw.watts;
    auto it = std::find_if(
        st.loads.begin() + static_cast<std::ptrdiff_t>(st.devices), st.loads.end(),
        [&](const PowerLoad& l) { return l.request_id == requestId && l.name == pw.hostname; });
    if (it == st.loads.end()) continue;
    it->feeds.erase(std::remove(it->feeds.begin(), it->feeds.end(), pw.feed), it->feeds.end());
    if (it->feeds.empty()) st.loads.erase(it);
  }
  for (auto [s, p] : held.ports) {
    auto& st = sw(s);
    const auto& name = inv_.switches[s].access_ports[p];
    bool base = inUse(inv_.switches[s], name);
    if (st.taken[p] && !base) ++st.free;
    st.taken[p] = base ? 1 : 0;
    st.holders[p] = {};
  }
  for (const auto& run : held.addresses) {
    auto& st = pool(run.pool);
    for (std::uint32_t i = 0; i < run.count; ++i)
      if (!baseAddress(inv_.pools[run.pool], run.first + i)) st.taken.erase(run.first + i);
    st.claimed -= run.count;
  }
  index().erase(found);
}

Occupancy::Touched Occupancy::follow(const std::vector<std::string>& changed, const Claims& now,
                                     std::int64_t generation) {
  index();  // a snapshot refuses before changing anything
  Touched t;
  touched_ = &t;
  struct Reset {
    Touched*& p;
    ~Reset() { p = nullptr; }
  } reset{touched_};
  std::set<std::string, std::less<>> ids(changed.begin(), changed.end());
  for (const auto& id : ids) release(id);
  auto mine = [&](const std::string& id) { return ids.count(id) != 0; };
  for (const auto& u : now.units)
    if (mine(u.request_id)) claimUnit(u);
  for (const auto& p : now.power)
    if (mine(p.request_id)) claimPower(p);
  for (const auto& p : now.ports)
    if (mine(p.request_id)) claimPort(p);
  for (const auto& a : now.addresses)
    if (mine(a.request_id)) claimAddress(a);
  t.normalize();
  for (auto r : t.racks) checkFeeds(r);
  generation_ = generation;
  return t;
}

Occupancy::Touched Occupancy::add(const Plan& plan, const std::string& tenant,
                                  std::int64_t generation) {
  Claims claims;
  for (const auto& s : plan.servers) {
    for (int u = s.first_unit; u <= s.last_unit(); ++u)
      claims.units.push_back({s.rack, u, plan.request_id, s.hostname, tenant});
    for (const auto& f : s.feeds)
      claims.power.push_back({s.rack, f.feed, f.watts, plan.request_id, s.hostname});
    for (const auto& n : s.nics) {
      claims.ports.push_back({n.switch_name, n.port, n.vlan, plan.request_id, s.hostname});
      for (const auto& a : n.addresses)
        claims.addresses.push_back({a.pool, a.address, plan.request_id, s.hostname});
    }
  }
  return follow({plan.request_id}, claims, generation);
}

std::string Occupancy::difference(const Occupancy& o) const {
  for (std::size_t r = 0; r < racks_.size(); ++r) {
    const auto &a = *racks_[r], &b = *o.racks_[r];
    const auto& name = inv_.racks[r].name;
    for (std::size_t u = 1; u < a.units.size(); ++u)
      if (!(a.units[u] == b.units[u]))
        return "rack " + name + " unit " + std::to_string(u) + ": '" + a.units[u].name + "' (" +
               a.units[u].request_id + ") against '" + b.units[u].name + "' (" +
               b.units[u].request_id + ")";
    if (a.drawn != b.drawn) return "rack " + name + ": the watts drawn differ";
    if (a.loads != b.loads) return "rack " + name + ": the power loads differ";
  }
  for (std::size_t s = 0; s < switches_.size(); ++s) {
    const auto &a = *switches_[s], &b = *o.switches_[s];
    const auto& sw = inv_.switches[s];
    for (std::size_t p = 0; p < a.taken.size(); ++p) {
      const auto &x = a.holders[p], &y = b.holders[p];
      if (a.taken[p] != b.taken[p] || x != y)
        return "switch " + sw.name + " port " + sw.access_ports[p] + ": held by '" + x.request_id +
               "' against '" + y.request_id + "'";
    }
    if (a.free != b.free) return "switch " + sw.name + ": the count of free ports differs";
  }
  for (std::size_t p = 0; p < pools_.size(); ++p)
    if (!(pools_[p]->taken == o.pools_[p]->taken) || pools_[p]->claimed != o.pools_[p]->claimed)
      return "ip pool " + inv_.pools[p].name + ": the addresses taken differ";
  auto texts = [](const Diagnostics& d) {
    std::vector<std::string> out;
    for (const auto& x : d) out.push_back(x.str());
    std::sort(out.begin(), out.end());
    return out;
  };
  if (texts(conflicts()) != texts(o.conflicts())) return "the conflicts differ";
  return "";
}

}  // namespace colo::inventory
