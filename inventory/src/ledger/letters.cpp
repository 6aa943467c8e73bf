#include "colo/inventory/ledger/letters.h"

#include "colo/inventory/error.h"
#include "connection.h"

namespace colo::inventory {

using ledger::Statement;
using ledger::statusOf;

std::optional<LetterRecord> LetterBook::find(const std::string& request_id) {
  auto st =
      c_.sql("SELECT request_id, year, seq, number, issued_at FROM letters WHERE request_id = ?1");
  st.bind(1, request_id);
  if (!st.step()) return std::nullopt;
  return LetterRecord{st.text(0), static_cast<int>(st.integer(1)), static_cast<int>(st.integer(2)),
                      st.text(3), st.text(4)};
}

LetterRecord LetterBook::issue(const std::string& request_id, int year,
                               const std::function<std::string(int, int)>& number) {
  LetterRecord out;
  c_.write([&] {
    // One issuer per year at a time, so that the next number is taken once.
    c_.db->lock({"letters:" + std::to_string(year)});
    if (auto existing = find(request_id)) {
      out = *existing;
      return;
    }
    auto st = c_.sql("SELECT coalesce(max(seq), 0) + 1 FROM letters WHERE year = ?1");
    st.bind(1, year);
    st.step();
    out = {request_id, year, static_cast<int>(st.integer(0)), "", c_.now()};
    out.number = number(out.seq, year);
    c_.sql(
          "INSERT INTO letters (request_id, year, seq, number, issued_at) VALUES (?1, ?2, ?3, "
          "?4, ?5)")
        .bind(1, out.request_id)
        .bind(2, out.year)
        .bind(3, out.seq)
        .bind(4, out.number)
        .bind(5, out.issued_at)
        .run();
  });
  return out;
}

}  // namespace colo::inventory
