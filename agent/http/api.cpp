#include "http/api.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "colo/encoding/encoding.h"
#include "colo/inventory/error.h"
#include "colo/inventory/forecast.h"
#include "colo/inventory/json_text.h"
#include "colo/inventory/names.h"
#include "colo/inventory/occupancy.h"
#include "colo/inventory/request.h"
#include "colo/inventory/time.h"
#include "core/cabling.h"
#include "core/log.h"
#include "core/url.h"
#include "core/views.h"
#include "http/actions.h"
#include "http/console.h"
#include "http/intake.h"
#include "http/problem.h"
#include "http/request_target.h"
#include "jobs/ownership.h"
#include "jobs/status_writer.h"
#include "ui/elevation.h"
#include "ui/letter.h"
#include "ui/sessions.h"

namespace colo::agent {

namespace inv = colo::inventory;
using nlohmann::json;

const std::vector<Route>& routes() {
  static const std::vector<Route> r = {
      {"GET", "/healthz", std::nullopt, &Api::health},
      {"GET", "/readyz", std::nullopt, &Api::readiness},
      {"GET", "/metrics", std::nullopt, &Api::metrics},
      {"GET", "/v1/openapi.json", std::nullopt, &Api::openApi},
      {"POST", "/v1/requests", Role::requester, &Api::submitRequest},
      {"GET", "/v1/requests", Role::requester, &Api::listRequests},
      {"GET", "/v1/requests/{id}", Role::requester, &Api::getRequest},
      {"POST", "/v1/requests/{id}/release", Role::technician, &Api::releaseRequest},
      {"POST", "/v1/requests/{id}/retry", Role::technician, &Api::retryRequest},
      {"POST", "/v1/requests/{id}/redeliver", Role::technician, &Api::redeliver},
      {"POST", "/v1/requests/{id}/check", Role::technician, &Api::checkCabling},
      {"GET", "/v1/requests/{id}/letter", Role::requester, &Api::letter},
      {"GET", "/v1/racks", Role::requester, &Api::listRacks},
      {"GET", "/v1/racks/{name}", Role::requester, &Api::getRack},
      {"GET", "/v1/racks/{name}/elevation.svg", Role::requester, &Api::rackElevation},
      {"GET", "/v1/pools", Role::requester, &Api::listPools},
      {"GET", "/v1/pools/{name}", Role::requester, &Api::getPool},
      {"GET", "/v1/agents", Role::admin, &Api::listAgents},
      {"GET", "/v1/forecast", Role::technician, &Api::getForecast},
  };
  return r;
}

namespace {

// "servers[0].nics[1].pools" as an RFC 6901 JSON Pointer:
// "/servers/0/nics/1/pools" ("" for the whole document).
std::string jsonPointer(const std::string& field) {
  std::string out, token;
  auto flush = [&] {
    if (token.empty()) return;
    out += "/";
    for (char c : token) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
    token.clear();
  };
  for (char c : field) {
    if (c == '.' || c == '[' || c == ']')
      flush();
    else
      token.push_back(c);
  }
  flush();
  return out;
}

// A request body that failed validation: 400, every field's problem at once.
// Every field's problem at once: 400 for a body that breaks the format, 422
// for a valid one this inventory cannot hold (a pool it does not have, a
// server taller than every rack).
HttpResponse invalidRequest(const inv::InvalidRequest& e, int status = 400) {
  json errors = json::array();
  for (const auto& p : e.problems())
    errors.push_back({{"pointer", jsonPointer(p.field)}, {"detail", p.message}});
  return problem(status, status == 400 ? "Invalid request" : "Does not fit the inventory", e.what(),
                 {{"type", problemType(status, true)}, {"errors", errors}});
}

HttpResponse ok(int status, const json& body) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump();
  return r;
}

// An action's refusal as a problem document (with Retry-After on a 503).
HttpResponse refused(const ActionAnswer& a) {
  auto r = problem(a.http, "", a.detail);
  if (!a.retry_after.empty()) r.headers["Retry-After"] = a.retry_after;
  return r;
}

struct Caller {
  std::string name;
  Role role;
};

// The bearer token's owner. The scheme is case-insensitive (RFC 9110 11.1).
// credentials = auth-scheme 1*SP token68.
std::optional<Caller> authenticate(const Config& cfg, const std::string& header) {
  std::string_view h = header;
  auto space = h.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  std::string_view scheme = h.substr(0, space);
  if (scheme.size() != 6 || !std::equal(scheme.begin(), scheme.end(), "bearer", [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == b;
      }))
    return std::nullopt;
  auto token = h.substr(h.find_first_not_of(' ', space) == std::string_view::npos
                            ? h.size()
                            : h.find_first_not_of(' ', space));
  if (token.empty()) return std::nullopt;
  if (const Token* t = findToken(cfg, token)) return Caller{t->name, t->role};
  return std::nullopt;
}

// The route for `method` on `segs`, with the path's {parameter}; HEAD is
// served by the GET route. When the path is known but not the method,
// `allowed` lists the methods it has.
const Route* match(const std::string& method, const std::vector<std::string>& segs,
                   std::string& param, std::string& allowed) {
  allowed.clear();
  const std::string& wanted = method == "HEAD" ? std::string("GET") : method;
  for (const auto& r : routes()) {
    auto pattern = parseRequestTarget(r.pattern).segments;
    if (pattern.size() != segs.size()) continue;
    std::string p;
    bool same = true;
    for (std::size_t i = 0; i < segs.size() && same; ++i) {
      if (pattern[i].front() == '{')
        p = segs[i];
      else
        same = pattern[i] == segs[i];
    }
    if (!same) continue;
    allowed += (allowed.empty() ? "" : ", ") + r.method + (r.method == "GET" ? ", HEAD" : "");
    if (r.method == wanted) {
      param = p;
      return &r;
    }
  }
  return nullptr;
}

constexpr std::size_t kDefaultLimit = 100, kMaxLimit = 1000;

// The CPU time one request body may cost to read and check (a well-formed
// request of the largest size takes a few milliseconds; docs/design.md §9).
constexpr std::chrono::milliseconds kBodyCpuBudget{250};

// A list route's query: only the parameters it knows (400 names the
// others), a limit and where to go on from.
struct ListQuery {
  std::size_t limit = kDefaultLimit;
  std::optional<std::string> position;  // the decoded cursor
};

// `repeatable`: filters that may be given more than once, meaning any of
// the values (status=failed&status=released); any other given twice is a
// 400, never a silent choice of one.
std::optional<HttpResponse> readListQuery(const RequestTarget& t,
                                          const std::set<std::string>& filters, ListQuery& out,
                                          const std::set<std::string>& repeatable = {}) {
  for (const auto& [k, v] : t.values) {
    if (v.size() > 1 && !repeatable.count(k))
      return problem(400, "Bad Request",
                     "query parameter '" + k.substr(0, 40) + "' is given " +
                         std::to_string(v.size()) + " times; it takes one value" +
                         (repeatable.empty() ? std::string() : " (only " + [&] {
                           std::string r;
                           for (const auto& f : repeatable) r += (r.empty() ? "" : ", ") + f;
                           return r;
                         }() + " may be repeated, meaning any of them)"));
    if (k == "limit" || k == "cursor" || filters.count(k)) continue;
    std::string known = "limit, cursor";
    for (const auto& f : filters) known += ", " + f;
    return problem(400, "Bad Request",
                   "unknown query parameter '" + k.substr(0, 40) + "'; this list takes " + known);
  }
  if (auto it = t.query.find("limit"); it != t.query.end()) {
    const auto& v = it->second;
    if (!isDigits(v, 4) || std::stoul(v) < 1 || std::stoul(v) > kMaxLimit)
      return problem(400, "Bad Request",
                     "limit: '" + v.substr(0, 20) + "' is not a whole number from 1 to 1000");
    out.limit = std::stoul(v);
  }
  if (auto it = t.query.find("cursor"); it != t.query.end()) {
    out.position = decodeCursor(it->second);
    if (!out.position)
      return problem(400, "Bad Request",
                     "cursor: not one this agent gave out (take it from the Link header)");
  }
  return std::nullopt;
}

// A page's links (RFC 8288): rel="first", this request's path and query
// without a cursor; and, when there is more, rel="next" with the cursor
// after the last item. Empty for a list that fits on its one page.
std::string pageLinks(const std::string& target, const RequestTarget& t,
                      const std::optional<std::string>& nextPosition) {
  if (!nextPosition && !t.query.count("cursor")) return "";
  std::string link = target.substr(0, target.find('?'));
  bool none = true;
  for (const auto& [k, values] : t.values) {
    if (k == "cursor") continue;
    for (const auto& v : values) {
      link += (none ? "?" : "&") + urlEncode(k) + "=" + urlEncode(v);
      none = false;
    }
  }
  std::string out = "<" + link + ">; rel=\"first\"";
  if (nextPosition)
    out += ", <" + link + (none ? "?" : "&") + "cursor=" + encodeCursor(*nextPosition) +
           ">; rel=\"next\"";
  return out;
}

// One page of an inventory list (racks, pools): in inventory order; the
// cursor is the index to go on from.
HttpResponse inventoryPage(const std::string& target, const RequestTarget& t,
                           const std::vector<std::string>& items, const std::string& whole) {
  ListQuery q;
  if (auto bad = readListQuery(t, {}, q)) return *bad;
  std::size_t from = 0;
  if (q.position) {
    if (q.position->rfind("i:", 0) != 0 || !isDigits(q.position->substr(2), 10))
      return problem(400, "Bad Request",
                     "cursor: not one this agent gave out (take it from the Link header)");
    from = std::min<std::size_t>(std::stoul(q.position->substr(2)), items.size());
  }
  HttpResponse r;
  if (from == 0 && items.size() <= q.limit) {
    r.body = whole;
  } else {
    r.body = "[";
    for (std::size_t i = from; i < std::min(items.size(), from + q.limit); ++i)
      r.body += (i == from ? "" : ",") + items[i];
    r.body += "]";
  }
  std::optional<std::string> next;
  if (from + q.limit < items.size()) next = "i:" + std::to_string(from + q.limit);
  if (auto links = pageLinks(target, t, next); !links.empty()) r.headers["Link"] = links;
  r.headers["X-Total-Count"] = std::to_string(items.size());
  return r;
}

// Whether an If-None-Match header names `etag` (or is "*").
bool matches(const std::string& ifNoneMatch, const std::string& etag) {
  std::size_t i = 0;
  while (i < ifNoneMatch.size()) {
    auto end = ifNoneMatch.find(',', i);
    if (end == std::string::npos) end = ifNoneMatch.size();
    auto tag = ifNoneMatch.substr(i, end - i);
    tag.erase(0, tag.find_first_not_of(' '));
    tag.erase(tag.find_last_not_of(' ') + 1);
    if (tag.rfind("W/", 0) == 0) tag = tag.substr(2);  // weak comparison (RFC 9110 13.1.2)
    if (tag == "*" || tag == etag) return true;
    i = end + 1;
  }
  return false;
}

// The resources a client polls carry an ETag (a hash of what they say);
// If-None-Match with it is answered 304 without the body. Taken from the
// request before it is answered (an answer may come after the request is
// gone).
struct ETagCheck {
  bool applies = false;
  std::string ifNoneMatch;

  explicit ETagCheck(const HttpRequest& req) {
    auto path = req.target.substr(0, req.target.find('?'));
    applies = (req.method == "GET" || req.method == "HEAD") &&
              (path.rfind("/v1/requests", 0) == 0 || path.rfind("/v1/racks", 0) == 0 ||
               path.rfind("/v1/pools", 0) == 0);
    if (auto it = req.headers.find("if-none-match"); it != req.headers.end())
      ifNoneMatch = it->second;
  }
  void operator()(HttpResponse& res) const {
    if (!applies || res.status != 200) return;
    std::string etag = "\"" + encoding::sha256Hex(res.body).substr(0, 32) + "\"";
    res.headers["ETag"] = etag;
    if (matches(ifNoneMatch, etag)) {
      res.status = 304;
      res.body.clear();
    }
  }
};

// The request the call names, if the caller may see it (a requester: its
// own only). Under the ledger mutex.
std::optional<inv::RequestRecord> visibleRequest(inv::Ledger& ledger, const Call& call) {
  auto r = ledger.requests().find(call.param);
  if (!r || (!seesEveryRequest(call.role) && r->submitted_by != call.caller)) return std::nullopt;
  return r;
}

}  // namespace

// The ids of the requests `caller` submitted. Takes the ledger's mutex.
std::set<std::string> ownRequestIds(const ApiContext& ctx, const std::string& caller) {
  std::set<std::string> own;
  std::lock_guard lock(*ctx.ledgerMutex);
  inv::RequestQuery q;
  q.submitted_by = caller;
  ctx.ledger->requests().scan(q, [&](inv::RequestRecord& r) {
    own.insert(r.id);
    return true;
  });
  return own;
}

std::shared_ptr<const inv::Occupancy> occupancyFor(const ApiContext& ctx,
                                                   std::shared_ptr<const inv::Occupancy> all,
                                                   Role role, const std::string& caller) {
  if (seesEveryRequest(role)) return all;
  auto own = ownRequestIds(ctx, caller);
  return std::make_shared<const inv::Occupancy>(
      all->seenBy([&](const std::string& id) { return own.count(id) != 0; }));
}

namespace {

// A small JSON object body (at most 4 KiB) with only the `fields` given,
// each of its type: why not, or nullopt with it in `out`.
std::optional<std::string> smallBody(
    const std::string& text, const std::string& what,
    const std::vector<std::pair<std::string, nlohmann::json::value_t>>& fields,
    nlohmann::json& out) {
  try {
    if (text.size() > 4096) return "the body of " + what + " is over 4096 bytes";
    out = inv::parseJsonText(text);
  } catch (const std::exception& e) {
    return "the body is not " + what + ": " + e.what();
  }
  if (!out.is_object()) return "the body of " + what + " must be a JSON object";
  std::string known;
  for (const auto& [name, type] : fields) known += (known.empty() ? "" : ", ") + name;
  for (auto it = out.begin(); it != out.end(); ++it) {
    auto f = std::find_if(fields.begin(), fields.end(),
                          [&](const auto& field) { return field.first == it.key(); });
    if (f == fields.end())
      return "unknown field '" + it.key().substr(0, 60) + "' (known: " + known + ")";
    if (it.value().type() != f->second)
      return f->first + (f->second == nlohmann::json::value_t::boolean ? " must be true or false"
                                                                       : " must be a string");
  }
  return std::nullopt;
}

// Whether the body is JSON (or empty): anything else is 415.
bool jsonBody(const HttpRequest& req) {
  if (req.body.empty()) return true;
  auto type = req.content_type.substr(0, req.content_type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return type == "application/json";
}

}  // namespace

std::optional<HttpResponse> throttled(const ApiContext& ctx, const std::string& remote) {
  if (!ctx.throttle) return std::nullopt;
  auto wait = ctx.throttle->wait(remote, ctx.config->get()->time->now());
  if (wait.count() == 0) return std::nullopt;
  auto r = problem(429, "Too Many Requests",
                   "too many failed authentications from this address; try again in " +
                       std::to_string(wait.count()) + " s");
  r.headers["Retry-After"] = std::to_string(wait.count());
  return r;
}

void failedAuth(const ApiContext& ctx, const std::string& remote, const std::string& path) {
  if (!ctx.throttle || !ctx.throttle->failed(remote, ctx.config->get()->time->now())) return;
  // Once per burst: the refusals after it are 429s, counted by nobody.
  logEvent({{"level", "warn"},
            {"event", "auth.throttled"},
            {"remote", remote},
            {"path", path.substr(0, 200)},
            {"message",
             "failed authentications from this address are answered 429 until "
             "they slow down"}});
}

Api::Api(ApiContext context) : ctx_(std::move(context)) {
  if (!ctx_.ledger) return;
  status_ = std::make_unique<StatusWriter>(*ctx_.ledger, *ctx_.sla, ctx_.config->get()->public_url);
  intake_ = std::make_unique<Intake>(*status_, *ctx_.ledgerMutex);
  if (!ctx_.occupancy) {
    ownOccupancy_ = std::make_unique<inv::OccupancyCache>(*ctx_.inventory);
    ctx_.occupancy = ownOccupancy_.get();
  }
  views_ = std::make_unique<InventoryViews>(
      *ctx_.occupancy, [cfg = ctx_.config->get(), ledger = ctx_.ledger] {
        return std::make_unique<inv::Ledger>(ledger->path(), inv::Ledger::Open::must_exist,
                                             cfg->wallClock(), cfg->ledgerPassword());
      });
  ConsoleContext c;
  static_cast<ApiContext&>(c) = ctx_;
  c.views = views_.get();
  console_ = std::make_unique<Console>(std::move(c));
}

Api::~Api() = default;

namespace {

// A client's X-Request-Id, when it is one colo can log and echo as it is
// (1-64 of A-Z a-z 0-9 . _ - :); else a new one.
std::string requestIdOf(const HttpRequest& req) {
  auto it = req.headers.find("x-request-id");
  if (it != req.headers.end() && !it->second.empty() && it->second.size() <= 64 &&
      std::all_of(it->second.begin(), it->second.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '.' || c == '_' || c == '-' || c == ':';
      }))
    return it->second;
  return SessionStore::randomHex().substr(0, 32);
}

// Probes answered as expected are not worth a line each (a load balancer
// asks every few seconds); anything else about them is.
bool quietProbe(const std::string& route, int status) {
  return status < 400 && (route == "/healthz" || route == "/readyz" || route == "/metrics");
}

}  // namespace

void Api::handle(const HttpRequest& req, std::function<void(HttpResponse)> reply) {
  auto routed = std::make_shared<Routed>();
  const auto started = ctx_.config->get()->time->now();
  const std::string id = requestIdOf(req);
  auto answer = [this, routed, started, id, method = req.method, remote = req.remote,
                 path = req.target.substr(0, req.target.find('?')),
                 reply = std::move(reply)](HttpResponse res) {
    res.headers["X-Request-Id"] = id;
    if (!quietProbe(routed->route, res.status)) {
      auto ms =
          std::chrono::duration<double, std::milli>(ctx_.config->get()->time->now() - started);
      nlohmann::json line = {{"level", res.status >= 500 ? "warn" : "info"},
                             {"event", "http.request"},
                             {"request_id", id},
                             {"method", method.substr(0, 16)},
                             {"status", res.status},
                             {"duration_ms", std::round(ms.count() * 10) / 10},
                             {"remote", remote}};
      // The route's pattern, never the query (search text, cursors); the
      // path itself only when no route matched.
      if (!routed->route.empty())
        line["route"] = routed->route;
      else
        line["path"] = path.substr(0, 200);
      if (!routed->caller.empty()) line["caller"] = routed->caller;
      logEvent(std::move(line));
    }
    reply(std::move(res));
  };
  dispatch(req, *routed, std::move(answer));
}

void Api::dispatch(const HttpRequest& req, Routed& routed,
                   std::function<void(HttpResponse)> reply) {
  if (console_ && Console::serves(req.target)) {
    routed.route = "/ui/";
    return reply(console_->handle(req));
  }
  auto target = parseRequestTarget(req.target);
  std::string param, allowed;
  const Route* route = match(req.method, target.segments, param, allowed);
  if (route) routed.route = route->pattern;
  if (!route) {
    if (!allowed.empty()) {
      auto r = problem(405, "Method Not Allowed", "this resource answers " + allowed);
      r.headers["Allow"] = allowed;
      return reply(std::move(r));
    }
    return reply(problem(404, "Not Found", "no such resource: " + req.target.substr(0, 200)));
  }
  // A body is JSON or nothing.
  if (route->method == "POST" && !jsonBody(req))
    return reply(
        problem(415, "Unsupported Media Type",
                "the body must be application/json, not '" + req.content_type.substr(0, 80) + "'"));
  Call call{req, target, param, "", Role::requester, nullptr};
  if (route->role) {
    if (auto slow = throttled(ctx_, req.remote)) return reply(std::move(*slow));
    auto caller = authenticate(*ctx_.config->get(), req.authorization);
    if (!caller) {
      failedAuth(ctx_, req.remote, req.target.substr(0, req.target.find('?')));
      return reply(problem(401, "Unauthorized", "a valid bearer token is required"));
    }
    if (!atLeast(caller->role, *route->role))
      return reply(problem(403, "Forbidden",
                           "role " + std::string(name(caller->role)) + " may not " + route->method +
                               " " + route->pattern));
    call.caller = caller->name;
    call.role = caller->role;
    routed.caller = caller->name;
  }
  // Resources a client polls carry an ETag.
  call.reply = [etag = ETagCheck(req), reply](HttpResponse res) {
    etag(res);
    // A letter or an elevation opened in a browser: nothing in it runs,
    // loads or frames (the same headers as the console's copies).
    if (isDocument(res) && !res.headers.count("Content-Security-Policy"))
      addDocumentHeaders(res, "default-src 'none'; style-src 'unsafe-inline'");
    reply(std::move(res));
  };
  try {
    (this->*route->handler)(call);
  } catch (const inv::Error& e) {
    // One mapping of what went wrong to a status, for every route.
    call.reply(problem(httpStatusOf(e.kind()), "", e.what()));
  }
}

void Api::health(Call& call) {
  call.reply(ok(200, {{"status", "ok"}}));
}

void Api::readiness(Call& call) {
  // Which check failed, without the details (this answer needs no token):
  // those are in the log, and in the 503 a request gets meanwhile.
  auto r = ctx_.ready ? ctx_.ready() : ApiContext::Readiness{};
  call.reply(ok(r.ok() ? 200 : 503, {{"status", r.ok() ? "ready" : "not ready"},
                                     {"checks",
                                      {{"workers", r.workers},
                                       {"lease", r.lease},
                                       {"ledger", r.ledger},
                                       {"switches", r.switches}}}}));
}

void Api::metrics(Call& call) {
  HttpResponse r;
  r.content_type = "text/plain; version=0.0.4";
  r.body = ctx_.metrics ? ctx_.metrics() : "";
  auto v = views_->current();
  r.body += forecastMetrics(
      inv::forecast(*v->occupancy, *views_->holdings(), ctx_.now(), ctx_.sla->zone(), 90));
  call.reply(std::move(r));
}

void Api::openApi(Call& call) {
  HttpResponse r;
  r.body = openApiDocument();
  call.reply(std::move(r));
}

// Answers once the request is stored, from the intake's thread.
void Api::submitRequest(Call& call) {
  const auto& req = call.request;
  if (auto busy = refusingWork(ctx_, "nothing was stored")) return call.reply(refused(*busy));
  inv::Request r;
  try {
    // Every problem at once, the format's and the inventory's: 422 when
    // the request is well formed and only the inventory cannot hold it.
    r = inv::parseRequestJson(req.body, *ctx_.inventory, kBodyCpuBudget);
  } catch (const inv::InvalidRequest& e) {
    return call.reply(invalidRequest(e, e.formatValid() ? 422 : 400));
  } catch (const inv::Error& e) {
    bool syntax = e.kind() == inv::ErrorKind::invalid_input;
    return call.reply(problem(
        syntax ? 400 : 422, syntax ? "Invalid request" : "Does not fit the inventory", e.what(),
        {{"type", problemType(syntax ? 400 : 422, syntax)},
         {"errors", json::array({{{"pointer", ""}, {"detail", e.what()}}})}}));
  }
  if (!r.callback_url.empty()) {
    std::string why;
    if (!callbackUrlAllowed(r.callback_url, ctx_.config->get()->callback_allowed, why))
      return call.reply(
          problem(400, "Invalid request", "callback_url: " + why,
                  {{"type", problemType(400, true)},
                   {"errors", json::array({{{"pointer", "/callback_url"}, {"detail", why}}})}}));
  }
  std::string id = r.id;
  auto wake = ctx_.wakeWorkers;
  auto reply = call.reply;
  intake_->submit(
      std::move(r), call.caller, req.remote,
      [id, wake, reply](Intake::Outcome outcome, std::exception_ptr failure) {
        if (failure) {
          std::string what = "could not store the request";
          try {
            std::rethrow_exception(failure);
          } catch (const std::exception& e) {
            what = e.what();
          } catch (...) {
          }
          return reply(problem(503, "Service Unavailable", what));
        }
        if (outcome.http == 409)
          return reply(problem(409, "Conflict",
                               "request id " + id +
                                   " is taken by another request; a changed "
                                   "request needs a new id"));
        if (outcome.status == "queued" && wake) wake();
        std::string location = "/v1/requests/" + id;
        HttpResponse res = ok(202, {{"id", id}, {"status", outcome.status}, {"url", location}});
        res.headers["Location"] = location;
        reply(std::move(res));
      });
}

void Api::listRequests(Call& call) {
  const auto& target = call.target;
  std::lock_guard lock(*ctx_.ledgerMutex);
  ListQuery page;
  if (auto bad = readListQuery(target, {"status", "tenant", "late", "missed", "updated_after"},
                               page, {"status", "tenant"}))
    return call.reply(*bad);
  inv::RequestQuery q;
  // Repeated: any of the values.
  if (auto it = target.values.find("status"); it != target.values.end())
    for (const auto& v : it->second) {
      auto st = inv::parseStatus(v);
      if (!st) {
        std::string known;
        for (auto s : inv::allStatuses())
          known += (known.empty() ? "" : ", ") + std::string(inv::name(s));
        return call.reply(problem(400, "Bad Request",
                                  "status: '" + v.substr(0, 40) + "' is not one of " + known));
      }
      q.statuses.push_back(*st);
    }
  if (auto it = target.values.find("tenant"); it != target.values.end())
    for (const auto& v : it->second) {
      if (!inv::isSafeName(v))
        return call.reply(
            problem(400, "Bad Request",
                    "tenant: a tenant code is 1-63 of letters, digits, '.', '_' and '-'"));
      q.tenant_codes.push_back(v);  // matched whatever its case
    }
  // late: open and past the due date; missed: ended after it (design.md §13).
  bool late = false, missed = false;
  for (auto [name, into] : {std::pair{"late", &late}, std::pair{"missed", &missed}})
    if (auto it = target.query.find(name); it != target.query.end()) {
      if (it->second != "true" && it->second != "false")
        return call.reply(problem(
            400, "Bad Request",
            std::string(name) + ": '" + it->second.substr(0, 20) + "' is neither true nor false"));
      *into = it->second == "true";
    }
  if (auto it = target.query.find("updated_after"); it != target.query.end()) {
    auto t = inv::parseRfc3339(it->second);
    if (!t)
      return call.reply(problem(400, "Bad Request",
                                "updated_after: '" + it->second.substr(0, 40) +
                                    "' is not an RFC 3339 time (2026-11-30T08:00:00+07:00)"));
    // In the ledger's own form (UTC, milliseconds), fractions kept: a
    // client may pass back the updated_at it last saw.
    std::string ms = "000";
    std::smatch frac;
    if (std::regex_search(it->second, frac, std::regex(R"re(T\d\d:\d\d:\d\d\.(\d{1,3}))re")))
      ms = (frac[1].str() + "00").substr(0, 3);
    q.updated_after = isoUtc(t->epoch_seconds).substr(0, 19) + "." + ms + "Z";
  }
  if (!seesEveryRequest(call.role)) q.submitted_by = call.caller;
  if (page.position) {
    auto tab = page.position->find('\t');
    if (tab == std::string::npos)
      return call.reply(
          problem(400, "Bad Request",
                  "cursor: not one this agent gave out (take it from the Link header)"));
    q.after_created_at = page.position->substr(0, tab);
    q.after_id = page.position->substr(tab + 1);
  }
  const auto now = ctx_.now();
  auto wanted = [&](const inv::RequestRecord& r) {
    if (!late && !missed) return true;
    auto sla = slaOf(r, *ctx_.sla, now);
    return sla && (!late || sla->late()) && (!missed || sla->missed());
  };
  json out = json::array();
  std::string more;  // the position after the last item, when there is more
  ctx_.ledger->requests().scan(q, [&](inv::RequestRecord& r) {
    if (!wanted(r)) return true;
    if (out.size() == page.limit) {
      more =
          out.back()["created_at"].get<std::string>() + "\t" + out.back()["id"].get<std::string>();
      return false;
    }
    out.push_back(requestStatusJson(r, *ctx_.sla, now));
    return true;
  });
  std::int64_t total = 0;
  if (late || missed) {
    inv::RequestQuery all = q;
    all.after_created_at.clear();
    ctx_.ledger->requests().scan(all, [&](inv::RequestRecord& r) {
      total += wanted(r);
      return true;
    });
  } else {
    total = ctx_.ledger->requests().count(q);
  }
  auto res = ok(200, out);
  res.headers["X-Total-Count"] = std::to_string(total);
  auto links = pageLinks(call.request.target, target,
                         more.empty() ? std::nullopt : std::optional<std::string>(more));
  if (!links.empty()) res.headers["Link"] = links;
  call.reply(std::move(res));
}

void Api::getRequest(Call& call) {
  std::lock_guard lock(*ctx_.ledgerMutex);
  auto& ledger = *ctx_.ledger;
  // One read transaction: the status, steps, deliveries and checks of one
  // moment (a check is done and its step written in one commit; read
  // apart, a check could show done before its step).
  std::optional<json> j;
  ledger.read([&] {
    auto r = visibleRequest(ledger, call);
    if (!r) return;
    j = requestStatusJson(*r, *ctx_.sla, ctx_.now());
    (*j)["steps"] = json::array();
    for (const auto& e : ledger.requests().events(call.param))
      (*j)["steps"].push_back(eventJson(e));
    (*j)["deliveries"] = json::array();
    for (const auto& d : ledger.outbox().deliveries(call.param))
      (*j)["deliveries"].push_back(deliveryJson(d));
    (*j)["checks"] = json::array();
    for (const auto& c : ledger.cablingChecks().forRequest(call.param))
      (*j)["checks"].push_back(checkJson(c));
  });
  if (!j) return call.reply(problem(404, "Not Found", "request " + call.param + " does not exist"));
  call.reply(ok(200, *j));
}

void Api::letter(Call& call) {
  std::lock_guard lock(*ctx_.ledgerMutex);
  auto r = visibleRequest(*ctx_.ledger, call);
  if (!r) return call.reply(problem(404, "Not Found", "request " + call.param + " does not exist"));
  HttpResponse out;
  out.content_type = "text/html; charset=utf-8";
  // Error(conflict) for a request that did not complete: 409.
  out.body =
      confirmationLetter(*ctx_.ledger, ctx_.config->get()->letter, *ctx_.sla, *r, ctx_.now());
  call.reply(std::move(out));
}

namespace {

Asker askerOf(const Call& call) {
  return {"api:" + call.caller, call.caller, call.request.remote, call.role};
}

}  // namespace

void Api::releaseRequest(Call& call) {
  // A body, if any: {"forget_switches": true, "reason": "..."} (admin).
  if (!call.request.body.empty()) {
    nlohmann::json body;
    if (auto bad = smallBody(call.request.body, "a release",
                             {{"forget_switches", nlohmann::json::value_t::boolean},
                              {"reason", nlohmann::json::value_t::string}},
                             body))
      return call.reply(problem(400, "Bad Request", *bad));
    bool forget = body.value("forget_switches", false);
    std::string reason = body.value("reason", std::string());
    if (!forget && !reason.empty())
      return call.reply(problem(400, "Bad Request", "reason goes with forget_switches"));
    if (forget) return forgetSwitches(call, reason);
  }
  auto out = askRelease(ctx_, call.param, askerOf(call));
  if (!out.done()) return call.reply(refused(out));
  call.reply(ok(202, {{"id", call.param},
                      {"status", out.status},
                      {"release", out.status == "released" ? "done" : "requested"}}));
}

// A release that touches no switch (design.md §7, "Forgetting the
// switches"): an administrator's, with a reason for the step log.
void Api::forgetSwitches(Call& call, const std::string& reason) {
  auto out = askForget(ctx_, call.param, askerOf(call), reason);
  if (!out.done()) return call.reply(refused(out));
  nlohmann::json ports = nlohmann::json::array();
  for (const auto& p : out.ports)
    ports.push_back(
        {{"switch", p.switch_name}, {"port", p.port}, {"vlan", p.vlan}, {"hostname", p.hostname}});
  call.reply(ok(202, {{"id", call.param},
                      {"status", "released"},
                      {"release", "done"},
                      {"switches_forgotten", true},
                      {"ports_to_clean", std::move(ports)}}));
}

// A new attempt of a failed request, from its stored body (design.md §1).
void Api::retryRequest(Call& call) {
  auto out = askRetry(ctx_, call.param, askerOf(call));
  if (!out.done()) return call.reply(refused(out));
  call.reply(ok(202, {{"id", call.param}, {"status", "planning"}, {"attempt", out.attempt}}));
}

// A cabling check, run by a worker (design.md §17); its result shows in
// GET /v1/requests/{id} under `checks`. No body.
void Api::checkCabling(Call& call) {
  if (!call.request.body.empty()) {
    nlohmann::json body;
    if (auto bad = smallBody(call.request.body, "a cabling check", {}, body))
      return call.reply(problem(400, "Bad Request", *bad));
  }
  auto out = askCheck(ctx_, call.param, askerOf(call));
  if (!out.done()) return call.reply(refused(out));
  auto res =
      ok(202, {{"id", call.param}, {"queued", out.queued}, {"check", checkJson(*out.check)}});
  res.headers["Location"] = "/v1/requests/" + call.param;
  call.reply(std::move(res));
}

void Api::redeliver(Call& call) {
  // A body, if any: {"delivery_id": "..."}, one of the request's
  // deliveries (its last when none is named).
  nlohmann::json body = nlohmann::json::object();
  if (!call.request.body.empty())
    if (auto bad = smallBody(call.request.body, "a redelivery",
                             {{"delivery_id", nlohmann::json::value_t::string}}, body))
      return call.reply(problem(400, "Bad Request", *bad));
  auto out =
      askRedeliver(ctx_, call.param, body.value("delivery_id", std::string()), askerOf(call));
  if (!out.done()) return call.reply(refused(out));
  call.reply(ok(202, deliveryJson(*out.delivery)));
}

// Every process on the ledger, live or expired, and what each works on
// (design.md §12).
void Api::listAgents(Call& call) {
  std::vector<inv::Lease> leases;
  std::vector<inv::WorkInProgress> work;
  {
    std::lock_guard lock(*ctx_.ledgerMutex);
    ctx_.ledger->read([&] {
      leases = ctx_.ledger->leases().all();
      work = ctx_.ledger->leases().work();
    });
  }
  // Judged from the rows just read (and lock files on SQLite): no query per row.
  auto config = ctx_.config->get();
  auto live = [&](const inv::Lease& l) { return holderAlive(*config, l); };
  call.reply(ok(200, agentsJson(leases, work, live, config->time->wallMs(), ctx_.self)));
}

// When racks, feeds, rooms and pools run out (design.md §16), from the
// rendered views' occupancy and history: no ledger read of its own.
void Api::getForecast(Call& call) {
  int days = 90;
  for (const auto& [k, v] : call.target.values) {
    if (k != "window")
      return call.reply(problem(400, "Bad Request",
                                "unknown query parameter '" + k.substr(0, 40) +
                                    "'; the forecast takes window (days: 30d, 90d, 365d)"));
    auto parsed = v.size() == 1 ? inv::parseWindowDays(v.front()) : std::nullopt;
    if (!parsed)
      return call.reply(problem(400, "Bad Request",
                                "window: '" + v.front().substr(0, 20) +
                                    "' is not a number of days from 1 to 3650 (90d or 90), "
                                    "given once"));
    days = *parsed;
  }
  auto v = views_->current();
  call.reply(ok(200, forecastJson(inv::forecast(*v->occupancy, *views_->holdings(), ctx_.now(),
                                                ctx_.sla->zone(), days))));
}

// Racks and pools: from the rendered views, without the ledger mutex.
void Api::listRacks(Call& call) {
  auto v = views_->current();
  call.reply(inventoryPage(call.request.target, call.target, v->rackItems, v->racks));
}

void Api::getRack(Call& call) {
  const auto* rack = ctx_.inventory->rack(call.param);
  if (!rack) return call.reply(problem(404, "Not Found", "rack " + call.param + " does not exist"));
  auto occ = occupancyFor(ctx_, views_->current()->occupancy, call.role, call.caller);
  call.reply(ok(200, elevationJson(*occ, occ->rackIndex(*rack))));
}

void Api::rackElevation(Call& call) {
  const auto* rack = ctx_.inventory->rack(call.param);
  if (!rack) return call.reply(problem(404, "Not Found", "rack " + call.param + " does not exist"));
  auto occ = occupancyFor(ctx_, views_->current()->occupancy, call.role, call.caller);
  HttpResponse r;
  r.content_type = "image/svg+xml";
  r.body = elevationSvg(*occ, occ->rackIndex(*rack));
  call.reply(std::move(r));
}

void Api::listPools(Call& call) {
  auto v = views_->current();
  call.reply(inventoryPage(call.request.target, call.target, v->poolItems, v->pools));
}

// One pool: its usage, its first free ranges, and who holds each address,
// a page at a time in address order (a requester sees its own holders'
// requests and hostnames, and only that the others' addresses are held).
void Api::getPool(Call& call) {
  const auto& pools = ctx_.inventory->pools;
  auto it = std::find_if(pools.begin(), pools.end(),
                         [&](const inv::IpPool& p) { return p.name == call.param; });
  if (it == pools.end()) {
    std::vector<std::string> names;
    for (const auto& p : pools) names.push_back(p.name);
    auto meant = inv::closestName(call.param, names);
    return call.reply(problem(404, "Not Found",
                              "pool " + call.param + " does not exist" +
                                  (meant.empty() ? "" : " (did you mean " + meant + "?)")));
  }
  ListQuery page;
  if (auto bad = readListQuery(call.target, {}, page)) return call.reply(*bad);
  std::optional<inv::IpAddress> after;
  if (page.position) {
    if (page.position->rfind("a:", 0) == 0) after = inv::IpAddress::parse(page.position->substr(2));
    if (!after)
      return call.reply(
          problem(400, "Bad Request",
                  "cursor: not one this agent gave out (take it from the Link header)"));
  }
  auto p = static_cast<std::size_t>(it - pools.begin());
  json out = poolDetailJson(*views_->current()->occupancy, p);
  std::vector<inv::Claims::Address> held;
  {
    std::lock_guard lock(*ctx_.ledgerMutex);
    held = ctx_.ledger->claims().inPool(call.param);
  }
  std::set<std::string> own;
  if (!seesEveryRequest(call.role)) own = ownRequestIds(ctx_, call.caller);
  std::sort(held.begin(), held.end(),
            [](const auto& a, const auto& b) { return a.address.value < b.address.value; });
  json items = json::array();
  std::optional<std::string> next;
  for (const auto& a : held) {
    if (after && a.address.value <= after->value) continue;
    if (items.size() == page.limit) {
      next = "a:" + items.back()["address"].get<std::string>();
      break;
    }
    if (seesEveryRequest(call.role) || own.count(a.request_id))
      items.push_back(
          {{"address", a.address.str()}, {"request_id", a.request_id}, {"hostname", a.hostname}});
    else
      items.push_back(
          {{"address", a.address.str()}, {"request_id", nullptr}, {"hostname", nullptr}});
  }
  out["held_by"] = std::move(items);
  auto res = ok(200, out);
  res.headers["X-Total-Count"] = std::to_string(held.size());
  if (auto links = pageLinks(call.request.target, call.target, next); !links.empty())
    res.headers["Link"] = links;
  call.reply(std::move(res));
}

}  // namespace colo::agent
