#include "http/api.h"
#include "core/log.h"
#include "http/problem.h"

#include <algorithm>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "colo/encoding/encoding.h"
#include "colo/inventory/allocator.h"
#include "colo/inventory/error.h"
#include "colo/inventory/occupancy.h"
#include "colo/inventory/request.h"
#include "colo/inventory/usage.h"
#include "core/views.h"
#include "http/target.h"
#include "jobs/lifecycle.h"
#include "ui/elevation.h"
#include "ui/letter.h"

namespace colo::agent {

namespace inv = colo::inventory;
using nlohmann::json;

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
ApiResponse invalidRequest(const inv::InvalidRequest& e, int status = 400) {
  json errors = json::array();
  for (const auto& p : e.problems())
    errors.push_back({{"pointer", jsonPointer(p.field)}, {"detail", p.message}});
  return problem(status, status == 400 ? "Invalid request" : "Does not fit the inventory", e.what(),
                 {{"type", problemType(status, true)}, {"errors", errors}});
}

ApiResponse ok(int status, const json& body) {
  ApiResponse r;
  r.status = status;
  r.body = body.dump();
  return r;
}

struct Caller {
  std::string name;
  Role role;
};

// The bearer token's owner.
std::optional<Caller> authenticate(const Config& cfg, const std::string& header) {
  static const std::string prefix = "Bearer ";
  if (header.size() <= prefix.size() || header.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  if (const Token* t = findToken(cfg, std::string_view(header).substr(prefix.size())))
    return Caller{t->name, t->role};
  return std::nullopt;
}

// Which route a method and path match, with the path's {parameter}.
// The route for `method` on `segs`; HEAD is served by the GET route. When
// the path is known but not the method, `allowed` lists the methods it has.
const Route* match(const std::string& method, const std::vector<std::string>& segs,
                   std::string& param, std::string& allowed) {
  allowed.clear();
  const std::string& wanted = method == "HEAD" ? std::string("GET") : method;
  for (const auto& r : routes()) {
    auto pattern = parseTarget(r.pattern).segments;
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

// A list route's query: only the parameters it knows (400 names the
// others), a limit and where to go on from.
struct ListQuery {
  std::size_t limit = kDefaultLimit;
  std::optional<std::string> position;  // the decoded cursor
};

std::optional<ApiResponse> readListQuery(const Target& t, const std::set<std::string>& filters,
                                         ListQuery& out) {
  for (const auto& [k, v] : t.query) {
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

// The next page's link: this request's path and query with a new cursor.
std::string nextLink(const std::string& target, const Target& t, const std::string& position) {
  std::string link = target.substr(0, target.find('?')) + "?";
  bool first = true;
  for (const auto& [k, v] : t.query) {
    if (k == "cursor") continue;
    link += (first ? "" : "&") + urlEncode(k) + "=" + urlEncode(v);
    first = false;
  }
  return "<" + link + (first ? "" : "&") + "cursor=" + encodeCursor(position) + ">; rel=\"next\"";
}

// One page of an inventory list (racks, pools): in inventory order; the
// cursor is the index to go on from.
ApiResponse inventoryPage(const std::string& target, const Target& t,
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
  ApiResponse r;
  if (from == 0 && items.size() <= q.limit) {
    r.body = whole;
  } else {
    r.body = "[";
    for (std::size_t i = from; i < std::min(items.size(), from + q.limit); ++i)
      r.body += (i == from ? "" : ",") + items[i];
    r.body += "]";
    if (from + q.limit < items.size())
      r.headers["Link"] = nextLink(target, t, "i:" + std::to_string(from + q.limit));
  }
  r.headers["X-Total-Count"] = std::to_string(items.size());
  return r;
}

}  // namespace

const std::vector<Route>& routes() {
  static const std::vector<Route> r = {
      {"GET", "/healthz", std::nullopt},
      {"GET", "/readyz", std::nullopt},
      {"GET", "/metrics", std::nullopt},
      {"GET", "/v1/openapi.json", std::nullopt},
      {"POST", "/v1/requests", Role::requester},
      {"GET", "/v1/requests", Role::requester},
      {"GET", "/v1/requests/{id}", Role::requester},
      {"POST", "/v1/requests/{id}/release", Role::technician},
      {"POST", "/v1/requests/{id}/redeliver", Role::technician},
      {"GET", "/v1/requests/{id}/letter", Role::requester},
      {"GET", "/v1/racks", Role::requester},
      {"GET", "/v1/racks/{name}", Role::requester},
      {"GET", "/v1/racks/{name}/elevation.svg", Role::requester},
      {"GET", "/v1/pools", Role::requester},
  };
  return r;
}

struct Intake::Item {
  inv::Request request;
  std::string caller, remote;
  Done done;
};

Intake::Intake(inv::Ledger& ledger, std::mutex& ledgerMutex)
    : ledger_(ledger), ledgerMutex_(ledgerMutex), thread_([this] { loop(); }) {}

Intake::~Intake() {
  {
    std::lock_guard lock(m_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void Intake::submit(inv::Request r, std::string caller, std::string remote, Done done) {
  {
    std::lock_guard lock(m_);
    if (!stopping_) {
      pending_.push_back(std::make_unique<Item>(Item{std::move(r), std::move(caller), std::move(remote), done}));
      cv_.notify_one();
      return;
    }
  }
  done({}, std::make_exception_ptr(std::runtime_error("the agent is stopping")));
}

void Intake::loop() {
  while (true) {
    std::vector<std::unique_ptr<Item>> batch;
    {
      std::unique_lock lock(m_);
      cv_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
      if (pending_.empty()) return;  // stopping, nothing left
      batch.swap(pending_);
    }
    // Everything pending goes into one transaction: one fsync for all.
    std::vector<Outcome> outcomes(batch.size());
    std::exception_ptr failure;
    try {
      std::lock_guard lock(ledgerMutex_);
      ledger_.write([&] {
        for (std::size_t i = 0; i < batch.size(); ++i) {
          const auto& r = batch[i]->request;
          if (auto existing = ledger_.request(r.id)) {
            // The same request again from the same sender: the same answer.
            // Anything else, including another sender's id, is one conflict
            // that says nothing of whose it is (no existence oracle).
            bool same = existing->fingerprint == r.fingerprint &&
                        existing->submitted_by == batch[i]->caller;
            outcomes[i] = {same ? 202 : 409, same ? std::string(inv::name(existing->status)) : ""};
            continue;
          }
          ledger_.insertRequest(
              r, inv::Status::queued,
              {"api:" + batch[i]->caller, "accepted from " + batch[i]->remote, "", ""},
              batch[i]->caller);
          outcomes[i] = {202, "queued"};
        }
      });
    } catch (...) {
      failure = std::current_exception();
    }
    for (std::size_t i = 0; i < batch.size(); ++i) batch[i]->done(outcomes[i], failure);
  }
}

Api::Api(ApiContext context) : ctx_(std::move(context)) {
  if (!ctx_.ledger) return;
  intake_ = std::make_unique<Intake>(*ctx_.ledger, *ctx_.ledgerMutex);
  ConsoleContext c;
  static_cast<ApiContext&>(c) = ctx_;
  c.occupancy = [this] { return views()->occupancy; };
  c.release = [this](const std::string& id, const std::string& actor, const std::string& remote) {
    auto out = release(id, actor, remote);
    return ConsoleContext::Released{out.status, out.state, out.detail};
  };
  console_ = std::make_unique<Console>(std::move(c));
}

void Api::acceptRequest(const ApiRequest& req, const std::string& caller, std::function<void(ApiResponse)> reply) {
  inv::Request r;
  try {
    r = inv::parseRequestJson(req.body);
  } catch (const inv::InvalidRequest& e) {
    return reply(invalidRequest(e));
  } catch (const inv::Error& e) {
    bool syntax = e.kind() == inv::ErrorKind::invalid_input;
    return reply(problem(syntax ? 400 : 422,
                         syntax ? "Invalid request" : "Does not fit the inventory", e.what(),
                         {{"type", problemType(syntax ? 400 : 422, syntax)},
                          {"errors", json::array({{{"pointer", ""}, {"detail", e.what()}}})}}));
  }
  try {
    inv::checkRequestAgainst(r, *ctx_.inventory);
  } catch (const inv::InvalidRequest& e) {
    return reply(invalidRequest(e, 422));
  }
  if (!r.callback_url.empty()) {
    std::string why;
    if (!callbackUrlAllowed(r.callback_url, ctx_.config->callback_allowed, why))
      return reply(
          problem(400, "Invalid request", "callback_url: " + why,
                  {{"type", problemType(400, true)},
                   {"errors", json::array({{{"pointer", "/callback_url"}, {"detail", why}}})}}));
  }
  std::string id = r.id;
  auto wake = ctx_.wakeWorkers;
  intake_->submit(std::move(r), caller, req.remote,
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
                    if (outcome.status == 409)
                      return reply(problem(409, "Conflict",
                                           "request id " + id +
                                               " is taken by another request; a changed "
                                               "request needs a new id"));
                    if (outcome.state == "queued" && wake) wake();
                    std::string location = "/v1/requests/" + id;
                    ApiResponse res = ok(202, {{"id", id}, {"status", outcome.state}, {"url", location}});
                    res.headers["Location"] = location;
                    reply(std::move(res));
                  });
}

std::shared_ptr<const Api::Views> Api::views() {
  std::lock_guard lock(viewsMutex_);
  if (!viewLedger_)
    viewLedger_ =
        std::make_unique<inv::Ledger>(ctx_.ledger->path(), inv::Ledger::Open::must_exist,
                                      ctx_.config ? ctx_.config->clock : inv::Clock{},
                                      ctx_.config ? ctx_.config->statePassword() : std::string());
  // The generation and the claims in one read transaction: what was read
  // is what that generation holds.
  std::shared_ptr<Views> fresh;
  viewLedger_->read([&] {
    auto generation = viewLedger_->generation();
    if (views_ && generation == views_->generation) return;
    fresh = std::make_shared<Views>();
    fresh->generation = generation;
    fresh->occupancy =
        std::make_shared<const inv::Occupancy>(*ctx_.inventory, viewLedger_->claims(), generation);
  });
  if (!fresh) return views_;
  json racks = json::array(), pools = json::array();
  for (const auto& u : inv::rackUsage(*fresh->occupancy)) racks.push_back(rackJson(u));
  for (const auto& p : inv::poolUsage(*fresh->occupancy)) pools.push_back(poolJson(p));
  fresh->racks = racks.dump();
  fresh->pools = pools.dump();
  for (const auto& r : racks) fresh->rackItems.push_back(r.dump());
  for (const auto& p : pools) fresh->poolItems.push_back(p.dump());
  views_ = fresh;
  return views_;
}

Api::Release Api::release(const std::string& id, const std::string& actor,
                          const std::string& remote) {
  std::lock_guard lock(*ctx_.ledgerMutex);
  return releaseLocked(id, actor, remote);
}

Api::Release Api::releaseLocked(const std::string& id, const std::string& actor,
                                const std::string& remote) {
  auto& ledger = *ctx_.ledger;
  auto r = ledger.request(id);
  if (!r) return {404, "", "request " + id + " does not exist"};
  if (r->status == inv::Status::released)
    return {409, "released", "request " + id + " was already released"};
  if (r->status == inv::Status::releasing) return {202, "releasing", ""};
  if (r->status != inv::Status::completed && r->status != inv::Status::failed &&
      r->status != inv::Status::reserved)
    return {409, std::string(inv::name(r->status)),
            "request " + id + " is " + std::string(inv::name(r->status)) +
                "; release it once it has ended"};
  Lifecycle life(ledger, *ctx_.sla, ctx_.config->public_url);
  inv::StepNote note{actor, "release asked from " + remote, "", ""};
  try {
    if (r->status == inv::Status::reserved) {
      // Nothing on any switch: freed at once.
      ledger.write([&] {
        inv::release(ledger, id, inv::Status::reserved, note.actor);
        life.announce(id);
      });
      return {202, "released", ""};
    }
    // A worker unconfigures the ports, then frees everything.
    life.move(id, r->status, inv::Status::releasing, note);
  } catch (const inv::Error& e) {
    if (e.kind() != inv::ErrorKind::moved) throw;
    return {409, "", e.what()};
  }
  if (ctx_.wakeWorkers) ctx_.wakeWorkers();
  return {202, "releasing", ""};
}

namespace {

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
// If-None-Match with it is answered 304 without the body.
void withETag(const ApiRequest& req, ApiResponse& res) {
  if ((req.method != "GET" && req.method != "HEAD") || res.status != 200) return;
  auto path = req.target.substr(0, req.target.find('?'));
  if (path.rfind("/v1/requests", 0) != 0 && path.rfind("/v1/racks", 0) != 0 &&
      path.rfind("/v1/pools", 0) != 0)
    return;
  std::string etag = "\"" + encoding::sha256Hex(res.body).substr(0, 32) + "\"";
  res.headers["ETag"] = etag;
  if (auto it = req.headers.find("if-none-match");
      it != req.headers.end() && matches(it->second, etag)) {
    res.status = 304;
    res.body.clear();
  }
}

}  // namespace

void Api::handle(const ApiRequest& req, std::function<void(ApiResponse)> reply) {
  std::optional<std::string> acceptAs;
  auto res = handleSync(req, acceptAs);
  if (acceptAs) return acceptRequest(req, *acceptAs, std::move(reply));
  withETag(req, res);
  reply(std::move(res));
}

ApiResponse Api::handleSync(const ApiRequest& req, std::optional<std::string>& acceptAs) {
  if (console_ && Console::serves(req.target)) return console_->handle(req);
  auto target = parseTarget(req.target);
  std::string param, allowed;
  const Route* route = match(req.method, target.segments, param, allowed);
  if (!route) {
    if (!allowed.empty()) {
      auto r = problem(405, "Method Not Allowed", "this resource answers " + allowed);
      r.headers["Allow"] = allowed;
      return r;
    }
    return problem(404, "Not Found", "no such resource: " + req.target.substr(0, 200));
  }
  // A body is JSON or nothing.
  if (route->method == "POST" && !req.body.empty()) {
    auto type = req.content_type.substr(0, req.content_type.find(';'));
    while (!type.empty() && type.back() == ' ') type.pop_back();
    std::transform(type.begin(), type.end(), type.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (type != "application/json")
      return problem(
          415, "Unsupported Media Type",
          "the body must be application/json, not '" + req.content_type.substr(0, 80) + "'");
  }
  std::optional<Caller> caller;
  if (route->role) {
    caller = authenticate(*ctx_.config, req.authorization);
    if (!caller) return problem(401, "Unauthorized", "a valid bearer token is required");
    if (!atLeast(caller->role, *route->role))
      return problem(403, "Forbidden",
                     "role " + std::string(name(caller->role)) + " may not " + route->method + " " +
                         route->pattern);
  }
  const std::string& pattern = route->pattern;
  if (pattern == "/healthz") return ok(200, {{"status", "ok"}});
  if (pattern == "/readyz") {
    bool ready = !ctx_.ready || ctx_.ready();
    return ok(ready ? 200 : 503, {{"status", ready ? "ready" : "not ready"}});
  }
  if (pattern == "/metrics") {
    ApiResponse r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = ctx_.metrics ? ctx_.metrics() : "";
    return r;
  }
  if (pattern == "/v1/openapi.json") {
    ApiResponse r;
    r.body = openApiDocument();
    return r;
  }
  // Accepting answers later, once stored; see handle().
  if (pattern == "/v1/requests" && route->method == "POST") {
    acceptAs = caller->name;
    return {};
  }
  if (pattern.rfind("/v1/racks", 0) == 0 || pattern == "/v1/pools")
    return inventoryRoute(req, target, pattern, param);
  bool seesAll = seesEveryRequest(caller->role);
  std::lock_guard lock(*ctx_.ledgerMutex);
  auto& ledger = *ctx_.ledger;
  if (pattern == "/v1/requests" && route->method == "GET") {
    ListQuery page;
    if (auto bad = readListQuery(target, {"status", "tenant", "late", "updated_after"}, page))
      return *bad;
    inv::RequestQuery q;
    if (auto it = target.query.find("status"); it != target.query.end()) {
      q.status = inv::parseStatus(it->second);
      if (!q.status) {
        std::string known;
        for (auto s : inv::allStatuses())
          known += (known.empty() ? "" : ", ") + std::string(inv::name(s));
        return problem(400, "Bad Request",
                       "status: '" + it->second.substr(0, 40) + "' is not one of " + known);
      }
    }
    if (auto it = target.query.find("tenant"); it != target.query.end()) {
      if (!inv::isSafeName(it->second))
        return problem(400, "Bad Request",
                       "tenant: a tenant code is 1-63 of letters, digits, '.', '_' and '-'");
      q.tenant_code = it->second;
    }
    bool late = false;
    if (auto it = target.query.find("late"); it != target.query.end()) {
      if (it->second != "true" && it->second != "false")
        return problem(400, "Bad Request",
                       "late: '" + it->second.substr(0, 20) + "' is neither true nor false");
      late = it->second == "true";
    }
    if (auto it = target.query.find("updated_after"); it != target.query.end()) {
      auto t = inv::parseRfc3339(it->second);
      if (!t)
        return problem(400, "Bad Request",
                       "updated_after: '" + it->second.substr(0, 40) +
                           "' is not an RFC 3339 time (2026-11-30T08:00:00+07:00)");
      // In the ledger's own form (UTC, milliseconds), fractions kept: a
      // client may pass back the updated_at it last saw.
      std::string ms = "000";
      std::smatch frac;
      if (std::regex_search(it->second, frac, std::regex(R"re(T\d\d:\d\d:\d\d\.(\d{1,3}))re")))
        ms = (frac[1].str() + "00").substr(0, 3);
      q.updated_after = isoUtc(t->epoch_seconds).substr(0, 19) + "." + ms + "Z";
    }
    if (!seesAll) q.submitted_by = caller->name;
    if (page.position) {
      auto tab = page.position->find('\t');
      if (tab == std::string::npos)
        return problem(400, "Bad Request",
                       "cursor: not one this agent gave out (take it from the Link header)");
      q.after_created_at = page.position->substr(0, tab);
      q.after_id = page.position->substr(tab + 1);
    }
    const auto now = ctx_.now();
    auto isLate = [&](const inv::RequestRecord& r) {
      auto sla = slaOf(r, *ctx_.sla, now);
      return sla && sla->late_seconds > 0;
    };
    json out = json::array();
    std::string more;  // the position after the last item, when there is more
    ledger.scanRequests(q, [&](inv::RequestRecord& r) {
      if (late && !isLate(r)) return true;
      if (out.size() == page.limit) {
        more = out.back()["created_at"].get<std::string>() + "\t" +
               out.back()["id"].get<std::string>();
        return false;
      }
      out.push_back(requestStatusJson(r, *ctx_.sla, now));
      return true;
    });
    std::int64_t total = 0;
    if (late) {
      inv::RequestQuery all = q;
      all.after_created_at.clear();
      ledger.scanRequests(all, [&](inv::RequestRecord& r) {
        total += isLate(r);
        return true;
      });
    } else {
      total = ledger.countRequests(q);
    }
    auto res = ok(200, out);
    res.headers["X-Total-Count"] = std::to_string(total);
    if (!more.empty()) res.headers["Link"] = nextLink(req.target, target, more);
    return res;
  }
  if (pattern == "/v1/requests/{id}") {
    auto r = ledger.request(param);
    if (!r || (!seesAll && r->submitted_by != caller->name))
      return problem(404, "Not Found", "request " + param + " does not exist");
    json j = requestStatusJson(*r, *ctx_.sla, ctx_.now());
    j["steps"] = json::array();
    for (const auto& e : ledger.events(param)) j["steps"].push_back(eventJson(e));
    j["deliveries"] = json::array();
    for (const auto& d : ledger.callbacks(param)) j["deliveries"].push_back(deliveryJson(d));
    return ok(200, j);
  }
  if (pattern == "/v1/requests/{id}/letter") {
    auto r = ledger.request(param);
    if (!r || (!seesAll && r->submitted_by != caller->name))
      return problem(404, "Not Found", "request " + param + " does not exist");
    try {
      ApiResponse out;
      out.content_type = "text/html; charset=utf-8";
      out.body = confirmationLetter(ledger, ctx_.config->letter, *ctx_.sla, *r, ctx_.now());
      return out;
    } catch (const inv::Error& e) {
      if (e.kind() != inv::ErrorKind::conflict) throw;
      return problem(409, "Conflict", e.what());
    }
  }
  if (pattern == "/v1/requests/{id}/release") {
    auto out = releaseLocked(param, "api:" + caller->name, req.remote);
    if (out.status != 202)
      return problem(out.status, out.status == 404 ? "Not Found" : "Conflict", out.detail);
    return ok(202, {{"id", param},
                    {"status", out.state},
                    {"release", out.state == "released" ? "done" : "requested"}});
  }
  if (pattern == "/v1/requests/{id}/redeliver") {
    if (!ledger.request(param))
      return problem(404, "Not Found", "request " + param + " does not exist");
    auto d = ledger.redeliver(param);
    if (!d)
      return problem(409, "Conflict",
                     "request " + param +
                         " has no callback to deliver again: it has not ended, or it names no "
                         "callback_url");
    logEvent({{"level", "info"},
              {"event", "callback.redeliver"},
              {"request_id", param},
              {"delivery", d->delivery_id},
              {"caller", caller->name}});
    if (ctx_.callbackQueued) ctx_.callbackQueued();
    return ok(202, deliveryJson(*d));
  }
  return problem(500, "Internal Server Error", "route " + pattern + " has no handler");
}

ApiResponse Api::inventoryRoute(const ApiRequest& req, const Target& target,
                                const std::string& pattern, const std::string& param) {
  auto shared = views();
  const Views& v = *shared;
  if (pattern == "/v1/racks") return inventoryPage(req.target, target, v.rackItems, v.racks);
  if (pattern == "/v1/racks/{name}") {
    const auto* rack = ctx_.inventory->rack(param);
    if (!rack) return problem(404, "Not Found", "rack " + param + " does not exist");
    return ok(200, elevationJson(*v.occupancy, v.occupancy->rackIndex(*rack)));
  }
  if (pattern == "/v1/racks/{name}/elevation.svg") {
    const auto* rack = ctx_.inventory->rack(param);
    if (!rack) return problem(404, "Not Found", "rack " + param + " does not exist");
    ApiResponse r;
    r.content_type = "image/svg+xml";
    r.body = elevationSvg(*v.occupancy, v.occupancy->rackIndex(*rack));
    return r;
  }
  if (pattern == "/v1/pools") return inventoryPage(req.target, target, v.poolItems, v.pools);
  return problem(500, "Internal Server Error", "route " + pattern + " has no handler");
}

}  // namespace colo::agent
