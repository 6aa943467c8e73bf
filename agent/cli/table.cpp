#include "cli/table.h"

#include <algorithm>
#include <cctype>

namespace colo::agent {

namespace {
// Digits, with a decimal point or a percent sign ("42", "0.67", "83%").
bool numeric(const std::string& s) {
  return !s.empty() && std::isdigit(static_cast<unsigned char>(s.front())) &&
         std::all_of(s.begin(), s.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) || c == '%' || c == '.';
         });
}
// Display width: count UTF-8 lead bytes only.
std::size_t width(const std::string& s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}
}  // namespace

std::string Table::str() const {
  std::vector<std::size_t> w;
  for (const auto& r : rows_) {
    if (w.size() < r.size()) w.resize(r.size(), 0);
    for (std::size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], width(r[i]));
  }
  std::string out;
  for (std::size_t ri = 0; ri < rows_.size(); ++ri) {
    std::string line;
    for (std::size_t i = 0; i < rows_[ri].size(); ++i) {
      const auto& cell = rows_[ri][i];
      std::string pad(w[i] - width(cell), ' ');
      bool right = ri > 0 && numeric(cell);
      line += right ? pad + cell : cell + (i + 1 < rows_[ri].size() ? pad : "");
      if (i + 1 < rows_[ri].size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

}  // namespace colo::agent
