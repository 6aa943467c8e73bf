#include "http/search.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>
#include <set>

#include "colo/inventory/ip.h"
#include "colo/inventory/ledger.h"
#include "ui/elevation.h"

namespace colo::agent {

namespace inv = colo::inventory;

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string requestHref(const std::string& id) {
  return "/ui/requests/" + urlEncode(id);
}

std::string unitsText(int lo, int hi) {
  return "U" + std::to_string(lo) + (hi > lo ? "\u2013" + std::to_string(hi) : "");
}

// Hits in two tiers: the whole of a name, then part of one.
struct Hits {
  std::vector<ui::SearchHit> exact, partial;
  void add(bool whole, ui::SearchHit hit) { (whole ? exact : partial).push_back(std::move(hit)); }
};

}  // namespace

SearchResult search(const ApiContext& ctx, const ui::Viewer& viewer, const std::string& query,
                    std::size_t limit) {
  const std::string q = lower(query);
  if (q.empty()) return {};
  Hits hits;
  std::map<std::string, inv::RequestRecord> seen;  // the viewer's requests, by id
  inv::Claims claims;
  {
    std::lock_guard lock(*ctx.ledgerMutex);
    inv::RequestQuery mine;
    if (!viewer.sees_all) mine.submitted_by = viewer.caller;
    ctx.ledger->requests().scan(mine, [&](inv::RequestRecord& r) {
      seen.emplace(r.id, std::move(r));
      return true;
    });
    claims = ctx.ledger->claims().all();
  }
  auto visible = [&](const std::string& id) { return seen.count(id) != 0; };
  auto statusOf = [&](const std::string& id) {
    auto it = seen.find(id);
    return it == seen.end() ? std::string() : std::string(inv::name(it->second.status));
  };

  // Requests: by id or letter number.
  for (const auto& [id, r] : seen) {
    auto lid = lower(id), letter = lower(r.letter_number);
    bool byId = lid.find(q) != std::string::npos;
    if (!byId && letter.find(q) == std::string::npos) continue;
    hits.add(lid == q || letter == q, {"request", id, requestHref(id),
                                       std::string(inv::name(r.status)) + " \u00b7 " +
                                           r.tenant_code + " \u00b7 letter " + r.letter_number});
  }

  // Servers colo placed, as held now: by hostname.
  struct Server {
    std::string rack;
    int lo = 0, hi = 0;
    std::vector<std::string> addresses;
  };
  std::map<std::pair<std::string, std::string>, Server> servers;  // (request, hostname)
  for (const auto& u : claims.units) {
    if (!visible(u.request_id) || lower(u.hostname).find(q) == std::string::npos) continue;
    auto& s = servers[{u.request_id, u.hostname}];
    if (s.rack.empty()) s = {u.rack, u.unit, u.unit, {}};
    s.lo = std::min(s.lo, u.unit);
    s.hi = std::max(s.hi, u.unit);
  }
  for (const auto& a : claims.addresses)
    if (auto it = servers.find({a.request_id, a.hostname}); it != servers.end())
      it->second.addresses.push_back(a.address.str());
  for (const auto& [key, s] : servers) {
    std::string detail = "rack " + s.rack + " " + unitsText(s.lo, s.hi) + " \u00b7 request " +
                         key.first + " (" + statusOf(key.first) + ")";
    for (const auto& a : s.addresses) detail += " \u00b7 " + a;
    hits.add(lower(key.second) == q, {"server", key.second, requestHref(key.first), detail});
  }

  // An address: who holds it now, or that it is free, in which pool.
  if (auto ip = inv::IpAddress::parse(query)) {
    bool inPool = false;
    for (const auto& pool : ctx.inventory->pools) {
      if (!pool.prefix.contains(*ip)) continue;
      inPool = true;
      std::string where = "pool " + pool.name + " (" + pool.prefix.str() + ", VLAN " +
                          std::to_string(pool.vlan) + ")";
      auto held = std::find_if(claims.addresses.begin(), claims.addresses.end(), [&](auto& a) {
        return a.pool == pool.name && a.address.value == ip->value && a.address.v6 == ip->v6;
      });
      if (held != claims.addresses.end() && visible(held->request_id))
        hits.add(true, {"address", ip->str(), requestHref(held->request_id),
                        "held by " + held->hostname + ", request " + held->request_id + " (" +
                            statusOf(held->request_id) + ") \u00b7 " + where});
      else if (held != claims.addresses.end())
        hits.add(true, {"address", ip->str(), "", "held by another department \u00b7 " + where});
      else if (pool.gateway && pool.gateway->value == ip->value)
        hits.add(true, {"address", ip->str(), "/ui/pools?pool=" + urlEncode(pool.name) + "#held",
                        "the gateway of " + where});
      else
        hits.add(true, {"address", ip->str(), "/ui/pools?pool=" + urlEncode(pool.name) + "#held",
                        "not held \u00b7 " + where});
    }
    if (!inPool) hits.add(true, {"address", ip->str(), "", "in no pool of the inventory"});
  }

  // Devices the inventory lists (their names are not a requester's to see).
  if (viewer.sees_all)
    for (const auto& rack : ctx.inventory->racks)
      for (const auto& d : rack.devices)
        if (lower(d.name).find(q) != std::string::npos)
          hits.add(lower(d.name) == q,
                   {"device", d.name, "/ui/racks/" + urlEncode(rack.name),
                    "rack " + rack.name + " " + unitsText(d.position, d.position + d.height - 1) +
                        (d.tenant.empty() ? "" : " \u00b7 " + d.tenant) + " (inventory)"});

  SearchResult out;
  out.hits = std::move(hits.exact);
  out.hits.insert(out.hits.end(), std::make_move_iterator(hits.partial.begin()),
                  std::make_move_iterator(hits.partial.end()));
  if (out.hits.size() > limit) {
    out.hits.resize(limit);
    out.more = true;
  }
  return out;
}

}  // namespace colo::agent
