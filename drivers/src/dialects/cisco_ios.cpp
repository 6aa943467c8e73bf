// Cisco IOS / IOS-XE access switches (Catalyst).
#include "ios_like.h"

namespace colo::drivers::dialects {

class CiscoIos final : public IosLike {
 public:
  std::string_view name() const override { return "cisco_ios"; }
  // Paging off, and no log messages in this session's output (a vty with
  // "terminal monitor" would otherwise interleave them with a capture).
  std::vector<std::string> sessionSetup() const override {
    return {"terminal length 0", "terminal no monitor"};
  }
  std::string showPort(std::string_view port) const override {
    return "show running-config interface " + std::string(port);
  }

 protected:
  bool endsWithEnd() const override { return true; }
};

const Dialect& ciscoIos() {
  static const CiscoIos d;
  return d;
}

}  // namespace colo::drivers::dialects
