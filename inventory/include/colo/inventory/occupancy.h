// What is taken right now: the inventory's devices, reserved units, in-use
// ports, gateways and reserved addresses, plus every claim in the ledger.
// Built once from every claim; then it follows the ledger's changes, in time
// proportional to the change (design.md §5, "Following the ledger"). The
// allocator reads it, and it answers the utilization views.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "colo/inventory/diagnostics.h"
#include "colo/inventory/ip.h"
#include "colo/inventory/ledger.h"
#include "colo/inventory/model.h"

namespace colo::inventory {

struct UnitOccupant {
  enum class Kind : std::uint8_t { free, reserved, device, claimed };
  Kind kind = Kind::free;
  std::string name;        // device or hostname
  std::string tenant;      // device tenant or request tenant
  std::string request_id;  // for claimed units
  bool operator==(const UnitOccupant&) const = default;
};

// Who holds an access port (the switch and port are where it is kept).
struct PortHolder {
  std::string request_id, hostname;
  int vlan = 0;
  bool operator==(const PortHolder&) const = default;
};

// What one installed device or colo server draws, and from which feeds.
struct PowerLoad {
  std::string name;
  std::string request_id;          // empty for an installed device
  int watts = 0;                   // its full draw, charged to each of its feeds
  std::vector<std::size_t> feeds;  // indices into the rack's feeds
  bool operator==(const PowerLoad&) const = default;
};

class Occupancy {
 public:
  // `inventory` must outlive this object.
  Occupancy(const Inventory& inventory, const Claims& claims, std::int64_t generation);
  // The same from claims given one at a time: `rows.feed` passes each to
  // the sink it is given (ClaimBook::each), so that they are never all held.
  // With `apart`, the rows are read on a second thread while this one
  // applies them (a start at 200,000 requests reads 2.8 million rows), a
  // few thousand at a time; `feed` must then not need the calling thread
  // (a ledger connection may be used from any one thread at a time).
  struct ClaimRows {
    std::function<void(ClaimSink&)> feed;
    bool apart = false;
  };
  Occupancy(const Inventory& inventory, std::int64_t generation, const ClaimRows& rows);
  // A copy is a snapshot: it shares what it has not changed with the
  // original (copying costs the number of racks, switches and pools), and it
  // cannot follow the ledger (follow() and add() throw std::logic_error).
  Occupancy(const Occupancy& other);
  Occupancy& operator=(const Occupancy&) = delete;
  ~Occupancy();

  const Inventory& inventory() const { return inv_; }
  std::int64_t generation() const { return generation_; }

  // Index 1..height of rack `r` (index into inventory().racks); [0] unused.
  const std::vector<UnitOccupant>& units(std::size_t r) const { return racks_[r]->units; }
  // Watts drawn on feed `f` of rack `r` by devices and claims.
  int drawn(std::size_t r, std::size_t f) const { return racks_[r]->drawn[f]; }
  // Every device and colo server of rack `r` with its draw: devices in
  // inventory order, then colo's servers by request id and hostname.
  const std::vector<PowerLoad>& loads(std::size_t r) const { return racks_[r]->loads; }
  // Whether access port `p` of switch `s` is in use or claimed.
  bool portTaken(std::size_t s, std::size_t p) const { return switches_[s]->taken[p] != 0; }
  // Who holds access port `p` of switch `s` (its request_id, hostname and
  // VLAN); nullptr when no request does.
  const PortHolder* portHolder(std::size_t s, std::size_t p) const {
    const auto& h = switches_[s]->holders[p];
    return h.request_id.empty() ? nullptr : &h;
  }
  std::size_t freePorts(std::size_t s) const { return switches_[s]->free; }
  // Index of a port in inventory().switches[s].access_ports, if it is one.
  std::optional<std::size_t> portIndex(std::size_t s, std::string_view port) const;
  std::size_t rackIndex(const Rack& r) const {
    return static_cast<std::size_t>(&r - inv_.racks.data());
  }
  std::size_t switchIndex(const Switch& s) const {
    return static_cast<std::size_t>(&s - inv_.switches.data());
  }
  std::size_t poolIndex(const IpPool& p) const {
    return static_cast<std::size_t>(&p - inv_.pools.data());
  }
  // Addresses that may not be handed out: gateway, reserved ranges, claims.
  const IntervalSet& addressesTaken(std::size_t pool) const { return pools_[pool]->taken; }
  std::size_t addressesClaimed(std::size_t pool) const { return pools_[pool]->claimed; }

  // This occupancy as a department sees it: every installed device, and
  // every colo server of a request `own` does not accept, is named
  // "occupied N" (numbered per rack), without tenant or request id; its
  // units, kind and watts stay. Ports such requests hold keep no hostname or
  // request id (they read as in use). For a requester's racks and
  // elevations (docs/design.md §11).
  Occupancy seenBy(const std::function<bool(const std::string& requestId)>& own) const;

  // What a change touched: indices of racks, switches and pools.
  struct Touched {
    std::vector<std::size_t> racks, switches, pools;
    bool empty() const { return racks.empty() && switches.empty() && pools.empty(); }
    // Adds what `other` touched; each list stays sorted, each index once.
    void merge(const Touched& other);
    void normalize();
  };
  // Brings this occupancy to `generation`: `changed` are the requests whose
  // claims changed since generation(), and `now` what they hold now (claims
  // of other requests in it are ignored). Costs what those requests held and
  // hold, not the size of the ledger.
  Touched follow(const std::vector<std::string>& changed, const Claims& now,
                 std::int64_t generation);
  // Adds a plan that the ledger has just committed, at `generation`.
  Touched add(const Plan& plan, const std::string& tenant, std::int64_t generation);

  // Claims that no longer fit the inventory (an administrator put a device
  // where colo reserved, removed a pool that holds claims, ...): each
  // request's, in the order of its claims, then feeds carrying more than
  // they can.
  Diagnostics conflicts() const;

  // Empty when `other` holds exactly what this one does; otherwise the
  // first difference, for a self-check's log line.
  std::string difference(const Occupancy& other) const;

 private:
  struct RackState {
    std::vector<UnitOccupant> units;
    std::vector<int> drawn;
    std::vector<PowerLoad> loads;
    std::vector<int> deviceDrawn;  // per feed, by the inventory's devices alone
    std::size_t devices = 0;       // loads[0, devices) are the inventory's devices
  };
  struct SwitchState {
    std::vector<std::uint8_t> taken;
    std::vector<PortHolder> holders;  // per access port
    std::size_t free = 0;
  };
  struct PoolState {
    IntervalSet taken;
    std::size_t claimed = 0;
  };
  struct Held;  // what one request holds, by index
  struct Index;

  RackState& rack(std::size_t r);
  SwitchState& sw(std::size_t s);
  PoolState& pool(std::size_t p);
  Index& index();
  void claimUnit(const Claims::Unit& u);
  void claimPower(const Claims::Power& p);
  void claimPort(const Claims::Port& p);
  void claimAddress(const Claims::Address& a);
  void release(const std::string& requestId);
  void checkFeeds(std::size_t r);
  void conflict(const std::string& requestId, const SourceLocation& where, std::string message);

  const Inventory& inv_;
  std::int64_t generation_;
  // Shared with snapshots until changed (copy on write).
  std::vector<std::shared_ptr<RackState>> racks_;
  std::vector<std::shared_ptr<SwitchState>> switches_;
  std::vector<std::shared_ptr<PoolState>> pools_;
  std::shared_ptr<const std::vector<NameIndex>> portIndex_;
  // What each request holds; only the original has it.
  std::unique_ptr<Index> index_;
  std::map<std::string, Diagnostics, std::less<>> requestConflicts_;
  std::map<std::pair<std::size_t, std::size_t>, Diagnostic> feedConflicts_;
  Touched* touched_ = nullptr;  // while following
};

}  // namespace colo::inventory
