#include "colo/inventory/ledger/leases.h"

#include "colo/inventory/error.h"
#include "connection.h"

namespace colo::inventory {

using ledger::Statement;
using ledger::statusOf;

namespace {
constexpr const char* kLeaseColumns =
    "owner, agent_id, kind, host, pid_ns, pid, version, revision, started_at, lease_until, "
    "renewed_at";
Lease readLease(Statement& st) {
  Lease l;
  l.owner = st.text(0);
  l.agent_id = st.text(1);
  l.kind = st.text(2);
  l.host = st.text(3);
  l.pid_ns = st.text(4);
  l.pid = st.integer(5);
  l.version = st.text(6);
  l.revision = st.text(7);
  l.started_at = st.text(8);
  l.until = st.integer(9);
  l.renewed_at = st.integer(10);
  return l;
}
}  // namespace

void Leases::renew(const Lease& l) {
  c_.write([&] {
    c_.sql(
          "INSERT INTO agents (owner, agent_id, kind, host, pid_ns, pid, version, revision, "
          "started_at, lease_until, renewed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
          "?11) ON CONFLICT (owner) DO UPDATE SET lease_until = excluded.lease_until, "
          "renewed_at = excluded.renewed_at")
        .bind(1, l.owner)
        .bind(2, l.agent_id)
        .bind(3, l.kind)
        .bind(4, l.host)
        .bind(5, l.pid_ns)
        .bind(6, l.pid)
        .bind(7, l.version)
        .bind(8, l.revision)
        .bind(9, l.started_at)
        .bind(10, l.until)
        .bind(11, l.renewed_at)
        .run();
  });
}

std::int64_t Leases::forgetEnded(std::int64_t beforeMs) {
  std::int64_t gone = 0;
  c_.write([&] {
    c_.sql(
          "DELETE FROM switch_locks WHERE owner IN (SELECT owner FROM agents WHERE lease_until < "
          "?1)")
        .bind(1, beforeMs)
        .run();
    gone = c_.sql("DELETE FROM agents WHERE lease_until < ?1").bind(1, beforeMs).run();
  });
  return gone;
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

std::vector<WorkInProgress> Leases::work() {
  auto st = c_.sql(
      "SELECT owner, id, status FROM requests WHERE owner != '' AND status IN ('planning', "
      "'configuring', 'releasing') ORDER BY created_at, id");
  std::vector<WorkInProgress> out;
  while (st.step()) out.push_back({st.text(0), st.text(1), statusOf(st.text(2), c_.path())});
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
