// Arista EOS. Differs from IOS in the show command and in leaving the default
// "switchport mode access" out of the running configuration.
#include "ios_like.h"

namespace colo::drivers::dialects {

class AristaEos final : public IosLike {
 public:
  std::string_view name() const override { return "arista_eos"; }
  std::vector<std::string> sessionSetup() const override { return {"terminal length 0"}; }
  std::string showPort(std::string_view port) const override {
    return "show running-config interfaces " + std::string(port);
  }

 protected:
  std::string defaultMode() const override { return "access"; }
};

const Dialect& aristaEos() {
  static const AristaEos d;
  return d;
}

}  // namespace colo::drivers::dialects
