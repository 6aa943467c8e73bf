#include "colo/encoding/mac.h"

#include <cctype>

namespace colo::encoding {

std::optional<std::string> canonicalMac(std::string_view text) {
  if (text.size() < 12 || text.size() > 17) return std::nullopt;
  std::string digits;
  char separator = 0;
  std::size_t width = 0;  // hex digits per group: 2, or 4 ("0050.56a3.1b2c", "0050-56a3-1b2c")
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
    if (!separator) width = c == '.' ? 4 : c == ':' ? 2 : group;
    separator = c;
    if (group != width || (width != 2 && width != 4)) return std::nullopt;
    group = 0;
    ++groups;
  }
  if (digits.size() != 12 || (separator && group != width)) return std::nullopt;
  if (separator && groups != (width == 4 ? 2u : 5u)) return std::nullopt;
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

std::string dashedMac(std::string_view canonical) {
  auto dotted = dottedMac(canonical);
  for (auto& c : dotted)
    if (c == '.') c = '-';
  return dotted;
}

}  // namespace colo::encoding
