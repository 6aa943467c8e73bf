// Juniper Junos (EX series, ELS). Changes go into a private candidate and take
// effect, persistently, on commit; configuration is read as "set" lines.
#include <map>
#include <regex>
#include <sstream>

#include "../text.h"
#include "colo/drivers/dialect.h"
#include "colo/drivers/error.h"

namespace colo::drivers::dialects {

class JuniperJunos final : public Dialect {
 public:
  std::string_view name() const override { return "juniper_junos"; }
  std::string promptPattern() const override {
    return R"(^[A-Za-z0-9._-]+@[A-Za-z0-9._-]+[>#] ?$)";
  }
  std::string morePattern() const override { return R"(---\(more( \d+%)?\)---\s*$)"; }
  bool refused(std::string_view output) const override {
    static const std::regex re(
        R"(^\s*(error:|syntax error|unknown command|missing argument|invalid (value|interface)))");
    return text::anyLineMatches(output, re);
  }
  std::string trimOutput(std::string out) const override {
    // The "[edit ...]" banner that precedes the configuration-mode prompt.
    auto nl = out.rfind('\n');
    std::string last = nl == std::string::npos ? out : out.substr(nl + 1);
    if (last.rfind("[edit", 0) == 0) out.erase(nl == std::string::npos ? 0 : nl);
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return out;
  }
  std::vector<std::string> sessionSetup() const override { return {"set cli screen-length 0"}; }
  std::vector<std::string> enterConfig() const override { return {"configure private"}; }
  std::vector<std::string> commitConfig() const override { return {"commit and-quit"}; }
  std::vector<std::string> abortConfig() const override { return {"rollback 0", "exit"}; }
  std::vector<std::string> save() const override { return {}; }  // commit persisted it
  bool portCommand(std::string_view line, std::string_view port) const override {
    for (std::string verb : {"set interfaces ", "delete interfaces "}) {
      std::string prefix = verb + std::string(port);
      if (line == prefix || line.rfind(prefix + " ", 0) == 0) return true;
    }
    return false;
  }
  std::string portCommandsHelp() const override {
    return "set interfaces <port> ... and delete interfaces <port> ...";
  }
  std::string showPort(std::string_view port) const override {
    return "show configuration interfaces " + std::string(port) + " | display set";
  }
  // Every line is "set interfaces PORT ..."; a virtual chassis adds its
  // member's role ("{master:0}"), set aside. Anything else makes the
  // reading fail (docs/design.md §8).
  std::vector<std::string> portLines(std::string_view output,
                                     std::string_view port) const override {
    static const std::regex kRole(R"(\{(master|backup|linecard|primary)(:\d+)?\})");
    std::vector<std::string> lines;
    std::string prefix = "set interfaces " + std::string(port) + " ";
    std::istringstream in{std::string(output)};
    for (std::string line; std::getline(in, line);) {
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (line.rfind(prefix, 0) == 0)
        lines.push_back(line);
      else if (!line.empty() && !std::regex_match(line, kRole))
        throw DriverError(DriverErrorKind::protocol,
                          "the output holds '" + text::sanitize(line.substr(0, 120)) +
                              "', which is not a 'set interfaces " + std::string(port) +
                              "' line (a log message, a prompt, another session's output?)");
    }
    return lines;
  }
  // Every interface's "set" lines; a port nobody configured has none, as
  // in portLines().
  std::string showPorts(const std::vector<std::string>& /*ports*/) const override {
    return "show configuration interfaces | display set";
  }
  std::vector<std::vector<std::string>> portsLines(
      std::string_view output, const std::vector<std::string>& ports) const override {
    static const std::regex kRole(R"(\{(master|backup|linecard|primary)(:\d+)?\})");
    std::map<std::string, std::vector<std::string>, std::less<>> byPort;
    for (const auto& p : ports) byPort[p];
    std::istringstream in{std::string(output)};
    for (std::string line; std::getline(in, line);) {
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (line.empty() || std::regex_match(line, kRole)) continue;
      if (line.rfind("set interfaces ", 0) != 0)
        throw DriverError(DriverErrorKind::protocol,
                          "the output holds '" + text::sanitize(line.substr(0, 120)) +
                              "', which is not a 'set interfaces' line (a log message, a "
                              "prompt, another session's output?)");
      auto end = line.find(' ', 15);
      if (end == std::string::npos) continue;
      if (auto it = byPort.find(std::string_view(line).substr(15, end - 15)); it != byPort.end())
        it->second.push_back(line);
    }
    std::vector<std::vector<std::string>> out;
    for (const auto& p : ports) out.push_back(byPort[p]);
    return out;
  }
  std::vector<std::string> shownLines(const std::vector<std::string>& commands,
                                      std::string_view port) const override {
    // Junos quotes a description when it shows it, or not, whatever the
    // command did: both spellings are the same line.
    std::vector<std::string> out;
    std::string prefix = "set interfaces " + std::string(port) + " ";
    std::string description = prefix + "description ";
    for (const auto& c : commands) {
      if (c.rfind(prefix, 0) != 0) continue;
      out.push_back(c);
      if (c.rfind(description, 0) != 0) continue;
      std::string value = c.substr(description.size());
      bool quoted = value.size() >= 2 && value.front() == '"' && value.back() == '"';
      out.push_back(description + (quoted ? value.substr(1, value.size() - 2) : '"' + value + '"'));
    }
    return out;
  }
  PortState parsePort(const std::vector<std::string>& lines) const override {
    PortState p;
    p.lines = lines;
    for (const auto& l : lines) {
      auto rest = l.substr(l.find(' ', 15) + 1);  // after "set interfaces PORT "
      if (rest.rfind("description ", 0) == 0) {
        p.description = rest.substr(12);
        if (p.description.size() >= 2 && p.description.front() == '"')
          p.description = p.description.substr(1, p.description.size() - 2);
      } else if (rest == "disable") {
        p.enabled = false;
      } else if (rest.rfind("unit 0 family ethernet-switching interface-mode ", 0) == 0) {
        p.mode = rest.substr(48);
      } else if (rest.rfind("unit 0 family ethernet-switching vlan members ", 0) == 0) {
        p.vlan = std::atoi(rest.c_str() + 46);
      }
    }
    return p;
  }
  std::vector<std::string> restorePort(std::string_view port,
                                       const PortState& captured) const override {
    std::vector<std::string> cmds = {"delete interfaces " + std::string(port)};
    cmds.insert(cmds.end(), captured.lines.begin(), captured.lines.end());
    return cmds;
  }

  std::string showLink(std::string_view port) const override {
    return "show interfaces " + std::string(port) + " extensive";
  }
  // "Physical interface: ge-0/0/5, Enabled, Physical link is Up" (or
  // "Administratively down"), and under "Input errors:" the line "Errors:
  // N, Drops: N, Framing errors: N, ...".
  LinkReading parseLink(std::string_view output, std::string_view port) const override {
    static const std::regex kState(
        R"(^Physical interface: (\S+), (Enabled|Administratively down), Physical link is (Up|Down)\b.*)");
    static const std::regex kErrors(R"(^\s*Errors: (\d+),)");
    static const std::regex kInline(R"(^\s*Input errors: (\d+)\s*$)");
    std::optional<LinkReading> found;
    std::optional<std::uint64_t> errors;
    bool inInputErrors = false;
    std::istringstream in{std::string(output)};
    for (std::string line; std::getline(in, line);) {
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (line.size() > text::kWindow) continue;
      std::smatch m;
      if (!found) {
        if (std::regex_match(line, m, kState) && samePort(m[1].str(), port)) {
          LinkReading r;
          r.said = m[3];
          r.state = m[2] == "Administratively down" ? LinkReading::State::disabled
                    : m[3] == "Up"                  ? LinkReading::State::up
                                                    : LinkReading::State::down;
          found = r;
        }
        continue;
      }
      if (errors) continue;
      if (std::regex_match(line, m, kInline)) {
        errors = std::stoull(m[1].str().substr(0, 18));
      } else if (line.find("Input errors:") != std::string::npos) {
        inInputErrors = true;
      } else if (inInputErrors && std::regex_search(line, m, kErrors)) {
        errors = std::stoull(m[1].str().substr(0, 18));
      }
    }
    if (!found)
      throw DriverError(DriverErrorKind::protocol,
                        "the output of '" + showLink(port) +
                            "' has no line 'Physical interface: " + std::string(port) +
                            ", Enabled|Administratively down, Physical link is ...'");
    found->input_errors = errors;
    return *found;
  }
  std::string showMacsOn(std::string_view port) const override {
    return "show ethernet-switching table interface " + std::string(port);
  }
  std::string showMacWhere(std::string_view mac) const override {
    return "show ethernet-switching table | match " + std::string(mac);
  }
  std::string showLldp(std::string_view port) const override {
    return "show lldp neighbors interface " + std::string(port);
  }
  // Per neighbour, after "Neighbour Information:": "Chassis ID : ...",
  // "Port ID : ...", "Port description : ...", "System name : ...". The
  // "Local Port ID" above it is the switch's own.
  std::vector<LldpNeighbor> parseLldp(std::string_view output) const override {
    std::vector<LldpNeighbor> out;
    bool neighbour = false;
    std::istringstream in{std::string(output)};
    for (std::string line; std::getline(in, line);) {
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (line.rfind("Neighbour Information", 0) == 0 ||
          line.rfind("Neighbor Information", 0) == 0) {
        out.emplace_back();
        neighbour = true;
        continue;
      }
      if (line.rfind("Local Information", 0) == 0 || line.rfind("LLDP Neighbor", 0) == 0) {
        neighbour = false;
        continue;
      }
      auto colon = line.find(':');
      if (!neighbour || colon == std::string::npos) continue;
      std::string key = line.substr(0, colon);
      while (!key.empty() && key.back() == ' ') key.pop_back();
      auto v = line.substr(colon + 1);
      auto b = v.find_first_not_of(' ');
      v = printable(b == std::string::npos ? "" : v.substr(b));
      if (key == "Chassis ID")
        out.back().chassis_id = v;
      else if (key == "Port ID")
        out.back().port_id = v;
      else if (key == "Port description")
        out.back().port_description = v;
      else if (key == "System name")
        out.back().system_name = v;
    }
    return out;
  }
};

const Dialect& juniperJunos() {
  static const JuniperJunos d;
  return d;
}

}  // namespace colo::drivers::dialects
