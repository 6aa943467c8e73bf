#include "colo/inventory/ports.h"

#include <cctype>
#include <charconv>

namespace colo::inventory {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool parseNumber(std::string_view s, long& out) {
  if (s.empty() || s.size() > 6) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size();
}

// Index just past the name's prefix: the trailing run of digits starts there.
std::size_t trailingDigits(std::string_view s) {
  std::size_t i = s.size();
  while (i > 0 && std::isdigit(static_cast<unsigned char>(s[i - 1]))) --i;
  return i;
}

}  // namespace

bool isInterfaceName(std::string_view name) {
  // A letter or digit first (Huawei's "10GE1/0/1"), and a letter somewhere.
  if (name.empty() || name.size() > 64 || !std::isalnum(static_cast<unsigned char>(name[0])))
    return false;
  bool letter = false;
  for (char c : name) {
    letter |= std::isalpha(static_cast<unsigned char>(c)) != 0;
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '/' && c != '.' && c != ':' &&
        c != '-')
      return false;
  }
  return letter;
}

std::optional<std::vector<std::string>> expandPortRange(std::string_view expr, std::string* why) {
  std::vector<std::string> out;
  auto fail = [&](std::string msg) -> std::optional<std::vector<std::string>> {
    if (why) *why = std::move(msg);
    return std::nullopt;
  };
  if (trim(expr).empty()) return fail("empty port range");
  while (!expr.empty()) {
    auto comma = expr.find(',');
    std::string_view item = trim(expr.substr(0, comma));
    expr = comma == std::string_view::npos ? std::string_view{} : expr.substr(comma + 1);
    if (item.empty()) return fail("empty item in port list");
    // "<prefix><first>-<last>": the last '-' followed only by digits, preceded
    // by digits. "ge-0/0/5" has a dash inside the prefix, not a range.
    auto dash = item.rfind('-');
    std::string_view head = item, lastText;
    if (dash != std::string_view::npos && dash + 1 < item.size() &&
        trailingDigits(item) == dash + 1 && dash > 0 &&
        std::isdigit(static_cast<unsigned char>(item[dash - 1]))) {
      head = item.substr(0, dash);
      lastText = item.substr(dash + 1);
    }
    std::size_t numAt = trailingDigits(head);
    std::string prefix(head.substr(0, numAt));
    long first = 0, last = 0;
    if (numAt == head.size() || !parseNumber(head.substr(numAt), first))
      return fail("'" + std::string(item) + "' does not end in a port number");
    last = first;
    if (!lastText.empty() && !parseNumber(lastText, last))
      return fail("'" + std::string(item) + "' has a bad range end");
    if (last < first)
      return fail("'" + std::string(item) + "': range end " + std::to_string(last) +
                  " is below its start " + std::to_string(first));
    if (last - first >= 4096) return fail("'" + std::string(item) + "' spans more than 4096 ports");
    for (long n = first; n <= last; ++n) {
      std::string name = prefix + std::to_string(n);
      if (!isInterfaceName(name))
        return fail("'" + name +
                    "' is not a valid interface name (letters, digits and / . : - only)");
      out.push_back(std::move(name));
    }
  }
  return out;
}

}  // namespace colo::inventory
