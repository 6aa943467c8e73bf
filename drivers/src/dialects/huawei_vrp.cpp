// Huawei VRP 5 (S-series access switches: S5720, S5735, S6720). Changes take
// effect as typed; "save" writes them to the startup file after a question.
#include <sstream>

#include "../text.h"
#include "colo/drivers/error.h"
#include "colo/encoding/mac.h"
#include "vrp_like.h"

namespace colo::drivers::dialects {

class HuaweiVrp final : public VrpLike {
 public:
  std::string_view name() const override { return "huawei_vrp"; }
  // "Error: Unrecognized command found at '^' position.", "Error: Wrong
  // parameter ...", "Error: Incomplete command ...", "Error:Too many
  // parameters ...", "Error: Please renew the default configurations."
  bool refused(std::string_view output) const override {
    static const std::regex re(R"(^\s*Error\s*:)");
    return text::anyLineMatches(output, re);
  }
  // A first login may offer a password change ("Change now? [Y/N]:"):
  // colo declines, the password it has stays the one that works.
  std::vector<LoginQuestion> loginQuestions() const override {
    return {{R"([Cc]hange now\?\s*\[Y/N\]\s*:?\s*$)", "N"}};
  }
  // Paging off for this session only ("temporary": nothing is configured).
  std::vector<std::string> sessionSetup() const override { return {"screen-length 0 temporary"}; }
  std::vector<std::string> save() const override { return {"save"}; }
  bool expectsQuestion(std::string_view command) const override {
    return command == "save" || command.substr(0, 30) == "clear configuration interface ";
  }

  std::vector<std::string> restorePort(std::string_view port,
                                       const PortState& captured) const override {
    // "clear configuration interface" leaves the port default and shut.
    std::vector<std::string> cmds = {resetCommand(port), "interface " + std::string(port)};
    cmds.insert(cmds.end(), captured.lines.begin(), captured.lines.end());
    if (captured.enabled) cmds.push_back("undo shutdown");
    cmds.push_back("quit");
    return cmds;
  }

  // "GigabitEthernet0/0/5 current state : UP" (or "DOWN", "Administratively
  // DOWN", "ERROR DOWN(bpdu-protection)"), "Line protocol current state :
  // UP", and under "Input:" the line "... Total Error: N".
  LinkReading parseLink(std::string_view output, std::string_view port) const override {
    static const std::regex kState(R"(^(\S+) current state ?: ?(.+?)\s*$)");
    static const std::regex kProtocol(R"(^Line protocol current state ?: ?(UP|DOWN)\b.*)");
    static const std::regex kErrors(R"(Total Error:\s*(\d+))");
    std::optional<LinkReading> found;
    std::optional<std::uint64_t> errors;
    bool protocolUp = false, input = false;
    std::istringstream in{std::string(output)};
    for (std::string line; std::getline(in, line);) {
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (line.size() > text::kWindow) continue;
      std::smatch m;
      if (!found) {
        if (std::regex_match(line, m, kState) && samePort(m[1].str(), port)) {
          LinkReading r;
          r.said = printable(m[2].str());
          std::string s = m[2];
          r.state = s.rfind("Administratively", 0) == 0 ? LinkReading::State::disabled
                    : s.rfind("ERROR DOWN", 0) == 0     ? LinkReading::State::err_disabled
                    : s.rfind("UP", 0) == 0             ? LinkReading::State::up
                                                        : LinkReading::State::down;
          found = r;
        }
        continue;
      }
      if (std::regex_match(line, m, kProtocol)) {
        protocolUp = m[1] == "UP";
      } else if (line.rfind("Input", 0) == 0) {
        input = true;
      } else if (line.rfind("Output", 0) == 0) {
        input = false;
      } else if (input && !errors && std::regex_search(line, m, kErrors)) {
        errors = std::stoull(m[1].str().substr(0, 18));
      }
    }
    if (!found)
      throw DriverError(DriverErrorKind::protocol, "the output of '" + showLink(port) +
                                                       "' has no line '" + std::string(port) +
                                                       " current state : ...'");
    if (found->state == LinkReading::State::up && !protocolUp)
      found->state = LinkReading::State::down;
    found->input_errors = errors;
    return *found;
  }
  std::string showMacsOn(std::string_view port) const override {
    return "display mac-address dynamic " + std::string(port);
  }
  std::string showMacWhere(std::string_view mac) const override {
    return "display mac-address " + encoding::dashedMac(mac);
  }
  std::string showLldp(std::string_view port) const override {
    return "display lldp neighbor interface " + std::string(port);
  }

 protected:
  std::string resetCommand(std::string_view port) const override {
    return "clear configuration interface " + std::string(port);
  }
  std::string accessVlanPrefix() const override { return "port default vlan "; }
  std::string fullName(std::string_view port) const override {
    // The tables' "GE0/0/1" and "XGE0/0/1".
    for (auto [brief, full] :
         {std::pair{"XGE", "XGigabitEthernet"}, std::pair{"GE", "GigabitEthernet"}})
      if (port.substr(0, std::string_view(brief).size()) == brief && port.size() > 3 &&
          std::isdigit(static_cast<unsigned char>(port[std::string_view(brief).size()])))
        return full + std::string(port.substr(std::string_view(brief).size()));
    return std::string(port);
  }
};

const Dialect& huaweiVrp() {
  static const HuaweiVrp d;
  return d;
}

}  // namespace colo::drivers::dialects
