#include "http/console.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "colo/inventory/error.h"
#include "colo/inventory/request.h"
#include "colo/inventory/time.h"
#include "core/log.h"
#include "engine/switch_work.h"
#include "http/actions.h"
#include "http/api.h"
#include "http/request_target.h"
#include "http/search.h"
#include "jobs/status_writer.h"
#include "ui/elevation.h"
#include "ui/letter.h"
#include "ui/pages.h"

namespace colo::agent {

namespace inv = colo::inventory;

namespace {

constexpr const char* kSessionCookie = "colo_session";
constexpr const char* kLoginCookie = "colo_login";  // the login form's CSRF token
constexpr std::size_t kFormBytes = 4096;            // a login or a button: nothing larger

HttpResponse withHeaders(HttpResponse r, const std::string& csp) {
  addDocumentHeaders(r, csp);
  return r;
}

HttpResponse html(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(body);
  return withHeaders(std::move(r), ui::contentSecurityPolicy());
}

HttpResponse redirect(const std::string& location) {
  HttpResponse r;
  r.status = 303;
  r.content_type = "text/plain; charset=utf-8";
  // No body: nothing of the page asked for, not even its name.
  r.headers["Location"] = location;
  return withHeaders(std::move(r), "default-src 'none'");
}

std::string cookie(const HttpRequest& req, const std::string& name) {
  auto it = req.headers.find("cookie");
  if (it == req.headers.end()) return "";
  const std::string& all = it->second;
  std::size_t i = 0;
  while (i < all.size()) {
    auto end = all.find(';', i);
    if (end == std::string::npos) end = all.size();
    auto pair = all.substr(i, end - i);
    auto first = pair.find_first_not_of(' ');
    if (first != std::string::npos) pair = pair.substr(first);
    if (pair.size() > name.size() && pair.compare(0, name.size(), name) == 0 &&
        pair[name.size()] == '=')
      return pair.substr(name.size() + 1);
    i = end + 1;
  }
  return "";
}

std::string setCookie(const std::string& name, const std::string& value, const std::string& path,
                      long long maxAge, bool secure) {
  return name + "=" + value + "; Path=" + path + "; Max-Age=" + std::to_string(maxAge) +
         "; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "");
}

bool sameSecret(const std::string& a, const std::string& b) {
  return !a.empty() && a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// Where to go after logging in: a console page of this origin, nothing else.
std::string safeNext(const std::string& next) {
  if (next.size() > 512 || next.rfind("/ui/", 0) != 0 || next.find("//") != std::string::npos ||
      next.find('\\') != std::string::npos)
    return "/ui/";
  for (unsigned char c : next)
    if (c < 0x20 || c == 0x7f) return "/ui/";
  return next;
}

std::optional<std::size_t> pageNumber(const std::map<std::string, std::string>& q) {
  auto it = q.find("page");
  if (it == q.end() || it->second.empty()) return 1;
  if (!isDigits(it->second, 6)) return std::nullopt;
  return std::max<std::size_t>(1, std::stoul(it->second));
}

// "Asia/Pontianak, now WIB (UTC+07:00)".
std::string zoneText(const inv::TimeZone& zone, std::int64_t now) {
  int offset = zone.offsetAt(now), a = offset < 0 ? -offset : offset;
  char buf[16];
  std::snprintf(buf, sizeof buf, "UTC%c%02d:%02d", offset < 0 ? '-' : '+', a / 3600, a % 3600 / 60);
  std::string abbrev = zone.abbreviationAt(now);
  return zone.name() + ", now " + (abbrev.rfind("UTC", 0) == 0 ? buf : abbrev + " (" + buf + ")");
}

// A file to save: CSV, named, never cached.
HttpResponse download(std::string body, const std::string& filename) {
  HttpResponse r;
  r.content_type = "text/csv; charset=utf-8; header=present";
  r.body = std::move(body);
  r.headers["Content-Disposition"] = "attachment; filename=\"" + filename + "\"";
  return withHeaders(std::move(r), "default-src 'none'");
}

// Others' holdings as a requester sees them: held, not by whom. `own`: the
// requester's own requests (ownRequestIds).
void hideOthers(std::vector<inv::Claims::Address>& held, const std::set<std::string>& own) {
  for (auto& a : held)
    if (!own.count(a.request_id)) {
      a.request_id.clear();
      a.hostname.clear();
    }
}

// What returning `ports` of `r` to unused sends, switch by switch; empty
// with `note` saying why when that cannot be shown.
ui::SwitchCommands cleanCommands(const ApiContext& ctx, const inv::RequestRecord& r,
                                 const std::vector<inv::Claims::Port>& ports, std::string& note) {
  if (!ctx.playbooks || !r.allocation) {
    note = "The commands are shown by the agent, which has the port templates.";
    return {};
  }
  std::vector<std::pair<std::string, std::string>> which;
  for (const auto& p : ports) which.emplace_back(p.switch_name, p.port);
  try {
    return unconfigureCommands(*ctx.inventory, *ctx.playbooks, *r.allocation, r.tenant_code, which);
  } catch (const std::exception& e) {
    note = std::string("The commands cannot be shown: ") + e.what();
    return {};
  }
}

}  // namespace

Console::Console(ConsoleContext context)
    : ctx_(std::move(context)),
      sessions_({ctx_.config->get()->console_idle_timeout_s, ctx_.config->get()->console_max_age_s,
                 ctx_.config->get()->console_max_sessions},
                *ctx_.ledger, *ctx_.ledgerMutex) {}

bool Console::serves(const std::string& target) {
  std::string path = target.substr(0, target.find('?'));
  return path == "/" || path == "/ui" || path.rfind("/ui/", 0) == 0;
}

HttpResponse Console::handle(const HttpRequest& req) {
  const std::string path = req.target.substr(0, req.target.find('?'));
  const auto target = parseRequestTarget(req.target);
  const bool get = req.method == "GET" || req.method == "HEAD";
  const bool post = req.method == "POST";
  const bool tls = !ctx_.config->get()->tls_cert.empty();
  const auto now = ctx_.now();
  if (!get && !post) {
    auto r = html(405, ui::errorPage(nullptr, 405, "The console answers GET and POST only."));
    r.headers["Allow"] = "GET, HEAD, POST";
    return r;
  }
  if (path == "/" || path == "/ui") return redirect("/ui/");
  if (post) {
    // A form of this origin only (SameSite=Strict and the CSRF token are the
    // main guard; a browser that sends Origin must name this host).
    auto origin = req.headers.find("origin");
    auto host = req.headers.find("host");
    if (origin != req.headers.end() && origin->second != "null") {
      auto at = origin->second.find("://");
      std::string originHost =
          at == std::string::npos ? origin->second : origin->second.substr(at + 3);
      if (host == req.headers.end() || originHost != host->second)
        return html(403, ui::errorPage(nullptr, 403, "This form was sent from another site."));
    }
    if (req.body.size() > kFormBytes)
      return html(413, ui::errorPage(nullptr, 413, "A console form is never this large."));
  }
  const auto form = post ? parseQuery(req.body) : std::map<std::string, std::string>{};
  auto field = [&](const char* name) {
    auto it = form.find(name);
    return it == form.end() ? std::string() : it->second;
  };

  // The session, if the browser has a live one.
  const auto snapshot = ctx_.config->get();
  const auto& cfg = *snapshot;
  std::string sessionId = cookie(req, kSessionCookie);
  auto session = sessions_.use(sessionId, now, [&](const ConsoleSession& s) {
    for (const auto& t : cfg.tokens)
      if (t.sha256 == s.token_sha256) return t.name == s.caller && t.role == s.role;
    return false;  // the token left the config
  });

  if (path == "/ui/login") {
    if (get) {
      if (session) return redirect("/ui/");
      std::string csrf = SessionStore::randomHex();
      auto next = target.query.count("next") ? safeNext(target.query.at("next")) : "/ui/";
      auto r = html(200, ui::loginPage(csrf, next, ""));
      r.headers["Set-Cookie"] = setCookie(kLoginCookie, csrf, "/ui/login", 15 * 60, tls);
      return r;
    }
    std::string next = safeNext(field("next"));
    auto again = [&](int status, const std::string& message) {
      std::string csrf = SessionStore::randomHex();
      auto r = html(status, ui::loginPage(csrf, next, message));
      r.headers["Set-Cookie"] = setCookie(kLoginCookie, csrf, "/ui/login", 15 * 60, tls);
      return r;
    };
    if (!sameSecret(cookie(req, kLoginCookie), field("csrf")))
      return again(403, "The login form expired or came from elsewhere; please log in again.");
    if (auto slow = throttled(ctx_, req.remote)) {
      auto r = again(429, "Too many failed logins from this address; try again in " +
                              slow->headers["Retry-After"] + " s.");
      r.headers["Retry-After"] = slow->headers["Retry-After"];
      return r;
    }
    std::string token = field("token");
    const Token* t = token.size() <= 512 ? findToken(cfg, token) : nullptr;
    if (!t) {
      failedAuth(ctx_, req.remote, path);
      auto r = again(401, "That token is not valid.");
      r.headers["WWW-Authenticate"] = "Bearer realm=\"colo\"";
      return r;
    }
    if (session) sessions_.close(sessionId);  // a new id at every login
    ConsoleSession s{t->name, t->role, t->sha256, SessionStore::randomHex(), 0, 0};
    std::string id = sessions_.open(s, now);
    logEvent({{"level", "info"},
              {"event", "console.login"},
              {"caller", t->name},
              {"role", name(t->role)},
              {"remote", req.remote}});
    auto r = redirect(next);
    r.headers["Set-Cookie"] = setCookie(kSessionCookie, id, "/", cfg.console_max_age_s, tls);
    return r;
  }
  if (path == "/ui/logout") {
    if (!post) return redirect(session ? "/ui/" : "/ui/login");
    if (session && sameSecret(session->csrf, field("csrf"))) {
      sessions_.close(sessionId);
      logEvent({{"level", "info"},
                {"event", "console.logout"},
                {"caller", session->caller},
                {"remote", req.remote}});
      auto r = redirect("/ui/login");
      r.headers["Set-Cookie"] = setCookie(kSessionCookie, "", "/", 0, tls);
      return r;
    }
    if (session)
      return html(
          403, ui::errorPage(nullptr, 403, "The form's CSRF token does not match this session."));
    return redirect("/ui/login");
  }

  // Everything else needs a session, and shows nothing without one.
  if (!session) {
    if (!get) return redirect("/ui/login");
    std::string next = safeNext(req.target);
    return redirect(next == "/ui/" ? "/ui/login" : "/ui/login?next=" + urlEncode(next));
  }
  const auto& zone = ctx_.sla->zone();
  ui::Viewer viewer{session->caller,
                    session->role,
                    session->csrf,
                    seesEveryRequest(session->role),
                    mayRelease(session->role),
                    atLeast(session->role, Role::admin),
                    zoneText(zone, ctx_.now())};
  auto notFound = [&](const std::string& what) {
    return html(404, ui::errorPage(&viewer, 404, what));
  };
  const auto& seg = target.segments;  // seg[0] == "ui"
  // The requests this viewer may see, as the ledger is asked for them.
  inv::RequestQuery mine;
  if (!viewer.sees_all) mine.submitted_by = viewer.caller;
  // A request, if this viewer may see it (a requester: its own only).
  auto visible = [&](const std::string& id) -> std::optional<inv::RequestRecord> {
    auto r = ctx_.ledger->requests().find(id);
    if (!r || (!viewer.sees_all && r->submitted_by != viewer.caller)) return std::nullopt;
    return r;
  };

  if (post) {
    if (!sameSecret(session->csrf, field("csrf")))
      return html(
          403,
          ui::errorPage(
              &viewer, 403,
              "The form's CSRF token does not match this session; reload the page and try again."));
    // The drift watch: read now, or put colo's configuration back.
    if (seg.size() == 3 && seg[1] == "drift" && (seg[2] == "read" || seg[2] == "reconcile")) {
      if (!viewer.may_release)
        return html(403, ui::errorPage(&viewer, 403,
                                       "role " + std::string(name(viewer.role)) + " may not " +
                                           seg[2] + " the switches"));
      if (!ctx_.driftState) return notFound("this agent has no drift watch");
      if (seg[2] == "read") {
        ctx_.readDrift();
      } else {
        logEvent({{"level", "info"},
                  {"event", "drift.reconcile_asked"},
                  {"caller", viewer.caller},
                  {"remote", req.remote}});
        ctx_.reconcile("ui:" + viewer.caller);
      }
      return redirect("/ui/drift?done=" + seg[2]);
    }
    // A request's actions: release (or forget its switches), retry,
    // deliver a callback again (design.md §11).
    if (seg.size() == 4 && seg[1] == "requests" &&
        (seg[3] == "release" || seg[3] == "retry" || seg[3] == "redeliver" || seg[3] == "check")) {
      const std::string& id = seg[2];
      {
        std::lock_guard lock(*ctx_.ledgerMutex);
        if (!visible(id)) return notFound("request " + id + " does not exist");
      }
      if (!viewer.may_release)
        return html(403, ui::errorPage(&viewer, 403,
                                       "role " + std::string(name(viewer.role)) + " may not " +
                                           seg[3] + " a request"));
      Asker asker{"ui:" + viewer.caller, viewer.caller, req.remote, viewer.role};
      ActionAnswer out;
      std::string done;
      if (seg[3] == "release" && field("forget") == "1") {
        out = askForget(ctx_, id, asker, field("reason"));
        done = "forgotten";
      } else if (seg[3] == "release") {
        out = askRelease(ctx_, id, asker);
        done = out.status;
      } else if (seg[3] == "retry") {
        out = askRetry(ctx_, id, asker);
        done = "retrying";
      } else if (seg[3] == "check") {
        out = askCheck(ctx_, id, asker);
        done = "checking";
      } else {
        if (field("delivery_id").empty())
          return html(400, ui::errorPage(&viewer, 400, "which delivery? (delivery_id is empty)"));
        out = askRedeliver(ctx_, id, field("delivery_id"), asker);
        done = "redelivered";
      }
      if (!out.done()) {
        auto r = html(out.http, ui::errorPage(&viewer, out.http, out.detail));
        if (!out.retry_after.empty()) r.headers["Retry-After"] = out.retry_after;
        return r;
      }
      return redirect("/ui/requests/" + urlEncode(id) + "?done=" + done);
    }
    auto r = html(405, ui::errorPage(&viewer, 405, "Nothing here takes a form."));
    r.headers["Allow"] = "GET, HEAD";
    return r;
  }

  if (seg.size() == 1) {  // /ui/
    ui::RequestCounts counts;
    {
      std::lock_guard lock(*ctx_.ledgerMutex);
      ctx_.ledger->requests().scan(mine, [&](const inv::RequestRecord& r) {
        ++counts.by_status[r.status];
        if (auto sla = slaOf(r, *ctx_.sla, now)) {
          counts.late += sla->late();
          counts.missed += sla->missed();
        }
        return true;
      });
    }
    auto v = ctx_.views->current();
    std::optional<inv::Forecast> forecast;
    if (viewer.sees_all)
      forecast = inv::forecast(*v->occupancy, *ctx_.views->holdings(), now, ctx_.sla->zone(), 90);
    return html(200,
                ui::overviewPage(viewer, *v->occupancy, counts, forecast ? &*forecast : nullptr));
  }
  if (seg.size() == 2 && seg[1] == "drift") {
    if (!viewer.sees_all)
      return html(403, ui::errorPage(&viewer, 403, "drift is for technicians and administrators"));
    if (!ctx_.driftState) return notFound("this agent has no drift watch");
    std::string notice;
    if (auto done = target.query.find("done"); done != target.query.end())
      notice = done->second == "read" ? "Reading every switch now, one at a time; reload to see it."
               : done->second == "reconcile"
                   ? "Reading every switch, then putting colo's configuration back on colo's "
                     "ports that differ; reload to see what was done."
                   : "";
    return html(200, ui::driftPage(viewer, ctx_.driftState(), ctx_.sla->zone(),
                                   ctx_.config->get()->drift_interval_s > 0, notice));
  }
  if (seg.size() == 2 && seg[1] == "forecast") {
    if (!viewer.sees_all)
      return html(
          403, ui::errorPage(&viewer, 403, "the forecast is for technicians and administrators"));
    auto window = target.query.count("window") ? inv::parseWindowDays(target.query.at("window"))
                                               : std::optional<int>(90);
    if (!window)
      return html(400, ui::errorPage(&viewer, 400, "window is a number of days from 1 to 3650"));
    auto v = ctx_.views->current();
    return html(200, ui::forecastPage(viewer, inv::forecast(*v->occupancy, *ctx_.views->holdings(),
                                                            now, ctx_.sla->zone(), *window)));
  }
  if (seg[1] == "racks" && (seg.size() == 3 || (seg.size() == 4 && seg[3] == "elevation.svg"))) {
    auto occ = occupancyFor(ctx_, ctx_.views->current()->occupancy, viewer.role, viewer.caller);
    const auto* rack = occ->inventory().rack(seg[2]);
    if (!rack) return notFound("rack " + seg[2] + " does not exist");
    auto r = occ->rackIndex(*rack);
    if (seg.size() == 4) {
      HttpResponse svg;
      svg.content_type = "image/svg+xml";
      svg.body = elevationSvg(*occ, r, {true, "/ui/requests/{id}"});
      return withHeaders(std::move(svg), "default-src 'none'");
    }
    return html(200, ui::rackPage(viewer, *occ, r));
  }
  if (seg.size() == 2 && seg[1] == "pools") {
    auto page = pageNumber(target.query);
    if (!page) return html(400, ui::errorPage(&viewer, 400, "page must be a number"));
    std::string pool = target.query.count("pool") ? target.query.at("pool") : "";
    auto occ = ctx_.views->current()->occupancy;
    std::vector<inv::Claims::Address> held;
    if (!pool.empty()) {
      {
        std::lock_guard lock(*ctx_.ledgerMutex);
        held = ctx_.ledger->claims().inPool(pool);
      }
      if (!viewer.sees_all) hideOthers(held, ownRequestIds(ctx_, viewer.caller));
    }
    return html(pool.empty() || occ->inventory().pool(pool) ? 200 : 404,
                ui::poolsPage(viewer, *occ, held, pool, *page));
  }
  if (seg.size() == 2 && (seg[1] == "requests" || seg[1] == "requests.csv")) {
    const bool csv = seg[1] == "requests.csv";
    ui::RequestFilter filter;
    auto q = target.query;
    if (!q["status"].empty()) {
      filter.status = inv::parseStatus(q["status"]);
      if (!filter.status) return html(400, ui::errorPage(&viewer, 400, "status: no such status"));
    }
    filter.tenant = q["tenant"];
    filter.late = !q["late"].empty() && q["late"] != "0";
    filter.missed = !q["missed"].empty() && q["missed"] != "0";
    auto page = pageNumber(target.query);
    if (!page) return html(400, ui::errorPage(&viewer, 400, "page must be a number"));
    filter.page = *page;
    // The viewer's that match, newest first. Status and tenant are SQL; late
    // and ended-late need each request's due date, so those lists (and the
    // CSV, which is all of them) are read whole. A plain list reads its page
    // and the open requests (the only ones that can be late).
    inv::RequestQuery query = mine;
    if (filter.status) query.statuses = {*filter.status};
    if (!filter.tenant.empty()) query.tenant_codes = {filter.tenant};
    query.newest_first = true;
    ui::RequestPage list;
    std::vector<ui::RequestRow> all;
    std::vector<std::string> tenants;
    auto row = [&](inv::RequestRecord& r) {
      ui::RequestRow out{std::move(r), std::nullopt};
      out.sla = slaOf(out.record, *ctx_.sla, now);
      return out;
    };
    {
      std::lock_guard lock(*ctx_.ledgerMutex);
      tenants = ctx_.ledger->requests().tenants(mine);
      if (csv || filter.late || filter.missed) {
        ctx_.ledger->requests().scan(query, [&](inv::RequestRecord& r) {
          auto one = row(r);
          if (filter.matches(one)) all.push_back(std::move(one));
          return true;
        });
      } else {
        list.total = static_cast<std::size_t>(ctx_.ledger->requests().count(query));
        inv::RequestQuery open = query;
        open.statuses.clear();
        for (auto s : inv::allStatuses())
          if (!inv::ended(s) && (!filter.status || s == *filter.status)) open.statuses.push_back(s);
        if (!open.statuses.empty())
          ctx_.ledger->requests().scan(open, [&](inv::RequestRecord& r) {
            list.late += row(r).late();
            return true;
          });
        query.limit = static_cast<std::int64_t>(ui::kRowsPerPage);
        query.offset = static_cast<std::int64_t>((ui::pageWithin(filter.page, list.total) - 1) *
                                                 ui::kRowsPerPage);
        ctx_.ledger->requests().scan(query, [&](inv::RequestRecord& r) {
          list.rows.push_back(row(r));
          return true;
        });
      }
    }
    if (csv)
      return download(ui::requestsCsv(all, zone),
                      "colo-requests-" + inv::localText(now, zone, false).substr(0, 10) + ".csv");
    if (filter.late || filter.missed) {
      list.total = all.size();
      list.late = static_cast<std::size_t>(
          std::count_if(all.begin(), all.end(), [](const auto& r) { return r.late(); }));
      auto from = (ui::pageWithin(filter.page, all.size()) - 1) * ui::kRowsPerPage;
      for (auto i = from; i < std::min(all.size(), from + ui::kRowsPerPage); ++i)
        list.rows.push_back(std::move(all[i]));
    }
    return html(200, ui::requestsPage(viewer, list, filter, tenants, zone));
  }
  if (seg.size() == 2 && seg[1] == "search") {
    std::string q = target.query.count("q") ? target.query.at("q") : "";
    auto first = q.find_first_not_of(" \t"), last = q.find_last_not_of(" \t");
    q = first == std::string::npos ? "" : q.substr(first, last - first + 1);
    if (q.size() > 200)
      return html(400, ui::errorPage(&viewer, 400, "a search is at most 200 characters"));
    auto found = search(ctx_, viewer, q);
    return html(200, ui::searchPage(viewer, q, found.hits, found.more));
  }
  if (seg.size() == 4 && seg[1] == "requests" && seg[3] == "release") {
    // The page before a release: what it will do (design.md §11).
    const std::string& id = seg[2];
    ui::ReleasePreview p;
    {
      std::lock_guard lock(*ctx_.ledgerMutex);
      auto r = visible(id);
      if (!r) return notFound("request " + id + " does not exist");
      if (!viewer.may_release)
        return html(403, ui::errorPage(&viewer, 403,
                                       "role " + std::string(name(viewer.role)) +
                                           " may not release a request"));
      bool holds = ctx_.ledger->claims().holds(id);
      auto would = StatusWriter::releaseWould(r->status, holds);
      using Outcome = ReleaseAsked::Outcome;
      if (would == Outcome::released || would == Outcome::releasing) {
        p.on_switches = would == Outcome::releasing;
        p.ports = ctx_.ledger->claims().portsOf(id);
      } else {
        p.refusal = ReleaseAsked{would, r->status, r->owner}.refusal(id);
      }
      p.row = {std::move(*r), std::nullopt};
    }
    p.row.sla = slaOf(p.row.record, *ctx_.sla, now);
    if (p.on_switches && !p.ports.empty())
      p.commands = cleanCommands(ctx_, p.row.record, p.ports, p.commands_note);
    return html(p.refusal.empty() ? 200 : 409, ui::releasePage(viewer, p));
  }
  if (seg.size() == 4 && seg[1] == "pools" && seg[3] == "holders.csv") {
    const std::string& pool = seg[2];
    if (!ctx_.inventory->pool(pool)) return notFound("pool " + pool + " does not exist");
    // The claims held now (bounded by the data center, not by history):
    // the pool's addresses, and each holder's tenant from its units.
    inv::Claims claims;
    {
      std::lock_guard lock(*ctx_.ledgerMutex);
      claims = ctx_.ledger->claims().all();
    }
    std::vector<inv::Claims::Address> held;
    for (auto& a : claims.addresses)
      if (a.pool == pool) held.push_back(std::move(a));
    std::map<std::string, std::string> tenantOf;
    for (const auto& u : claims.units) tenantOf.emplace(u.request_id, u.tenant);
    if (!viewer.sees_all) hideOthers(held, ownRequestIds(ctx_, viewer.caller));
    return download(
        ui::poolHoldersCsv(pool, std::move(held), tenantOf),
        "colo-pool-" + pool + "-" + inv::localText(now, zone, false).substr(0, 10) + ".csv");
  }
  if (seg[1] == "requests" && (seg.size() == 3 || (seg.size() == 4 && seg[3] == "letter"))) {
    const std::string& id = seg[2];
    std::lock_guard lock(*ctx_.ledgerMutex);
    auto r = visible(id);
    if (!r) return notFound("request " + id + " does not exist");
    if (seg.size() == 4) {
      try {
        HttpResponse letter;
        letter.content_type = "text/html; charset=utf-8";
        letter.body = confirmationLetter(*ctx_.ledger, cfg.letter, *ctx_.sla, *r, now);
        // The letter is a document of its own, with its own styles.
        return withHeaders(std::move(letter), "default-src 'none'; style-src 'unsafe-inline'");
      } catch (const inv::Error& e) {
        if (e.kind() != inv::ErrorKind::conflict) throw;
        return html(409, ui::errorPage(&viewer, 409, e.what()));
      }
    }
    ui::RequestDetail detail;
    detail.row = {*r, slaOf(*r, *ctx_.sla, now)};
    // Steps, callbacks, claims and checks of one moment.
    ctx_.ledger->read([&] {
      detail.events = ctx_.ledger->requests().events(id);
      detail.callbacks = ctx_.ledger->outbox().deliveries(id);
      detail.holds = ctx_.ledger->claims().holds(id);
      detail.checks = ctx_.ledger->cablingChecks().forRequest(id, 5);
      if (r->status == inv::Status::released && detail.holds)
        detail.ports_to_clean = ctx_.ledger->claims().portsOf(id);
    });
    if (r->status == inv::Status::released && detail.holds) {
      // Its switches were forgotten: the ports it still holds are to clean.
      std::string note;
      detail.clean_commands = cleanCommands(ctx_, *r, detail.ports_to_clean, note);
    }
    std::string notice;
    if (auto done = target.query.find("done"); done != target.query.end())
      notice = done->second == "released" ? "Released: everything it held is free again."
               : done->second == "releasing"
                   ? "Release requested: a worker returns its switch ports to unused, then frees "
                     "everything."
               : done->second == "forgotten"
                   ? "Released without touching the switches: its units, power and addresses are "
                     "free; clean the ports below by hand."
               : done->second == "checking"
                   ? "Cabling check asked for: a worker reads each NIC's switch port; reload for "
                     "the result."
               : done->second == "retrying"
                   ? "Trying again: a worker plans it afresh from the request as received."
               : done->second == "redelivered"
                   ? "The callback goes out again now; its state below changes once the receiver "
                     "answers."
                   : "";
    return html(200, ui::requestPage(viewer, detail, zone, notice));
  }
  return notFound("no such page: " + path.substr(0, 200));
}

}  // namespace colo::agent
