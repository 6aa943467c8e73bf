// Arista EOS. Differs from IOS in the show command and in leaving the default
// "switchport mode access" out of the running configuration.
#include <sstream>

#include "ios_like.h"

namespace colo::drivers::dialects {

class AristaEos final : public IosLike {
 public:
  std::string_view name() const override { return "arista_eos"; }
  std::vector<std::string> sessionSetup() const override { return {"terminal length 0"}; }
  std::string showPort(std::string_view port) const override {
    return "show running-config interfaces " + std::string(port);
  }
  // "Neighbor 0050.56a3.1b2c/"eth0", age 12 seconds", then "- Chassis ID
  // type: ..." with "Chassis ID : ..." under it, the same for the port, and
  // "- System Name: "web01"". A later "Port ID" (inside the link
  // aggregation TLV) is not the neighbour's port.
  std::vector<LldpNeighbor> parseLldp(std::string_view output) const override {
    std::vector<LldpNeighbor> out;
    std::istringstream in{std::string(output)};
    std::string under;  // the "- ... type:" heading the last line was under
    for (std::string line; std::getline(in, line);) {
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      auto b = line.find_first_not_of(' ');
      if (b == std::string::npos) continue;
      std::string l = line.substr(b);
      auto colon = l.find(':');
      std::string key = colon == std::string::npos ? l : l.substr(0, colon);
      while (!key.empty() && key.back() == ' ') key.pop_back();
      auto value = [&] {
        auto v = colon == std::string::npos ? std::string() : l.substr(colon + 1);
        auto s = v.find_first_not_of(' ');
        v = s == std::string::npos ? "" : v.substr(s);
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
        return printable(v);
      };
      if (l.rfind("Neighbor ", 0) == 0) {
        out.emplace_back();
        under.clear();
      } else if (out.empty()) {
        continue;
      } else if (key == "- Chassis ID type" || key == "- Port ID type") {
        under = key;
      } else if (key == "Chassis ID" && under == "- Chassis ID type") {
        out.back().chassis_id = value();
      } else if (key == "Port ID" && under == "- Port ID type") {
        out.back().port_id = value();
        under.clear();
      } else if (key == "- Port Description") {
        out.back().port_description = value();
      } else if (key == "- System Name") {
        out.back().system_name = value();
      } else if (l.rfind("- ", 0) == 0) {
        under.clear();
      }
    }
    return out;
  }

 protected:
  std::string defaultMode() const override { return "access"; }
};

const Dialect& aristaEos() {
  static const AristaEos d;
  return d;
}

}  // namespace colo::drivers::dialects
