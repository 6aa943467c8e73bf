#include "core/views.h"

#include <algorithm>
#include <cmath>
#include <ctime>

#include "core/prometheus.h"

namespace colo::agent {

using nlohmann::json;
namespace inv = colo::inventory;

json countJson(inv::u128 n) {
  return inv::toDecimal(n);
}

std::string countText(inv::u128 n) {
  if (n < (inv::u128{1} << 40)) return inv::toDecimal(n);
  int k = 127;
  while (!((n >> k) & 1)) --k;  // 2^k <= n < 2^(k+1)
  inv::u128 below = n - (inv::u128{1} << k);
  constexpr inv::u128 kNear = 1 << 20;
  if (below == 0) return "2^" + std::to_string(k);
  if (below < kNear) return "2^" + std::to_string(k) + " + " + inv::toDecimal(below);
  // 2^(k+1) - n; for k = 127, 2^128 - n is ~n + 1 in 128 bits.
  inv::u128 above = k < 127 ? (inv::u128{1} << (k + 1)) - n : ~n + 1;
  if (above < kNear) return "2^" + std::to_string(k + 1) + " - " + inv::toDecimal(above);
  // One decimal of log2: the fraction of the way to the next power.
  double frac = static_cast<double>(below >> (k - 20)) / static_cast<double>(1 << 20);
  int tenth = static_cast<int>(std::log2(1.0 + frac) * 10);
  return "~2^" + std::to_string(k) + "." + std::to_string(tenth);
}

json rackJson(const inv::RackUsage& r) {
  json feeds = json::array();
  for (const auto& f : r.feeds)
    feeds.push_back({{"name", f.name},
                     {"capacity_watts", f.capacity_watts},
                     {"usable_watts", f.usable_watts},
                     {"drawn_watts", f.drawn_watts},
                     {"free_watts", f.usable_watts - f.drawn_watts},
                     {"percent", f.percent()},
                     {"level", f.level() == inv::FeedUsage::Level::critical ? "critical"
                               : f.level() == inv::FeedUsage::Level::high   ? "high"
                                                                            : "ok"}});
  return {{"name", r.name},
          {"room", r.room},
          {"height", r.height},
          {"units",
           {{"device", r.units_device},
            {"reserved", r.units_reserved},
            {"claimed", r.units_claimed},
            {"free", r.units_free},
            {"largest_free_run", r.largest_gap}}},
          {"feeds", std::move(feeds)},
          {"fits",
           {{"units", r.fit_units},
            {"watts_single_feed", r.fit_watts_single},
            {"watts_redundant", r.fit_watts_redundant}}},
          {"single_fed", r.single_fed}};
}

json elevationJson(const inv::Occupancy& occ, std::size_t r) {
  json units = json::array();
  const auto& us = occ.units(r);
  for (std::size_t u = us.size() - 1; u >= 1; --u) {
    const auto& o = us[u];
    static const char* kinds[] = {"free", "reserved", "device", "claimed"};
    json row = {{"unit", u}, {"state", kinds[static_cast<int>(o.kind)]}};
    if (!o.name.empty()) row["occupant"] = o.name;
    if (!o.tenant.empty()) row["tenant"] = o.tenant;
    if (!o.request_id.empty()) row["request_id"] = o.request_id;
    units.push_back(std::move(row));
  }
  json out = rackJson(inv::rackUsage(occ, r));
  out["elevation"] = std::move(units);
  return out;
}

json poolJson(const inv::PoolUsage& p) {
  return {{"name", p.name},
          {"prefix", p.prefix},
          {"vlan", p.vlan},
          {"usable", countJson(p.usable)},
          {"excluded", countJson(p.excluded)},
          {"held", countJson(p.held)},
          {"free", countJson(p.free)},
          {"next_free", p.next_free ? json(p.next_free->str()) : json(nullptr)}};
}

json poolDetailJson(const inv::Occupancy& occ, std::size_t p, std::size_t maxRanges) {
  const auto& pool = occ.inventory().pools[p];
  json j = poolJson(inv::poolUsage(occ)[p]);
  auto free = occ.addressesTaken(p).gaps(pool.firstUsable(), pool.lastUsable(), maxRanges + 1);
  auto addr = [&](inv::u128 v) { return inv::IpAddress{v, pool.prefix.network.v6}.str(); };
  j["free_ranges"] = json::array();
  for (std::size_t i = 0; i < std::min(free.size(), maxRanges); ++i)
    j["free_ranges"].push_back({{"first", addr(free[i].first)},
                                {"last", addr(free[i].second)},
                                {"size", countJson(free[i].second - free[i].first + 1)}});
  j["free_ranges_truncated"] = free.size() > maxRanges;
  return j;
}

json requestJson(const inv::RequestRecord& r) {
  json out = {{"id", r.id},
              {"letter_number", r.letter_number},
              {"tenant", r.tenant_code},
              {"status", inv::name(r.status)},
              {"attempt", r.attempt},
              {"received_at", r.received_at},
              {"created_at", r.created_at},
              {"updated_at", r.updated_at}};
  if (!r.error.empty()) out["error"] = r.error;
  if (!r.reason.empty()) out["reason"] = r.reason;
  if (!r.release_reason.empty())
    out["release_failed"] = {{"reason", r.release_reason}, {"error", r.release_error}};
  if (r.allocation) out["allocation"] = inv::toJson(*r.allocation)["servers"];
  return out;
}

std::string endedAt(const inv::RequestRecord& r) {
  if (!inv::ended(r.status)) return "";
  if (r.status == inv::Status::released) return r.updated_at;
  return r.completed_at;  // the column holds when it completed or failed
}

json requestStatusJson(const inv::RequestRecord& r, const SlaCalendar& cal, std::int64_t now) {
  json j = requestJson(r);
  if (auto sla = slaOf(r, cal, now))
    j["sla"] = {{"due_date", sla->due_date},
                {"deadline", isoUtc(sla->deadline)},
                {"met", sla->met ? json(*sla->met) : json(nullptr)},
                {"overdue", sla->overdue},
                {"late_seconds", sla->late_seconds}};
  if (r.status == inv::Status::completed && !r.completed_at.empty())
    j["completed_at"] = r.completed_at;
  if (auto ended = endedAt(r); !ended.empty()) j["ended_at"] = ended;
  return j;
}

json eventJson(const inv::LedgerEvent& e) {
  return {{"seq", e.seq}, {"at", e.at}, {"actor", e.actor}, {"kind", e.kind}, {"detail", e.detail}};
}

std::string isoUtc(std::int64_t t) {
  std::time_t tt = t;
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json deliveryJson(const inv::CallbackDelivery& d) {
  json j = {{"delivery_id", d.delivery_id},
            {"event", d.event},
            {"url", d.url},
            {"attempts", d.attempts},
            {"state", !d.delivered_at.empty() ? "delivered"
                      : d.given_up            ? "given_up"
                                              : "pending"}};
  if (!d.delivered_at.empty()) j["delivered_at"] = d.delivered_at;
  if (d.delivered_at.empty() && !d.given_up)
    j["next_attempt_at"] = isoUtc(d.next_attempt_at / 1000);
  if (!d.last_attempt_at.empty()) j["last_attempt_at"] = d.last_attempt_at;
  if (d.last_status != 0) j["last_status"] = d.last_status;
  if (!d.last_error.empty()) j["last_error"] = d.last_error;
  return j;
}

json diagnosticJson(const inv::Diagnostic& d) {
  return {{"file", d.where.file},
          {"line", d.where.line},
          {"column", d.where.column},
          {"message", d.message}};
}

std::vector<RackWarning> rackWarnings(const inv::RackUsage& r) {
  using L = RackWarning::Level;
  std::vector<RackWarning> out;
  for (const auto& f : r.feeds) {
    if (f.level() == inv::FeedUsage::Level::ok) continue;
    auto level = f.level() == inv::FeedUsage::Level::critical ? L::critical : L::warning;
    // Every device is charged its full draw on each of its feeds: that is
    // what one feed carries when the other fails.
    if (r.feeds.size() > 1 && f.drawn_watts > f.usable_watts)
      out.push_back({level,
                     "feed " + f.name + " could not carry the redundant load alone: " +
                         std::to_string(f.drawn_watts) + " W on " + std::to_string(f.usable_watts) +
                         " W usable",
                     f.percent()});
    else
      out.push_back({level,
                     "feed " + f.name + " at " + std::to_string(f.percent()) + "% of usable (" +
                         std::to_string(f.drawn_watts) + "/" + std::to_string(f.usable_watts) +
                         " W)",
                     f.percent()});
  }
  if (r.units_free > 0 && r.fit_units == 0)
    out.push_back(
        {L::critical,
         std::to_string(r.units_free) + " free units, but no feed has power left for them", 0});
  std::stable_sort(out.begin(), out.end(), worseWarning);
  return out;
}

bool worseWarning(const RackWarning& a, const RackWarning& b) {
  if (a.level != b.level) return a.level > b.level;
  return a.rank > b.rank;
}

std::vector<std::string> rackNotes(const inv::RackUsage& r) {
  std::vector<std::string> out;
  for (const auto& name : r.single_fed) out.push_back(name + " draws from one feed, as it asked");
  return out;
}

std::string fitsText(const inv::RackUsage& r) {
  if (r.fit_units == 0) return "-";
  std::string s = std::to_string(r.fit_units) + "U, " + std::to_string(r.fit_watts_single) + " W";
  if (r.fit_watts_redundant == 0) return s + " (one feed)";
  if (r.fit_watts_redundant == r.fit_watts_single) return s + ", redundant too";
  return s + " (" + std::to_string(r.fit_watts_redundant) + " W redundant)";
}

nlohmann::json agentsJson(const std::vector<inventory::Lease>& leases,
                          const std::vector<inventory::WorkInProgress>& work,
                          const std::function<bool(const inventory::Lease&)>& live,
                          std::int64_t nowMs, const std::string& self) {
  json rows = json::array();
  int liveAgents = 0;
  for (const auto& l : leases) {
    bool up = live(l);
    if (up && l.kind == "agent") ++liveAgents;
    json doing = json::array();
    for (const auto& w : work)
      if (w.owner == l.owner)
        doing.push_back({{"request_id", w.request_id}, {"status", inventory::name(w.status)}});
    rows.push_back(
        {{"id", l.owner},
         {"name", l.agent_id},
         {"kind", l.kind},
         {"host", l.host},
         {"pid", l.pid},
         {"version", l.version},
         {"revision", l.revision},
         {"started_at", l.started_at},
         {"renewed_at", l.renewed_at > 0 ? json(inventory::isoUtcMs(l.renewed_at)) : json()},
         {"lease_expires_at", inventory::isoUtcMs(l.until)},
         {"lease_age_s",
          l.renewed_at > 0 ? json(std::round(static_cast<double>(nowMs - l.renewed_at) / 100) / 10)
                           : json()},
         {"state", up ? "live" : "expired"},
         {"self", l.owner == self},
         {"working_on", doing}});
  }
  return {{"agents", rows}, {"live_agents", liveAgents}};
}

namespace {

json dayJson(const std::optional<std::int64_t>& day) {
  return day ? json(inventory::civilDate(*day)) : json();
}

double per30d(const inventory::ForecastLine& l, int window) {
  return std::round(l.per30d(window) * 100) / 100;
}

json netJson(const inventory::Consumption& c) {
  return {{"30d", c.d30}, {"90d", c.d90}, {"365d", c.d365}};
}

// One line's common fields, its amounts named by `what` ("units", "watts").
json lineJson(const inventory::ForecastLine& l, int window, const std::string& what) {
  return {{"free_" + what, static_cast<std::int64_t>(l.free())},
          {what + "_per_30d", per30d(l, window)},
          {"net_" + what, netJson(l.net)},
          {"warn_on", dayJson(l.warn_on)},
          {"critical_on", dayJson(l.critical_on)},
          {"full_on", dayJson(l.full_on)}};
}

}  // namespace

json forecastJson(const inventory::Forecast& f) {
  const int w = f.window_days;
  json racks = json::array(), feeds = json::array(), rooms = json::array(), pools = json::array(),
       tenants = json::array();
  for (const auto& r : f.racks) {
    json j = {{"name", r.name}};
    j.update(lineJson(r, w, "units"));
    racks.push_back(j);
  }
  for (const auto& fd : f.feeds) {
    json j = {{"name", fd.name}, {"rack", fd.rack}};
    j.update(lineJson(fd, w, "watts"));
    feeds.push_back(j);
  }
  for (std::size_t i = 0; i < f.room_units.size(); ++i) {
    const auto& u = f.room_units[i];
    const auto& wt = f.room_watts[i];
    rooms.push_back({{"name", u.name},
                     {"free_units", static_cast<std::int64_t>(u.free())},
                     {"units_per_30d", per30d(u, w)},
                     {"units_full_on", dayJson(u.full_on)},
                     {"free_watts", static_cast<std::int64_t>(wt.free())},
                     {"watts_per_30d", per30d(wt, w)},
                     {"watts_full_on", dayJson(wt.full_on)}});
  }
  for (const auto& p : f.pools)
    pools.push_back({{"name", p.name},
                     {"free", countJson(p.free())},
                     {"per_30d", per30d(p, w)},
                     {"net", netJson(p.net)},
                     {"warn_on", dayJson(p.warn_on)},
                     {"critical_on", dayJson(p.critical_on)},
                     {"full_on", dayJson(p.full_on)}});
  for (const auto& t : f.tenants)
    tenants.push_back({{"tenant", t.tenant},
                       {"units", netJson(t.units)},
                       {"watts", netJson(t.watts)},
                       {"addresses", netJson(t.addresses)}});
  return {{"as_of", inventory::civilDate(f.as_of)},
          {"window_days", w},
          {"racks", racks},
          {"feeds", feeds},
          {"rooms", rooms},
          {"pools", pools},
          {"tenants", tenants}};
}

std::string forecastMetrics(const inventory::Forecast& f) {
  std::string out =
      "# HELP colo_days_until_full Days until a rack, feed, room or pool reaches a level (80, 95, "
      "100 percent) at the rate of the last " +
      std::to_string(f.window_days) +
      " days; +Inf when not at this rate.\n"
      "# TYPE colo_days_until_full gauge\n";
  auto lines = [&](const char* kind, const std::vector<inventory::ForecastLine>& ls) {
    for (const auto& l : ls)
      for (auto [level, day] : {std::pair{"80", l.warn_on}, std::pair{"95", l.critical_on},
                                std::pair{"100", l.full_on}})
        out += "colo_days_until_full{kind=\"" + std::string(kind) + "\",name=\"" +
               promLabel(l.name) + "\",rack=\"" + promLabel(l.rack) + "\",level=\"" + level +
               "\"} " + (day ? std::to_string(*day - f.as_of) : std::string("+Inf")) + "\n";
  };
  lines("rack", f.racks);
  lines("feed", f.feeds);
  lines("room_units", f.room_units);
  lines("room_watts", f.room_watts);
  lines("pool", f.pools);
  return out;
}

}  // namespace colo::agent
