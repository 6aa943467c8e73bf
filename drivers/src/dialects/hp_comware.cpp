// H3C / HPE Comware 7 (S5130, S5560, S6520 access switches). Changes take
// effect as typed; "save force" writes them without asking.
#include <sstream>

#include "../text.h"
#include "colo/drivers/error.h"
#include "colo/encoding/mac.h"
#include "vrp_like.h"

namespace colo::drivers::dialects {

class HpComware final : public VrpLike {
 public:
  std::string_view name() const override { return "hp_comware"; }
  // " % Unrecognized command found at '^' position.", "% Wrong parameter
  // found at '^' position.", "% Incomplete command found at '^' position.",
  // "% Too many parameters ...", "% Ambiguous command ...".
  bool refused(std::string_view output) const override {
    static const std::regex re(
        R"(^\s*% ?(Unrecognized|Wrong parameter|Incomplete|Too many|Ambiguous|Unknown|Invalid|Error|Failed))");
    return text::anyLineMatches(output, re);
  }
  // A login banner may wait: "Press Y or ENTER to continue, N to exit."
  std::vector<LoginQuestion> loginQuestions() const override {
    return {{R"(Press Y or ENTER to continue)", "Y"}};
  }
  std::vector<std::string> sessionSetup() const override { return {"screen-length disable"}; }
  std::vector<std::string> save() const override { return {"save force"}; }
  // "default" in the interface view: "This command will restore the
  // default settings. Continue? [Y/N]:".
  bool expectsQuestion(std::string_view command) const override { return command == "default"; }

  std::vector<std::string> restorePort(std::string_view port,
                                       const PortState& captured) const override {
    // After "default" the port is up; a captured "shutdown" shuts it.
    std::vector<std::string> cmds = {"interface " + std::string(port), "default"};
    cmds.insert(cmds.end(), captured.lines.begin(), captured.lines.end());
    cmds.push_back("quit");
    return cmds;
  }

  // "GigabitEthernet1/0/5" alone, then "Current state: UP" (or "DOWN",
  // "Administratively DOWN", "STP DOWN" when BPDU protection shut it),
  // and "Input:  0 input errors, 0 runts, ...".
  LinkReading parseLink(std::string_view output, std::string_view port) const override {
    static const std::regex kState(R"(^Current state: ?(.+?)\s*$)");
    static const std::regex kErrors(R"((\d+) input errors)");
    std::optional<LinkReading> found;
    std::optional<std::uint64_t> errors;
    bool named = false;
    std::istringstream in{std::string(output)};
    for (std::string line; std::getline(in, line);) {
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (line.size() > text::kWindow) continue;
      std::smatch m;
      if (!found) {
        if (named && std::regex_match(line, m, kState)) {
          LinkReading r;
          std::string s = m[1];
          r.said = printable(s);
          r.state = s.rfind("Administratively", 0) == 0 ? LinkReading::State::disabled
                    : s.rfind("STP DOWN", 0) == 0       ? LinkReading::State::err_disabled
                    : s == "UP"                         ? LinkReading::State::up
                                                        : LinkReading::State::down;
          found = r;
        }
        named = line.find(' ') == std::string::npos && samePort(line, port);
        continue;
      }
      if (!errors && std::regex_search(line, m, kErrors))
        errors = std::stoull(m[1].str().substr(0, 18));
    }
    if (!found)
      throw DriverError(DriverErrorKind::protocol, "the output of '" + showLink(port) +
                                                       "' has no line '" + std::string(port) +
                                                       "' followed by 'Current state: ...'");
    found->input_errors = errors;
    return *found;
  }
  std::string showMacsOn(std::string_view port) const override {
    return "display mac-address interface " + std::string(port);
  }
  std::string showMacWhere(std::string_view mac) const override {
    return "display mac-address " + encoding::dashedMac(mac);
  }
  std::string showLldp(std::string_view port) const override {
    return "display lldp neighbor-information interface " + std::string(port) + " verbose";
  }

 protected:
  std::string resetCommand(std::string_view) const override { return "default"; }
  std::string accessVlanPrefix() const override { return "port access vlan "; }
  // Access is the default link type: the configuration does not show it.
  std::string defaultMode() const override { return "access"; }
  // Switches whose ports can also route show every bridged port so.
  std::vector<std::string> implicitLines() const override { return {"port link-mode bridge"}; }
  std::string fullName(std::string_view port) const override {
    for (auto [brief, full] :
         {std::pair{"BAGG", "Bridge-Aggregation"}, std::pair{"XGE", "Ten-GigabitEthernet"},
          std::pair{"FGE", "FortyGigE"}, std::pair{"HGE", "HundredGigE"},
          std::pair{"WGE", "Twenty-FiveGigE"}, std::pair{"GE", "GigabitEthernet"}}) {
      std::string_view b(brief);
      if (port.substr(0, b.size()) == b && port.size() > b.size() &&
          std::isdigit(static_cast<unsigned char>(port[b.size()])))
        return full + std::string(port.substr(b.size()));
    }
    return std::string(port);
  }
};

const Dialect& hpComware() {
  static const HpComware d;
  return d;
}

}  // namespace colo::drivers::dialects
