#include "cli/output.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "cli/table.h"
#include "core/views.h"

namespace colo::agent {

namespace inv = colo::inventory;
using nlohmann::json;

void print(const json& j) {
  std::cout << j.dump(2) << "\n";
}

// Colour only on a terminal, and never with NO_COLOR set (no-color.org).
namespace {
bool colourOut() {
  static const bool on = isatty(1) && !std::getenv("NO_COLOR");
  return on;
}
}  // namespace

std::string paint(const std::string& text, const char* sgr) {
  return colourOut() ? std::string("\x1b[") + sgr + "m" + text + "\x1b[0m" : text;
}

// "R04-A 4650/4000 W (98%!!)": one '!' from 80% of usable, two from 95%.
std::string watts(const inv::FeedUsage& f) {
  const char* flag = f.level() == inv::FeedUsage::Level::critical ? "!!"
                     : f.level() == inv::FeedUsage::Level::high   ? "!"
                                                                  : "";
  return f.name + " " + std::to_string(f.drawn_watts) + "/" + std::to_string(f.usable_watts) +
         " W (" + std::to_string(f.percent()) + "%" + flag + ")";
}

std::string warningLine(const std::string& rack, const RackWarning& w) {
  return paint(rack + ": " + w.text, w.level == RackWarning::Level::critical ? "31" : "33");
}

std::string planText(const inv::Plan& plan) {
  std::string out;
  Table t({"SERVER", "RACK", "UNITS", "POWER", "NIC", "SWITCH", "PORT", "VLAN", "ADDRESSES"});
  for (const auto& s : plan.servers) {
    std::string feeds;
    for (const auto& f : s.feeds) feeds += (feeds.empty() ? "" : "+") + f.feed;
    std::string units = "U" + std::to_string(s.first_unit) +
                        (s.height > 1 ? "-U" + std::to_string(s.last_unit()) : "");
    std::string power = std::to_string(s.power_watts) + " W " + feeds;
    if (s.nics.empty()) t.row({s.hostname, s.rack, units, power, "-", "-", "-", "-", "-"});
    for (std::size_t n = 0; n < s.nics.size(); ++n) {
      const auto& nic = s.nics[n];
      std::string addrs;
      for (const auto& a : nic.addresses)
        addrs += (addrs.empty() ? "" : " ") + a.address.str() + "/" +
                 std::to_string(a.prefix_length) + (a.gateway ? " gw " + a.gateway->str() : "");
      t.row({n ? "" : s.hostname, n ? "" : s.rack, n ? "" : units, n ? "" : power,
             std::to_string(nic.index), nic.switch_name, nic.port, std::to_string(nic.vlan),
             addrs});
    }
  }
  return t.str();
}

}  // namespace colo::agent
