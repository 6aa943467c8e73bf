#include "colo/drivers/observe.h"

#include <cctype>
#include <sstream>

#include "colo/drivers/dialect.h"
#include "colo/encoding/mac.h"

namespace colo::drivers {

std::string_view name(LinkReading::State state) {
  switch (state) {
    case LinkReading::State::up:
      return "up";
    case LinkReading::State::down:
      return "down";
    case LinkReading::State::disabled:
      return "disabled";
    case LinkReading::State::err_disabled:
      return "err-disabled";
  }
  return "down";
}

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "GigabitEthernet1/0/5" -> {"gigabitethernet", "1/0/5"}, "10GE1/0/1" ->
// {"10ge", "1/0/1"}: the kind ends at the last letter (and a dash after
// it); a Junos unit 0 ("ge-0/0/5.0", as MAC tables show an access port) is
// the port itself.
std::pair<std::string, std::string> splitPort(std::string_view port) {
  std::size_t i = port.size();
  while (i > 0 && !std::isalpha(static_cast<unsigned char>(port[i - 1]))) --i;
  while (i < port.size() && !std::isdigit(static_cast<unsigned char>(port[i]))) ++i;
  std::string rest(port.substr(i));
  if (rest.size() > 2 && rest.compare(rest.size() - 2, 2, ".0") == 0) rest.resize(rest.size() - 2);
  return {lower(port.substr(0, i)), rest};
}

}  // namespace

bool samePort(std::string_view a, std::string_view b) {
  auto [ka, na] = splitPort(a);
  auto [kb, nb] = splitPort(b);
  if (na.empty() || na != nb) return false;
  if (ka == kb) return true;
  // An abbreviation is the start of the full name, at least two letters.
  const auto& shorter = ka.size() < kb.size() ? ka : kb;
  const auto& longer = ka.size() < kb.size() ? kb : ka;
  return shorter.size() >= 2 && longer.compare(0, shorter.size(), shorter) == 0;
}

bool isAggregate(std::string_view port) {
  auto kind = splitPort(port).first;
  // Cisco and Arista port-channels, Junos ae, Linux bonds, Huawei
  // Eth-Trunk, H3C Bridge-Aggregation ("BAGG" in its tables).
  return kind == "po" || kind.rfind("port-channel", 0) == 0 || kind == "ae" || kind == "bond" ||
         kind == "eth-trunk" || kind == "bridge-aggregation" || kind == "bagg";
}

std::string printable(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (out.size() >= 255) break;
    auto u = static_cast<unsigned char>(c);
    out.push_back(u >= 0x20 && u < 0x7f ? c : '?');
  }
  return out;
}

// The rows of IOS, EOS and Junos MAC tables, whatever their column order:
// the MAC, the VLAN before it (or, in older IOS tables, the number after
// it), and the first name after it that looks like a port (holds letters
// and digits: not "DYNAMIC", "D", "-" or "0:08:16").
std::vector<MacEntry> Dialect::parseMacs(std::string_view output) const {
  std::vector<MacEntry> out;
  std::istringstream in{std::string(output)};
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string t; words >> t;) w.push_back(t);
    for (std::size_t i = 0; i < w.size(); ++i) {
      // Separated forms only: a bare run of 12 hex digits may be a counter.
      if (w[i].size() < 14) continue;
      auto mac = encoding::canonicalMac(w[i]);
      if (!mac) continue;
      MacEntry e{*mac, i > 0 ? w[i - 1] : "", ""};
      for (std::size_t j = i + 1; j < w.size() && e.port.empty(); ++j) {
        bool letter = false, digit = false;
        for (unsigned char c : w[j]) letter |= std::isalpha(c) != 0, digit |= std::isdigit(c) != 0;
        if (letter && digit)
          e.port = printable(w[j]);
        else if (digit && !letter && e.vlan.empty() && w[j].find(':') == std::string::npos)
          e.vlan = w[j];
      }
      e.vlan = printable(e.vlan);
      if (!e.port.empty()) out.push_back(std::move(e));
      break;
    }
  }
  return out;
}

}  // namespace colo::drivers
