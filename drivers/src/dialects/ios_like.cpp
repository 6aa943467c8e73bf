#include "ios_like.h"

#include <sstream>

#include "../text.h"
#include "colo/drivers/error.h"
#include "colo/encoding/mac.h"

namespace colo::drivers::dialects {

bool IosLike::refused(std::string_view output) const {
  // "% Invalid input detected", "% Incomplete command.", "% Ambiguous
  // command", "% Unknown command", "% Error ...". Not informational lines
  // such as "% Access VLAN does not exist. Creating vlan 120".
  static const std::regex re(
      R"(^\s*% ?(Invalid|Incomplete|Ambiguous|Unknown|Error|Bad|Authorization failed))");
  return text::anyLineMatches(output, re);
}

bool IosLike::portCommand(std::string_view line, std::string_view port) const {
  std::string p(port);
  if (line == "interface " + p || line == "default interface " + p || line == "exit") return true;
  // Interface configuration commands, with or without "no".
  static const char* const kSub[] = {"description",  "switchport", "shutdown", "spanning-tree",
                                     "speed",        "duplex",     "mtu",      "storm-control",
                                     "power inline", "lldp",       "cdp",      "load-interval",
                                     "channel-group"};
  auto rest = line;
  if (rest.rfind("no ", 0) == 0) rest.remove_prefix(3);
  for (const char* c : kSub) {
    std::string_view cmd(c);
    if (rest.rfind(cmd, 0) == 0 && (rest.size() == cmd.size() || rest[cmd.size()] == ' '))
      return true;
  }
  return false;
}

std::string IosLike::portCommandsHelp() const {
  return "interface <port>, default interface <port>, exit, and the interface commands "
         "description, "
         "switchport, shutdown, spanning-tree, speed, duplex, mtu, storm-control, power inline, "
         "lldp, cdp, "
         "load-interval, channel-group (each also with 'no')";
}

using text::doubt;

// The output is "Building configuration...", "Current configuration : N
// bytes" and "!" lines, then "interface PORT", its indented lines, and
// (IOS) "end". Anything else anywhere makes the reading fail: an
// unindented line inside the block would otherwise end it early and make a
// configured port look empty.
std::vector<std::string> IosLike::portLines(std::string_view output, std::string_view port) const {
  static const std::regex kCurrent(R"(Current configuration ?: ?\d+ bytes)");
  const std::string header = "interface " + std::string(port);
  std::vector<std::string> lines;
  enum class At { before, inside, after } at = At::before;
  bool ended = false;
  std::istringstream in{std::string(output)};
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    switch (at) {
      case At::before:
        if (line == header) {
          at = At::inside;
        } else if (!(line.empty() || line == "!" || line == "Building configuration..." ||
                     std::regex_match(line, kCurrent))) {
          if (line.rfind("interface ", 0) == 0 && samePort(line.substr(10), port))
            throw text::otherName(port, line.substr(10));
          throw doubt(line, "before the port's configuration");
        }
        break;
      case At::inside:
        if (!line.empty() && line[0] == ' ') {
          lines.push_back(line.substr(line.find_first_not_of(' ')));
        } else if (line.empty() || line == "!" || line == "end") {
          at = At::after;
          ended = line == "end";
        } else {
          throw doubt(line, "inside the port's configuration");
        }
        break;
      case At::after:
        if (line == "end" && !ended)
          ended = true;
        else if (!line.empty() && line != "!")
          throw doubt(line, "after the port's configuration");
        break;
    }
  }
  if (at == At::before)
    throw DriverError(DriverErrorKind::protocol, "the output does not show '" + header + "'");
  if (endsWithEnd() && !ended)
    throw DriverError(DriverErrorKind::protocol,
                      "the output stops before the 'end' line that closes the configuration "
                      "(cut off at a prompt-shaped line?)");
  return lines;
}

std::vector<std::vector<std::string>> IosLike::portsLines(
    std::string_view output, const std::vector<std::string>& ports) const {
  static const std::regex kCurrent(R"(Current configuration ?: ?\d+ bytes)");
  auto framing = [](const std::string& line) {
    return line == "!" || line == "Building configuration..." || std::regex_match(line, kCurrent);
  };
  return text::stanzasOf(
      text::stanzas(output, framing, ""), ports,
      [](std::string_view port, std::string_view name) { return samePort(name, port); });
}

std::vector<std::string> IosLike::shownLines(const std::vector<std::string>& commands,
                                             std::string_view port) const {
  // What the template sets inside "interface PORT" ... "exit": "no ..."
  // removes a line rather than showing one.
  std::vector<std::string> out;
  bool inside = false;
  for (const auto& c : commands) {
    if (c == "interface " + std::string(port)) {
      inside = true;
    } else if (c == "exit" || c.rfind("interface ", 0) == 0) {
      inside = false;
    } else if (inside && c.rfind("no ", 0) != 0 && c.rfind("default ", 0) != 0) {
      out.push_back(c);
    }
  }
  return out;
}

PortState IosLike::parsePort(const std::vector<std::string>& lines) const {
  PortState p;
  p.lines = lines;
  p.mode = defaultMode();
  for (const auto& l : lines) {
    if (l.rfind("description ", 0) == 0)
      p.description = l.substr(12);
    else if (l.rfind("switchport mode ", 0) == 0)
      p.mode = l.substr(16);
    else if (l.rfind("switchport access vlan ", 0) == 0)
      p.vlan = std::atoi(l.c_str() + 23);
    else if (l == "shutdown")
      p.enabled = false;
  }
  return p;
}

std::vector<std::string> IosLike::restorePort(std::string_view port,
                                              const PortState& captured) const {
  std::vector<std::string> cmds = {"default interface " + std::string(port),
                                   "interface " + std::string(port)};
  cmds.insert(cmds.end(), captured.lines.begin(), captured.lines.end());
  // An interface without "shutdown" in its stanza is up; "default interface"
  // already made it so.
  cmds.push_back("exit");
  return cmds;
}

// "interface PORT" and its indented lines; nothing when the saved
// configuration has no such stanza. Anything else is doubted, as in
// portLines().
std::vector<std::string> IosLike::savedPortLines(std::string_view output,
                                                 std::string_view port) const {
  const std::string header = "interface " + std::string(port);
  std::vector<std::string> lines;
  bool inside = false;
  std::istringstream in{std::string(output)};
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty() || line == "!") continue;
    if (line == header && !inside && lines.empty()) {
      inside = true;
    } else if (inside && line[0] == ' ') {
      lines.push_back(line.substr(line.find_first_not_of(' ')));
    } else {
      throw doubt(line, "in the saved configuration of the port");
    }
  }
  return lines;
}

LinkReading IosLike::parseLink(std::string_view output, std::string_view port) const {
  // "GigabitEthernet1/0/5 is administratively down, line protocol is down
  // (disabled)"; "(err-disabled)" when the switch shut it itself.
  static const std::regex kState(
      R"(^(\S+) is ([a-z ]+), line protocol is ([a-z]+)( \(([A-Za-z-]+)\))?\s*$)");
  static const std::regex kErrors(R"(^\s*(\d+) input errors\b)");
  std::optional<LinkReading> found;
  std::optional<std::uint64_t> errors;
  std::istringstream in{std::string(output)};
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.size() > text::kWindow) continue;
    std::smatch m;
    if (!found && std::regex_match(line, m, kState) && samePort(m[1].str(), port)) {
      LinkReading r;
      std::string admin = m[2], protocol = m[3], note = m[5];
      r.said = note.empty() ? admin : note;
      if (admin == "administratively down" || note == "disabled")
        r.state = LinkReading::State::disabled;
      else if (note == "err-disabled")
        r.state = LinkReading::State::err_disabled;
      else if (admin == "up" && protocol == "up")
        r.state = LinkReading::State::up;
      else
        r.state = LinkReading::State::down;
      found = r;
    } else if (found && !errors && std::regex_search(line, m, kErrors)) {
      errors = std::stoull(m[1].str().substr(0, 18));
    }
  }
  if (!found)
    throw DriverError(DriverErrorKind::protocol, "the output of '" + showLink(port) +
                                                     "' has no line '" + std::string(port) +
                                                     " is up|down, line protocol is ...'");
  found->input_errors = errors;
  return *found;
}

std::string IosLike::showMacWhere(std::string_view mac) const {
  return "show mac address-table address " + encoding::dottedMac(mac);
}

namespace {

// "Key: value" -> value, trimmed and unquoted (EOS quotes strings).
std::string valueAfter(const std::string& line, std::size_t colon) {
  auto v = line.substr(colon + 1);
  auto b = v.find_first_not_of(' ');
  if (b == std::string::npos) return "";
  v = v.substr(b);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\r')) v.pop_back();
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  return printable(v);
}

}  // namespace

std::vector<LldpNeighbor> IosLike::parseLldp(std::string_view output) const {
  // A neighbour's block starts at "Chassis id:" (after "Local Intf:").
  std::vector<LldpNeighbor> out;
  std::istringstream in{std::string(output)};
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    auto field = [&](std::string_view key) {
      return line.rfind(key, 0) == 0 && line.size() > key.size() && line[key.size()] == ':';
    };
    if (field("Chassis id")) {
      out.emplace_back();
      out.back().chassis_id = valueAfter(line, 10);
    } else if (out.empty()) {
      continue;
    } else if (field("Port id")) {
      out.back().port_id = valueAfter(line, 7);
    } else if (field("Port Description")) {
      out.back().port_description = valueAfter(line, 16);
    } else if (field("System Name")) {
      out.back().system_name = valueAfter(line, 11);
    }
    // "System Name - not advertised": the name stays empty.
  }
  return out;
}

}  // namespace colo::drivers::dialects
