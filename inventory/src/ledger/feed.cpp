#include "colo/inventory/ledger/feed.h"

#include <algorithm>

#include "colo/inventory/error.h"
#include "connection.h"

namespace colo::inventory {

using ledger::Statement;
using ledger::statusOf;

Tallies MetricsFeed::tallies() {
  Tallies out;
  if (!c_.dialect().compactTallies.empty() && !c_.inWrite && !c_.inRead)
    c_.write([&] { c_.sql(c_.dialect().compactTallies).run(); });
  auto st = c_.sql("SELECT kind, a, b, sum(value) FROM tallies GROUP BY kind, a, b");
  while (st.step()) {
    auto kind = st.text(0);
    auto value = st.integer(3);
    if (kind == "status")
      out.requests[st.text(1)] = value;
    else if (kind == "units")
      out.units[st.text(1)] = value;
    else if (kind == "watts")
      out.watts[{st.text(1), st.text(2)}] = value;
    else if (kind == "addresses")
      out.addresses[st.text(1)] = value;
    else if (kind == "callbacks")
      out.callbacks[st.text(1)] = value;
  }
  return out;
}

std::int64_t MetricsFeed::changesSince(std::int64_t cursor,
                                       const std::function<void(const std::string& id)>& visit) {
  const auto& d = c_.dialect();
  std::int64_t next = cursor;
  if (!d.changesCursor.empty()) {
    auto st = c_.sql(d.changesCursor);
    if (st.step()) next = st.integer(0);
  }
  auto st = c_.sql(d.changesSince);
  st.bind(1, cursor);
  while (st.step()) {
    if (d.changesCursor.empty()) next = std::max(next, st.integer(1));
    visit(st.text(0));
  }
  return next;
}

}  // namespace colo::inventory
