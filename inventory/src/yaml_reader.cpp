#include "colo/inventory/yaml_reader.h"

#include "colo/inventory/names.h"
#include "colo/inventory/utf8.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <vector>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

namespace colo::inventory {

namespace {}  // namespace

SourceLocation locationOf(const YAML::Node& node, const std::string& file) {
  if (!node.IsDefined()) return {file, 0, 0};
  auto m = node.Mark();
  if (m.line < 0) return {file, 0, 0};
  return {file, m.line + 1, m.column + 1};
}

bool withinExpansion(const YAML::Node& root, std::size_t limit) {
  // Depth-first with an explicit stack: aliases are followed, so a node
  // shared a million times counts a million times, which is what walking
  // the document would cost.
  std::vector<YAML::Node> todo{root};
  std::size_t seen = 0;
  while (!todo.empty()) {
    YAML::Node n = todo.back();
    todo.pop_back();
    if (++seen > limit) return false;
    if (n.IsSequence())
      for (const auto& item : n) todo.push_back(item);
    else if (n.IsMap())
      for (auto it = n.begin(); it != n.end(); ++it) {
        todo.push_back(it->first);
        todo.push_back(it->second);
      }
  }
  return true;
}

std::optional<YAML::Node> parseYamlFile(const std::string& path, Diagnostics& diags,
                                        std::uintmax_t maxBytes) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > maxBytes) {
    diags.push_back({{path, 0, 0},
                     "the file is " + std::to_string(size) + " bytes, more than the " +
                         std::to_string(maxBytes) + " a file may hold"});
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diags.push_back({{path, 0, 0}, "cannot read file"});
    return std::nullopt;
  }
  // Read at most a chunk past the limit (a pipe or /dev/zero has no size).
  std::string text;
  if (!ec) text.reserve(static_cast<std::size_t>(size));
  char chunk[1 << 16];
  while (text.size() <= maxBytes && (in.read(chunk, sizeof chunk) || in.gcount() > 0))
    text.append(chunk, static_cast<std::size_t>(in.gcount()));
  if (in.bad()) {
    diags.push_back({{path, 0, 0}, "cannot read file (I/O error)"});
    return std::nullopt;
  }
  if (text.size() > maxBytes) {
    diags.push_back(
        {{path, 0, 0},
         "the file holds more than the " + std::to_string(maxBytes) + " bytes a file may hold"});
    return std::nullopt;
  }
  if (auto bad = firstInvalidUtf8(text)) {
    auto at = positionOf(text, *bad);
    diags.push_back({{path, at.line, at.column},
                     "not UTF-8 text (byte " + std::to_string(*bad) + "); save the file as UTF-8"});
    return std::nullopt;
  }
  try {
    auto root = YAML::Load(text);
    // An alias bomb: a few lines that expand to billions of nodes. Without
    // an anchor ('&') there is no alias, and the nodes are bounded by the
    // bytes read (themselves bounded): the walk, 70 ms for a 5,000-rack
    // inventory, is skipped.
    std::size_t limit = std::max<std::size_t>(10000, text.size());
    if (text.find('&') != std::string::npos && !withinExpansion(root, limit)) {
      diags.push_back({{path, 0, 0},
                       "the YAML expands to more than " + std::to_string(limit) +
                           " nodes (aliases used as a multiplier?); refused"});
      return std::nullopt;
    }
    return root;
  } catch (const YAML::ParserException& e) {
    diags.push_back({{path, e.mark.line + 1, e.mark.column + 1}, "bad YAML: " + e.msg});
  }
  return std::nullopt;
}

std::string describe(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Scalar: {
      std::string s = n.Scalar();
      if (s.size() > 40) s = s.substr(0, 37) + "...";
      return "'" + s + "'";
    }
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Null:
      return "nothing (null)";
    default:
      return "nothing";
  }
}

YamlFields::YamlFields(const YAML::Node& node, std::string file, Diagnostics& diags,
                       std::string what)
    : node_(node), file_(std::move(file)), diags_(diags), what_(std::move(what)) {
  isMap_ = node_.IsMap();
  if (!isMap_) {
    error(where(), what_ + " must be a mapping of fields, not " + describe(node_));
    return;
  }
  std::map<std::string, int> seen;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    if (!it->first.IsScalar()) {
      error(locationOf(it->first, file_), "keys in " + what_ + " must be plain names");
      continue;
    }
    const std::string& key = it->first.Scalar();
    auto [pos, fresh] = seen.emplace(key, it->first.Mark().line + 1);
    if (!fresh)
      error(locationOf(it->first, file_), "duplicate key '" + key + "' in " + what_ +
                                              " (first at line " + std::to_string(pos->second) +
                                              ")");
  }
}

YamlFields::~YamlFields() {
  if (!isMap_) return;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    if (!it->first.IsScalar()) continue;
    const std::string& key = it->first.Scalar();
    if (known_.count(key)) continue;
    std::string best = closestName(key, {known_.begin(), known_.end()});
    std::string msg = "unknown field '" + key + "' in " + what_;
    if (!best.empty()) msg += " (did you mean '" + best + "'?)";
    error(locationOf(it->first, file_), msg);
  }
}

SourceLocation YamlFields::where() const {
  return locationOf(node_, file_);
}

SourceLocation YamlFields::where(const char* key) const {
  if (isMap_) {
    for (auto it = node_.begin(); it != node_.end(); ++it)
      if (it->first.IsScalar() && it->first.Scalar() == key) return locationOf(it->second, file_);
  }
  return where();
}

void YamlFields::error(const SourceLocation& at, std::string message) {
  diags_.push_back({at, std::move(message)});
}

YAML::Node YamlFields::find(const char* key) {
  known_.insert(key);
  if (!isMap_) return YAML::Node(YAML::NodeType::Undefined);
  // First occurrence wins; duplicates were reported in the constructor.
  for (auto it = node_.begin(); it != node_.end(); ++it)
    if (it->first.IsScalar() && it->first.Scalar() == key) return it->second;
  return YAML::Node(YAML::NodeType::Undefined);
}

void YamlFields::missing(const char* key) {
  if (isMap_) error(where(), what_ + ": missing field '" + std::string(key) + "'");
}

void YamlFields::typeError(const YAML::Node& n, const char* key, const char* expected) {
  error(locationOf(n, file_),
        what_ + ": field '" + key + "' must be " + expected + ", not " + describe(n));
}

YAML::Node YamlFields::node(const char* key, bool required) {
  YAML::Node n = find(key);
  if (!n.IsDefined() && required) missing(key);
  return n;
}

std::optional<std::string> YamlFields::string(const char* key, bool required) {
  YAML::Node n = find(key);
  if (!n.IsDefined() || n.IsNull()) {
    if (required) missing(key);
    return std::nullopt;
  }
  if (!n.IsScalar()) {
    typeError(n, key, "text");
    return std::nullopt;
  }
  // Text a person reads (a room, a model, a name): no control or format
  // characters, which would reach a terminal or a letter (docs/design.md §4).
  if (auto bad = firstUnsafeCharacter(n.Scalar())) {
    error(locationOf(n, file_),
          what_ + ": field '" + key + "' holds " + *bad + "; write it as plain text");
    return std::nullopt;
  }
  return n.Scalar();
}

std::optional<long long> YamlFields::integer(const char* key, bool required, long long min,
                                             long long max) {
  YAML::Node n = find(key);
  if (!n.IsDefined() || n.IsNull()) {
    if (required) missing(key);
    return std::nullopt;
  }
  long long v = 0;
  const std::string& s = n.IsScalar() ? n.Scalar() : std::string();
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (!n.IsScalar() || s.empty() || ec != std::errc{} || p != s.data() + s.size()) {
    typeError(n, key, "a whole number");
    return std::nullopt;
  }
  if (v < min || v > max) {
    error(locationOf(n, file_), what_ + ": field '" + key + "' is " + s + ", must be between " +
                                    std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return v;
}

std::optional<double> YamlFields::number(const char* key, bool required, double min, double max) {
  YAML::Node n = find(key);
  if (!n.IsDefined() || n.IsNull()) {
    if (required) missing(key);
    return std::nullopt;
  }
  double v = 0;
  const std::string& s = n.IsScalar() ? n.Scalar() : std::string();
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (!n.IsScalar() || s.empty() || ec != std::errc{} || p != s.data() + s.size() ||
      !std::isfinite(v)) {
    typeError(n, key, "a number");
    return std::nullopt;
  }
  if (v < min || v > max) {
    error(locationOf(n, file_), what_ + ": field '" + key + "' is " + s + ", must be between " +
                                    std::to_string(min).substr(0, 4) + " and " +
                                    std::to_string(max).substr(0, 4));
    return std::nullopt;
  }
  return v;
}

std::optional<bool> YamlFields::boolean(const char* key, bool required) {
  YAML::Node n = find(key);
  if (!n.IsDefined() || n.IsNull()) {
    if (required) missing(key);
    return std::nullopt;
  }
  if (n.IsScalar()) {
    if (n.Scalar() == "true") return true;
    if (n.Scalar() == "false") return false;
  }
  typeError(n, key, "true or false");
  return std::nullopt;
}

std::optional<std::vector<std::string>> YamlFields::strings(const char* key, bool required) {
  YAML::Node n = find(key);
  if (!n.IsDefined() || n.IsNull()) {
    if (required) missing(key);
    return std::nullopt;
  }
  if (n.IsScalar()) return std::vector<std::string>{n.Scalar()};
  if (!n.IsSequence()) {
    typeError(n, key, "a list of text");
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (const auto& item : n) {
    if (!item.IsScalar()) {
      typeError(item, key, "a list of text");
      ok = false;
      continue;
    }
    out.push_back(item.Scalar());
  }
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace colo::inventory
