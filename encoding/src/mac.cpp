#include "colo/encoding/mac.h"

#include <cctype>

namespace colo::encoding {

std::optional<std::string> canonicalMac(std::string_view text) {
  if (text.size() < 12 || text.size() > 17) return std::nullopt;
  std::string digits;
  char separator = 0;
  std::size_t group = 0;  // hex digits since the last separator
  std::size_t groups = 0;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (std::isxdigit(u)) {
      digits.push_back(static_cast<char>(std::tolower(u)));
      ++group;
      continue;
    }
    if (c != ':' && c != '-' && c != '.') return std::nullopt;
    if (separator && c != separator) return std::nullopt;
    separator = c;
    if (group == 0) return std::nullopt;
    if ((c == '.' && group != 4) || (c != '.' && group != 2)) return std::nullopt;
    group = 0;
    ++groups;
  }
  if (digits.size() != 12 || group == 0) return std::nullopt;
  if (separator == '.' && (groups != 2 || group != 4)) return std::nullopt;
  if ((separator == ':' || separator == '-') && (groups != 5 || group != 2)) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < 12; i += 2) {
    if (i) out.push_back(':');
    out.append(digits, i, 2);
  }
  return out;
}

std::string dottedMac(std::string_view canonical) {
  std::string digits;
  for (char c : canonical)
    if (c != ':') digits.push_back(c);
  if (digits.size() != 12) return std::string(canonical);
  return digits.substr(0, 4) + "." + digits.substr(4, 4) + "." + digits.substr(8, 4);
}

}  // namespace colo::encoding
