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
  // `upTo`, each once, and what they hold now, read in one statement (a
  // process following another's claims reads this once a change);
  // nullopt when the ledger no longer keeps changes that old (it keeps the
  // last kChangesKept): such a reader reads all() again.
  struct Changes {
    std::vector<std::string> requests;
    Claims claims;  // of those requests
  };
  std::optional<Changes> changesAfter(std::int64_t after, std::int64_t upTo);
  static constexpr std::int64_t kChangesKept = 100000;
  // How many changes this connection's writes keep (tests: a few).
  void keepChanges(std::int64_t kept) { changesKept_ = kept < 1 ? 1 : kept; }

  // The following run inside Ledger::write.

  // The racks, switches and pools one write transaction has locked for its
  // claims; they stay locked until it ends (design.md §6, "Claims made at
  // once"). Also the racks and switches it found another writer claiming
  // in, which it plans around.
  class Locks {
   public:
    // Whether everything `plan` takes is among them.
    bool cover(const Plan& plan) const;
    // The names of the racks (`kind` "rack") or switches ("switch") among
    // them; those another writer was found holding.
    std::vector<std::string_view> held(std::string_view kind) const { return names(keys_, kind); }
    std::vector<std::string_view> busy(std::string_view kind) const { return names(busy_, kind); }

   private:
    friend class ClaimBook;
    static std::vector<std::string_view> names(const std::vector<std::string>& keys,
                                               std::string_view kind);
    std::vector<std::string> keys_;  // sorted
    std::vector<std::string> busy_;  // keys another writer held, in the order met
    int rounds_ = 0;
  };
  // Locks what `plan` takes that `held` does not hold yet (on PostgreSQL;
  // SQLite's writers exclude each other). It takes at once whatever is free.
  // A rack or switch another writer holds, it notes in `held` and returns
  // false: the caller plans around it (up to three of them). Anything else
  // not free (a pool, a rack planned on again), it waits for if it holds
  // nothing, in one global order; holding some, it must not wait (two such
  // could wait in a circle) and throws ledger::Retry, as it does after a few
  // rounds: the transaction runs again from the start after a pause. True
  // when everything `plan` takes is held.
  bool lock(const Plan& plan, Locks& held);
  // Claims everything in `plan`, whose racks, switches and pools the caller
  // holds locked (lock) and which was planned from what is held now. A
  // unit, port or address already held makes it throw Error(conflict)
  // naming the thing and its holder. Returns the generation after the claim.
  std::int64_t claimLocked(const Plan& plan, std::string_view tenant);
  // Waits for everything `plan` takes, then claimLocked: for a plan the
  // caller vouches for, in a write that holds no locks yet.
  std::int64_t claim(const Plan& plan, std::string_view tenant);
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
