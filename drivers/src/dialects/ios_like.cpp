#include "ios_like.h"

#include <sstream>

#include "../text.h"
#include "colo/drivers/error.h"

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

namespace {

std::string quoted(std::string_view line) {
  auto shown = text::sanitize(line.substr(0, 120));
  return "'" + shown + (line.size() > 120 ? "...'" : "'");
}

DriverError doubt(std::string_view line, const char* where) {
  return DriverError(DriverErrorKind::protocol,
                     std::string("the output holds ") + quoted(line) + " " + where +
                         ", which is not configuration (a log message, a prompt, another "
                         "session's output?)");
}

}  // namespace

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

}  // namespace colo::drivers::dialects
