#include "colo/inventory/ledger/leases.h"

#include "colo/inventory/error.h"
#include "connection.h"

namespace colo::inventory {

using ledger::Statement;
using ledger::statusOf;

namespace {
constexpr const char* kLeaseColumns = "owner, agent_id, host, pid, started_at, lease_until";
Lease readLease(Statement& st) {
  return {st.text(0), st.text(1), st.text(2), st.integer(3), st.text(4), st.integer(5)};
}
}  // namespace

void Leases::renew(const Lease& l) {
  c_.write([&] {
    c_.sql(
          "INSERT INTO agents (owner, agent_id, host, pid, started_at, lease_until) VALUES "
          "(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (owner) DO UPDATE SET lease_until = "
          "excluded.lease_until")
        .bind(1, l.owner)
        .bind(2, l.agent_id)
        .bind(3, l.host)
        .bind(4, l.pid)
        .bind(5, l.started_at)
        .bind(6, l.until)
        .run();
  });
}

void Leases::end(std::string_view owner) {
  c_.write([&] {
    c_.sql("DELETE FROM switch_locks WHERE owner = ?1").bind(1, owner).run();
    c_.sql("DELETE FROM agents WHERE owner = ?1").bind(1, owner).run();
  });
}

std::optional<Lease> Leases::find(std::string_view owner) {
  auto st = c_.sql(std::string("SELECT ") + kLeaseColumns + " FROM agents WHERE owner = ?1");
  st.bind(1, owner);
  if (!st.step()) return std::nullopt;
  return readLease(st);
}

std::vector<Lease> Leases::all() {
  auto st =
      c_.sql(std::string("SELECT ") + kLeaseColumns + " FROM agents ORDER BY agent_id, owner");
  std::vector<Lease> out;
  while (st.step()) out.push_back(readLease(st));
  return out;
}

bool Leases::takeSwitch(std::string_view sw, std::string_view holder, std::string_view owner,
                        std::string_view replacing) {
  bool taken = false;
  c_.write([&] {
    auto now = c_.now();
    if (replacing.empty())
      taken = c_.sql(
                    "INSERT INTO switch_locks (switch, holder, owner, taken_at) VALUES (?1, ?2, "
                    "?3, ?4) ON CONFLICT DO NOTHING")
                  .bind(1, sw)
                  .bind(2, holder)
                  .bind(3, owner)
                  .bind(4, now)
                  .run() == 1;
    else
      taken = c_.sql(
                    "UPDATE switch_locks SET holder = ?2, owner = ?3, taken_at = ?4 WHERE "
                    "switch = ?1 AND holder = ?5")
                  .bind(1, sw)
                  .bind(2, holder)
                  .bind(3, owner)
                  .bind(4, now)
                  .bind(5, replacing)
                  .run() == 1;
  });
  return taken;
}

std::optional<SwitchHolder> Leases::switchHolder(std::string_view sw) {
  auto st = c_.sql("SELECT holder, owner FROM switch_locks WHERE switch = ?1");
  st.bind(1, sw);
  if (!st.step()) return std::nullopt;
  return SwitchHolder{st.text(0), st.text(1)};
}

void Leases::releaseSwitch(std::string_view sw, std::string_view holder) {
  c_.write([&] {
    c_.sql("DELETE FROM switch_locks WHERE switch = ?1 AND holder = ?2")
        .bind(1, sw)
        .bind(2, holder)
        .run();
  });
}

}  // namespace colo::inventory
