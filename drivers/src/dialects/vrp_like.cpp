#include "vrp_like.h"

#include <algorithm>
#include <sstream>

#include "../text.h"
#include "colo/drivers/error.h"

namespace colo::drivers::dialects {

namespace {

std::string escapeRegex(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::string_view(R"(\^$.|?*+()[]{}/-)").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string rstrip(std::string line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

bool startsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::string VrpLike::hostOf(std::string_view promptLine) const {
  auto open = promptLine.find('<'), close = promptLine.find('>');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open + 2)
    return "";
  return std::string(promptLine.substr(open + 1, close - open - 1));
}

std::string VrpLike::hostPromptPattern(std::string_view host) const {
  // "<HOST>", "[HOST]", "[HOST-GigabitEthernet0/0/5]"; "~" and "*" mark
  // VRP 8's uncommitted views.
  auto h = escapeRegex(host);
  return R"(^(<)" + h + R"(>|\[~?\*?)" + h + R"((-[^\]\s]{1,80})?\])\s*$)";
}

std::string VrpLike::trimOutput(std::string output) const {
  if (output.find('\x1b') == std::string::npos) return output;
  static const std::regex kWipe("\x1b\\[(\\d{1,3})D {0,256}\x1b\\[\\1D");
  static const std::regex kBack(" ?\x1b\\[\\d{1,3}D");
  return std::regex_replace(std::regex_replace(output, kWipe, ""), kBack, "");
}

bool VrpLike::saveSucceeded(std::string_view output) const {
  // "Save the configuration successfully.", "Configuration file had been
  // saved successfully", "Saved the current configuration to mainboard
  // device successfully."
  return output.find("successfully") != std::string_view::npos;
}

bool VrpLike::portCommand(std::string_view line, std::string_view port) const {
  std::string p(port);
  if (line == "interface " + p || line == "quit" || line == resetCommand(port)) return true;
  static const char* const kSub[] = {"description",
                                     "port",
                                     "shutdown",
                                     "stp",
                                     "speed",
                                     "duplex",
                                     "negotiation",
                                     "jumboframe",
                                     "mtu",
                                     "lldp",
                                     "loopback-detection",
                                     "poe",
                                     "broadcast-suppression",
                                     "multicast-suppression",
                                     "unicast-suppression",
                                     "storm-constrain",
                                     "eth-trunk",
                                     "flow-control"};
  auto rest = line;
  if (startsWith(rest, "undo ")) rest.remove_prefix(5);
  for (const char* c : kSub) {
    std::string_view cmd(c);
    if (startsWith(rest, cmd) && (rest.size() == cmd.size() || rest[cmd.size()] == ' '))
      return true;
  }
  return false;
}

std::string VrpLike::portCommandsHelp() const {
  return "interface <port>, quit, " + resetCommand("<port>") +
         ", and the interface commands description, port, shutdown, stp, speed, duplex, "
         "negotiation, jumboframe, mtu, lldp, loopback-detection, poe, broadcast-suppression, "
         "multicast-suppression, unicast-suppression, storm-constrain, eth-trunk, flow-control "
         "(each also with 'undo')";
}

// "#" lines, a version line ("[V200R009C00SPC500]", "!Software Version
// ..."), "interface PORT", its lines indented by one space, "#", and
// "return" closing the output. Anything else anywhere makes the reading
// fail, as IosLike::portLines.
std::vector<std::string> VrpLike::portLines(std::string_view output, std::string_view port) const {
  static const std::regex kVersion(R"(\[V\d{3}R\d{3}C\w{1,24}\])");
  const std::string header = "interface " + std::string(port);
  std::vector<std::string> lines;
  enum class At { before, inside, after, returned } at = At::before;
  std::istringstream in{std::string(output)};
  for (std::string line; std::getline(in, line);) {
    line = rstrip(std::move(line));
    switch (at) {
      case At::before:
        if (line == header) {
          at = At::inside;
        } else if (!(line.empty() || line == "#" || (line[0] == '!' && line.size() < 200) ||
                     std::regex_match(line, kVersion))) {
          if (line.rfind("interface ", 0) == 0 &&
              (samePort(line.substr(10), port) || line.substr(10) == fullName(port)))
            throw text::otherName(port, line.substr(10));
          throw text::doubt(line, "before the port's configuration");
        }
        break;
      case At::inside:
        if (!line.empty() && line[0] == ' ')
          lines.push_back(line.substr(line.find_first_not_of(' ')));
        else if (line == "#")
          at = At::after;
        else if (line == "return")
          at = At::returned;
        else
          throw text::doubt(line, "inside the port's configuration");
        break;
      case At::after:
        if (line == "return")
          at = At::returned;
        else if (!line.empty() && line != "#")
          throw text::doubt(line, "after the port's configuration");
        break;
      case At::returned:
        if (!line.empty()) throw text::doubt(line, "after the closing 'return'");
        break;
    }
  }
  if (at == At::before)
    throw DriverError(DriverErrorKind::protocol, "the output does not show '" + header + "'");
  if (at != At::returned)
    throw DriverError(DriverErrorKind::protocol,
                      "the output stops before the 'return' line that closes the configuration "
                      "(cut off at a prompt-shaped line?)");
  return lines;
}

std::vector<std::vector<std::string>> VrpLike::portsLines(
    std::string_view output, const std::vector<std::string>& ports) const {
  static const std::regex kVersion(R"(\[V\d{3}R\d{3}C\w{1,24}\])");
  auto framing = [](const std::string& line) {
    return line == "#" || (line[0] == '!' && line.size() < 200) || std::regex_match(line, kVersion);
  };
  return text::stanzasOf(text::stanzas(output, framing, "return"), ports,
                         [this](std::string_view port, std::string_view name) {
                           return samePort(name, port) || name == fullName(port) ||
                                  fullName(name) == port;
                         });
}

std::vector<std::string> VrpLike::shownLines(const std::vector<std::string>& commands,
                                             std::string_view port) const {
  // What the template sets inside "interface PORT" ... "quit": "undo ..."
  // removes a line rather than showing one; the reset shows nothing.
  std::vector<std::string> out;
  bool inside = false;
  for (const auto& c : commands) {
    if (c == "interface " + std::string(port))
      inside = true;
    else if (c == "quit" || startsWith(c, "interface "))
      inside = false;
    else if (inside && !startsWith(c, "undo ") && c != resetCommand(port))
      out.push_back(c);
  }
  return out;
}

PortState VrpLike::parsePort(const std::vector<std::string>& lines) const {
  PortState p;
  auto implicit = implicitLines();
  for (const auto& l : lines)
    if (std::find(implicit.begin(), implicit.end(), l) == implicit.end()) p.lines.push_back(l);
  p.mode = defaultMode();
  const std::string vlan = accessVlanPrefix();
  for (const auto& l : p.lines) {
    if (startsWith(l, "description "))
      p.description = l.substr(12);
    else if (startsWith(l, "port link-type "))
      p.mode = l.substr(15);
    else if (startsWith(l, vlan))
      p.vlan = std::atoi(l.c_str() + vlan.size());
    else if (l == "shutdown")
      p.enabled = false;
  }
  return p;
}

// The stanza at the start of the output ("| begin ^interface PORT$" shows
// the rest of the saved configuration after it, which is not read).
std::vector<std::string> VrpLike::savedPortLines(std::string_view output,
                                                 std::string_view port) const {
  const std::string header = "interface " + std::string(port);
  std::vector<std::string> lines;
  bool inside = false;
  std::istringstream in{std::string(output)};
  for (std::string line; std::getline(in, line);) {
    line = rstrip(std::move(line));
    if (!inside) {
      if (line.empty()) continue;
      if (line != header) throw text::doubt(line, "before the saved configuration of the port");
      inside = true;
    } else if (!line.empty() && line[0] == ' ') {
      lines.push_back(line.substr(line.find_first_not_of(' ')));
    } else {
      break;  // "#": the stanza ended
    }
  }
  return lines;
}

std::vector<MacEntry> VrpLike::parseMacs(std::string_view output) const {
  // The rows read as any table's; the VLAN column may say "10/-/-" (VLAN,
  // VSI, bridge domain) and the port is often short ("GE0/0/1").
  auto rows = Dialect::parseMacs(output);
  for (auto& r : rows) {
    if (auto slash = r.vlan.find('/'); slash != std::string::npos) r.vlan.resize(slash);
    r.port = printable(fullName(r.port));
  }
  return rows;
}

std::vector<LldpNeighbor> VrpLike::parseLldp(std::string_view output) const {
  std::vector<LldpNeighbor> out;
  std::istringstream in{std::string(output)};
  for (std::string line; std::getline(in, line);) {
    line = rstrip(std::move(line));
    auto colon = line.find(':');
    if (colon == std::string::npos || line.size() > text::kWindow) continue;
    std::string key = line.substr(0, colon);
    auto b = key.find_first_not_of(' ');
    key = b == std::string::npos ? "" : key.substr(b);
    while (!key.empty() && key.back() == ' ') key.pop_back();
    auto value = line.substr(colon + 1);
    b = value.find_first_not_of(' ');
    value = printable(b == std::string::npos ? "" : value.substr(b));
    if (value == "--" || value == "N/A") value.clear();  // not advertised
    if (key == "Neighbor index" || key == "LLDP neighbor index") {
      out.emplace_back();
    } else if (out.empty()) {
      continue;
    } else if (key == "Chassis ID") {
      out.back().chassis_id = value;
    } else if (key == "Port ID") {
      out.back().port_id = value;
    } else if (key == "Port description") {
      out.back().port_description = value;
    } else if (key == "System name") {
      out.back().system_name = value;
    }
  }
  return out;
}

}  // namespace colo::drivers::dialects
