#include "colo/inventory/ledger/claims.h"

#include <algorithm>
#include <functional>
#include <iterator>
#include <nlohmann/json.hpp>

#include "colo/inventory/plan.h"

#include "colo/inventory/error.h"
#include "connection.h"

namespace colo::inventory {

using ledger::Statement;
using ledger::statusOf;

namespace {
IpAddress readAddress(const std::string& text, const std::string& path) {
  auto addr = IpAddress::parse(text);
  if (!addr)
    throw Error(ErrorKind::storage, "ledger " + path + ": unreadable address '" + text + "'");
  return *addr;
}

// An address claim from its columns: pool, address, request, hostname.
Claims::Address readAddressClaim(Statement& st, const std::string& path) {
  return {st.text(0), readAddress(st.text(1), path), st.text(2), st.text(3)};
}

// The four claim tables, each as a query and a row reader; `where` narrows
// every query alike (to one request: "WHERE request_id = ?1").
void readClaims(ledger::Connection& c, const std::string& where,
                const std::function<void(Statement&)>& bind, ClaimSink& into) {
  auto read = [&](const char* columns, const char* table, auto&& row) {
    auto st = c.sql(std::string("SELECT ") + columns + " FROM " + table + where);
    bind(st);
    while (st.step()) row(st);
  };
  read("rack, unit, request_id, hostname, tenant", "unit_claims", [&](Statement& st) {
    into.unit({st.text(0), static_cast<int>(st.integer(1)), st.text(2), st.text(3), st.text(4)});
  });
  read("rack, feed, watts, request_id, hostname", "power_claims", [&](Statement& st) {
    into.power({st.text(0), st.text(1), static_cast<int>(st.integer(2)), st.text(3), st.text(4)});
  });
  read("switch, port, vlan, request_id, hostname", "port_claims", [&](Statement& st) {
    into.port({st.text(0), st.text(1), static_cast<int>(st.integer(2)), st.text(3), st.text(4)});
  });
  read("pool, address, request_id, hostname", "address_claims",
       [&](Statement& st) { into.address(readAddressClaim(st, c.path())); });
}

// Keeps what it is given.
struct Collect : ClaimSink {
  Claims claims;
  void unit(const Claims::Unit& c) override { claims.units.push_back(c); }
  void power(const Claims::Power& c) override { claims.power.push_back(c); }
  void port(const Claims::Port& c) override { claims.ports.push_back(c); }
  void address(const Claims::Address& c) override { claims.addresses.push_back(c); }
};
}  // namespace

Claims ClaimBook::all() {
  Collect c;
  each(c);
  return std::move(c.claims);
}

void ClaimBook::each(ClaimSink& sink) {
  readClaims(
      c_, "", [](Statement&) {}, sink);
}

std::vector<Claims::Address> ClaimBook::inPool(std::string_view pool) {
  auto st =
      c_.sql("SELECT pool, address, request_id, hostname FROM address_claims WHERE pool = ?1");
  st.bind(1, pool);
  std::vector<Claims::Address> out;
  while (st.step()) out.push_back(readAddressClaim(st, c_.path()));
  return out;
}

bool ClaimBook::holds(std::string_view request_id) {
  auto st = c_.sql(
      "SELECT EXISTS (SELECT 1 FROM unit_claims WHERE request_id = ?1) OR EXISTS (SELECT 1 FROM "
      "port_claims WHERE request_id = ?1) OR EXISTS (SELECT 1 FROM address_claims WHERE "
      "request_id = ?1) OR EXISTS (SELECT 1 FROM power_claims WHERE request_id = ?1)");
  st.bind(1, request_id);
  return st.step() && st.integer(0) != 0;
}

std::vector<Claims::Port> ClaimBook::portsOf(std::string_view request_id) {
  auto st = c_.sql(
      "SELECT switch, port, vlan, request_id, hostname FROM port_claims WHERE request_id = ?1 "
      "ORDER BY switch, port");
  st.bind(1, request_id);
  std::vector<Claims::Port> out;
  while (st.step())
    out.push_back(
        {st.text(0), st.text(1), static_cast<int>(st.integer(2)), st.text(3), st.text(4)});
  return out;
}

namespace {
// The lock keys of what a plan takes, sorted, each once.
std::vector<std::string> lockKeys(const Plan& plan) {
  std::vector<std::string> keys;
  for (const auto& s : plan.servers) {
    keys.push_back("rack:" + s.rack);
    for (const auto& n : s.nics) {
      if (!n.switch_name.empty()) keys.push_back("switch:" + n.switch_name);
      for (const auto& a : n.addresses) keys.push_back("pool:" + a.pool);
    }
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}
}  // namespace

bool ClaimBook::Locks::cover(const Plan& plan) const {
  auto keys = lockKeys(plan);
  return std::includes(keys_.begin(), keys_.end(), keys.begin(), keys.end());
}

std::vector<std::string_view> ClaimBook::Locks::names(const std::vector<std::string>& keys,
                                                      std::string_view kind) {
  std::vector<std::string_view> out;
  for (std::string_view k : keys)
    if (k.size() > kind.size() && k.starts_with(kind) && k[kind.size()] == ':')
      out.push_back(k.substr(kind.size() + 1));
  return out;
}

namespace {
constexpr std::size_t kPlannedAround = 3;  // busy racks and switches, per claim
constexpr int kRoundsHolding = 6;          // locking rounds while holding some
}  // namespace

bool ClaimBook::lock(const Plan& plan, Locks& held) {
  c_.requireWrite("lock");
  // Every rack, switch and pool the plan takes, locked until the
  // transaction ends: whoever else claims in them waits or plans around
  // them. Only a writer holding nothing waits, and in one global order:
  // nobody waits in a circle.
  std::vector<std::string> missing;
  auto keys = lockKeys(plan);
  std::set_difference(keys.begin(), keys.end(), held.keys_.begin(), held.keys_.end(),
                      std::back_inserter(missing));
  if (missing.empty()) return true;
  auto retry = [&] {
    return ledger::Retry("reserve " + plan.request_id +
                         ": what it takes is being claimed by another writer; planning again");
  };
  if (!held.keys_.empty() && ++held.rounds_ > kRoundsHolding) throw retry();
  auto hold = [&](const std::string& key) {
    held.keys_.insert(std::lower_bound(held.keys_.begin(), held.keys_.end(), key), key);
  };
  // What is free at once, taken without waiting (in any order: nobody waits).
  std::size_t taken = 0;
  for (; taken < missing.size() && c_.db->tryLock(missing[taken]); ++taken) hold(missing[taken]);
  if (taken == missing.size()) return true;
  const std::string& busy = missing[taken];
  bool met = std::find(held.busy_.begin(), held.busy_.end(), busy) != held.busy_.end();
  if (!met && held.busy_.size() < kPlannedAround &&
      (busy.starts_with("rack:") || busy.starts_with("switch:"))) {
    held.busy_.push_back(busy);
    return false;
  }
  if (!held.keys_.empty()) throw retry();
  c_.db->lock(missing);
  held.keys_ = std::move(keys);
  return true;
}

std::int64_t ClaimBook::claim(const Plan& plan, std::string_view tenant) {
  c_.requireWrite("claim");
  c_.db->lock(lockKeys(plan));  // holding nothing: it waits, in the global order
  return claimLocked(plan, tenant);
}

std::int64_t ClaimBook::claimLocked(const Plan& plan, std::string_view tenant) {
  c_.requireWrite("claim");
  auto units = c_.sql(
      "INSERT INTO unit_claims (rack, unit, request_id, hostname, tenant) VALUES (?1,?2,?3,?4,?5) "
      "ON CONFLICT DO NOTHING");
  auto power = c_.sql(
      "INSERT INTO power_claims (rack, feed, watts, request_id, hostname) VALUES (?1,?2,?3,?4,?5) "
      "ON CONFLICT DO NOTHING");
  auto addrs = c_.sql(
      "INSERT INTO address_claims (address, pool, request_id, hostname) VALUES (?1,?2,?3,?4) "
      "ON CONFLICT DO NOTHING");
  auto ports = c_.sql(
      "INSERT INTO port_claims (switch, port, vlan, request_id, hostname) VALUES (?1,?2,?3,?4,?5) "
      "ON CONFLICT DO NOTHING");

  // A unique key refused the row: say what and who holds it.
  auto conflict = [&](std::string thing, const char* query, std::string_view k1,
                      std::string_view k2) {
    auto st = c_.sql(query);
    st.bind(1, k1);
    if (!k2.empty()) st.bind(2, k2);
    std::string who =
        st.step() ? "request " + st.text(0) + " (" + st.text(1) + ")" : "another request";
    return Error(ErrorKind::conflict, thing + " is already held by " + who)
        .within("reserve " + plan.request_id);
  };
  // A row a unique key refused is not inserted (and does not abort the
  // transaction, so that the holder can be named).
  auto insert = [](Statement& st, const std::function<Error()>& onConflict) {
    if (st.run() == 0) throw onConflict();
    st.reset();
  };

  for (const auto& s : plan.servers) {
    for (int u = s.first_unit; u <= s.last_unit(); ++u) {
      units.bind(1, s.rack).bind(2, u).bind(3, plan.request_id).bind(4, s.hostname).bind(5, tenant);
      insert(units, [&] {
        return conflict("unit " + std::to_string(u) + " of rack " + s.rack,
                        "SELECT request_id, hostname FROM unit_claims WHERE rack=?1 AND "
                        "unit=CAST(?2 AS BIGINT)",
                        s.rack, std::to_string(u));
      });
    }
    for (const auto& f : s.feeds) {
      power.bind(1, s.rack)
          .bind(2, f.feed)
          .bind(3, f.watts)
          .bind(4, plan.request_id)
          .bind(5, s.hostname);
      insert(power, [&] {
        return Error(ErrorKind::conflict,
                     "server " + s.hostname + " is charged twice to feed " + f.feed);
      });
    }
    for (const auto& n : s.nics) {
      ports.bind(1, n.switch_name)
          .bind(2, n.port)
          .bind(3, n.vlan)
          .bind(4, plan.request_id)
          .bind(5, s.hostname);
      insert(ports, [&] {
        return conflict("port " + n.port + " of switch " + n.switch_name,
                        "SELECT request_id, hostname FROM port_claims WHERE switch=?1 AND port=?2",
                        n.switch_name, n.port);
      });
      for (const auto& a : n.addresses) {
        addrs.bind(1, a.address.str()).bind(2, a.pool).bind(3, plan.request_id).bind(4, s.hostname);
        insert(addrs, [&] {
          return conflict("address " + a.address.str() + " of pool " + a.pool,
                          "SELECT request_id, hostname FROM address_claims WHERE address=?1",
                          a.address.str(), {});
        });
      }
    }
  }
  c_.sql("UPDATE requests SET allocation = ?2, updated_at = ?3 WHERE id = ?1")
      .bind(1, plan.request_id)
      .bind(2, toJson(plan).dump())
      .bind(3, c_.now())
      .run();
  return changed(plan.request_id);
}

void ClaimBook::unclaim(std::string_view request_id) {
  c_.requireWrite("unclaim");
  for (const char* table : {"unit_claims", "power_claims", "address_claims", "port_claims"})
    c_.sql(std::string("DELETE FROM ") + table + " WHERE request_id = ?1")
        .bind(1, request_id)
        .run();
  changed(request_id);
}

void ClaimBook::unclaimAllButPorts(std::string_view request_id) {
  c_.requireWrite("unclaim");
  for (const char* table : {"unit_claims", "power_claims", "address_claims"})
    c_.sql(std::string("DELETE FROM ") + table + " WHERE request_id = ?1")
        .bind(1, request_id)
        .run();
  changed(request_id);
}

bool ClaimBook::unclaimPort(std::string_view request_id, std::string_view switchName,
                            std::string_view port) {
  c_.requireWrite("unclaim");
  bool gone = c_.sql("DELETE FROM port_claims WHERE request_id = ?1 AND switch = ?2 AND port = ?3")
                  .bind(1, request_id)
                  .bind(2, switchName)
                  .bind(3, port)
                  .run() > 0;
  if (gone) changed(request_id);
  return gone;
}

std::int64_t ClaimBook::generation() {
  return c_.generation();
}

std::int64_t ClaimBook::changed(std::string_view request_id) {
  auto generation = c_.bumpGeneration();
  c_.sql("INSERT INTO claim_changes (generation, request_id) VALUES (?1, ?2)")
      .bind(1, generation)
      .bind(2, request_id)
      .run();
  // The oldest changes go, a thousand at a time (or as many as are kept).
  if (generation % std::min<std::int64_t>(1000, changesKept_) == 0)
    c_.sql("DELETE FROM claim_changes WHERE generation <= ?1")
        .bind(1, generation - changesKept_)
        .run();
  return generation;
}

std::optional<ClaimBook::Changes> ClaimBook::changesAfter(std::int64_t after, std::int64_t upTo) {
  Changes out;
  if (upTo <= after) return out;
  // One statement, so one round trip and, on PostgreSQL, one snapshot: the
  // changes (kind 0), then what the changed requests hold now (1 units,
  // 2 power, 3 ports, 4 addresses).
  // The changes are read once (a CTE named twice is computed once).
  static const std::string text = [] {
    const std::string ofChanged = " WHERE request_id IN (SELECT request_id FROM changed)";
    return "WITH changed AS (SELECT generation, request_id FROM claim_changes WHERE generation > "
           "?1 AND generation <= ?2) SELECT 0, '', '', generation, request_id, '', '' FROM changed"
           " UNION ALL SELECT 1, rack, '', unit, request_id, hostname, tenant FROM unit_claims" +
           ofChanged +
           " UNION ALL SELECT 2, rack, feed, watts, request_id, hostname, '' FROM power_claims" +
           ofChanged +
           " UNION ALL SELECT 3, switch, port, vlan, request_id, hostname, '' FROM port_claims" +
           ofChanged +
           " UNION ALL SELECT 4, pool, address, 0, request_id, hostname, '' FROM address_claims" +
           ofChanged;
  }();
  auto st = c_.sql(text);
  st.bind(1, after).bind(2, upTo);
  std::int64_t generations = 0;
  while (st.step()) {
    switch (st.integer(0)) {
      case 0:
        ++generations;
        out.requests.push_back(st.text(4));
        break;
      case 1:
        out.claims.units.push_back(
            {st.text(1), static_cast<int>(st.integer(3)), st.text(4), st.text(5), st.text(6)});
        break;
      case 2:
        out.claims.power.push_back(
            {st.text(1), st.text(2), static_cast<int>(st.integer(3)), st.text(4), st.text(5)});
        break;
      case 3:
        out.claims.ports.push_back(
            {st.text(1), st.text(2), static_cast<int>(st.integer(3)), st.text(4), st.text(5)});
        break;
      default:
        out.claims.addresses.push_back(
            {st.text(1), readAddress(st.text(2), c_.path()), st.text(4), st.text(5)});
    }
  }
  // Every generation has its row (the changes are pruned oldest first): one
  // missing means pruned.
  if (generations != upTo - after) return std::nullopt;
  std::sort(out.requests.begin(), out.requests.end());
  out.requests.erase(std::unique(out.requests.begin(), out.requests.end()), out.requests.end());
  return out;
}

}  // namespace colo::inventory
