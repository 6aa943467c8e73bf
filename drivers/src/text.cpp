#include "text.h"

namespace colo::drivers::text {

std::string_view lastLine(std::string_view s) {
  auto nl = s.rfind('\n');
  auto line = nl == std::string_view::npos ? s : s.substr(nl + 1);
  return line.size() > kWindow ? std::string_view() : line;
}

bool anyLineMatches(std::string_view s, const std::regex& re) {
  while (!s.empty()) {
    auto nl = s.find('\n');
    auto line = s.substr(0, std::min(nl, kWindow));
    if (std::regex_search(line.begin(), line.end(), re)) return true;
    if (nl == std::string_view::npos) break;
    s.remove_prefix(nl + 1);
  }
  return false;
}

bool hasControl(std::string_view s) {
  for (unsigned char c : s)
    if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) return true;
  return false;
}

std::string sanitize(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == 0x1b && i + 1 < s.size()) {
      char kind = s[i + 1];
      if (kind == '[') {  // CSI: parameters and intermediates, then one final byte
        i += 2;
        while (i < s.size() &&
               (static_cast<unsigned char>(s[i]) < 0x40 || static_cast<unsigned char>(s[i]) > 0x7e))
          ++i;
        continue;
      }
      if (kind == ']') {  // OSC: up to BEL or ESC backslash
        i += 2;
        while (i < s.size() && s[i] != '\a' &&
               !(s[i] == 0x1b && i + 1 < s.size() && s[i + 1] == '\\'))
          ++i;
        if (i < s.size() && s[i] == 0x1b) ++i;
        continue;
      }
      ++i;  // a two-byte escape
      continue;
    }
    if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) continue;
    out.push_back(static_cast<char>(c));
  }
  return out;
}

DriverError doubt(std::string_view line, const char* where) {
  auto shown = sanitize(line.substr(0, 120));
  return DriverError(DriverErrorKind::protocol,
                     "the output holds '" + shown + (line.size() > 120 ? "...'" : "'") + " " +
                         where +
                         ", which is not configuration (a log message, a prompt, another "
                         "session's output?)");
}

DriverError otherName(std::string_view port, std::string_view shown) {
  return DriverError(DriverErrorKind::protocol,
                     "the switch writes port '" + sanitize(port) + "' as '" +
                         sanitize(shown.substr(0, 64)) +
                         "': write it so in the inventory's access_ports, as the switch's "
                         "configuration does");
}

Stanzas stanzas(std::string_view output, const std::function<bool(const std::string&)>& framing,
                std::string_view closing) {
  Stanzas out;
  std::vector<std::string>* inside = nullptr;
  bool closed = false;
  std::size_t at = 0;
  while (at < output.size()) {
    auto nl = output.find('\n', at);
    std::string line(output.substr(at, nl == std::string_view::npos ? nl : nl - at));
    at = nl == std::string_view::npos ? output.size() : nl + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (closed) {
      if (!line.empty()) throw doubt(line, "after the listing's closing line");
    } else if (!line.empty() && line[0] == ' ') {
      if (!inside) throw doubt(line, "outside any interface's configuration");
      inside->push_back(line.substr(line.find_first_not_of(' ')));
    } else if (line.rfind("interface ", 0) == 0 && line.size() > 10 &&
               line.find(' ', 10) == std::string::npos) {
      auto [it, added] = out.try_emplace(line.substr(10));
      if (!added) throw doubt(line, "a second time in the listing");
      inside = &it->second;
    } else if (!closing.empty() && line == closing) {
      closed = true;
    } else if (line.empty() || framing(line)) {
      inside = nullptr;
    } else {
      throw doubt(line, inside ? "inside an interface's configuration" : "between interfaces");
    }
  }
  if (!closing.empty() && !closed)
    throw DriverError(DriverErrorKind::protocol,
                      "the listing stops before the '" + std::string(closing) +
                          "' line that closes it (cut off at a prompt-shaped line?)");
  return out;
}

std::vector<std::vector<std::string>> stanzasOf(
    const Stanzas& found, const std::vector<std::string>& ports,
    const std::function<bool(std::string_view port, std::string_view name)>& sameAs) {
  std::vector<std::vector<std::string>> out;
  for (const auto& port : ports) {
    if (auto it = found.find(port); it != found.end()) {
      out.push_back(it->second);
      continue;
    }
    for (const auto& [name, lines] : found)
      if (sameAs(port, name)) throw otherName(port, name);
    throw DriverError(DriverErrorKind::protocol,
                      "the listing does not show 'interface " + sanitize(port) + "'");
  }
  return out;
}

}  // namespace colo::drivers::text
