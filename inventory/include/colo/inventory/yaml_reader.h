// Strict reading of YAML mappings against a schema: wrong types, missing
// fields, unknown keys (with a suggestion) and duplicate keys become
// diagnostics at the right file:line:col. yaml-cpp accepts duplicate keys
// silently, so this checks them itself.
//
// Includes yaml-cpp: include it only from the .cpp files that parse YAML.
#pragma once

#include <cstdint>

#include <yaml-cpp/yaml.h>

#include <optional>
#include <set>
#include <string>

#include "colo/inventory/diagnostics.h"

namespace colo::inventory {

// Parses a YAML file; a syntax error becomes a diagnostic and returns nullopt.
// Reads a YAML file of at most `maxBytes` whose aliases do not expand it
// beyond its size in nodes (at least 10,000); else a diagnostic.
std::optional<YAML::Node> parseYamlFile(const std::string& path, Diagnostics& diags,
                                        std::uintmax_t maxBytes);
// Whether walking `root`, aliases followed, visits at most `limit` nodes.
bool withinExpansion(const YAML::Node& root, std::size_t limit);

SourceLocation locationOf(const YAML::Node& node, const std::string& file);

class YamlFields {
 public:
  // `what` names the mapping in messages, e.g. "rack 'R01'" or "switch".
  YamlFields(const YAML::Node& node, std::string file, Diagnostics& diags, std::string what);
  YamlFields(const YamlFields&) = delete;
  YamlFields& operator=(const YamlFields&) = delete;
  // Reports unknown keys.
  ~YamlFields();

  bool isMap() const { return isMap_; }
  void rename(std::string what) { what_ = std::move(what); }

  std::optional<std::string> string(const char* key, bool required);
  std::optional<long long> integer(const char* key, bool required, long long min, long long max);
  std::optional<double> number(const char* key, bool required, double min, double max);
  std::optional<bool> boolean(const char* key, bool required);
  // The raw value, or an undefined node when absent (or missing + required).
  YAML::Node node(const char* key, bool required = false);
  // A list of strings; a scalar is accepted as a one-item list.
  std::optional<std::vector<std::string>> strings(const char* key, bool required);

  SourceLocation where() const;                 // of the mapping
  SourceLocation where(const char* key) const;  // of the key's value, else the mapping
  void error(const SourceLocation& at, std::string message);

 private:
  YAML::Node find(const char* key);
  void missing(const char* key);
  void typeError(const YAML::Node& n, const char* key, const char* expected);

  YAML::Node node_;
  std::string file_;
  Diagnostics& diags_;
  std::string what_;
  bool isMap_ = false;
  std::set<std::string, std::less<>> known_;
};

// A scalar node's text for messages, or a short description of its kind.
std::string describe(const YAML::Node& n);

}  // namespace colo::inventory
