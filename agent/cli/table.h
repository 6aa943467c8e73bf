// Plain-text tables for the CLI: columns padded to their widest cell,
// numbers right-aligned.
#pragma once

#include <string>
#include <vector>

namespace colo::agent {

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : rows_{std::move(headers)} {}
  void row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  std::string str() const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace colo::agent
