// Prometheus text exposition: label values escaped one way, and the one
// histogram type every part of colo records durations with.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace colo::agent {

// A label value as Prometheus reads it (backslash, quote and newline escaped).
std::string promLabel(const std::string& value);
// A sample value: "%g" ("0.05", "2.5", "10").
std::string promNumber(double value);

// Cumulative buckets, sum and count, one series per value of an optional
// label (colo_switch_command_seconds{switch="tor-r01"}). Thread-safe.
class Histogram {
 public:
  Histogram(std::string name, std::string help, std::vector<double> bounds, std::string label = {});
  void observe(double value, const std::string& labelValue = {});
  // HELP, TYPE and every series. Without a label the one series is always
  // there (zeros until observed); with one, a series appears with its value.
  std::string text() const;

 private:
  struct Series {
    std::vector<long> buckets;
    long count = 0;
    double sum = 0;
  };
  std::string name_, help_, label_;
  std::vector<double> bounds_;
  mutable std::mutex m_;
  std::map<std::string, Series> series_;
};

}  // namespace colo::agent
