#include "core/prometheus.h"

#include <cstdio>

namespace colo::agent {

std::string promLabel(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string promNumber(double value) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", value);
  return b;
}

Histogram::Histogram(std::string name, std::string help, std::vector<double> bounds,
                     std::string label)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_(std::move(label)),
      bounds_(std::move(bounds)) {}

void Histogram::observe(double value, const std::string& labelValue) {
  std::lock_guard lock(m_);
  auto& s = series_[labelValue];
  s.buckets.resize(bounds_.size());
  for (std::size_t i = 0; i < bounds_.size(); ++i)
    if (value <= bounds_[i]) ++s.buckets[i];
  ++s.count;
  s.sum += value;
}

std::string Histogram::text() const {
  std::lock_guard lock(m_);
  std::string out = "# HELP " + name_ + " " + help_ + "\n# TYPE " + name_ + " histogram\n";
  // A histogram without a label is always there, at zero until observed.
  auto series = series_;
  if (label_.empty() && series.empty()) series[""].buckets.resize(bounds_.size());
  for (const auto& [value, s] : series) {
    // {switch="a",le="0.5"} with a label, {le="0.5"} without.
    std::string labels = label_.empty() ? "" : label_ + "=\"" + promLabel(value) + "\"";
    auto with = [&](const std::string& le) {
      return "{" + labels + (labels.empty() ? "" : ",") + "le=\"" + le + "\"}";
    };
    for (std::size_t i = 0; i < bounds_.size(); ++i)
      out += name_ + "_bucket" + with(promNumber(bounds_[i])) + " " + std::to_string(s.buckets[i]) +
             "\n";
    out += name_ + "_bucket" + with("+Inf") + " " + std::to_string(s.count) + "\n";
    std::string plain = labels.empty() ? "" : "{" + labels + "}";
    out += name_ + "_sum" + plain + " " + promNumber(s.sum) + "\n";
    out += name_ + "_count" + plain + " " + std::to_string(s.count) + "\n";
  }
  return out;
}

}  // namespace colo::agent
