#include "ios_like.h"

#include <sstream>

#include "../text.h"

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

std::vector<std::string> IosLike::portLines(std::string_view output, std::string_view port) const {
  std::vector<std::string> lines;
  std::istringstream in{std::string(output)};
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line == "interface " + std::string(port)) {
      inside = true;
      continue;
    }
    if (!inside) continue;
    if (line.empty() || line[0] != ' ') break;  // "!", "end" or the next stanza
    lines.push_back(line.substr(line.find_first_not_of(' ')));
  }
  return lines;
}

PortState IosLike::parsePort(const std::vector<std::string>& lines) const {
  PortState p;
  p.lines = lines;
  p.mode = defaultMode();
  for (const auto& l : lines) {
    if (l.rfind("description ", 0) == 0) p.description = l.substr(12);
    else if (l.rfind("switchport mode ", 0) == 0) p.mode = l.substr(16);
    else if (l.rfind("switchport access vlan ", 0) == 0) p.vlan = std::atoi(l.c_str() + 23);
    else if (l == "shutdown") p.enabled = false;
  }
  return p;
}

std::vector<std::string> IosLike::restorePort(std::string_view port, const PortState& captured) const {
  std::vector<std::string> cmds = {"default interface " + std::string(port),
                                   "interface " + std::string(port)};
  cmds.insert(cmds.end(), captured.lines.begin(), captured.lines.end());
  // An interface without "shutdown" in its stanza is up; "default interface"
  // already made it so.
  cmds.push_back("exit");
  return cmds;
}

}  // namespace colo::drivers::dialects
