// What requests hold: rack units, power on feeds, switch ports and
// addresses. Unique keys on (rack, unit), (switch, port) and address make it
// impossible to hand anything out twice, whatever the code above does and
// however many processes write at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "colo/inventory/ip.h"
#include "colo/inventory/plan.h"

namespace colo::inventory {

namespace ledger {
class Connection;
}

// Everything currently held by requests, as stored.
struct Claims {
  struct Unit {
    std::string rack;
    int unit;
    std::string request_id, hostname, tenant;
  };
  struct Power {
    std::string rack, feed;
    int watts;
    std::string request_id, hostname;
  };
  struct Address {
    std::string pool;
    IpAddress address;
    std::string request_id, hostname;
  };
  struct Port {
    std::string switch_name, port;
    int vlan;
    std::string request_id, hostname;
  };
  std::vector<Unit> units;
  std::vector<Power> power;
  std::vector<Address> addresses;
  std::vector<Port> ports;
};

// Takes claims one at a time (ClaimBook::each): units, then power, ports
// and addresses.
class ClaimSink {
 public:
  virtual ~ClaimSink() = default;
  virtual void unit(const Claims::Unit& c) = 0;
  virtual void power(const Claims::Power& c) = 0;
  virtual void port(const Claims::Port& c) = 0;
  virtual void address(const Claims::Address& c) = 0;
};

class ClaimBook {
 public:
  explicit ClaimBook(ledger::Connection& c) : c_(c) {}

  Claims all();
  // The same, one claim at a time, none kept: what a process builds its
  // occupancy from when it starts (design.md §5).
  void each(ClaimSink& sink);
  // The addresses requests hold in `pool`, in no particular order.
  std::vector<Claims::Address> inPool(std::string_view pool);
  // Whether the request still holds anything (units, power, ports, addresses).
  bool holds(std::string_view request_id);
  // The switch ports `request_id` holds. Those of a released request are
  // ports to clean by hand: released without touching the switches
  // (design.md §7, "Forgetting the switches"), they stay held, so nothing
  // else is placed on them, until `colo validate --online` finds them unused.
  std::vector<Claims::Port> portsOf(std::string_view request_id);
  // Increases with every change to what is claimed; lets a cache of claims
  // know it is stale.
  std::int64_t generation();
  // The requests whose claims changed after generation `after` up to
  // `upTo`, each once; nullopt when the ledger no longer keeps changes that
  // old (it keeps the last kChangesKept): such a reader reads all() again.
  std::optional<std::vector<std::string>> changedSince(std::int64_t after, std::int64_t upTo);
  // What `requestIds` hold now, as stored.
  Claims of(const std::vector<std::string>& requestIds);
  static constexpr std::int64_t kChangesKept = 100000;
  // How many changes this connection's writes keep (tests: a few).
  void keepChanges(std::int64_t kept) { changesKept_ = kept < 1 ? 1 : kept; }

  // The following run inside Ledger::write.
  // Claims everything in `plan`, first locking its racks, switches and pools
  // (in one global order, on PostgreSQL). `basedOn` is the generation the
  // plan was made from (-1: unchecked): when the claims changed since, the
  // transaction runs again. A unit, port or address already held makes it
  // throw Error(conflict) naming the thing and its holder. Returns the
  // generation after the claim.
  std::int64_t claim(const Plan& plan, std::string_view tenant, std::int64_t basedOn = -1);
  // Frees everything `request_id` holds; its recorded allocation stays.
  void unclaim(std::string_view request_id);
  // Frees what `request_id` holds except its switch ports (see portsOf).
  void unclaimAllButPorts(std::string_view request_id);
  // Frees one port `request_id` holds; false when it holds no such port.
  bool unclaimPort(std::string_view request_id, std::string_view switchName, std::string_view port);

 private:
  // Bumps the generation, noting whose claims changed; returns the new one.
  std::int64_t changed(std::string_view request_id);

  ledger::Connection& c_;
  std::int64_t changesKept_ = kChangesKept;
};

}  // namespace colo::inventory
