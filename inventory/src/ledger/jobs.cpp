#include "colo/inventory/ledger/jobs.h"

#include <nlohmann/json.hpp>

#include "colo/inventory/error.h"
#include "connection.h"

namespace colo::inventory {

using ledger::Statement;
using ledger::statusOf;

std::optional<Job> JobQueue::next() {
  c_.requireWrite("nextJob");
  auto st = c_.sql(
      "SELECT id, status FROM requests WHERE status = 'queued' OR "
      "(status IN ('planning', 'releasing') AND owner = '') ORDER BY updated_at, id LIMIT 1" +
      c_.dialect().skipLocked);
  if (!st.step()) return std::nullopt;
  return Job{st.text(0), statusOf(st.text(1), c_.path()), ""};
}

void JobQueue::own(std::string_view id, std::string_view owner) {
  c_.requireWrite("ownJob");
  c_.sql("UPDATE requests SET owner = ?2 WHERE id = ?1").bind(1, id).bind(2, owner).run();
}

std::vector<Job> JobQueue::adoptOrphans(const std::string& owner,
                                        const std::function<bool(const std::string&)>& alive,
                                        std::string_view id) {
  std::vector<Job> out;
  c_.write([&] {
    auto st = c_.sql(
        "SELECT id, status, owner FROM requests WHERE status IN ('planning', 'configuring', "
        "'releasing') AND owner != ?1 AND (?2 = '' OR id = ?2) ORDER BY created_at, id" +
        c_.dialect().skipLocked);
    st.bind(1, owner).bind(2, id);
    while (st.step()) {
      // A release or a retry nobody has taken yet is waiting, not orphaned.
      auto status = statusOf(st.text(1), c_.path());
      std::string was = st.text(2);
      if (status != Status::configuring && was.empty() && id.empty()) continue;
      if (!was.empty() && alive(was)) continue;
      out.push_back({st.text(0), status, was});
    }
    for (const auto& j : out)
      c_.sql("UPDATE requests SET owner = ?2 WHERE id = ?1").bind(1, j.id).bind(2, owner).run();
  });
  return out;
}

void JobQueue::disown(std::string_view id, const std::string& owner) {
  c_.write([&] {
    c_.sql("UPDATE requests SET owner = '' WHERE id = ?1 AND owner = ?2")
        .bind(1, id)
        .bind(2, owner)
        .run();
  });
}

std::vector<Job> JobQueue::owned(const std::string& owner) {
  auto st = c_.sql(
      "SELECT id, status FROM requests WHERE owner = ?1 AND status IN ('planning', "
      "'configuring', 'releasing') ORDER BY created_at, id");
  st.bind(1, owner);
  std::vector<Job> out;
  while (st.step()) out.push_back({st.text(0), statusOf(st.text(1), c_.path()), owner});
  return out;
}

void JobQueue::saveCapture(std::string_view request_id, int attempt, std::string_view sw,
                           std::string_view port, const std::vector<std::string>& lines) {
  c_.write([&] {
    c_.checkFence(request_id);
    c_.sql(
          "INSERT INTO port_captures (request_id, attempt, switch, port, lines) "
          "VALUES (?1,?2,?3,?4,?5) ON CONFLICT DO NOTHING")
        .bind(1, request_id)
        .bind(2, attempt)
        .bind(3, sw)
        .bind(4, port)
        .bind(5, nlohmann::json(lines).dump())
        .run();
  });
}

std::map<std::pair<std::string, std::string>, std::vector<std::string>> JobQueue::captures(
    std::string_view request_id, int attempt) {
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> out;
  auto st = c_.sql(
      "SELECT switch, port, lines FROM port_captures WHERE request_id = ?1 AND attempt = ?2");
  st.bind(1, request_id).bind(2, attempt);
  while (st.step())
    out[{st.text(0), st.text(1)}] =
        nlohmann::json::parse(st.text(2)).get<std::vector<std::string>>();
  return out;
}

}  // namespace colo::inventory
