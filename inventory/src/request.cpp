#include "colo/inventory/request.h"

#include "colo/encoding/encoding.h"
#include "colo/encoding/mac.h"
#include "colo/inventory/yaml_reader.h"

#include <yaml-cpp/yaml.h>
#include <algorithm>

#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "colo/inventory/error.h"
#include "colo/inventory/json_text.h"
#include "colo/inventory/model.h"
#include "colo/inventory/names.h"
#include "colo/inventory/time.h"
#include "colo/inventory/utf8.h"

namespace colo::inventory {

namespace {

using nlohmann::json;

constexpr std::size_t kMaxServers = 64;
constexpr std::size_t kMaxNics = 8;
constexpr std::size_t kMaxPoolsPerNic = 4;

// Collects every schema problem, each with its field path.
// At most kMaxListed are listed, then how many more there are: a body of
// 100,000 unknown keys gets a short answer, not one larger than itself.
class Problems {
 public:
  static constexpr std::size_t kMaxListed = 50;
  void add(const std::string& field, const std::string& msg) {
    if (items_.size() < kMaxListed)
      items_.push_back({field, msg});
    else
      ++more_;
  }
  // The listed ones, and a last line with the count of the rest.
  std::vector<FieldProblem> items() const {
    auto out = items_;
    if (more_)
      out.push_back({"", "and " + std::to_string(more_) + " more problem" +
                             (more_ == 1 ? "" : "s") + " not listed"});
    return out;
  }
  bool empty() const { return items_.empty(); }
  const std::vector<FieldProblem>& listed() const { return items_; }
  std::size_t unlisted() const { return more_; }
  // `formatValid`: every problem is about the inventory, none about the format.
  void throwIfAny(bool formatValid = false) const {
    if (items_.empty()) return;
    auto all = items();
    std::string msg = "invalid request: ";
    for (std::size_t i = 0; i < all.size(); ++i)
      msg += (i ? "; " : "") +
             (all[i].field.empty() ? all[i].message : all[i].field + ": " + all[i].message);
    throw InvalidRequest(msg, all, formatValid);
  }
  std::size_t size() const { return items_.size() + more_; }

 private:
  std::vector<FieldProblem> items_;
  std::size_t more_ = 0;
};

std::string typeName(const json& v) {
  if (v.is_number_integer() || v.is_number_unsigned()) return "a whole number";
  if (v.is_number_float()) return "a number with a fraction";
  return std::string("a ") + v.type_name();
}

// Reads one JSON object field by field; reports unknown and missing fields.
class ObjectReader {
 public:
  ObjectReader(const json& obj, std::string path, Problems& problems)
      : obj_(obj), path_(std::move(path)), problems_(problems) {
    ok_ = obj_.is_object();
    if (!ok_) problems_.add(path_, "must be an object, not " + typeName(obj_));
  }
  ~ObjectReader() {
    if (!ok_) return;
    for (const auto& [key, value] : obj_.items())
      if (!known_.count(key)) {
        auto meant = closestName(key, {known_.begin(), known_.end()});
        problems_.add(field(key.size() > 64 ? key.substr(0, 64) + "..." : key),
                      "unknown field" + (meant.empty() ? "" : " (did you mean '" + meant + "'?)"));
      }
  }
  bool ok() const { return ok_; }
  std::string field(const std::string& key) const {
    return path_.empty() ? key : path_ + "." + key;
  }

  const json* get(const std::string& key, bool required) {
    known_.insert(key);
    if (!ok_) return nullptr;
    auto it = obj_.find(key);
    if (it == obj_.end() || it->is_null()) {
      if (required) problems_.add(field(key), "missing");
      return nullptr;
    }
    return &*it;
  }

  std::optional<std::string> text(const std::string& key, bool required, std::size_t maxLen) {
    const json* v = get(key, required);
    if (!v) return std::nullopt;
    if (!v->is_string()) {
      problems_.add(field(key), "must be text, not " + typeName(*v));
      return std::nullopt;
    }
    const auto& s = v->get_ref<const std::string&>();
    if (s.empty() || s.size() > maxLen) {
      problems_.add(field(key), "must be 1 to " + std::to_string(maxLen) + " characters long");
      return std::nullopt;
    }
    // Control and format characters (a bidi override turns "Dinas
    // \u202eakitamrofnI" into "Dinas Informatika" on paper) are refused,
    // not shown.
    if (auto bad = firstUnsafeCharacter(s)) {
      problems_.add(field(key),
                    "must not contain control or format characters (it holds " + *bad + ")");
      return std::nullopt;
    }
    return s;
  }

  std::optional<std::string> name(const std::string& key, bool required) {
    auto s = text(key, required, 1024);
    if (s && !isSafeName(*s)) {
      problems_.add(field(key), "'" + s->substr(0, 80) +
                                    "' may only hold letters, digits, '.', '_' and '-' (1 to 63)");
      return std::nullopt;
    }
    return s;
  }

  std::optional<long long> integer(const std::string& key, bool required, long long min,
                                   long long max) {
    const json* v = get(key, required);
    if (!v) return std::nullopt;
    if (!v->is_number_integer() && !v->is_number_unsigned()) {
      problems_.add(field(key), "must be a whole number, not " + typeName(*v));
      return std::nullopt;
    }
    if (v->is_number_unsigned() &&
        v->get<unsigned long long>() > static_cast<unsigned long long>(max)) {
      problems_.add(field(key),
                    "must be between " + std::to_string(min) + " and " + std::to_string(max));
      return std::nullopt;
    }
    long long n = v->get<long long>();
    if (n < min || n > max) {
      problems_.add(field(key), "is " + std::to_string(n) + ", must be between " +
                                    std::to_string(min) + " and " + std::to_string(max));
      return std::nullopt;
    }
    return n;
  }

  std::optional<bool> boolean(const std::string& key, bool required) {
    const json* v = get(key, required);
    if (!v) return std::nullopt;
    if (!v->is_boolean()) {
      problems_.add(field(key), "must be true or false, not " + typeName(*v));
      return std::nullopt;
    }
    return v->get<bool>();
  }

  const json* array(const std::string& key, bool required, std::size_t min, std::size_t max) {
    const json* v = get(key, required);
    if (!v) return nullptr;
    if (!v->is_array()) {
      problems_.add(field(key), "must be a list, not " + typeName(*v));
      return nullptr;
    }
    if (v->size() < min || v->size() > max) {
      problems_.add(field(key), "must hold " + std::to_string(min) + " to " + std::to_string(max) +
                                    " items, not " + std::to_string(v->size()));
      return nullptr;
    }
    return v;
  }

 private:
  const json& obj_;
  std::string path_;
  Problems& problems_;
  bool ok_ = false;
  std::set<std::string> known_;
};

bool isLetterNumber(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '/' && c != '.' && c != '-' &&
        c != '_')
      return false;
  return true;
}

bool isUrl(const std::string& s) {
  if (s.rfind("http://", 0) != 0 && s.rfind("https://", 0) != 0) return false;
  for (unsigned char c : s)
    if (c <= 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\') return false;
  return true;
}

// Reads what it can of a request, every problem into `problems`.
Request readRequest(const json& doc, Problems& problems) {
  Request r;
  {
    ObjectReader top(doc, "", problems);
    if (auto v = top.name("id", true)) r.id = *v;
    if (auto v = top.text("letter_number", true, 64)) {
      if (isLetterNumber(*v))
        r.letter_number = *v;
      else
        problems.add("letter_number", "may only hold letters, digits and / . - _");
    }
    if (const json* t = top.get("tenant", true)) {
      ObjectReader tr(*t, "tenant", problems);
      if (auto v = tr.name("code", true)) r.tenant.code = *v;
      if (auto v = tr.text("name", true, 200)) r.tenant.name = *v;
    }
    if (auto v = top.text("received_at", true, 40)) {
      if (parseRfc3339(*v))
        r.received_at = *v;
      else
        problems.add("received_at",
                     "must be an RFC 3339 time with offset, such as "
                     "2026-11-23T08:30:00+07:00");
    }
    if (auto v = top.text("callback_url", false, 2048)) {
      if (isUrl(*v))
        r.callback_url = *v;
      else
        problems.add("callback_url", "must be an http:// or https:// URL without spaces");
    }
    if (const json* servers = top.array("servers", true, 1, kMaxServers)) {
      std::set<std::string> hostnames, macs;
      for (std::size_t i = 0; i < servers->size(); ++i) {
        std::string path = "servers[" + std::to_string(i) + "]";
        ObjectReader sr((*servers)[i], path, problems);
        if (!sr.ok()) continue;
        ServerRequest s;
        if (auto v = sr.name("hostname", true)) {
          s.hostname = *v;
          if (!hostnames.insert(*v).second)
            problems.add(path + ".hostname", "'" + *v + "' appears twice in this request");
        }
        if (auto v = sr.integer("units", true, 1, 60)) s.units = static_cast<int>(*v);
        if (auto v = sr.integer("power_watts", true, 1, 100000))
          s.power_watts = static_cast<int>(*v);
        if (auto v = sr.boolean("redundant_power", false)) s.redundant_power = *v;
        if (const json* nics = sr.array("nics", false, 0, kMaxNics)) {
          for (std::size_t n = 0; n < nics->size(); ++n) {
            std::string npath = path + ".nics[" + std::to_string(n) + "]";
            ObjectReader nr((*nics)[n], npath, problems);
            NicRequest nic;
            if (const json* pools = nr.array("pools", true, 1, kMaxPoolsPerNic)) {
              for (std::size_t p = 0; p < pools->size(); ++p) {
                std::string ppath = npath + ".pools[" + std::to_string(p) + "]";
                const json& pv = (*pools)[p];
                if (!pv.is_string() || !isSafeName(pv.get_ref<const std::string&>())) {
                  problems.add(ppath, "must be a pool name");
                  continue;
                }
                const auto& name = pv.get_ref<const std::string&>();
                if (std::find(nic.pools.begin(), nic.pools.end(), name) != nic.pools.end()) {
                  problems.add(ppath, "pool '" + name + "' is listed twice");
                  continue;
                }
                nic.pools.push_back(name);
              }
            }
            if (auto v = nr.text("mac", false, 17)) {
              if (auto mac = encoding::canonicalMac(*v); !mac)
                problems.add(npath + ".mac",
                             "must be a MAC address such as 00:50:56:a3:1b:2c or 0050.56a3.1b2c");
              else if (!macs.insert(*mac).second)
                problems.add(npath + ".mac", *mac + " is given to two NICs of this request");
              else
                nic.mac = *mac;
            }
            s.nics.push_back(std::move(nic));
          }
        }
        r.servers.push_back(std::move(s));
      }
    }
  }
  return r;
}

// A request without problems: its canonical form and fingerprint (only
// then: a document with problems may hold what JSON cannot print).
Request finished(Request r, const json& doc) {
  r.canonical = doc.dump();
  r.fingerprint = encoding::sha256Hex(r.canonical);
  return r;
}

Request fromJson(const json& doc) {
  Problems problems;
  Request r = readRequest(doc, problems);
  problems.throwIfAny();
  return finished(std::move(r), doc);
}

json yamlToJson(const YAML::Node& n, int depth) {
  if (depth > 32) throw Error(ErrorKind::invalid_input, "invalid request: nested too deeply");
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      json obj = json::object();
      for (auto it = n.begin(); it != n.end(); ++it) {
        if (!it->first.IsScalar())
          throw Error(ErrorKind::invalid_input,
                      "invalid request: line " + std::to_string(it->first.Mark().line + 1) +
                          ", column " + std::to_string(it->first.Mark().column + 1) +
                          ": a key must be a plain name, not a list, a map or nothing");
        const std::string& key = it->first.Scalar();
        if (obj.contains(key))
          throw Error(ErrorKind::invalid_input, "invalid request: duplicate key '" + key + "'");
        obj[key] = yamlToJson(it->second, depth + 1);
      }
      return obj;
    }
    case YAML::NodeType::Sequence: {
      json arr = json::array();
      for (const auto& item : n) arr.push_back(yamlToJson(item, depth + 1));
      return arr;
    }
    case YAML::NodeType::Scalar: {
      const std::string& s = n.Scalar();
      if (n.Tag() == "?") {  // a plain scalar: YAML's own types apply
        long long i = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
        if (ec == std::errc{} && p == s.data() + s.size() && !s.empty()) return i;
        if (s == "true") return true;
        if (s == "false") return false;
        if (s == "null" || s == "~") return nullptr;
      }
      return s;
    }
    default:
      return nullptr;
  }
}

YAML::Node parseYamlDocument(std::string_view text) {
  if (auto bad = firstInvalidUtf8(text)) {
    auto at = positionOf(text, *bad);
    throw Error(ErrorKind::invalid_input, "invalid request: line " + std::to_string(at.line) +
                                              ", column " + std::to_string(at.column) +
                                              ": not UTF-8 text");
  }
  // YAML text holds no NUL; yaml-cpp would take leading ones for UTF-16 or
  // UTF-32 and decode the rest into what is not UTF-8 (found by
  // tests/fuzz/request_fuzz).
  if (auto nul = text.find('\0'); nul != std::string_view::npos) {
    auto at = positionOf(text, nul);
    throw Error(ErrorKind::invalid_input, "invalid request: line " + std::to_string(at.line) +
                                              ", column " + std::to_string(at.column) +
                                              ": a NUL byte (YAML text has none)");
  }
  YAML::Node node;
  try {
    node = YAML::Load(std::string(text));
  } catch (const YAML::ParserException& e) {
    throw Error(ErrorKind::invalid_input, "invalid request: bad YAML at line " +
                                              std::to_string(e.mark.line + 1) + ", column " +
                                              std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  if (!withinExpansion(node, std::max<std::size_t>(10000, text.size())))
    throw Error(ErrorKind::invalid_input,
                "invalid request: the YAML expands to more than " +
                    std::to_string(std::max<std::size_t>(10000, text.size())) +
                    " nodes (aliases used as a multiplier?)");
  return node;
}

// Where each field of a document starts, named as problems name them
// ("servers[0].units"); a map member by its key.
using Positions = std::map<std::string, TextPosition>;

// Walks JSON text the parser has accepted, counting lines and columns.
class JsonPositions {
 public:
  explicit JsonPositions(std::string_view t) : t_(t) {}
  Positions scan() {
    value("");
    return out_;
  }
  // The keys an object gives more than once, where they are given again.
  const Positions& repeated() const { return repeated_; }

 private:
  void next() {
    if (i_ >= t_.size()) return;
    if (t_[i_] == '\n') {
      ++line_;
      col_ = 1;
    } else if ((static_cast<unsigned char>(t_[i_]) & 0xC0) != 0x80) {
      ++col_;  // a character, not a UTF-8 continuation byte
    }
    ++i_;
  }
  char peek() const { return i_ < t_.size() ? t_[i_] : '\0'; }
  void space() {
    while (peek() == ' ' || peek() == '\t' || peek() == '\r' || peek() == '\n') next();
  }
  std::string string() {
    std::string out;
    next();  // the opening quote
    while (i_ < t_.size() && peek() != '"') {
      if (peek() == '\\') {
        next();
        char c = peek();
        out += c == 'n' ? '\n' : c == 't' ? '\t' : c;
      } else {
        out += peek();
      }
      next();
    }
    next();
    return out;
  }
  void value(const std::string& path) {
    space();
    if (peek() == '{') {
      next();
      while (true) {
        space();
        if (peek() != '"') break;  // '}' (or the end)
        TextPosition at{line_, col_};
        std::string field = path.empty() ? string() : path + "." + string();
        if (!out_.emplace(field, at).second) repeated_.emplace(field, at);
        space();
        next();  // ':'
        value(field);
        space();
        if (peek() != ',') break;
        next();
      }
      next();  // '}'
    } else if (peek() == '[') {
      next();
      for (std::size_t n = 0;; ++n) {
        space();
        if (peek() == ']') break;
        std::string item = path + "[" + std::to_string(n) + "]";
        out_.emplace(item, TextPosition{line_, col_});
        value(item);
        space();
        if (peek() != ',') break;
        next();
      }
      next();  // ']'
    } else if (peek() == '"') {
      string();
    } else {
      while (i_ < t_.size() && !std::strchr(",]} \t\r\n", peek())) next();
    }
  }

  std::string_view t_;
  std::size_t i_ = 0;
  int line_ = 1, col_ = 1;
  Positions out_, repeated_;
};

void yamlPositions(const YAML::Node& n, const std::string& path, Positions& out, int depth) {
  if (depth > 32) return;
  if (n.IsMap()) {
    for (const auto& kv : n) {
      if (!kv.first.IsScalar()) continue;
      std::string field = path.empty() ? kv.first.Scalar() : path + "." + kv.first.Scalar();
      out.emplace(field, TextPosition{kv.first.Mark().line + 1, kv.first.Mark().column + 1});
      yamlPositions(kv.second, field, out, depth + 1);
    }
  } else if (n.IsSequence()) {
    for (std::size_t i = 0; i < n.size(); ++i) {
      std::string item = path + "[" + std::to_string(i) + "]";
      out.emplace(item, TextPosition{n[i].Mark().line + 1, n[i].Mark().column + 1});
      yamlPositions(n[i], item, out, depth + 1);
    }
  }
}

// Where a problem's field is, or the nearest enclosing one there is (a
// missing field: the object that lacks it).
TextPosition locate(const Positions& at, std::string field) {
  while (!field.empty()) {
    if (auto it = at.find(field); it != at.end()) return it->second;
    auto cut = field.find_last_of(".[");
    field = cut == std::string::npos ? "" : field.substr(0, cut);
  }
  return {1, 1};
}

void checkAgainst(const Request& r, const Inventory& inv, Problems& problems);

}  // namespace

Request parseRequestJson(std::string_view text, std::chrono::nanoseconds cpu_budget) {
  CpuBudget budget(cpu_budget);
  auto r = fromJson(parseJsonText(text, budget));
  budget.check();
  return r;
}

Request parseRequestJson(std::string_view text, const Inventory& inventory,
                         std::chrono::nanoseconds cpu_budget) {
  CpuBudget budget(cpu_budget);
  auto doc = parseJsonText(text, budget);
  Problems problems;
  Request r = readRequest(doc, problems);
  bool formatValid = problems.empty();
  checkAgainst(r, inventory, problems);
  budget.check();
  problems.throwIfAny(formatValid);
  return finished(std::move(r), doc);
}

Request parseRequestYaml(std::string_view text) {
  return fromJson(yamlToJson(parseYamlDocument(text), 0));
}

Request loadRequestFile(const std::string& path, const Inventory* inventory) {
  namespace fs = std::filesystem;
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (!fs::exists(status))
    throw Error(
        ErrorKind::invalid_input,
        path + ": no such request file" +
            (ec && ec != std::errc::no_such_file_or_directory ? " (" + ec.message() + ")" : ""));
  if (fs::is_directory(status))
    throw Error(ErrorKind::invalid_input, path + ": is a directory, not a request file");
  if (auto size = fs::file_size(path, ec); !ec && size > (1u << 20))
    throw Error(ErrorKind::invalid_input, path + ": request file is larger than 1 MiB");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error(ErrorKind::invalid_input,
                path + ": cannot read the request file: " + std::generic_category().message(errno));
  std::ostringstream buf;
  buf << in.rdbuf();
  std::string text = buf.str();
  if (text.size() > (1u << 20))
    throw Error(ErrorKind::invalid_input, path + ": request file is larger than 1 MiB");

  bool yaml = path.ends_with(".yaml") || path.ends_with(".yml");
  json doc;
  Positions at;
  Problems problems;
  try {
    if (yaml) {
      auto node = parseYamlDocument(text);
      doc = yamlToJson(node, 0);
      yamlPositions(node, "", at, 0);
    } else {
      doc = parseJsonText(text);
      at = JsonPositions(text).scan();
    }
  } catch (const InvalidRequest& e) {
    if (yaml) throw e.within(path);
    // A key given twice: shown where it is given the second time.
    JsonPositions scanner(text);
    at = scanner.scan();
    for (const auto& [field, pos] : scanner.repeated()) at[field] = pos;
    for (const auto& p : e.problems()) problems.add(p.field, p.message);
  } catch (const Error& e) {
    throw e.within(path);
  }
  // Every problem at once: the request's own and, with an inventory, what
  // it asks of that inventory; each where it is in the file.
  Request r;
  if (problems.empty()) {
    r = readRequest(doc, problems);
    if (inventory) checkAgainst(r, *inventory, problems);
    if (problems.empty()) return finished(std::move(r), doc);
  }
  struct Located {
    TextPosition at;
    std::size_t order;
    std::string text;
  };
  std::vector<Located> lines;
  for (const auto& p : problems.listed())
    lines.push_back({locate(at, p.field), lines.size(),
                     p.field.empty() ? p.message : p.field + ": " + p.message});
  std::stable_sort(lines.begin(), lines.end(), [](const Located& a, const Located& b) {
    return std::pair(a.at.line, a.at.column) < std::pair(b.at.line, b.at.column);
  });
  std::size_t n = lines.size() + problems.unlisted();
  std::string msg =
      path + ": invalid request, " + std::to_string(n) + (n == 1 ? " problem:" : " problems:");
  for (const auto& l : lines)
    msg += "\n  " + path + ":" + std::to_string(l.at.line) + ":" + std::to_string(l.at.column) +
           ": " + l.text;
  if (problems.unlisted())
    msg += "\n  (" + std::to_string(problems.unlisted()) + " more not listed)";
  throw InvalidRequest(msg, problems.items());
}

void checkRequestAgainst(const Request& r, const Inventory& inv) {
  Problems problems;
  checkAgainst(r, inv, problems);
  problems.throwIfAny(true);
}

namespace {

void checkAgainst(const Request& r, const Inventory& inv, Problems& problems) {
  int tallest = 0;
  for (const auto& rack : inv.racks) tallest = std::max(tallest, rack.height);
  for (std::size_t i = 0; i < r.servers.size(); ++i) {
    const auto& s = r.servers[i];
    std::string path = "servers[" + std::to_string(i) + "]";
    if (s.units > tallest)
      problems.add(path + ".units", "server " + s.hostname + " needs " + std::to_string(s.units) +
                                        " units; the tallest rack has " + std::to_string(tallest));
    for (std::size_t n = 0; n < s.nics.size(); ++n) {
      std::optional<int> vlan;
      for (std::size_t p = 0; p < s.nics[n].pools.size(); ++p) {
        std::string ppath =
            path + ".nics[" + std::to_string(n) + "].pools[" + std::to_string(p) + "]";
        const auto& name = s.nics[n].pools[p];
        const IpPool* pool = inv.pool(name);
        if (!pool) {
          std::vector<std::string> names;
          for (const auto& known : inv.pools) names.push_back(known.name);
          auto meant = closestName(name, names);
          problems.add(ppath, "pool '" + name + "' does not exist" +
                                  (meant.empty() ? "" : " (did you mean '" + meant + "'?)"));
          continue;
        }
        if (vlan && *vlan != pool->vlan)
          problems.add(ppath, "pool '" + name + "' is on vlan " + std::to_string(pool->vlan) +
                                  ", but the NIC's other pools are on vlan " +
                                  std::to_string(*vlan) + " (one port carries one vlan)");
        vlan = pool->vlan;
      }
    }
  }
}

}  // namespace

}  // namespace colo::inventory
