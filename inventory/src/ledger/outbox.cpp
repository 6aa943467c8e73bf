#include "colo/inventory/ledger/outbox.h"

#include <algorithm>
#include <tuple>

#include "colo/inventory/error.h"
#include "connection.h"

namespace colo::inventory {

using ledger::Statement;
using ledger::statusOf;

void Outbox::enqueue(const OutboxEntry& e) {
  c_.write([&] {
    c_.sql(
          "INSERT INTO outbox (delivery_id, request_id, url, body, next_attempt_at, event) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING")
        .bind(1, e.delivery_id)
        .bind(2, e.request_id)
        .bind(3, e.url)
        .bind(4, e.body)
        .bind(5, e.next_attempt_at)
        .bind(6, e.event)
        .run();
  });
}

bool Outbox::endingsChecked() {
  bool out = false;
  c_.read([&] {
    auto st = c_.sql("SELECT value FROM meta WHERE key = 'endings_checked'");
    out = st.step();
  });
  return out;
}

void Outbox::markEndingsChecked() {
  c_.write([&] {
    c_.sql("INSERT INTO meta (key, value) VALUES ('endings_checked', 1) ON CONFLICT DO NOTHING")
        .run();
  });
}

namespace {

// Due, undelivered, not given up, and nobody is sending it (at ?1).
constexpr const char* kDue =
    "delivered_at = '' AND given_up = 0 AND next_attempt_at <= ?1 AND claimed_until <= ?1";

}  // namespace

std::vector<OutboxEntry> Outbox::take(std::int64_t now, int limit, std::string_view sender,
                                      std::int64_t takenUntil) {
  return takeWhere(now, limit, sender, takenUntil, std::nullopt);
}

std::vector<std::string> Outbox::dueUrls(std::int64_t now, int limit) {
  auto st = c_.sql(std::string("SELECT url, min(next_attempt_at) AS due FROM outbox WHERE ") +
                   kDue + " GROUP BY url ORDER BY due, url LIMIT ?2");
  st.bind(1, now).bind(2, limit);
  std::vector<std::string> out;
  while (st.step()) out.push_back(st.text(0));
  return out;
}

std::optional<OutboxEntry> Outbox::takeFor(std::string_view url, std::int64_t now,
                                           std::string_view sender, std::int64_t takenUntil) {
  auto one = takeWhere(now, 1, sender, takenUntil, url);
  if (one.empty()) return std::nullopt;
  return std::move(one.front());
}

std::vector<OutboxEntry> Outbox::takeWhere(std::int64_t now, int limit, std::string_view sender,
                                           std::int64_t takenUntil,
                                           std::optional<std::string_view> url) {
  std::vector<OutboxEntry> out;
  c_.write([&] {
    out.clear();
    auto st = c_.sql(
        std::string("UPDATE outbox SET claimed_by = ?3, claimed_until = ?4 WHERE delivery_id IN ("
                    "SELECT delivery_id FROM outbox WHERE ") +
        kDue + (url ? " AND url = ?5" : "") + " ORDER BY next_attempt_at LIMIT ?2" +
        c_.dialect().skipLocked +
        ") RETURNING delivery_id, request_id, url, body, event, attempts, next_attempt_at");
    // (The columns keep their schema-7 names: claimed_by is the sender.)
    st.bind(1, now).bind(2, limit).bind(3, sender).bind(4, takenUntil);
    if (url) st.bind(5, *url);
    while (st.step())
      out.push_back({st.text(0), st.text(1), st.text(2), st.text(3), st.text(4),
                     static_cast<int>(st.integer(5)), st.integer(6)});
  });
  std::sort(out.begin(), out.end(), [](const OutboxEntry& a, const OutboxEntry& b) {
    return std::tie(a.next_attempt_at, a.delivery_id) < std::tie(b.next_attempt_at, b.delivery_id);
  });
  return out;
}

void Outbox::giveBack(std::string_view deliveryId) {
  c_.write([&] {
    c_.sql("UPDATE outbox SET claimed_by = '', claimed_until = 0 WHERE delivery_id = ?1")
        .bind(1, deliveryId)
        .run();
  });
}

void Outbox::result(const std::string& deliveryId, bool delivered, const std::string& error,
                    std::int64_t nextAttemptAt, bool giveUp, int httpStatus) {
  c_.write([&] {
    c_.sql(
          "UPDATE outbox SET attempts = attempts + 1, delivered_at = CASE WHEN ?2 = 1 THEN ?3 "
          "ELSE "
          "'' END, last_error = ?4, next_attempt_at = ?5, given_up = ?6, last_status = ?7, "
          "last_attempt_at = ?3, claimed_by = '', claimed_until = 0 WHERE delivery_id = ?1")
        .bind(7, httpStatus)
        .bind(1, deliveryId)
        .bind(2, delivered ? 1 : 0)
        .bind(3, c_.now())
        .bind(4, error)
        .bind(5, nextAttemptAt)
        .bind(6, giveUp ? 1 : 0)
        .run();
  });
}

std::optional<std::int64_t> Outbox::nextDue() {
  // A delivery another sender has taken is due again when its time runs out.
  auto st = c_.sql(
      "SELECT min(CASE WHEN claimed_until > next_attempt_at THEN claimed_until ELSE "
      "next_attempt_at END) FROM outbox WHERE delivered_at = '' AND given_up = 0");
  if (!st.step() || st.isNull(0)) return std::nullopt;
  return st.integer(0);
}

std::vector<CallbackDelivery> Outbox::deliveries(std::string_view request_id) {
  auto st = c_.sql(
      "SELECT delivery_id, url, event, attempts, next_attempt_at, delivered_at, last_error, "
      "given_up, last_status, last_attempt_at FROM outbox WHERE request_id = ?1 ORDER BY " +
      c_.dialect().insertionOrder);
  st.bind(1, request_id);
  std::vector<CallbackDelivery> out;
  while (st.step())
    out.push_back({st.text(0), st.text(1), st.text(2), static_cast<int>(st.integer(3)),
                   st.integer(4), st.text(5), st.text(6), st.integer(7) != 0,
                   static_cast<int>(st.integer(8)), st.text(9)});
  return out;
}

std::optional<CallbackDelivery> Outbox::redeliver(std::string_view request_id,
                                                  std::string_view deliveryId) {
  std::optional<CallbackDelivery> out;
  c_.write([&] {
    out.reset();  // PostgreSQL may run this again
    auto all = deliveries(request_id);
    if (all.empty()) return;
    auto which = std::find_if(all.begin(), all.end(), [&](const CallbackDelivery& d) {
      return d.delivery_id == deliveryId;
    });
    if (deliveryId.empty()) which = all.end() - 1;
    if (which == all.end()) return;
    if (which->delivered_at.empty() && !which->given_up) {
      // Still being tried: due now, its backoff from the start.
      c_.sql(
            "UPDATE outbox SET next_attempt_at = CAST(?2 AS BIGINT), attempts = 0 "
            "WHERE delivery_id = ?1")
          .bind(1, which->delivery_id)
          .bind(2, c_.clock())
          .run();
      for (auto& d : deliveries(request_id))
        if (d.delivery_id == which->delivery_id) out = d;
      return;
    }
    // The original's id, then ~r1, ~r2, ... ('~' is in no request id).
    std::string original = which->delivery_id.substr(0, which->delivery_id.find('~'));
    std::size_t n = 1;
    for (const auto& d : all)
      if (d.delivery_id.rfind(original + "~r", 0) == 0) ++n;
    c_.sql(
          "INSERT INTO outbox (delivery_id, request_id, url, body, next_attempt_at, event) "
          "SELECT ?1, request_id, url, body, CAST(?2 AS BIGINT), event FROM outbox "
          "WHERE delivery_id = ?3")
        .bind(1, original + "~r" + std::to_string(n))
        .bind(2, c_.clock())
        .bind(3, which->delivery_id)
        .run();
    out = deliveries(request_id).back();
  });
  return out;
}

}  // namespace colo::inventory
