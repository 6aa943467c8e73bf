#include "ui/pages.h"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "colo/encoding/encoding.h"
#include "colo/inventory/request.h"
#include "colo/inventory/usage.h"
#include "core/cabling.h"
#include "core/views.h"
#include "ui/elevation.h"

namespace colo::agent::ui {

namespace inv = colo::inventory;

namespace {

std::string h(const std::string& s) {
  return xmlEscape(s);
}

std::string num(long long v) {
  return std::to_string(v);
}

// One stylesheet for every page. Bars and pictures are SVG, so no element
// needs a style attribute (which the CSP would refuse).
const std::string kCss = R"(
:root{--fg:#1c2630;--muted:#5f6b76;--line:#d8dee4;--bg:#f4f6f8;--card:#fff;--warn:#9a5b00;--crit:#c62828;--accent:#1f6fb2}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent)}
header.top{display:flex;flex-wrap:wrap;align-items:center;gap:.4rem 1.4rem;padding:.55rem 1rem;background:#263238;color:#fff}
header.top a{color:#fff;text-decoration:none}
.brand{font-weight:700;font-size:1.1rem;letter-spacing:.03em}
nav{display:flex;gap:1.1rem;flex-wrap:wrap}
nav a{padding:.15rem 0;border-bottom:2px solid transparent}
nav a[aria-current=page]{border-bottom-color:#90caf9}
.who{margin-left:auto;display:flex;gap:.6rem;align-items:center;color:#cfd8dc;font-size:.9rem}
.who form{margin:0}
button,.button{font:inherit;border:1px solid #90a4ae;background:#fff;color:var(--fg);border-radius:4px;padding:.25rem .7rem;cursor:pointer;text-decoration:none;display:inline-block}
header.top button{background:transparent;color:#fff}
button.danger,.button.danger{border-color:var(--crit);color:var(--crit)}
main{padding:1rem;max-width:1440px;margin:0 auto}
h1{font-size:1.35rem;margin:.2rem 0 .8rem}
h2{font-size:1.1rem;margin:1.4rem 0 .5rem}
h3{font-size:1rem;margin:0 0 .4rem}
small,.muted{color:var(--muted);font-weight:normal}
.summary{display:flex;flex-wrap:wrap;gap:.6rem;margin-bottom:.8rem}
.stat{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.45rem .8rem;min-width:8.5rem}
.stat b{display:block;font-size:1.25rem}
.stat.bad{border-color:var(--crit)} .stat.bad b{color:var(--crit)}
.racks{display:grid;grid-template-columns:repeat(auto-fill,minmax(270px,1fr));gap:.7rem}
.rack{background:var(--card);border:1px solid var(--line);border-left:4px solid var(--line);border-radius:6px;padding:.55rem .75rem}
.rack.warning{border-left-color:#f9a825} .rack.critical{border-left-color:var(--crit)}
.rack h3 a{text-decoration:none}
.rack p{margin:.35rem 0 0}
.feeds{display:grid;grid-template-columns:1fr 1fr;gap:.3rem .8rem;margin-top:.4rem}
.feed{font-size:.85rem}
.feed .figures{display:flex;justify-content:space-between;gap:.4rem}
svg.bar{display:block;width:100%;height:10px;margin:.15rem 0}
.high{color:var(--warn);font-weight:600} .critical-text,.late{color:var(--crit);font-weight:600} .missed{color:var(--warn)}
.warnings{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.5rem .9rem .5rem 1.8rem;margin:0 0 .8rem}
.warnings li{margin:.15rem 0} .warnings li.critical{color:var(--crit)} .warnings li.warning{color:var(--warn)}
table{border-collapse:collapse;width:100%;background:var(--card)}
th,td{text-align:left;padding:.32rem .55rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:.75rem;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);white-space:nowrap}
td.num,th.num{text-align:right;white-space:nowrap}
tr.late-row td:first-child{box-shadow:inset 4px 0 var(--crit)}
.scroll{overflow-x:auto;border:1px solid var(--line);border-radius:6px}
.scroll table{border:0}
.badge{display:inline-block;border-radius:10px;padding:0 .55rem;font-size:.8rem;font-weight:600;background:#eceff1;color:#37474f;white-space:nowrap}
.badge.completed{background:#e8f5e9;color:#1b5e20} .badge.failed{background:#ffebee;color:var(--crit)}
.badge.queued,.badge.planning,.badge.configuring,.badge.releasing{background:#e3f2fd;color:#0d47a1}
.badge.reserved{background:#fff8e1;color:#7a4f00}
.rackpage{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start}
.rackpage figure{margin:0;background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.5rem;max-width:100%;overflow-x:auto}
.rackpage .side{flex:1 1 420px;min-width:0}
.ports{display:flex;flex-wrap:wrap;gap:3px;margin:.3rem 0 .6rem}
.port{display:inline-block;min-width:3.1rem;text-align:center;font-size:.75rem;padding:.1rem .2rem;border-radius:3px;border:1px solid #b0bec5;background:#fff;color:#37474f;text-decoration:none}
.port.colo{background:#1f6fb2;border-color:#1f6fb2;color:#fff}
.port.inuse{background:#78909c;border-color:#78909c;color:#fff}
.legend{display:flex;flex-wrap:wrap;gap:.8rem;font-size:.8rem;color:var(--muted);align-items:center}
.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:end;margin-bottom:.7rem}
.filters label{display:flex;flex-direction:column;font-size:.8rem;color:var(--muted)}
.filters label.check{flex-direction:row;align-items:center;gap:.3rem;color:var(--fg);font-size:.9rem}
select,input{font:inherit;padding:.25rem .4rem;border:1px solid #b0bec5;border-radius:4px;background:#fff}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.6rem .9rem;margin:0}
dl.facts dt{color:var(--muted)} dl.facts dd{margin:0}
.actions{display:flex;gap:.6rem;flex-wrap:wrap;margin:.7rem 0}
.actions form{margin:0}
.notice{background:#e3f2fd;border:1px solid #90caf9;border-radius:6px;padding:.45rem .8rem}
.pager{display:flex;gap:1rem;margin:.6rem 0}
.login{max-width:24rem;margin:12vh auto;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:1.2rem 1.4rem}
.login input{width:100%;margin:.3rem 0 .8rem}
.error{color:var(--crit)}
code,.mono{font-family:ui-monospace,"Liberation Mono",monospace;font-size:.85rem}
form.search{margin:0}form.search input{width:15rem;max-width:100%;padding:.15rem .4rem}
td.id{white-space:nowrap}
pre.commands{background:#263238;color:#eceff1;border-radius:6px;padding:.5rem .8rem;overflow-x:auto;margin:.3rem 0 .8rem}
.confirm{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.6rem .9rem;margin:.8rem 0}
.confirm.forget{border-color:var(--crit)}
.confirm label{display:block;margin:.4rem 0 .2rem}.confirm input[type=text]{width:100%;max-width:36rem}
ul.hits{list-style:none;padding:0;margin:0}ul.hits li{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.45rem .8rem;margin:.4rem 0}
td form{margin:0}
@media (max-width:640px){main{padding:.6rem}.feeds{grid-template-columns:1fr}.who{margin-left:0}dl.facts{grid-template-columns:1fr}form.search,form.search input{width:100%}
table.cards thead{display:none}
table.cards,table.cards tbody,table.cards tr{display:block;width:100%}
table.cards tr{border-bottom:1px solid var(--line);padding:.35rem .6rem}
table.cards tr.late-row{box-shadow:inset 4px 0 var(--crit)}
table.cards tr.late-row td:first-child{box-shadow:none}
table.cards td{display:flex;gap:.6rem;border:0;padding:.05rem 0}
table.cards td::before{content:attr(data-label);flex:0 0 6rem;color:var(--muted);font-size:.75rem;text-transform:uppercase;letter-spacing:.04em;padding-top:.1rem}
table.cards td:empty{display:none}}
@media print{header.top,.actions,.filters{display:none}body{background:#fff}}
)";

std::string cssHash() {
  return encoding::base64(encoding::sha256(kCss));
}

std::string layout(const std::string& title, const Viewer* viewer, const std::string& current,
                   const std::string& body) {
  std::string s;
  s.reserve(body.size() + kCss.size() + 1024);
  s += "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
       "<meta name=\"referrer\" content=\"no-referrer\"><link rel=\"icon\" href=\"data:,\"><title>";
  s += h(title) + " \u00b7 colo</title><style>" + kCss + "</style></head><body>\n";
  if (viewer) {
    auto item = [&](const char* href, const char* name) {
      return std::string("<a href=\"") + href + "\"" +
             (current == name ? " aria-current=\"page\"" : "") + ">" + name + "</a>";
    };
    s += "<header class=\"top\"><a class=\"brand\" href=\"/ui/\">colo</a><nav>" +
         item("/ui/", "Racks") + item("/ui/requests", "Requests") + item("/ui/pools", "Pools") +
         (viewer->sees_all ? item("/ui/forecast", "Forecast") + item("/ui/drift", "Drift")
                           : std::string()) +
         "</nav><form class=\"search\" role=\"search\" method=\"get\" action=\"/ui/search\">"
         "<input type=\"search\" name=\"q\" id=\"search\" maxlength=\"200\" "
         "placeholder=\"Hostname, IP address or request\" aria-label=\"Search\"></form>"
         "<div class=\"who\"><span id=\"who\">" +
         h(viewer->caller) + " (" + h(std::string(name(viewer->role))) +
         ")</span><form method=\"post\" action=\"/ui/logout\"><input type=\"hidden\" "
         "name=\"csrf\" value=\"" +
         h(viewer->csrf) + "\"><button id=\"logout\">Log out</button></form></div></header>\n";
  }
  s += "<main>\n" + body + "</main></body></html>\n";
  return s;
}

const char* levelName(inv::FeedUsage::Level l) {
  return l == inv::FeedUsage::Level::critical ? "critical"
         : l == inv::FeedUsage::Level::high   ? "high"
                                              : "ok";
}

// A horizontal bar: `percent` of it filled (clamped to 100), coloured by level.
std::string bar(int percent, inv::FeedUsage::Level level, const std::string& label) {
  int w = std::clamp(percent, 0, 100);
  const char* colour = level == inv::FeedUsage::Level::critical ? "#c62828"
                       : level == inv::FeedUsage::Level::high   ? "#f9a825"
                                                                : "#43a047";
  return "<svg class=\"bar\" viewBox=\"0 0 100 10\" preserveAspectRatio=\"none\" role=\"img\" "
         "aria-label=\"" +
         h(label) +
         "\"><rect width=\"100\" height=\"10\" rx=\"2\" fill=\"#e6eaed\"/><rect width=\"" + num(w) +
         "\" height=\"10\" rx=\"2\" fill=\"" + colour + "\"/></svg>";
}

inv::FeedUsage::Level levelOf(int percent) {
  return percent >= 95   ? inv::FeedUsage::Level::critical
         : percent >= 80 ? inv::FeedUsage::Level::high
                         : inv::FeedUsage::Level::ok;
}

// Units as one stacked bar: installed devices, colo's servers, reserved, free.
std::string unitsBar(const inv::RackUsage& r) {
  double scale = r.height > 0 ? 100.0 / r.height : 0;
  std::string s =
      "<svg class=\"bar\" viewBox=\"0 0 100 10\" preserveAspectRatio=\"none\" "
      "role=\"img\" aria-label=\"" +
      num(r.units_free) + " of " + num(r.height) +
      " units free\">"
      "<rect width=\"100\" height=\"10\" rx=\"2\" fill=\"#e6eaed\"/>";
  double x = 0;
  for (auto [units, colour] :
       {std::pair{r.units_device, "#78909c"}, std::pair{r.units_claimed, "#1f6fb2"},
        std::pair{r.units_reserved, "#b0bec5"}}) {
    double w = units * scale;
    if (w > 0)
      s += "<rect x=\"" + std::to_string(x) + "\" width=\"" + std::to_string(w) +
           "\" height=\"10\" fill=\"" + colour + "\"/>";
    x += w;
  }
  return s + "</svg>";
}

std::string feedBlock(const inv::FeedUsage& f) {
  auto level = f.level();
  std::string cls = level == inv::FeedUsage::Level::ok     ? ""
                    : level == inv::FeedUsage::Level::high ? "high"
                                                           : "critical-text";
  return "<div class=\"feed\" data-feed=\"" + h(f.name) + "\" data-percent=\"" + num(f.percent()) +
         "\" data-level=\"" + levelName(level) + "\"><div class=\"figures\"><span>" + h(f.name) +
         "</span><span class=\"" + cls + "\">" + num(f.percent()) + "%</span></div>" +
         bar(f.percent(), level, "feed " + f.name + " " + num(f.percent()) + "% of usable") +
         "<div class=\"muted\">" + num(f.drawn_watts) + "/" + num(f.usable_watts) +
         " W</div></div>";
}

std::string statusBadge(inv::Status s) {
  std::string n(inv::name(s));
  return "<span class=\"badge " + n + "\">" + n + "</span>";
}

std::string rackLink(const std::string& rack) {
  return "<a href=\"/ui/racks/" + urlEncode(rack) + "\">" + h(rack) + "</a>";
}

std::string requestLink(const std::string& id) {
  return "<a href=\"/ui/requests/" + urlEncode(id) + "\">" + h(id) + "</a>";
}

std::string warningLevel(RackWarning::Level l) {
  return l == RackWarning::Level::critical ? "critical" : "warning";
}

// Links to the pages before and after `page` of `pages`: `base` + number +
// `fragment`.
std::string pager(const std::string& base, std::size_t page, std::size_t pages,
                  const std::string& fragment) {
  if (pages <= 1) return "";
  std::string s = "<div class=\"pager\">";
  if (page > 1)
    s += "<a rel=\"prev\" href=\"" + base + std::to_string(page - 1) + fragment +
         "\">\u2190 previous</a>";
  if (page < pages)
    s += "<a rel=\"next\" href=\"" + base + std::to_string(page + 1) + fragment +
         "\">next \u2192</a>";
  return s + "</div>";
}

std::string unitsText(int first, int height) {
  return "U" + num(first) + (height > 1 ? "\u2013" + num(first + height - 1) : "");
}

// An open request: "late 2d 3h" once past due; an ended one: "met" or
// "missed by 2d 3h"; "" otherwise.
std::string slaText(const RequestRow& row) {
  if (row.late()) return "late " + lateText(row.sla->late_seconds);
  if (row.missed()) return "missed by " + lateText(row.sla->late_seconds);
  if (row.sla && row.sla->met == true) return "met";
  return "";
}

std::string csrfField(const Viewer& viewer) {
  return "<input type=\"hidden\" name=\"csrf\" value=\"" + h(viewer.csrf) + "\">";
}

// Switch ports a request holds, as a table with this id.
std::string portsTable(const char* id, const std::vector<inv::Claims::Port>& ports) {
  std::string b = std::string("<div class=\"scroll\"><table id=\"") + id +
                  "\"><thead><tr><th>Switch</th><th>Port</th><th class=\"num\">VLAN</th>"
                  "<th>Server</th></tr></thead><tbody>";
  for (const auto& p : ports)
    b += "<tr><td>" + h(p.switch_name) + "</td><td class=\"mono\">" + h(p.port) +
         "</td><td class=\"num\">" + num(p.vlan) + "</td><td>" + h(p.hostname) + "</td></tr>";
  return b + "</tbody></table></div>";
}

// Each switch's commands, with a heading; "" when there are none.
std::string commandsBlock(const SwitchCommands& commands, const std::string& heading) {
  if (commands.empty()) return "";
  std::string b = "<p>" + h(heading) + "</p>";
  for (const auto& [name, lines] : commands) {
    b += "<h3>" + h(name) + "</h3><pre class=\"commands\" data-switch=\"" + h(name) + "\">";
    for (const auto& l : lines) b += h(l) + "\n";
    b += "</pre>";
  }
  return b;
}

}  // namespace

const std::string& contentSecurityPolicy() {
  static const std::string csp =
      "default-src 'none'; style-src 'sha256-" + cssHash() +
      "'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; "
      "base-uri 'none'";
  return csp;
}

std::string localTime(const std::string& ts, const inv::TimeZone& zone) {
  return inv::localText(ts, zone, false);
}

std::string loginPage(const std::string& csrf, const std::string& next,
                      const std::string& message) {
  std::string body =
      "<form class=\"login\" method=\"post\" action=\"/ui/login\"><h1>colo</h1>"
      "<p class=\"muted\">Colocation console of the data center. Log in with your API token "
      "(made with <code>colo token</code>).</p>";
  if (!message.empty()) body += "<p class=\"error\" id=\"login-error\">" + h(message) + "</p>";
  body +=
      "<label for=\"token\">Token</label><input id=\"token\" name=\"token\" type=\"password\" "
      "autocomplete=\"current-password\" required autofocus maxlength=\"512\">"
      "<input type=\"hidden\" name=\"csrf\" value=\"" +
      h(csrf) + "\"><input type=\"hidden\" name=\"next\" value=\"" + h(next) +
      "\"><button id=\"login\">Log in</button></form>\n";
  return layout("Log in", nullptr, "", body);
}

namespace {

std::string dayText(const std::optional<std::int64_t>& day) {
  return day ? inv::civilDate(*day) : std::string("not at this rate");
}

// What reaches 95% (or is full) soonest, within a year: "R01-A (feed of
// R01) reaches 95% around 2027-03-10".
struct Soonest {
  std::int64_t day;
  std::string text;
};
std::vector<Soonest> soonest(const inv::Forecast& f, std::size_t most) {
  std::vector<Soonest> out;
  auto add = [&](const std::vector<inv::ForecastLine>& lines, const std::string& kind) {
    for (const auto& l : lines) {
      if (!l.critical_on || *l.critical_on > f.as_of + 365) continue;
      std::string what = (kind == "feed"         ? "feed " + l.name + " of rack " + l.rack
                          : kind == "room units" ? "room " + l.name + " (units)"
                          : kind == "room watts" ? "room " + l.name + " (power)"
                                                 : kind + " " + l.name);
      out.push_back(
          {*l.critical_on, what + (*l.critical_on <= f.as_of
                                       ? " is at 95% or more now"
                                       : " reaches 95% around " + inv::civilDate(*l.critical_on))});
    }
  };
  add(f.racks, "rack");
  add(f.feeds, "feed");
  add(f.room_units, "room units");
  add(f.room_watts, "room watts");
  add(f.pools, "pool");
  std::stable_sort(out.begin(), out.end(),
                   [](const Soonest& a, const Soonest& b) { return a.day < b.day; });
  if (out.size() > most) out.resize(most);
  return out;
}

}  // namespace

std::string driftPage(const Viewer& viewer, const DriftState& st, const inv::TimeZone& zone,
                      bool scheduled, const std::string& notice) {
  std::string b = "<h1>Drift</h1>\n";
  if (!notice.empty()) b += "<p class=\"notice\" id=\"notice\">" + h(notice) + "</p>\n";
  b += "<p>Every port colo holds for a completed request against colo's configuration for it, "
       "every free port against the unused state, and what is saved against what runs. ";
  b += st.read_at > 0 ? "Last read " + h(localTime(inv::isoUtcMs(st.read_at), zone)) + "."
                      : std::string("Not read yet.");
  if (!scheduled) b += " The agent reads only when asked (drift.interval_s is 0).";
  if (st.reading) b += " <b id=\"reading\">Reading now\u2026</b>";
  b += "</p>\n";
  if (viewer.may_release) {
    b += "<div class=\"actions\"><form method=\"post\" action=\"/ui/drift/read\">" +
         csrfField(viewer) +
         "<button id=\"read-drift\">Read the switches now</button></form>"
         "<form method=\"post\" action=\"/ui/drift/reconcile\">" +
         csrfField(viewer) +
         "<button id=\"reconcile\" class=\"danger\">Put colo's configuration back</button>"
         "</form></div>\n<p class=\"muted\">Putting back changes only colo's own ports "
         "(changed, or not saved), with the same capture, verify, save and restore as "
         "provisioning; a free port someone configured is never touched.</p>\n";
  }
  if (!st.last_reconcile.empty())
    b += "<p id=\"last-reconcile\">Last put back " +
         h(localTime(inv::isoUtcMs(st.reconciled_at), zone)) + ": " + h(st.last_reconcile) +
         "</p>\n";
  std::size_t differ = 0;
  for (const auto& sw : st.report.switches) differ += sw.ports.size();
  if (st.read_at > 0 && differ == 0)
    b += "<p id=\"drift-clean\" class=\"ok\">Every port as colo intends.</p>\n";
  for (const auto& sw : st.report.switches) {
    if (!sw.error.empty())
      b +=
          "<p class=\"error\">Switch " + h(sw.switch_name) + " not read: " + h(sw.error) + "</p>\n";
    if (sw.ports.empty()) continue;
    b += "<h2>" + h(sw.switch_name) + " <small>" + num(sw.ports_read) +
         " ports read</small></h2>\n<div class=\"scroll\"><table class=\"drift\"><thead><tr>"
         "<th>Port</th><th>Kind</th><th>Holder</th><th>What differs</th></tr></thead><tbody>";
    for (const auto& p : sw.ports) {
      std::string holder = p.request_id.empty()
                               ? "\u2013"
                               : "<a href=\"/ui/requests/" + urlEncode(p.request_id) + "\">" +
                                     h(p.request_id) + "</a> " + h(p.hostname) + " nic" +
                                     num(p.nic);
      std::string what;
      for (const auto& d : p.differences) what += "<div>" + h(d) + "</div>";
      b += "<tr data-port=\"" + h(p.port) + "\" data-kind=\"" + h(p.kind) + "\"><td>" + h(p.port) +
           "</td><td class=\"late\">" + h(p.kind) + "</td><td>" + holder + "</td><td>" + what +
           "<pre class=\"commands\">" + h(p.diff()) + "</pre></td></tr>";
    }
    b += "</tbody></table></div>\n";
  }
  return layout("Drift", &viewer, "Drift", b);
}

std::string forecastPage(const Viewer& viewer, const inv::Forecast& f) {
  std::string b = "<h1>Forecast <small>as of " + h(inv::civilDate(f.as_of)) +
                  ", at the rate of the last " + num(f.window_days) + " days</small></h1>\n";
  b += "<p class=\"filters\">Window: ";
  for (int w : {30, 90, 365})
    b += w == f.window_days
             ? "<b>" + num(w) + " days</b> "
             : "<a href=\"/ui/forecast?window=" + num(w) + "d\">" + num(w) + " days</a> ";
  b += "</p>\n<p>Net use is what requests claimed minus what was freed. A date is when it "
       "reaches that level if requests go on at the window's rate; \"not at this rate\" when "
       "nothing more was taken than freed.</p>\n";
  auto rate = [&](const inv::ForecastLine& l) {
    double r = l.per30d(f.window_days);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2g", r);
    return std::string(buf);
  };
  auto table = [&](const std::string& title, const std::string& id,
                   const std::vector<inv::ForecastLine>& lines, const std::string& unit,
                   bool withRack) {
    b += "<h2>" + h(title) + "</h2><table class=\"cards\" id=\"" + id + "\"><thead><tr><th>" +
         h(title.substr(0, title.size() - 1)) + "</th>" + (withRack ? "<th>Rack</th>" : "") +
         "<th>Free " + h(unit) +
         "</th><th>Per 30 days</th><th>80%</th><th>95%</th><th>Full</th>"
         "</tr></thead><tbody>";
    for (const auto& l : lines) {
      b += "<tr><td data-label=\"Name\">" +
           (title == "Racks" ? rackLink(l.name) : h(l.name.empty() ? "(no room)" : l.name)) +
           "</td>" + (withRack ? "<td data-label=\"Rack\">" + rackLink(l.rack) + "</td>" : "") +
           "<td data-label=\"Free\">" + h(countText(l.free())) + "</td><td data-label=\"Rate\">" +
           rate(l) + "</td><td data-label=\"80%\">" + h(dayText(l.warn_on)) +
           "</td><td data-label=\"95%\">" + h(dayText(l.critical_on)) +
           "</td><td data-label=\"Full\">" + h(dayText(l.full_on)) + "</td></tr>";
    }
    b += "</tbody></table>\n";
  };
  table("Racks", "forecast-racks", f.racks, "units", false);
  table("Feeds", "forecast-feeds", f.feeds, "watts", true);
  table("Rooms (units)", "forecast-room-units", f.room_units, "units", false);
  table("Rooms (power)", "forecast-room-watts", f.room_watts, "watts", false);
  table("Pools", "forecast-pools", f.pools, "addresses", false);
  if (!f.tenants.empty()) {
    b += "<h2>Departments</h2><table class=\"cards\" id=\"forecast-tenants\"><thead><tr>"
         "<th>Department</th><th>Units 30 / 90 / 365 d</th><th>Watts 30 / 90 / 365 d</th>"
         "<th>Addresses 30 / 90 / 365 d</th></tr></thead><tbody>";
    auto three = [](const inv::Consumption& c) {
      return num(c.d30) + " / " + num(c.d90) + " / " + num(c.d365);
    };
    for (const auto& t : f.tenants)
      b += "<tr><td data-label=\"Department\">" + h(t.tenant) + "</td><td data-label=\"Units\">" +
           three(t.units) + "</td><td data-label=\"Watts\">" + three(t.watts) +
           "</td><td data-label=\"Addresses\">" + three(t.addresses) + "</td></tr>";
    b += "</tbody></table>\n";
  }
  return layout("Forecast", &viewer, "Forecast", b);
}

std::string overviewPage(const Viewer& viewer, const inv::Occupancy& occ,
                         const RequestCounts& requests, const inv::Forecast* forecast) {
  const auto& inventory = occ.inventory();
  auto usage = inv::rackUsage(occ);
  int units = 0, free = 0, hotFeeds = 0;
  std::vector<std::pair<const inv::RackUsage*, RackWarning>> warnings;
  std::vector<std::vector<RackWarning>> perRack(usage.size());
  for (std::size_t i = 0; i < usage.size(); ++i) {
    const auto& r = usage[i];
    units += r.height;
    free += r.units_free;
    for (const auto& f : r.feeds) hotFeeds += f.level() != inv::FeedUsage::Level::ok;
    perRack[i] = rackWarnings(r);
    for (const auto& w : perRack[i]) warnings.emplace_back(&r, w);
  }
  std::stable_sort(warnings.begin(), warnings.end(),
                   [](const auto& a, const auto& b) { return worseWarning(a.second, b.second); });
  int inProgress = 0;
  for (const auto& [status, n] : requests.by_status)
    if (inv::inProgress(status)) inProgress += n;

  std::string b;
  b.reserve(4096 + usage.size() * 1600);
  b += "<h1>" + h(inventory.site.name.empty() ? "Data center" : inventory.site.name) +
       " <small>racks, units and power</small></h1>\n<div class=\"summary\">";
  b += "<div class=\"stat\"><b>" + num(static_cast<long long>(usage.size())) + "</b>racks</div>";
  b += "<div class=\"stat\"><b>" + num(free) + "</b>units free of " + num(units) + "</div>";
  b += std::string("<div class=\"stat") + (hotFeeds ? " bad" : "") + "\"><b>" + num(hotFeeds) +
       "</b>feeds from 80%</div>";
  b += "<div class=\"stat\"><b>" + num(inProgress) + "</b><a href=\"/ui/requests\">" +
       (viewer.sees_all ? "requests" : "your requests") + " in progress</a></div>";
  b += std::string("<div class=\"stat") + (requests.late ? " bad" : "") +
       "\" id=\"late-count\"><b>" + num(requests.late) +
       "</b><a href=\"/ui/requests?late=1\">late</a>" +
       (requests.missed ? " <small><a href=\"/ui/requests?missed=1\">" + num(requests.missed) +
                              " ended late</a></small>"
                        : std::string()) +
       "</div></div>\n";

  if (forecast) {
    auto first = soonest(*forecast, 3);
    b += "<section class=\"confirm\" id=\"forecast-card\"><b>Running out</b> <small>at the "
         "rate of the last " +
         num(forecast->window_days) + " days</small><ul>";
    for (const auto& s : first) b += "<li>" + h(s.text) + "</li>";
    if (first.empty()) b += "<li>Nothing reaches 95% within a year at this rate.</li>";
    b += "</ul><a href=\"/ui/forecast\">The whole forecast</a></section>\n";
  }
  if (!warnings.empty()) {
    b += "<h2>Warnings</h2><ul class=\"warnings\" id=\"warnings\">";
    for (const auto& [r, w] : warnings)
      b += "<li class=\"" + warningLevel(w.level) + "\" data-rack=\"" + h(r->name) + "\">" +
           rackLink(r->name) + ": " + h(w.text) + "</li>";
    b += "</ul>\n";
  }
  // Rooms in the order the inventory first names them.
  std::vector<std::string> rooms;
  for (const auto& r : usage)
    if (std::find(rooms.begin(), rooms.end(), r.room) == rooms.end()) rooms.push_back(r.room);
  for (const auto& room : rooms) {
    int roomFree = 0, roomRacks = 0;
    for (const auto& r : usage)
      if (r.room == room) roomFree += r.units_free, ++roomRacks;
    b += "<section class=\"room\"><h2>" + h(room.empty() ? "(no room)" : room) + " <small>" +
         num(roomRacks) + " racks, " + num(roomFree) +
         " units free</small></h2><div class=\"racks\">\n";
    for (std::size_t i = 0; i < usage.size(); ++i) {
      const auto& r = usage[i];
      if (r.room != room) continue;
      std::string worst;
      for (const auto& w : perRack[i])
        if (worst != "critical") worst = warningLevel(w.level);
      b += "<article class=\"rack " + worst + "\" data-rack=\"" + h(r.name) + "\"><h3>" +
           rackLink(r.name) + " <small>" + num(r.height) + "U</small>";
      if (!perRack[i].empty())
        b += " <span class=\"badge\">" + num(static_cast<long long>(perRack[i].size())) +
             (perRack[i].size() == 1 ? " warning" : " warnings") + "</span>";
      b += "</h3>" + unitsBar(r) + "<div class=\"muted units\" data-free=\"" + num(r.units_free) +
           "\">" + num(r.units_free) + " of " + num(r.height) + " U free \u00b7 largest run " +
           num(r.largest_gap) + " U</div><div class=\"feeds\">";
      for (const auto& f : r.feeds) b += feedBlock(f);
      b += "</div><p class=\"fits\" data-fit-units=\"" + num(r.fit_units) + "\">Fits: <b>" +
           (r.fit_units ? h(fitsText(r)) : std::string("nothing more")) + "</b></p></article>\n";
    }
    b += "</div></section>\n";
  }
  if (usage.empty()) b += "<p>The inventory has no racks.</p>";
  return layout("Racks", &viewer, "Racks", b);
}

std::string rackPage(const Viewer& viewer, const inv::Occupancy& occ, std::size_t r) {
  const auto& inventory = occ.inventory();
  const auto& rack = inventory.racks[r];
  auto u = inv::rackUsage(occ, r);
  std::string b;
  b += "<h1>Rack " + h(rack.name) + " <small>" + h(rack.room) + " \u00b7 " + num(rack.height) +
       "U</small></h1>\n<div class=\"rackpage\"><figure>";
  b += elevationSvg(occ, r, {false, "/ui/requests/{id}"});
  b += "<figcaption class=\"legend\"><a href=\"/ui/racks/" + urlEncode(rack.name) +
       "/elevation.svg\">elevation as SVG</a></figcaption></figure>\n<div class=\"side\">";
  b += "<div class=\"summary\"><div class=\"stat\"><b>" + num(u.units_free) +
       "</b>units free</div><div class=\"stat\"><b>" + num(u.largest_gap) +
       "U</b>largest free run</div><div class=\"stat\" id=\"fits\"><b>" +
       (u.fit_units ? num(u.fit_units) + "U" : std::string("\u2013")) + "</b>" +
       (u.fit_units ? "fits: " + h(fitsText(u)) : std::string("nothing more fits")) +
       "</div></div>";
  auto warnings = rackWarnings(u);
  if (!warnings.empty()) {
    b += "<ul class=\"warnings\" id=\"warnings\">";
    for (const auto& w : warnings)
      b += "<li class=\"" + warningLevel(w.level) + "\">" + h(w.text) + "</li>";
    b += "</ul>";
  }
  if (auto notes = rackNotes(u); !notes.empty()) {
    b += "<ul class=\"notes muted\" id=\"notes\">";
    for (const auto& n : notes) b += "<li>" + h(n) + "</li>";
    b += "</ul>";
  }
  // Power: each feed, then who draws what from which.
  b += "<h2>Power</h2><div class=\"feeds\">";
  for (const auto& f : u.feeds) b += feedBlock(f);
  b += "</div><div class=\"scroll\"><table id=\"loads\"><thead><tr><th>Occupant</th>";
  for (const auto& f : rack.feeds) b += "<th class=\"num\">" + h(f.name) + "</th>";
  b += "<th></th></tr></thead><tbody>";
  for (const auto& l : occ.loads(r)) {
    b += "<tr data-name=\"" + h(l.name) + "\" data-watts=\"" + num(l.watts) + "\"><td>" +
         (l.request_id.empty() ? h(l.name)
                               : h(l.name) + " <small>" + requestLink(l.request_id) + "</small>") +
         "</td>";
    for (std::size_t f = 0; f < rack.feeds.size(); ++f)
      b += "<td class=\"num\">" +
           (std::find(l.feeds.begin(), l.feeds.end(), f) != l.feeds.end() ? num(l.watts) + " W"
                                                                          : std::string()) +
           "</td>";
    b += std::string("<td>") +
         (rack.feeds.size() > 1 && l.feeds.size() == 1 ? "<span class=\"high\">one feed</span>"
                                                       : "") +
         "</td></tr>";
  }
  b += "</tbody></table></div>";
  // The rack's switches, port by port.
  for (const auto& name : rack.switches) {
    const auto* sw = inventory.switchNamed(name);
    if (!sw) continue;
    auto s = occ.switchIndex(*sw);
    b += "<h2>Switch " + h(sw->name) + " <small>" + h(sw->vendor) + " \u00b7 " +
         num(static_cast<long long>(occ.freePorts(s))) + " of " +
         num(static_cast<long long>(sw->access_ports.size())) +
         " access ports free</small></h2><div class=\"ports\" data-switch=\"" + h(sw->name) + "\">";
    for (std::size_t p = 0; p < sw->access_ports.size(); ++p) {
      const auto& port = sw->access_ports[p];
      std::string label = port;
      if (auto cut = label.find_first_of("0123456789"); cut != std::string::npos)
        label = label.substr(cut);
      if (const auto* holder = occ.portHolder(s, p)) {
        const auto& c = *holder;
        b += "<a class=\"port colo\" data-port=\"" + h(port) +
             "\" data-state=\"colo\" href=\"/ui/requests/" + urlEncode(c.request_id) +
             "\" title=\"" +
             h(port + ": " + c.hostname + ", VLAN " + num(c.vlan) + ", request " + c.request_id) +
             "\">" + h(label) + "</a>";
      } else {
        bool taken = occ.portTaken(s, p);
        b += std::string("<span class=\"port ") + (taken ? "inuse" : "free") + "\" data-port=\"" +
             h(port) + "\" data-state=\"" + (taken ? "in-use" : "free") + "\" title=\"" +
             h(port + (taken ? ": in use (inventory)" : ": free")) + "\">" + h(label) + "</span>";
      }
    }
    b += "</div>";
    std::vector<std::string> other;
    for (const auto& p : sw->in_use)
      if (!occ.portIndex(s, p)) other.push_back(p);
    if (!other.empty()) {
      b += "<p class=\"muted\">Also in use (not access ports): ";
      for (std::size_t i = 0; i < other.size(); ++i) b += (i ? ", " : "") + h(other[i]);
      b += "</p>";
    }
  }
  if (!rack.switches.empty())
    b += "<div class=\"legend\"><span class=\"port free\">free</span><span class=\"port "
         "colo\">colo</span>"
         "<span class=\"port inuse\">in use</span></div>";
  b += "</div></div>\n";
  return layout("Rack " + rack.name, &viewer, "Racks", b);
}

std::string poolsPage(const Viewer& viewer, const inv::Occupancy& occ,
                      const std::vector<inv::Claims::Address>& held, const std::string& pool,
                      std::size_t page) {
  const auto& inventory = occ.inventory();
  auto usage = inv::poolUsage(occ);
  std::string b =
      "<h1>IP pools</h1>\n<div class=\"scroll\"><table id=\"pools\"><thead><tr><th>Pool</th>"
      "<th>Prefix</th><th class=\"num\">VLAN</th><th>In use</th><th class=\"num\">Held</th>"
      "<th class=\"num\">Free</th><th>Next free</th></tr></thead><tbody>";
  for (const auto& p : usage) {
    // Share of what may be handed out that is held.
    inv::u128 allocatable = p.usable - p.excluded;
    int percent = allocatable == 0 ? 100
                                   : static_cast<int>(static_cast<double>(p.held) * 100.0 /
                                                      static_cast<double>(allocatable));
    b += "<tr data-pool=\"" + h(p.name) + "\" data-percent=\"" + num(percent) +
         "\"><td><a href=\"/ui/pools?pool=" + urlEncode(p.name) + "#held\">" + h(p.name) +
         "</a></td><td class=\"mono\">" + h(p.prefix) + "</td><td class=\"num\">" + num(p.vlan) +
         "</td><td>" + bar(percent, levelOf(percent), p.name + " " + num(percent) + "% held") +
         "<small>" + num(percent) + "%</small></td><td class=\"num\">" + h(countText(p.held)) +
         "</td><td class=\"num\">" + h(countText(p.free)) + "</td><td class=\"mono\">" +
         (p.next_free ? h(p.next_free->str()) : std::string("(none)")) + "</td></tr>";
  }
  b += "</tbody></table></div>\n";
  const inv::IpPool* selected = pool.empty() ? nullptr : inventory.pool(pool);
  if (!pool.empty() && !selected) b += "<p class=\"error\">No pool named " + h(pool) + ".</p>";
  if (!selected) {
    if (!usage.empty())
      b += "<p class=\"muted\">Choose a pool for its free ranges and who holds each address.</p>";
    return layout("Pools", &viewer, "Pools", b);
  }
  auto p = occ.poolIndex(*selected);
  auto addr = [&](inv::u128 v) { return inv::IpAddress{v, selected->prefix.network.v6}.str(); };
  constexpr std::size_t kRanges = 20;
  auto free =
      occ.addressesTaken(p).gaps(selected->firstUsable(), selected->lastUsable(), kRanges + 1);
  b +=
      "<h2 id=\"held\">Pool " + h(selected->name) + " <small>" + h(usage[p].prefix) + ", VLAN " +
      num(selected->vlan) + (selected->gateway ? ", gateway " + h(selected->gateway->str()) : "") +
      "</small></h2><h3>Free ranges</h3><div class=\"scroll\"><table id=\"free-ranges\"><thead><tr>"
      "<th>From</th><th>To</th><th class=\"num\">Size</th></tr></thead><tbody>";
  for (std::size_t i = 0; i < std::min(free.size(), kRanges); ++i)
    b += "<tr><td class=\"mono\">" + h(addr(free[i].first)) + "</td><td class=\"mono\">" +
         h(addr(free[i].second)) + "</td><td class=\"num\">" +
         h(countText(free[i].second - free[i].first + 1)) + "</td></tr>";
  if (free.empty()) b += "<tr><td colspan=\"3\">none: every address is held or excluded</td></tr>";
  b += "</tbody></table></div>";
  if (free.size() > kRanges)
    b += "<p class=\"muted\">The first " + num(kRanges) + " free ranges.</p>";
  std::vector<const inv::Claims::Address*> mine;
  for (const auto& a : held)
    if (a.pool == selected->name) mine.push_back(&a);
  std::sort(mine.begin(), mine.end(),
            [](const auto* a, const auto* c) { return a->address.value < c->address.value; });
  std::size_t pages = std::max<std::size_t>(1, (mine.size() + kRowsPerPage - 1) / kRowsPerPage);
  page = std::clamp<std::size_t>(page, 1, pages);
  b += "<h3>Held addresses <small>" + num(static_cast<long long>(mine.size())) +
       (pages > 1 ? ", page " + num(static_cast<long long>(page)) + " of " +
                        num(static_cast<long long>(pages))
                  : "") +
       "</small></h3><div class=\"scroll\"><table id=\"held-addresses\"><thead><tr><th>Address</th>"
       "<th>Request</th><th>Hostname</th></tr></thead><tbody>";
  for (std::size_t i = (page - 1) * kRowsPerPage; i < std::min(mine.size(), page * kRowsPerPage);
       ++i)
    b += "<tr><td class=\"mono\">" + h(mine[i]->address.str()) + "</td><td>" +
         (mine[i]->request_id.empty() ? std::string("<span class=\"muted\">another "
                                                    "department</span>")
                                      : requestLink(mine[i]->request_id)) +
         "</td><td>" + h(mine[i]->hostname) + "</td></tr>";
  if (mine.empty()) b += "<tr><td colspan=\"3\">no address of this pool is held</td></tr>";
  b += "</tbody></table></div>";
  b += pager("/ui/pools?pool=" + urlEncode(selected->name) + "&amp;page=", page, pages, "#held");
  if (!mine.empty())
    b += "<p><a class=\"button\" id=\"csv\" href=\"/ui/pools/" + urlEncode(selected->name) +
         "/holders.csv\" download>Download the " + num(static_cast<long long>(mine.size())) +
         " held addresses as CSV</a></p>";
  return layout("Pools", &viewer, "Pools", b);
}

bool RequestFilter::matches(const RequestRow& row) const {
  if (status && row.record.status != *status) return false;
  if (!tenant.empty() && row.record.tenant_code != tenant) return false;
  return (!late || row.late()) && (!missed || row.missed());
}

std::size_t pageWithin(std::size_t page, std::size_t total) {
  std::size_t pages = std::max<std::size_t>(1, (total + kRowsPerPage - 1) / kRowsPerPage);
  return std::clamp<std::size_t>(page, 1, pages);
}

std::string requestsPage(const Viewer& viewer, const RequestPage& list, const RequestFilter& filter,
                         const std::vector<std::string>& tenants, const inv::TimeZone& zone) {
  std::string b =
      "<h1>Requests</h1>\n<form class=\"filters\" method=\"get\" action=\"/ui/requests\">"
      "<label>Status<select name=\"status\"><option value=\"\">any</option>";
  for (auto s : inv::allStatuses()) {
    std::string n(inv::name(s));
    b += "<option" + std::string(filter.status == s ? " selected" : "") + ">" + n + "</option>";
  }
  b += "</select></label><label>Tenant<select name=\"tenant\"><option value=\"\">any</option>";
  for (const auto& t : tenants)
    b += "<option" + std::string(filter.tenant == t ? " selected" : "") + ">" + h(t) + "</option>";
  b += std::string(
           "</select></label><label class=\"check\"><input type=\"checkbox\" name=\"late\" "
           "value=\"1\"") +
       (filter.late ? " checked" : "") +
       "> late only</label><label class=\"check\"><input type=\"checkbox\" name=\"missed\" "
       "value=\"1\"" +
       (filter.missed ? " checked" : "") + "> ended late</label><button>Filter</button></form>\n";
  const auto& rows = list.rows;
  std::size_t total = list.total, late = list.late;
  std::size_t pages = std::max<std::size_t>(1, (total + kRowsPerPage - 1) / kRowsPerPage);
  std::size_t page = pageWithin(filter.page, total);
  b += "<p id=\"count\">" + num(static_cast<long long>(total)) +
       (total == 1 ? " request" : " requests") +
       (late ? ", <span class=\"late\">" + num(static_cast<long long>(late)) + " late</span>"
             : std::string()) +
       (pages > 1 ? " \u00b7 page " + num(static_cast<long long>(page)) + " of " +
                        num(static_cast<long long>(pages))
                  : "") +
       "</p>";
  b += "<div class=\"scroll\"><table id=\"requests\" class=\"cards\"><thead><tr><th>Request</th>"
       "<th>Status</th><th>Tenant</th><th>Letter</th><th>Received</th><th>Due</th><th>Ended</th>"
       "<th>SLA</th></tr></thead><tbody>";
  auto cell = [](const char* label, const std::string& html, const char* cls = nullptr) {
    return std::string("<td") + (cls ? std::string(" class=\"") + cls + "\"" : "") +
           (html.empty() ? "" : std::string(" data-label=\"") + label + "\"") + ">" + html +
           "</td>";
  };
  for (const auto& row : rows) {
    const auto& r = row.record;
    std::string sla = slaText(row);
    std::string slaHtml = sla.empty()    ? ""
                          : row.late()   ? "<span class=\"late\">" + h(sla) + "</span>"
                          : row.missed() ? "<span class=\"missed\">" + h(sla) + "</span>"
                                         : "<span class=\"muted\">" + h(sla) + "</span>";
    b += "<tr data-id=\"" + h(r.id) + "\" data-late=\"" + (row.late() ? "1" : "0") + "\"" +
         (row.late() ? " class=\"late-row\"" : "") + ">" +
         cell("Request", requestLink(r.id), "id") + cell("Status", statusBadge(r.status)) +
         cell("Tenant", h(r.tenant_code)) + cell("Letter", h(r.letter_number)) +
         cell("Received", h(localTime(r.received_at, zone))) +
         cell("Due", row.sla ? h(row.sla->due_date) : std::string()) +
         cell("Ended", h(localTime(endedAt(r), zone))) + cell("SLA", slaHtml) + "</tr>";
  }
  if (rows.empty()) b += "<tr><td colspan=\"8\">No request matches.</td></tr>";
  b += "</tbody></table></div>";
  if (!viewer.zone.empty()) b += "<p class=\"muted\">Times in " + h(viewer.zone) + ".</p>";
  std::string query =
      "status=" + (filter.status ? std::string(inv::name(*filter.status)) : std::string()) +
      "&amp;tenant=" + urlEncode(filter.tenant) + (filter.late ? "&amp;late=1" : "") +
      (filter.missed ? "&amp;missed=1" : "");
  b += pager("/ui/requests?" + query + "&amp;page=", page, pages, "");
  b += "<p><a class=\"button\" id=\"csv\" href=\"/ui/requests.csv?" + query +
       "\" download>Download these " + num(static_cast<long long>(total)) +
       (total == 1 ? " request" : " requests") + " as CSV</a></p>";
  return layout("Requests", &viewer, "Requests", b);
}

std::string requestPage(const Viewer& viewer, const RequestDetail& d, const inv::TimeZone& zone,
                        const std::string& notice) {
  const auto& r = d.row.record;
  std::string tenantName;
  if (auto body = nlohmann::json::parse(r.body, nullptr, false); body.is_object())
    if (auto t = body.find("tenant"); t != body.end() && t->is_object())
      tenantName = t->value("name", "");
  std::string b = "<h1>Request " + h(r.id) + " " + statusBadge(r.status) + "</h1>\n";
  if (!notice.empty()) b += "<p class=\"notice\" id=\"notice\">" + h(notice) + "</p>";
  b += "<dl class=\"facts\"><dt>Tenant</dt><dd>" +
       h(tenantName.empty() ? r.tenant_code : tenantName) + " <small>(" + h(r.tenant_code) +
       ")</small></dd><dt>Request letter</dt><dd>" + h(r.letter_number) +
       "</dd><dt>Received</dt><dd>" + h(localTime(r.received_at, zone)) + "</dd>";
  if (const auto& sla = d.row.sla) {
    b += "<dt>Due</dt><dd id=\"due\">" + h(sla->due_date) + " <small>(3 working days)</small>";
    if (d.row.late())
      b +=
          " <span class=\"late\" id=\"late\">late by " + h(lateText(sla->late_seconds)) + "</span>";
    else if (d.row.missed())
      b += " <span class=\"missed\" id=\"missed\">missed by " + h(lateText(sla->late_seconds)) +
           "</span>";
    else if (sla->met == true)
      b += " <span class=\"muted\" id=\"met\">met</span>";
    b += "</dd>";
  }
  if (auto ended = endedAt(r); !ended.empty())
    b += "<dt>Ended</dt><dd>" + h(localTime(ended, zone)) + "</dd>";
  b += "<dt>Last change</dt><dd>" + h(localTime(r.updated_at, zone)) + "</dd>";
  if (!r.submitted_by.empty()) b += "<dt>Sent by</dt><dd>" + h(r.submitted_by) + "</dd>";
  if (!r.error.empty())
    b += "<dt>Why it failed</dt><dd class=\"error\" id=\"error\">" + h(r.error) + "</dd>";
  b += "</dl>\n<div class=\"actions\">";
  if (r.status == inv::Status::completed)
    b += "<a class=\"button\" id=\"letter\" href=\"/ui/requests/" + urlEncode(r.id) +
         "/letter\">Confirmation letter</a>";
  const std::string base = "/ui/requests/" + urlEncode(r.id);
  // A release asks first (releasePage); a failed request holding nothing is
  // tried again instead.
  if (viewer.may_release &&
      (r.status == inv::Status::completed || r.status == inv::Status::reserved ||
       (r.status == inv::Status::failed && d.holds)))
    b +=
        "<a class=\"button danger\" id=\"release\" href=\"" + base + "/release\">Release\u2026</a>";
  if (viewer.may_release && r.status == inv::Status::failed && !d.holds)
    b += "<form method=\"post\" action=\"" + base + "/retry\">" + csrfField(viewer) +
         "<button id=\"retry\">Try again (attempt " + num(r.attempt + 1) +
         ") from the request as received</button></form>";
  // The cabling check (design.md §17): read-only, run by a worker.
  if (viewer.may_release && r.status == inv::Status::completed)
    b += "<form method=\"post\" action=\"" + base + "/check\">" + csrfField(viewer) +
         "<button id=\"check\">Check cabling</button></form>";
  b += "</div>";
  if (!d.checks.empty()) {
    const auto& c = d.checks.front();
    b += "<h2 id=\"cabling\">Cabling</h2>";
    if (c.state == "queued" || c.state == "running") {
      b += "<p class=\"muted\" id=\"check-pending\">Check " + num(c.id) + " " + h(c.state) +
           ", asked by " + h(c.requested_by) + " at " +
           h(localTime(inv::isoUtcMs(c.requested_at), zone)) + "; reload for its result.</p>";
    } else if (c.state == "failed") {
      b += "<p class=\"error\" id=\"check-failed\">Check " + num(c.id) +
           " could not run: " + h(c.error) + "</p>";
    } else {
      auto parsed = nlohmann::json::parse(c.result, nullptr, false);
      auto report = parsed.is_discarded() ? CablingReport{} : cablingFromJson(parsed);
      b += "<p id=\"check-summary\">Checked " + h(localTime(inv::isoUtcMs(c.finished_at), zone)) +
           " by " + h(c.requested_by) + ": " + h(cablingSummary(report)) + ".</p>";
      b += "<div class=\"scroll\"><table id=\"checks\"><thead><tr><th>Server</th><th>NIC</th>"
           "<th>Switch port</th><th>Verdict</th><th>Link</th><th class=\"num\">Input "
           "errors</th><th>MACs</th><th>LLDP</th><th>Detail</th></tr></thead><tbody>";
      for (const auto& n : report.nics) {
        std::string lldp = !n.lldp                       ? "\u2013"
                           : n.lldp->system_name.empty() ? "(no name) " + n.lldp->port_id
                                                         : n.lldp->system_name;
        std::string macs;
        for (const auto& m : n.macs) macs += (macs.empty() ? "" : " ") + m;
        b += "<tr><td>" + h(n.hostname) + "</td><td>" + num(n.nic) + "</td><td>" +
             h(n.switch_name + " " + n.port) + "</td><td class=\"" +
             (n.verdict == "ok" ? "ok" : "late") + "\">" + h(n.verdict) + "</td><td>" +
             h(n.link.empty() ? "?" : n.link) + "</td><td class=\"num\">" +
             (n.input_errors ? num(static_cast<long long>(*n.input_errors)) : "\u2013") +
             "</td><td><small>" + h(macs.empty() ? "\u2013" : macs) + "</small></td><td>" +
             h(lldp) + "</td><td><small>" + h(n.detail) + "</small></td></tr>";
      }
      b += "</tbody></table></div>";
    }
  }
  if (!d.ports_to_clean.empty()) {
    b += "<h2 id=\"to-clean\">Ports to clean by hand</h2><p>Released without touching the "
         "switches: these ports may still carry the request's configuration. They stay held, so "
         "nothing else is placed on them, until <code>colo validate --online</code> finds them "
         "unused.</p>" +
         portsTable("ports-to-clean", d.ports_to_clean);
    b += commandsBlock(d.clean_commands, "What colo would have sent to return them to unused:");
  }

  b += "<h2>Allocation</h2>";
  if (!r.allocation || r.allocation->servers.empty()) {
    b += "<p class=\"muted\">Nothing was allocated.</p>";
  } else {
    b += std::string(
        "<div class=\"scroll\"><table id=\"allocation\"><thead><tr><th>Server</th><th>Rack</th>"
        "<th>Units</th><th>Power</th><th>NIC</th><th>Switch port</th><th class=\"num\">VLAN</th>"
        "<th>Addresses</th></tr></thead><tbody>");
    for (const auto& s : r.allocation->servers) {
      std::string feeds;
      for (const auto& f : s.feeds) feeds += (feeds.empty() ? "" : "+") + f.feed;
      std::string first = "<td>" + h(s.hostname) + "</td><td>" + rackLink(s.rack) + "</td><td>" +
                          unitsText(s.first_unit, s.height) + "</td><td>" + num(s.power_watts) +
                          " W <small>" + h(feeds) + "</small></td>";
      std::string blank = "<td></td><td></td><td></td><td></td>";
      if (s.nics.empty()) b += "<tr>" + first + "<td>\u2013</td><td></td><td></td><td></td></tr>";
      for (std::size_t n = 0; n < s.nics.size(); ++n) {
        const auto& nic = s.nics[n];
        std::string addrs;
        for (const auto& a : nic.addresses)
          addrs += (addrs.empty() ? "" : "<br>") + std::string("<span class=\"mono\">") +
                   h(a.address.str()) + "/" + num(a.prefix_length) + "</span>" +
                   (a.gateway ? " <small>gw " + h(a.gateway->str()) + "</small>" : "");
        b += "<tr>" + (n ? blank : first) + "<td>" + num(nic.index) + "</td><td>" +
             h(nic.switch_name) + " <span class=\"mono\">" + h(nic.port) +
             "</span></td><td class=\"num\">" + num(nic.vlan) + "</td><td>" + addrs + "</td></tr>";
      }
    }
    b += "</tbody></table></div>";
    if (inv::ended(r.status) && r.status != inv::Status::completed)
      b += "<p class=\"muted\">Kept for the record; none of it is held any more.</p>";
  }
  b += "<h2>Step log</h2>";
  if (!viewer.zone.empty()) b += "<p class=\"muted\">Times in " + h(viewer.zone) + ".</p>";
  b += "<div class=\"scroll\"><table "
       "id=\"steps\"><thead><tr><th>When</th><th>Who</th>"
       "<th>Step</th><th>Detail</th></tr></thead><tbody>";
  for (const auto& e : d.events)
    b += "<tr><td class=\"id\">" + h(inv::localText(e.at, zone, false, true)) + "</td><td>" +
         h(e.actor) + "</td><td>" + h(e.kind) + "</td><td>" + h(e.detail) + "</td></tr>";
  b += "</tbody></table></div>";
  b += "<h2>Callbacks</h2>";
  if (d.callbacks.empty()) {
    b += "<p class=\"muted\">None sent.</p>";
  } else {
    b += "<div class=\"scroll\"><table id=\"callbacks\"><thead><tr><th>Event</th><th>To</th>"
         "<th class=\"num\">Attempts</th><th>State</th>" +
         std::string(viewer.may_release ? "<th></th>" : "") + "</tr></thead><tbody>";
    for (const auto& c : d.callbacks) {
      std::string state = !c.delivered_at.empty() ? "delivered " + localTime(c.delivered_at, zone)
                          : c.given_up            ? "given up"
                                                  : "pending";
      b += "<tr data-delivery=\"" + h(c.delivery_id) + "\"><td>" + h(c.event) +
           "<br><small class=\"mono\">" + h(c.delivery_id) + "</small></td><td class=\"mono\">" +
           h(c.url) + "</td><td class=\"num\">" + num(c.attempts) + "</td><td" +
           (c.given_up ? " class=\"error\"" : "") + ">" + h(state) +
           (c.last_error.empty() || !c.delivered_at.empty()
                ? ""
                : "<br><small>" + h(c.last_error) + "</small>") +
           "</td>";
      // Any delivery, delivered or not: due now, its receiver's backoff reset.
      if (viewer.may_release)
        b += "<td><form method=\"post\" action=\"" + base + "/redeliver\">" + csrfField(viewer) +
             "<input type=\"hidden\" name=\"delivery_id\" value=\"" + h(c.delivery_id) +
             "\"><button class=\"redeliver\">" +
             (c.delivered_at.empty() && !c.given_up ? "Send now" : "Send again") +
             "</button></form></td>";
      b += "</tr>";
    }
    b += "</tbody></table></div>";
  }
  return layout("Request " + r.id, &viewer, "Requests", b);
}

std::string releasePage(const Viewer& viewer, const ReleasePreview& p) {
  const auto& r = p.row.record;
  const std::string base = "/ui/requests/" + urlEncode(r.id);
  std::string b = "<h1>Release " + h(r.id) + "? " + statusBadge(r.status) + "</h1>\n";
  if (!p.refusal.empty()) {
    b += "<p class=\"error\" id=\"refusal\">" + h(p.refusal) + "</p><p><a href=\"" + base +
         "\">Back to the request</a></p>";
    return layout("Release " + r.id, &viewer, "Requests", b);
  }
  b += "<p>Tenant " + h(r.tenant_code) + ", request letter " + h(r.letter_number) + ".</p>";
  b += "<h2>On the switches</h2>";
  if (!p.on_switches) {
    b += "<p id=\"no-switch-work\">Nothing of it is on a switch: it is released at once.</p>";
  } else if (p.ports.empty()) {
    b += "<p id=\"no-switch-work\">It holds no switch port: a worker frees the rest in a "
         "moment.</p>";
  } else {
    b += "<p>A worker returns each of these ports to unused, checks it, and saves the "
         "configuration; only then is the rest freed. If a switch refuses, the request keeps "
         "what it holds and says why.</p>" +
         portsTable("unconfigure", p.ports);
    b += commandsBlock(p.commands, "What each switch will receive:");
    if (!p.commands_note.empty()) b += "<p class=\"muted\">" + h(p.commands_note) + "</p>";
  }
  b += "<h2>Freed in the ledger</h2>";
  if (!r.allocation || r.allocation->servers.empty()) {
    b += "<p class=\"muted\">Nothing was allocated.</p>";
  } else {
    b += "<div class=\"scroll\"><table id=\"freed\"><thead><tr><th>Server</th><th>Rack</th>"
         "<th>Units</th><th>Power</th><th>Addresses</th></tr></thead><tbody>";
    for (const auto& sv : r.allocation->servers) {
      std::string feeds, addrs;
      for (const auto& f : sv.feeds) feeds += (feeds.empty() ? "" : "+") + f.feed;
      for (const auto& nic : sv.nics)
        for (const auto& a : nic.addresses)
          addrs += (addrs.empty() ? "" : "<br>") + std::string("<span class=\"mono\">") +
                   h(a.address.str()) + "</span>";
      b += "<tr><td>" + h(sv.hostname) + "</td><td>" + rackLink(sv.rack) + "</td><td>" +
           unitsText(sv.first_unit, sv.height) + "</td><td>" + num(sv.power_watts) + " W <small>" +
           h(feeds) + "</small></td><td>" + addrs + "</td></tr>";
    }
    b += "</tbody></table></div>";
  }
  b += "<form class=\"confirm\" method=\"post\" action=\"" + base + "/release\">" +
       csrfField(viewer) + "<p>The request becomes " +
       (p.on_switches ? "releasing, then released" : "released") +
       "; its callback, if it names one, says so. This cannot be undone: a new request is "
       "placed afresh.</p><button class=\"danger\" id=\"confirm-release\">Release " +
       h(r.id) + "</button> <a href=\"" + base + "\" id=\"cancel\">Cancel</a></form>";
  if (viewer.may_forget && p.on_switches && !p.ports.empty())
    b += "<form class=\"confirm forget\" method=\"post\" action=\"" + base + "/release\">" +
         csrfField(viewer) +
         "<h2>A switch is gone for good?</h2><p>Release it without touching any switch: its "
         "units, power and addresses are freed now; its ports stay held, listed on the request "
         "as ports to clean by hand, until <code>colo validate --online</code> finds them "
         "unused.</p><input type=\"hidden\" name=\"forget\" value=\"1\"><label for=\"reason\">"
         "Why (for the step log)</label><input type=\"text\" id=\"reason\" name=\"reason\" "
         "required maxlength=\"300\"><p><button class=\"danger\" id=\"forget\">Release without "
         "touching the switches</button></p></form>";
  return layout("Release " + r.id, &viewer, "Requests", b);
}

std::string searchPage(const Viewer& viewer, const std::string& query,
                       const std::vector<SearchHit>& hits, bool more) {
  std::string b =
      "<h1>Search</h1><form class=\"filters\" method=\"get\" action=\"/ui/search\"><label>"
      "Hostname, IP address, request id or letter number<input type=\"search\" name=\"q\" "
      "id=\"q\" maxlength=\"200\" value=\"" +
      h(query) + "\"></label><button>Search</button></form>\n";
  if (query.empty()) return layout("Search", &viewer, "", b);
  b += "<p id=\"count\">" + num(static_cast<long long>(hits.size())) + (more ? "+" : "") +
       (hits.size() == 1 ? " match" : " matches") + " for <b>" + h(query) + "</b>" +
       (more ? " (the first ones; narrow the search for the rest)" : "") + "</p>";
  if (hits.empty()) {
    b += "<p class=\"muted\">Nothing matches. Search takes part of a hostname, a whole IP "
         "address, or part of a request id or letter number.</p>";
    return layout("Search", &viewer, "", b);
  }
  b += "<ul class=\"hits\" id=\"hits\">";
  for (const auto& hit : hits)
    b += "<li data-kind=\"" + h(hit.kind) + "\"><span class=\"badge\">" + h(hit.kind) + "</span> " +
         (hit.href.empty() ? "<b>" + h(hit.title) + "</b>"
                           : "<a href=\"" + h(hit.href) + "\">" + h(hit.title) + "</a>") +
         (hit.detail.empty() ? "" : "<br><small>" + h(hit.detail) + "</small>") + "</li>";
  b += "</ul>";
  return layout("Search", &viewer, "", b);
}

namespace {

// One CSV field (RFC 4180), quoted when it must be; a value a spreadsheet
// would run as a formula (=, +, -, @ first) gets a leading apostrophe.
std::string csvField(const std::string& v) {
  std::string t = v;
  if (!t.empty() &&
      (t[0] == '=' || t[0] == '+' || t[0] == '-' || t[0] == '@' || t[0] == '\t' || t[0] == '\r'))
    t = "'" + t;
  if (t.find_first_of(",\"\r\n") == std::string::npos) return t;
  std::string q = "\"";
  for (char c : t) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string csvRow(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + csvField(fields[i]);
  return out + "\r\n";
}

}  // namespace

std::string requestsCsv(const std::vector<RequestRow>& rows, const inv::TimeZone& zone) {
  std::string zoneName = zone.name();
  std::string out = csvRow({"request", "status", "tenant", "letter_number",
                            "received (" + zoneName + ")", "due_date", "ended (" + zoneName + ")",
                            "sla", "reason", "attempt", "submitted_by", "error"});
  auto local = [&](const std::string& ts) {
    return ts.empty() ? ts : inv::localText(ts, zone, false, true);
  };
  for (const auto& row : rows) {
    const auto& r = row.record;
    out += csvRow({r.id, std::string(inv::name(r.status)), r.tenant_code, r.letter_number,
                   local(r.received_at), row.sla ? row.sla->due_date : "", local(endedAt(r)),
                   slaText(row), r.reason, std::to_string(r.attempt), r.submitted_by, r.error});
  }
  return out;
}

std::string poolHoldersCsv(const std::string& pool, std::vector<inv::Claims::Address> held,
                           const std::map<std::string, std::string>& tenantOf) {
  std::sort(held.begin(), held.end(),
            [](const auto& a, const auto& b) { return a.address.value < b.address.value; });
  std::string out = csvRow({"pool", "address", "request", "hostname", "tenant"});
  for (const auto& a : held) {
    auto t = tenantOf.find(a.request_id);
    out += csvRow(
        {pool, a.address.str(), a.request_id, a.hostname, t == tenantOf.end() ? "" : t->second});
  }
  return out;
}

std::string errorPage(const Viewer* viewer, int status, const std::string& detail) {
  std::string title = status == 404   ? "Not found"
                      : status == 403 ? "Forbidden"
                      : status == 409 ? "Conflict"
                      : status == 400 ? "Bad request"
                                      : "Error";
  return layout(title, viewer, "",
                "<h1>" + h(title) + "</h1><p id=\"detail\">" + h(detail) +
                    "</p><p><a href=\"/ui/\">Back to the racks</a></p>");
}

}  // namespace colo::agent::ui
