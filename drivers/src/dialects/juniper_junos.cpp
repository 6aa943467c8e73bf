// Juniper Junos (EX series, ELS). Changes go into a private candidate and take
// effect, persistently, on commit; configuration is read as "set" lines.
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
};

const Dialect& juniperJunos() {
  static const JuniperJunos d;
  return d;
}

}  // namespace colo::drivers::dialects
