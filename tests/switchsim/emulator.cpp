#include "emulator.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <tuple>

namespace switchsim {

using nlohmann::json;

namespace {

std::vector<std::string> words(const std::string& line) {
  std::vector<std::string> w;
  std::istringstream in(line);
  for (std::string s; in >> s;) w.push_back(s);
  return w;
}

std::string rest(const std::string& line, std::size_t nWords) {
  std::size_t i = 0;
  for (std::size_t n = 0; n < nWords; ++n) {
    while (i < line.size() && line[i] == ' ') ++i;
    while (i < line.size() && line[i] != ' ') ++i;
  }
  while (i < line.size() && line[i] == ' ') ++i;
  return line.substr(i);
}

json portsJson(const PortTable& t) {
  json j = json::object();
  for (const auto& [name, p] : t) {
    j[name] = {
        {"description", p.description}, {"mode", p.mode}, {"vlan", p.vlan}, {"enabled", p.enabled}};
    if (!p.extra.empty()) j[name]["extra"] = p.extra;
  }
  return j;
}

// Resolves an abbreviated keyword against the choices, as IOS does.
enum class Match { none, one, ambiguous };
Match resolve(const std::string& word, const std::vector<std::string>& choices, std::string& out) {
  std::vector<std::string> hits;
  for (const auto& c : choices) {
    if (c == word) {
      out = c;
      return Match::one;
    }
    if (c.rfind(word, 0) == 0) hits.push_back(c);
  }
  if (hits.size() == 1) {
    out = hits[0];
    return Match::one;
  }
  return hits.empty() ? Match::none : Match::ambiguous;
}

}  // namespace

namespace {

// How each vendor's tables name a port: IOS "Gi1/0/5", EOS "Et5", Junos its
// unit "ge-0/0/5.0".
std::string tableName(const std::string& vendor, const std::string& port) {
  if (vendor == "juniper_junos") return port.find('.') == std::string::npos ? port + ".0" : port;
  // Huawei's tables say "GE0/0/5", "XGE0/0/1"; H3C's the whole name.
  if (vendor == "hp_comware") return port;
  if (vendor == "huawei_vrp") {
    for (auto [full, brief] : {std::pair{"XGigabitEthernet", "XGE"}, {"GigabitEthernet", "GE"}})
      if (port.rfind(full, 0) == 0) return brief + port.substr(std::string(full).size());
    return port;
  }
  for (auto [full, brief] : {std::pair{"GigabitEthernet", "Gi"},
                             {"TenGigabitEthernet", "Te"},
                             {"FastEthernet", "Fa"},
                             {"Ethernet", "Et"},
                             {"Port-channel", "Po"}})
    if (port.rfind(full, 0) == 0) return brief + port.substr(std::string(full).size());
  return port;
}

std::string dotted(const std::string& mac) {
  std::string d;
  for (char c : mac)
    if (c != ':') d.push_back(c);
  return d.size() == 12 ? d.substr(0, 4) + "." + d.substr(4, 4) + "." + d.substr(8, 4) : mac;
}

// Huawei's and H3C's form, "0050-56a3-1b2c".
std::string dashed(const std::string& mac) {
  std::string s = dotted(mac);
  for (auto& c : s)
    if (c == '.') c = '-';
  return s;
}

std::string padded(std::string s, std::size_t width) {
  if (s.size() < width) s.resize(width, ' ');
  return s + " ";
}

// One MAC table row: (mac, port as the table shows it).
using MacRow = std::pair<std::string, std::string>;

std::string macTable(const Device& d, const std::vector<MacRow>& rows, int vlan) {
  std::string v = std::to_string(vlan ? vlan : 1);
  if (d.vendor() == "juniper_junos") {
    std::string out =
        "\r\nMAC flags (S - static MAC, D - dynamic MAC, L - locally learned, P - Persistent "
        "static\r\n           SE - statistics enabled, NM - non configured MAC, R - remote PE "
        "MAC, O - ovsdb MAC)\r\n\r\n\r\nEthernet switching table : " +
        std::to_string(rows.size()) + " entries, " + std::to_string(rows.size()) +
        " learned\r\nRouting instance : default-switch\r\n   Vlan                MAC     "
        "            MAC         Age    Logical                NH        RTR\r\n   name       "
        "         address             flags              interface              Index     "
        "ID\r\n";
    for (const auto& [mac, port] : rows)
      out += "   " + padded("v" + v, 19) + padded(mac, 19) + "D             -   " +
             padded(port, 22) + "0         0\r\n";
    return out;
  }
  bool eos = d.vendor() == "arista_eos";
  std::string out =
      "          Mac Address Table\r\n------------------------------------------"
      "-\r\n\r\nVlan    Mac Address       Type        Ports" +
      std::string(eos ? "      Moves   Last Move" : "") +
      "\r\n----    -----------       --------    -----" +
      std::string(eos ? "      -----   ---------" : "") + "\r\n";
  for (const auto& [mac, port] : rows)
    out += padded(std::string(4 - std::min<std::size_t>(4, v.size()), ' ') + v, 7) +
           padded(dotted(mac), 17) + "DYNAMIC     " +
           (eos ? padded(port, 10) + "1       0:04:12 ago" : port) + "\r\n";
  return out + "Total Mac Addresses for this criterion: " + std::to_string(rows.size()) + "\r\n";
}

std::string showLink(Device& d, const std::string& port) {
  const Port& cfg = d.running.at(port);
  auto it = d.plugged.find(port);
  Plugged* p = it == d.plugged.end() ? nullptr : &it->second;
  if (p) ++p->reads;
  bool up = cfg.enabled && p && p->up();
  std::uint64_t errors = p ? p->input_errors : 0;
  if (p) p->input_errors += p->errors_per_read;
  if (d.vendor() == "juniper_junos")
    return "Physical interface: " + port + ", " +
           (cfg.enabled ? "Enabled" : "Administratively down") + ", Physical link is " +
           (up ? "Up" : "Down") +
           "\r\n  Interface index: 654, SNMP ifIndex: 521\r\n  Link-level type: Ethernet, MTU: "
           "1514, Speed: 1000mbps\r\n  Input errors:\r\n    Errors: " +
           std::to_string(errors) + ", Drops: 0, Framing errors: " + std::to_string(errors) +
           ", Runts: 0, Policed discards: 0, L3 incompletes: 0,\r\n  Output errors:\r\n    "
           "Carrier transitions: 1, Errors: 0, Drops: 0, Collisions: 0\r\n";
  std::string state = !cfg.enabled ? "administratively down, line protocol is down (disabled)"
                      : up         ? "up, line protocol is up (connected)"
                                   : "down, line protocol is down (notconnect)";
  return port + " is " + state +
         "\r\n  Hardware is Gigabit Ethernet, address is 70e4.2271.0a05\r\n  MTU 1500 bytes, BW "
         "1000000 Kbit/sec\r\n     18213 packets input, 2231945 bytes, 0 no buffer\r\n     " +
         std::to_string(errors) + " input errors, " + std::to_string(errors) +
         " CRC, 0 frame, 0 overrun, 0 ignored\r\n     0 output errors, 0 collisions, 1 "
         "interface resets\r\n";
}

std::string showLldp(Device& d, const std::string& port) {
  auto it = d.plugged.find(port);
  bool any =
      it != d.plugged.end() && it->second.lldp && it->second.up() && d.running.at(port).enabled;
  const std::string& vendor = d.vendor();
  if (vendor == "juniper_junos") {
    if (!any) return "";
    const auto& p = it->second;
    return "LLDP Neighbor Information:\r\nLocal Information:\r\nIndex: 7 Time to live: 120 "
           "Age: 17 secs\r\nLocal Interface    : " +
           port +
           "\r\nParent Interface   : -\r\nLocal Port ID      : 517\r\nAgeout Count       : "
           "0\r\n\r\nNeighbour Information:\r\nChassis type       : Mac address\r\nChassis "
           "ID         : " +
           p.chassis_id +
           "\r\nPort type          : Mac address\r\nPort ID            : " + p.port_id +
           "\r\nPort description   : " + p.port_description + "\r\n" +
           (p.system_name.empty() ? "" : "System name        : " + p.system_name + "\r\n") +
           "\r\nSystem Description : Debian GNU/Linux 12\r\n";
  }
  if (vendor == "arista_eos") {
    std::string out =
        "Interface " + port + " detected " + (any ? "1" : "0") + " LLDP neighbors:\r\n";
    if (!any) return out;
    const auto& p = it->second;
    out += "\r\n  Neighbor " + dotted(p.chassis_id) + "/\"" + p.port_id +
           "\", age 14 seconds\r\n  Discovered 0:01:11 ago; Last changed 0:01:11 ago\r\n  - "
           "Chassis ID type: MAC address (4)\r\n    Chassis ID     : " +
           dotted(p.chassis_id) +
           "\r\n  - Port ID type: Interface name (5)\r\n    Port ID     : \"" + p.port_id +
           "\"\r\n  - Time To Live: 120 seconds\r\n  - Port Description: \"" + p.port_description +
           "\"\r\n";
    if (!p.system_name.empty()) out += "  - System Name: \"" + p.system_name + "\"\r\n";
    return out +
           "  - IEEE802.1/IEEE802.3 Link Aggregation\r\n    Link Aggregation Status: Capable, "
           "Disabled (0x01)\r\n    Port ID                : 0\r\n";
  }
  if (!any) return "\r\nTotal entries displayed: 0\r\n\r\n";
  const auto& p = it->second;
  return "------------------------------------------------\r\nLocal Intf: " +
         tableName(vendor, port) + "\r\nChassis id: " + dotted(p.chassis_id) +
         "\r\nPort id: " + p.port_id + "\r\nPort Description: " + p.port_description + "\r\n" +
         (p.system_name.empty() ? "System Name - not advertised\r\n"
                                : "System Name: " + p.system_name + "\r\n") +
         "\r\nSystem Description:\r\nDebian GNU/Linux 12\r\n\r\nTime remaining: 104 "
         "seconds\r\nSystem Capabilities: B,W,R,S\r\nEnabled Capabilities: R\r\nManagement "
         "Addresses - not advertised\r\n\r\n\r\nTotal entries displayed: 1\r\n\r\n";
}

// Where each learned MAC is: the port (or its aggregate) of a server whose
// link is up.
std::vector<MacRow> learned(const Device& d, const std::string& onlyPort, const std::string& mac) {
  std::vector<MacRow> rows;
  for (const auto& [port, p] : d.plugged) {
    if (!p.up() || !d.running.at(port).enabled) continue;
    std::string shown = tableName(d.vendor(), p.aggregate.empty() ? port : p.aggregate);
    if (!onlyPort.empty() && (port != onlyPort || !p.aggregate.empty())) continue;
    for (const auto& m : p.macs)
      if (mac.empty() || m == mac) rows.emplace_back(m, shown);
  }
  return rows;
}

std::string canonical(std::string mac) {
  std::string digits;
  for (char c : mac)
    if (std::isxdigit(static_cast<unsigned char>(c)))
      digits.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (digits.size() != 12) return mac;
  std::string out;
  for (std::size_t i = 0; i < 12; i += 2) out += (i ? ":" : "") + digits.substr(i, 2);
  return out;
}

// Huawei VRP and H3C Comware: "display interface", "display mac-address",
// "display lldp neighbor".
std::optional<std::string> observeVrp(Device& d, const std::vector<std::string>& w) {
  bool huawei = d.vendor() == "huawei_vrp";
  std::string unknown = std::string(20, ' ') + "^\r\n" +
                        (huawei ? "Error: Wrong parameter found at '^' position.\r\n"
                                : " % Wrong parameter found at '^' position.\r\n");
  if (w.empty() || w[0] != "display") return std::nullopt;
  auto plugged = [&](const std::string& port) -> Plugged* {
    auto it = d.plugged.find(port);
    return it == d.plugged.end() ? nullptr : &it->second;
  };
  if (w.size() == 3 && w[1] == "interface") {
    if (!d.hasPort(w[2])) return unknown;
    const std::string& port = w[2];
    const Port& cfg = d.running.at(port);
    Plugged* p = plugged(port);
    if (p) ++p->reads;
    bool up = cfg.enabled && p && p->up();
    std::uint64_t errors = p ? p->input_errors : 0;
    if (p) p->input_errors += p->errors_per_read;
    std::string e = std::to_string(errors);
    if (huawei) {
      std::string state = !cfg.enabled ? "Administratively DOWN" : up ? "UP" : "DOWN";
      return port + " current state : " + state +
             "\r\nLine protocol current state : " + (up ? "UP" : "DOWN") +
             "\r\nDescription:" + cfg.description +
             "\r\nSwitch Port, PVID :  " + std::to_string(cfg.vlan ? cfg.vlan : 1) +
             ", TPID : 8100(Hex), The Maximum Frame Length is 9216\r\nIP Sending Frames' Format "
             "is PKTFMT_ETHNT_2, Hardware address is 70e4-2271-0a05\r\nLast physical up time   : "
             "-\r\nPort Mode: COMMON COPPER\r\nSpeed : 1000,  Loopback: NONE\r\nDuplex: FULL,  "
             "Negotiation: ENABLE\r\n\r\nInput:  18213 packets, 2231945 bytes\r\n  Unicast:    "
             "              0,  Multicast:                   0\r\n  Broadcast:                0, "
             " Jumbo:                       0\r\n  Discard:                  0,  Total Error:    "
             "             " +
             e +
             "\r\n\r\nOutput:  9120 packets, 1143610 bytes\r\n  Unicast:                  0,  "
             "Multicast:                   0\r\n  Discard:                  0,  Total Error:    "
             "             0\r\n";
    }
    std::string state = !cfg.enabled ? "Administratively DOWN" : up ? "UP" : "DOWN";
    return port + "\r\nCurrent state: " + state +
           "\r\nLine protocol state: " + (up ? "UP" : "DOWN") +
           "\r\nIP packet frame type: Ethernet II, hardware address: 70e4-2271-0a05\r\n"
           "Description: " +
           cfg.description +
           "\r\nBandwidth: 1000000 kbps\r\nLast clearing of counters: Never\r\nInput (total):  "
           "18213 packets, 2231945 bytes\r\nInput:  " +
           e + " input errors, 0 runts, 0 giants, 0 throttles\r\n        " + e +
           " CRC, 0 frame, - overruns, 0 aborts\r\nOutput: 0 output errors, - underruns, - "
           "buffer failures\r\n";
  }
  if (w.size() >= 3 && w[1] == "mac-address") {
    std::vector<MacRow> rows;
    int vlan = 0;
    if (w.size() == 4 && w[2] == (huawei ? "dynamic" : "interface")) {
      if (!d.hasPort(w[3])) return unknown;
      rows = learned(d, w[3], "");
      vlan = d.running.at(w[3]).vlan;
    } else if (w.size() == 3 && w[2].size() == 14 && w[2][4] == '-') {
      rows = learned(d, "", canonical(w[2]));
    } else {
      return unknown;
    }
    std::string v = std::to_string(vlan ? vlan : 1), out;
    std::string rule(79, '-');
    if (huawei) {
      out = rule +
            "\r\nMAC Address    VLAN/VSI/BD                       Learned-From        "
            "Type\r\n" +
            rule + "\r\n";
      for (const auto& [mac, port] : rows)
        out += padded(dashed(mac), 14) + padded(v + "/-/-", 33) + padded(port, 19) + "dynamic\r\n";
      return out + "\r\n" + rule + "\r\nTotal items displayed = " + std::to_string(rows.size()) +
             "\r\n";
    }
    out = "MAC ADDR       VLAN ID  STATE          PORT INDEX               AGING TIME(s)\r\n";
    for (const auto& [mac, port] : rows)
      out += padded(dashed(mac), 14) + padded(v, 8) + "Learned        " + padded(port, 24) +
             "AGING\r\n";
    return out;
  }
  bool lldpHuawei =
      huawei && w.size() == 5 && w[1] == "lldp" && w[2] == "neighbor" && w[3] == "interface";
  bool lldpH3c = !huawei && w.size() == 6 && w[1] == "lldp" && w[2] == "neighbor-information" &&
                 w[3] == "interface" && w[5] == "verbose";
  if (lldpHuawei || lldpH3c) {
    const std::string& port = w[4];
    if (!d.hasPort(port)) return unknown;
    Plugged* p = plugged(port);
    bool any = p && p->lldp && p->up() && d.running.at(port).enabled;
    if (huawei) {
      std::string out = port + " has " + (any ? "1" : "0") + " neighbor(s):\r\n";
      if (!any) return out;
      return out + "\r\nNeighbor index :1\r\nChassis type   :MAC address\r\nChassis ID     :" +
             dashed(p->chassis_id) +
             "\r\nPort ID type   :Interface name\r\nPort ID        :" + p->port_id +
             "\r\nPort description    :" +
             (p->port_description.empty() ? "--" : p->port_description) +
             "\r\nSystem name         :" + (p->system_name.empty() ? "--" : p->system_name) +
             "\r\nSystem description  :Debian GNU/Linux 12 (bookworm) Linux 6.1.0-26-amd64\r\n"
             "System capabilities supported   :bridge router\r\nSystem capabilities enabled     "
             ":router\r\nManagement address type  :ipv4\r\nExpired time   :104s\r\n\r\nPort "
             "VLAN ID(PVID)  :0\r\n\r\nLink aggregation supported:No\r\n";
    }
    if (!any) return "";
    return "LLDP neighbor-information of port 1[" + port +
           "]:\r\nLLDP agent nearest-bridge:\r\n LLDP neighbor index : 1\r\n Update time         "
           ": 0 days, 0 hours, 1 minutes, 11 seconds\r\n Chassis type        : MAC address\r\n "
           "Chassis ID          : " +
           dashed(p->chassis_id) +
           "\r\n Port ID type        : Interface name\r\n Port ID             : " + p->port_id +
           "\r\n Time to live        : 120\r\n Port description    : " +
           (p->port_description.empty() ? "N/A" : p->port_description) +
           "\r\n System name         : " + (p->system_name.empty() ? "N/A" : p->system_name) +
           "\r\n System description  : Debian GNU/Linux 12 (bookworm) Linux 6.1.0-26-amd64\r\n"
           " System capabilities supported : Bridge, Router\r\n System capabilities enabled   "
           ": Router\r\n";
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> observe(Device& d, const std::vector<std::string>& w) {
  if (d.vendor() == "huawei_vrp" || d.vendor() == "hp_comware") return observeVrp(d, w);
  bool junos = d.vendor() == "juniper_junos";
  auto unknown = [&](const std::string& port) -> std::string {
    return junos ? "error: device " + port + " not found\r\n"
                 : "% Invalid input detected at '^' marker.\r\n";
  };
  if (w.size() >= 3 && w[0] == "show" && w[1] == "interfaces" &&
      (junos ? w.size() == 4 && w[3] == "extensive" : w.size() == 3)) {
    if (!d.hasPort(w[2])) return unknown(w[2]);
    return showLink(d, w[2]);
  }
  if (!junos && w.size() == 5 && w[1] == "mac" && w[2] == "address-table") {
    if (w[3] == "interface") {
      if (!d.hasPort(w[4])) return unknown(w[4]);
      return macTable(d, learned(d, w[4], ""), d.running.at(w[4]).vlan);
    }
    if (w[3] == "address") return macTable(d, learned(d, "", canonical(w[4])), 0);
  }
  if (junos && w.size() == 5 && w[1] == "ethernet-switching" && w[2] == "table" &&
      w[3] == "interface") {
    if (!d.hasPort(w[4])) return unknown(w[4]);
    return macTable(d, learned(d, w[4], ""), d.running.at(w[4]).vlan);
  }
  if (junos && w.size() == 6 && w[1] == "ethernet-switching" && w[2] == "table" && w[3] == "|" &&
      w[4] == "match") {
    // "| match" keeps the matching lines only.
    std::string all = macTable(d, learned(d, "", canonical(w[5])), 0), out;
    std::size_t start = 0;
    for (std::size_t i; (i = all.find("\r\n", start)) != std::string::npos; start = i + 2)
      if (all.substr(start, i - start).find(w[5]) != std::string::npos)
        out += all.substr(start, i + 2 - start);
    return out;
  }
  if (!junos && w.size() == 5 && w[1] == "lldp" && w[2] == "neighbors" && w[4] == "detail") {
    if (!d.hasPort(w[3])) return unknown(w[3]);
    return showLldp(d, w[3]);
  }
  if (junos && w.size() == 5 && w[1] == "lldp" && w[2] == "neighbors" && w[3] == "interface") {
    if (!d.hasPort(w[4])) return unknown(w[4]);
    return showLldp(d, w[4]);
  }
  return std::nullopt;
}

Device::Device(std::string name, std::string vendor, std::vector<std::string> ports, Faults f,
               std::string stateFile)
    : faults(f),
      name_(std::move(name)),
      vendor_(std::move(vendor)),
      stateFile_(std::move(stateFile)) {
  for (const auto& p : ports) running[p] = Port{};
  saved = running;
  candidate = running;
  // Every command, one per line, appended: a log that costs O(1) per command.
  if (!stateFile_.empty()) {
    std::string log = stateFile_.substr(0, stateFile_.size() - 5) + ".commands";
    commandLog_ = std::fopen(log.c_str(), "w");
  }
}

void Device::logCommand(const std::string& line) {
  ++commandCount;
  if (!commandLog_) return;
  std::fputs(line.c_str(), commandLog_);
  std::fputc('\n', commandLog_);
  std::fflush(commandLog_);
}

void Device::dump() const {
  if (stateFile_.empty()) return;
  json j = {{"name", name_},
            {"vendor", vendor_},
            {"running", portsJson(running)},
            {"saved", portsJson(saved)},
            {"candidate", portsJson(candidate)},
            {"sessions", sessions},
            {"saves", saves},
            {"commits", commits},
            {"command_count", commandCount},
            {"hung", faults.hung}};
  std::string tmp = stateFile_ + ".tmp." + std::to_string(getpid());
  std::ofstream(tmp) << j.dump(2);
  std::rename(tmp.c_str(), stateFile_.c_str());
}

namespace {

// Output of more than a screen (24 lines) as a pager shows it: the first
// screen and the pager's prompt, the rest kept in `pending` for the next
// key; shorter output as it is, with the prompt.
std::string firstPage(const std::string& out, const std::string& prompt, const std::string& more,
                      std::string& pending) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t i; (i = out.find("\r\n", start)) != std::string::npos; start = i + 2)
    lines.push_back(out.substr(start, i + 2 - start));
  if (start < out.size()) lines.push_back(out.substr(start));
  if (lines.size() <= 24) return out + prompt;
  std::string first;
  for (std::size_t i = 0; i < 24; ++i) first += lines[i];
  for (std::size_t i = 24; i < lines.size(); ++i) pending += lines[i];
  return first + more;
}

// Cisco IOS and Arista EOS: the same shape of CLI, different details.
class IosSession : public Session {
 public:
  bool awaitingKey() const override { return !pendingPages_.empty(); }
  IosSession(Device& d, std::string enablePassword, bool arista)
      : d_(d), enablePassword_(std::move(enablePassword)), arista_(arista) {
    privileged_ = enablePassword_.empty();
  }

  std::string refusal() const override {
    return arista_ ? "% Invalid input (rejected by policy)\r\n"
                   : "% Invalid input detected at '^' marker.\r\n\r\n";
  }
  std::string promptLike() const override { return d_.name() + "#"; }
  std::string morePrompt() const override { return " --More-- "; }

  std::string greeting() override {
    return std::string(arista_ ? "Arista Networks EOS (simulated)\r\n"
                               : "\r\nUser Access Verification\r\n\r\n") +
           prompt();
  }

  Reply input(const std::string& raw) override {
    std::string line = raw;
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.pop_back();
    if (!pendingPages_.empty()) return nextPage();
    if (awaitingEnable_) {
      awaitingEnable_ = false;
      Reply r;
      r.echo = false;
      if (line == enablePassword_) {
        privileged_ = true;
        r.text = "\r\n" + prompt();
      } else {
        r.text = "\r\n% Access denied\r\n\r\n" + prompt();
      }
      return r;
    }
    if (awaitingCopyConfirm_) {
      awaitingCopyConfirm_ = false;
      return {save() + prompt()};
    }
    auto w = words(line);
    if (w.empty()) return {prompt()};
    std::string out = dispatch(line, w);
    if (closing_) return {out, true};
    // A question ("Password: ", "Destination filename [startup-config]? ")
    // waits for its answer, without a prompt.
    if (awaitingEnable_ || awaitingCopyConfirm_) return {out};
    return {page(out)};
  }

 private:
  std::string prompt() const {
    std::string p = d_.name();
    if (mode_ == Mode::config) p += "(config)";
    if (mode_ == Mode::configIf)
      p += arista_ ? "(config-if-" + shortName(interface_) + ")" : "(config-if)";
    return p + (privileged_ ? "#" : ">");
  }

  static std::string shortName(const std::string& port) {
    return port.rfind("Ethernet", 0) == 0 ? "Et" + port.substr(8) : port;
  }

  std::string invalid() const {
    return arista_ ? "% Invalid input\r\n"
                   : "                ^\r\n% Invalid input detected at '^' marker.\r\n\r\n";
  }
  std::string incomplete() const { return "% Incomplete command.\r\n\r\n"; }
  std::string ambiguous(const std::string& word) const {
    return "% Ambiguous command:  \"" + word + "\"\r\n";
  }

  std::string page(const std::string& out) {
    return paging_ ? firstPage(out, prompt(), morePrompt(), pendingPages_) : out + prompt();
  }

  Reply nextPage() {
    std::string rest = std::move(pendingPages_);
    pendingPages_.clear();
    Reply r;
    r.echo = false;
    r.text = "\r\n" + rest + prompt();
    return r;
  }

  std::string save() {
    d_.saved = d_.running;
    ++d_.saves;
    return arista_ ? "Copy completed successfully.\r\n" : "Building configuration...\r\n[OK]\r\n";
  }

  // The indented lines of a port's stanza.
  std::string stanza(const Port& p) const {
    std::string body;
    std::string ind = arista_ ? "   " : " ";
    if (!p.description.empty()) body += ind + "description " + p.description + "\r\n";
    if (p.vlan) body += ind + "switchport access vlan " + std::to_string(p.vlan) + "\r\n";
    // EOS leaves its default mode (access) out of the running configuration.
    if (!p.mode.empty() && !(arista_ && p.mode == "access"))
      body += ind + "switchport mode " + p.mode + "\r\n";
    if (!p.enabled) body += ind + "shutdown\r\n";
    for (const auto& x : p.extra) body += ind + x + "\r\n";
    return body;
  }

  std::string showInterface(const std::string& port) {
    std::string body = stanza(d_.running.at(port));
    if (arista_) return "interface " + port + "\r\n" + body;
    std::string cfg = "!\r\ninterface " + port + "\r\n" + body + "end\r\n";
    return "Building configuration...\r\n\r\nCurrent configuration : " +
           std::to_string(cfg.size()) + " bytes\r\n" + cfg + "\r\n";
  }

  // A port's stanza in the saved configuration.
  std::string savedInterface(const std::string& port) {
    return "interface " + port + "\r\n" + stanza(d_.saved.at(port));
  }

  std::string dispatch(const std::string& line, const std::vector<std::string>& w) {
    std::string cmd;
    switch (mode_) {
      case Mode::exec: {
        std::vector<std::string> choices = {"enable", "exit", "logout", "terminal", "show"};
        if (privileged_) choices.insert(choices.end(), {"configure", "write", "copy"});
        auto m = resolve(w[0], choices, cmd);
        if (m == Match::ambiguous) return ambiguous(w[0]);
        if (m == Match::none) return invalid();
        if (cmd == "enable") {
          if (privileged_) return "";
          awaitingEnable_ = true;
          return "Password: ";
        }
        if (cmd == "exit" || cmd == "logout") {
          closing_ = true;
          return "";
        }
        if (cmd == "terminal") {
          if (w.size() == 3 && w[1] == "length") {
            paging_ = w[2] != "0";
            return "";
          }
          if ((w.size() == 3 && w[1] == "no" && w[2] == "monitor") ||
              (w.size() == 2 && w[1] == "monitor"))
            return "";
          return w.size() < 3 ? incomplete() : invalid();
        }
        if (cmd == "show") {
          if (auto o = observe(d_, w)) return *o;
          // The saved stanza of one port, as "| section ^interface PORT$" filters it.
          if (w.size() == 6 && w[1] == "startup-config" && w[2] == "|" && w[3] == "section" &&
              w[4] == "^interface") {
            std::string port = w[5];
            if (port.empty() || port.back() != '$') return "";
            port.pop_back();
            if (!d_.hasPort(port)) return "";
            return savedInterface(port);
          }
          // Every interface's stanza, as "| section ^interface" filters them.
          if (w.size() == 5 && std::string("running-config").rfind(w[1], 0) == 0 && w[2] == "|" &&
              w[3] == "section" && w[4] == "^interface") {
            std::string all;
            for (const auto& [name, p] : d_.running)
              all += "interface " + name + "\r\n" + stanza(p);
            return all;
          }
          if (w.size() >= 2 && std::string("running-config").rfind(w[1], 0) == 0) {
            if (w.size() == 2) {
              std::string all;
              for (const auto& [name, p] : d_.running) all += showInterface(name);
              return all;
            }
            std::string kw = arista_ ? "interfaces" : "interface";
            if (w.size() == 4 && kw.rfind(w[2], 0) == 0) {
              if (!d_.hasPort(w[3])) return invalid();
              return showInterface(w[3]);
            }
            return w.size() == 3 ? incomplete() : invalid();
          }
          return w.size() == 1 ? incomplete() : invalid();
        }
        if (cmd == "configure") {
          if (w.size() == 1 || (w.size() == 2 && std::string("terminal").rfind(w[1], 0) == 0)) {
            mode_ = Mode::config;
            return arista_ ? ""
                           : "Enter configuration commands, one per line.  End with CNTL/Z.\r\n";
          }
          return invalid();
        }
        if (cmd == "write") {
          if (w.size() == 1 || (w.size() == 2 && std::string("memory").rfind(w[1], 0) == 0))
            return save();
          return invalid();
        }
        if (cmd == "copy") {
          if (w.size() == 3 && w[1] == "running-config" && w[2] == "startup-config") {
            if (arista_) return save();
            awaitingCopyConfirm_ = true;
            return "Destination filename [startup-config]? ";
          }
          return w.size() < 3 ? incomplete() : invalid();
        }
        return invalid();
      }
      case Mode::config:
      case Mode::configIf: {
        std::vector<std::string> choices = {"interface", "default", "end", "exit", "do"};
        if (mode_ == Mode::configIf)
          choices.insert(choices.end(), {"description", "switchport", "shutdown", "no", "speed"});
        auto m = resolve(w[0], choices, cmd);
        if (m == Match::ambiguous) return ambiguous(w[0]);
        if (m == Match::none) return invalid();
        if (cmd == "end") {
          mode_ = Mode::exec;
          return "";
        }
        if (cmd == "exit") {
          mode_ = mode_ == Mode::configIf ? Mode::config : Mode::exec;
          return "";
        }
        if (cmd == "do") return invalid();
        if (cmd == "interface") {
          if (w.size() < 2) return incomplete();
          std::string port = rest(line, 1);
          if (!d_.hasPort(port)) return invalid();
          interface_ = port;
          mode_ = Mode::configIf;
          return "";
        }
        if (cmd == "default") {
          if (w.size() < 3 || w[1] != "interface") return w.size() < 3 ? incomplete() : invalid();
          std::string port = rest(line, 2);
          if (!d_.hasPort(port)) return invalid();
          d_.running[port] = Port{};
          return arista_ ? "" : "Interface " + port + " set to default configuration\r\n";
        }
        Port& p = d_.running[interface_];
        if (cmd == "description") {
          if (w.size() < 2) return incomplete();
          p.description = rest(line, 1);
          return "";
        }
        if (cmd == "shutdown") {
          p.enabled = false;
          return "";
        }
        if (cmd == "speed") {
          if (w.size() != 2) return w.size() < 2 ? incomplete() : invalid();
          std::erase_if(p.extra, [](const std::string& x) { return x.rfind("speed ", 0) == 0; });
          p.extra.push_back("speed " + w[1]);
          return "";
        }
        if (cmd == "switchport") {
          if (w.size() < 3) return incomplete();
          if (w[1] == "mode") {
            if (w[2] != "access" && w[2] != "trunk") return invalid();
            p.mode = w[2];
            return "";
          }
          if (w[1] == "access" && w[2] == "vlan") {
            if (w.size() < 4) return incomplete();
            int v = std::atoi(w[3].c_str());
            if (v < 1 || v > 4094 || std::to_string(v) != w[3]) return invalid();
            p.vlan = v;
            return "";
          }
          return invalid();
        }
        if (cmd == "no") {
          if (w.size() < 2) return incomplete();
          if (w[1] == "shutdown")
            p.enabled = true;
          else if (w[1] == "description")
            p.description.clear();
          else if (w.size() >= 4 && w[1] == "switchport" && w[2] == "access" && w[3] == "vlan")
            p.vlan = 0;
          else if (w.size() >= 3 && w[1] == "switchport" && w[2] == "mode")
            p.mode.clear();
          else if (w[1] == "speed")
            std::erase_if(p.extra, [](const std::string& x) { return x.rfind("speed ", 0) == 0; });
          else
            return invalid();
          return "";
        }
        return invalid();
      }
    }
    return invalid();
  }

  enum class Mode { exec, config, configIf };
  Device& d_;
  std::string enablePassword_;
  bool arista_;
  bool privileged_ = false, awaitingEnable_ = false, awaitingCopyConfirm_ = false;
  bool paging_ = true, closing_ = false;
  Mode mode_ = Mode::exec;
  std::string interface_, pendingPages_;
};

// Juniper Junos: operational mode, and a candidate configuration that only
// takes effect on commit.
class JunosSession : public Session {
 public:
  bool awaitingKey() const override { return !pendingPages_.empty(); }
  JunosSession(Device& d, std::string user) : d_(d), user_(std::move(user)) {}

  std::string greeting() override { return "--- JUNOS 21.4R3 (simulated)\r\n" + prompt(); }
  std::string refusal() const override { return "error: command rejected by policy\r\n"; }
  std::string promptLike() const override { return "colo@" + d_.name() + "> "; }
  std::string morePrompt() const override { return "---(more)---"; }

  Reply input(const std::string& raw) override {
    std::string line = raw;
    while (!line.empty() && line.back() == ' ') line.pop_back();
    if (!pendingPages_.empty()) {
      Reply r;
      r.echo = false;
      r.text = "\r\n" + pendingPages_ + prompt();
      pendingPages_.clear();
      return r;
    }
    auto w = words(line);
    if (w.empty()) return {prompt()};
    std::string out = configMode_ ? config(line, w) : operational(line, w);
    if (closing_) return {out, true};
    if (paging_ && std::count(out.begin(), out.end(), '\n') > 24) {
      std::size_t cut = 0;
      for (int i = 0; i < 24; ++i) cut = out.find('\n', cut) + 1;
      pendingPages_ = out.substr(cut);
      return {out.substr(0, cut) + "---(more)---"};
    }
    return {out + prompt()};
  }

 private:
  std::string prompt() const {
    return std::string(configMode_ ? "\r\n[edit]\r\n" : "\r\n") + user_ + "@" + d_.name() +
           (configMode_ ? "# " : "> ");
  }

  static std::string syntaxError(const std::string& line) {
    return line + "\r\n       ^\r\nsyntax error.\r\n";
  }

  static std::string setLines(const std::string& port, const Port& p) {
    std::string out;
    std::string pre = "set interfaces " + port;
    if (!p.description.empty()) out += pre + " description \"" + p.description + "\"\r\n";
    if (!p.enabled) out += pre + " disable\r\n";
    if (!p.mode.empty())
      out += pre + " unit 0 family ethernet-switching interface-mode " + p.mode + "\r\n";
    if (p.vlan)
      out +=
          pre + " unit 0 family ethernet-switching vlan members " + std::to_string(p.vlan) + "\r\n";
    for (const auto& x : p.extra) out += pre + " " + x + "\r\n";
    return out;
  }

  std::string operational(const std::string& line, const std::vector<std::string>& w) {
    if (line == "set cli screen-length 0") {
      paging_ = false;
      return "Screen length set to 0\r\n";
    }
    if (line == "configure" || line == "configure private") {
      configMode_ = true;
      return "Entering configuration mode\r\n";
    }
    if (w[0] == "exit" || w[0] == "quit") {
      closing_ = true;
      return "";
    }
    if (w[0] == "show")
      if (auto o = observe(d_, w)) return *o;
    if (w.size() >= 3 && w[0] == "show" && w[1] == "configuration" && w[2] == "interfaces") {
      if (w.size() < 4) return "";
      if (w.size() == 6 && w[3] == "|" && w[4] == "display" && w[5] == "set") {
        std::string all;
        for (const auto& [name, p] : d_.running) all += setLines(name, p);
        return all;
      }
      if (!d_.hasPort(w[3])) return "";
      return setLines(w[3], d_.running.at(w[3]));
    }
    return syntaxError(line);
  }

  std::string config(const std::string& line, const std::vector<std::string>& w) {
    if (w[0] == "commit") {
      if (w.size() == 1 || (w.size() == 2 && w[1] == "and-quit")) {
        d_.running = d_.candidate;
        d_.saved = d_.candidate;  // committed configuration persists
        ++d_.commits;
        std::string out = "commit complete\r\n";
        if (w.size() == 2) {
          configMode_ = false;
          out += "Exiting configuration mode\r\n";
        }
        return out;
      }
      return syntaxError(line);
    }
    if (line == "rollback 0" || line == "rollback") {
      d_.candidate = d_.running;
      return "load complete\r\n";
    }
    if (w[0] == "exit" || w[0] == "quit") {
      configMode_ = false;
      if (d_.candidate != d_.running)
        return "The configuration has been changed but not committed\r\nExiting configuration "
               "mode\r\n";
      return "Exiting configuration mode\r\n";
    }
    if (w[0] == "show" && w.size() >= 3 && w[1] == "interfaces") {
      if (!d_.hasPort(w[2])) return "";
      return setLines(w[2], d_.candidate.at(w[2]));
    }
    if ((w[0] == "set" || w[0] == "delete") && w.size() >= 3 && w[1] == "interfaces") {
      const std::string& port = w[2];
      if (!d_.hasPort(port))
        return "error: interface " + port + " does not exist on this device\r\n";
      Port& p = d_.candidate[port];
      bool set = w[0] == "set";
      if (w.size() == 3) {
        if (set) return syntaxError(line);
        if (p == Port{}) return "warning: statement not found\r\n";
        p = Port{};
        return "";
      }
      if (w[3] == "description") {
        if (!set) {
          p.description.clear();
          return "";
        }
        if (w.size() < 5) return syntaxError(line);
        std::string d = rest(line, 4);
        if (d.size() >= 2 && d.front() == '"' && d.back() == '"') d = d.substr(1, d.size() - 2);
        p.description = d;
        return "";
      }
      if (w[3] == "disable" && w.size() == 4) {
        p.enabled = !set;
        return "";
      }
      if (w.size() >= 8 && w[4] == "0" && w[3] == "unit" && w[5] == "family" &&
          w[6] == "ethernet-switching") {
        if (w[7] == "interface-mode" && w.size() == 9 && (w[8] == "access" || w[8] == "trunk")) {
          p.mode = set ? w[8] : "";
          return "";
        }
        if (w[7] == "vlan" && w.size() == 10 && w[8] == "members") {
          int v = std::atoi(w[9].c_str());
          if (v < 1 || v > 4094) return "error: vlan " + w[9] + " is not defined\r\n";
          p.vlan = set ? v : 0;
          return "";
        }
      }
      return syntaxError(line);
    }
    return syntaxError(line);
  }

  Device& d_;
  std::string user_;
  bool configMode_ = false, paging_ = true, closing_ = false;
  std::string pendingPages_;
};

// Huawei VRP and H3C Comware: user view "<HOST>", system view "[HOST]",
// interface view "[HOST-GigabitEthernet0/0/5]", "undo" for "no", questions
// that wait for Y or N, and a pager until it is turned off.
class VrpSession : public Session {
 public:
  VrpSession(Device& d, bool huawei) : d_(d), huawei_(huawei) {}
  bool awaitingKey() const override { return !pendingPages_.empty(); }

  std::string greeting() override {
    if (huawei_) {
      // A first login offers to change the password; colo must decline.
      question_ = Question::password;
      return "\r\nInfo: The max number of VTY users is 10, and the number\r\n      of current VTY "
             "users on line is 1.\r\n      The current login time is 2026-12-06 10:00:00+07:00."
             "\r\nThe password needs to be changed. Change now? [Y/N]:";
    }
    question_ = Question::banner;
    return "\r\n*****************************************************************************"
           "*\r\n* Copyright (c) 2004-2026 New H3C Technologies Co., Ltd. All rights "
           "reserved.*\r\n* Without the owner's prior written consent,                        "
           "         *\r\n* no decompiling or reverse-engineering shall be allowed.            "
           "        *\r\n******************************************************************"
           "************\r\n\r\nPress Y or ENTER to continue, N to exit.";
  }

  Reply input(const std::string& raw) override {
    std::string line = raw;
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.pop_back();
    if (!pendingPages_.empty()) return nextPage();
    Reply r;
    r.echo = false;
    std::string echo = wrapped(line) + "\r\n";
    if (question_ != Question::none) {
      r.text = echo + answer(line);
      if (closing_) r.close = true;
      return r;
    }
    auto w = words(line);
    if (w.empty()) {
      r.text = echo + prompt();
      return r;
    }
    std::string out = dispatch(line, w);
    if (closing_) return {out, true};
    r.text = echo + (question_ != Question::none ? out : page(out));
    return r;
  }

  std::string refusal() const override { return error("Unrecognized command") + prompt(); }
  std::string promptLike() const override { return "<" + d_.name() + ">"; }
  std::string morePrompt() const override { return "  ---- More ----"; }

 private:
  enum class Mode { user, system, interface };
  enum class Question { none, password, banner, save, clear, defaults };

  std::string prompt() const {
    if (mode_ == Mode::user) return "<" + d_.name() + ">";
    // VRP follows some prompts with a space and a cursor-left.
    std::string junk = huawei_ ? " \x1b[1D" : "";
    if (mode_ == Mode::system) return "[" + d_.name() + "]" + junk;
    return "[" + d_.name() + "-" + interface_ + "]" + junk;
  }

  // H3C wraps what it echoes at 80 columns, whatever width the client asked.
  std::string wrapped(const std::string& line) const {
    if (huawei_) return line;
    std::size_t width = 80 - std::min<std::size_t>(79, prompt().size());
    std::string out;
    for (std::size_t i = 0; i < line.size();) {
      if (i) out += "\r\n";
      out += line.substr(i, width);
      i += width;
      width = 80;
    }
    return out;
  }

  std::string error(const std::string& what) const {
    std::string marker = std::string(20, ' ') + "^\r\n";
    return huawei_ ? marker + "Error: " + what + " found at '^' position.\r\n"
                   : marker + " % " + what + " found at '^' position.\r\n";
  }
  std::string unrecognized() const { return error("Unrecognized command"); }
  std::string wrong() const { return error("Wrong parameter"); }
  std::string incomplete() const { return error("Incomplete command"); }

  std::string page(const std::string& out) {
    return paging_ ? firstPage(out, prompt(), morePrompt(), pendingPages_) : out + prompt();
  }

  Reply nextPage() {
    // The pager's prompt is wiped by moving back over it and blanking it.
    std::string rest = std::move(pendingPages_);
    pendingPages_.clear();
    Reply r;
    r.echo = false;
    r.text = "\x1b[16D" + std::string(16, ' ') + "\x1b[16D" + rest + prompt();
    return r;
  }

  std::string ask() {
    switch (question_) {
      case Question::save:
        if (!huawei_)
          return "The current configuration will be written to the device. Are you sure? [Y/N]:";
        if (d_.faults.question_style == 1)
          return "Warning: The current configuration will be written to the device. Continue? "
                 "[Y/N]:";
        if (d_.faults.question_style == 2)
          return "The current configuration will be written to the device.\r\nAre you sure to "
                 "continue? (y/n)[n]:";
        return "The current configuration will be written to the device.\r\nAre you sure to "
               "continue?[Y/N]";
      case Question::clear:
        return "Warning: All configurations of the interface will be cleared, and its state will "
               "be shutdown. Continue? [Y/N] :";
      case Question::defaults:
        return "This command will restore the default settings. Continue? [Y/N]:";
      default:
        return "";
    }
  }

  std::string answer(const std::string& line) {
    Question q = question_;
    bool yes = line == "y" || line == "Y" || line == "yes" || line == "YES";
    bool no = line == "n" || line == "N" || line == "no" || line == "NO";
    if (q == Question::banner) {
      question_ = Question::none;
      if (no) {
        closing_ = true;
        return "";
      }
      return prompt();
    }
    if (!yes && !no && huawei_) return "Please choose 'YES' or 'NO' first\r\n" + ask();
    question_ = Question::none;
    if (q == Question::password) {
      if (yes) {
        closing_ = true;  // a password change colo must never start
        return "Please enter old password:";
      }
      return prompt();
    }
    if (!yes) return prompt();
    if (q == Question::save) {
      d_.saved = d_.running;
      ++d_.saves;
      if (d_.faults.question_style == 2)
        return "It will take several minutes to save configuration file, please wait........."
               "\r\nConfiguration file had been saved successfully\r\nNote: The configuration "
               "file will take effect after being activated\r\n" +
               prompt();
      return "Now saving the current configuration to the slot 0.\r\nSave the configuration "
             "successfully.\r\n" +
             prompt();
    }
    if (q == Question::clear) {
      Port cleared;
      cleared.enabled = false;
      d_.running[target_] = cleared;
      return "Info: Total execute 1 command, 1 successful, 0 failed.\r\n" + prompt();
    }
    d_.running[interface_] = Port{};  // defaults
    return prompt();
  }

  // A port's lines, as "display current-configuration interface" shows them.
  std::string stanza(const Port& p) const {
    std::string body = huawei_ ? "" : " port link-mode bridge\r\n";
    if (!p.description.empty()) body += " description " + p.description + "\r\n";
    // H3C leaves its default link type (access) out.
    if (!p.mode.empty() && (huawei_ || p.mode != "access"))
      body += " port link-type " + p.mode + "\r\n";
    if (p.vlan)
      body += std::string(huawei_ ? " port default vlan " : " port access vlan ") +
              std::to_string(p.vlan) + "\r\n";
    for (const auto& x : p.extra) body += " " + x + "\r\n";
    if (!p.enabled) body += " shutdown\r\n";
    return body;
  }

  std::string display(const std::string& line, const std::vector<std::string>& w) {
    if (auto o = observe(d_, w)) return *o;
    // The whole configuration (here, only the interfaces) or every interface.
    if ((w.size() == 2 || (w.size() == 3 && w[2] == "interface")) &&
        w[1] == "current-configuration") {
      std::string all = huawei_ ? "[V200R009C00SPC500]\r\n" : "";
      for (const auto& [name, p] : d_.running) all += "#\r\ninterface " + name + "\r\n" + stanza(p);
      return all + "#\r\nreturn\r\n";
    }
    if (w.size() == 4 && w[1] == "current-configuration" && w[2] == "interface") {
      if (!d_.hasPort(w[3])) return wrong();
      return std::string(huawei_ ? "[V200R009C00SPC500]\r\n" : "") + "#\r\ninterface " + w[3] +
             "\r\n" + stanza(d_.running.at(w[3])) + "#\r\nreturn\r\n";
    }
    // "display saved-configuration | begin ^interface PORT$": the port's
    // stanza and everything after it.
    if (w.size() == 6 && w[1] == "saved-configuration" && w[2] == "|" && w[3] == "begin" &&
        w[4] == "^interface") {
      std::string port = w[5];
      if (port.empty() || port.back() != '$') return "";
      port.pop_back();
      if (!d_.hasPort(port)) return "";
      return "interface " + port + "\r\n" + stanza(d_.saved.at(port)) +
             "#\r\ninterface NULL0\r\n#\r\nuser-interface vty 0 4\r\n authentication-mode "
             "aaa\r\n#\r\nreturn\r\n";
    }
    (void)line;
    return w.size() == 1 ? incomplete() : unrecognized();
  }

  std::string dispatch(const std::string& line, const std::vector<std::string>& w) {
    const std::string& cmd = w[0];
    if (cmd == "display") return display(line, w);
    if (huawei_ ? line == "save" : (line == "save force" || line == "save")) {
      if (!huawei_ && line == "save force") {
        d_.saved = d_.running;
        ++d_.saves;
        return "Validating file. Please wait...\r\nSaved the current configuration to mainboard "
               "device successfully.\r\n";
      }
      question_ = Question::save;
      return ask();
    }
    if (cmd == "return") {
      mode_ = Mode::user;
      return "";
    }
    if (cmd == "quit") {
      if (mode_ == Mode::user) {
        closing_ = true;
        return "";
      }
      mode_ = mode_ == Mode::interface ? Mode::system : Mode::user;
      return "";
    }
    if (mode_ == Mode::user) {
      if (huawei_ && line == "screen-length 0 temporary") {
        paging_ = false;
        return "Info: The configuration takes effect on the current user terminal interface "
               "only.\r\n";
      }
      if (!huawei_ && line == "screen-length disable") {
        paging_ = false;
        return "";
      }
      if (line == "system-view") {
        mode_ = Mode::system;
        return huawei_ ? "Enter system view, return user view with Ctrl+Z.\r\n"
                       : "System View: return to User View with Ctrl+Z.\r\n";
      }
      return unrecognized();
    }
    if (cmd == "interface") {
      if (w.size() < 2) return incomplete();
      if (w.size() > 2 || !d_.hasPort(w[1])) return wrong();
      interface_ = w[1];
      mode_ = Mode::interface;
      return "";
    }
    if (huawei_ && w.size() == 4 && w[0] == "clear" && w[1] == "configuration" &&
        w[2] == "interface") {
      if (!d_.hasPort(w[3])) return wrong();
      target_ = w[3];
      question_ = Question::clear;
      return ask();
    }
    if (mode_ != Mode::interface) return unrecognized();
    Port& p = d_.running[interface_];
    if (!huawei_ && line == "default") {
      question_ = Question::defaults;
      return ask();
    }
    bool undo = cmd == "undo";
    std::vector<std::string> a(w.begin() + (undo ? 1 : 0), w.end());
    if (a.empty()) return incomplete();
    std::string vlanWord = huawei_ ? "default" : "access";
    if (a[0] == "description") {
      if (undo) {
        p.description.clear();
        return "";
      }
      if (a.size() < 2) return incomplete();
      p.description = rest(line, 1);
      return "";
    }
    if (a[0] == "shutdown" && a.size() == 1) {
      p.enabled = undo;
      return "";
    }
    if (a[0] == "port" && a.size() >= 2 && a[1] == "link-type") {
      if (undo) {
        if (p.vlan)
          return huawei_ ? "Error: Please renew the default configurations.\r\n"
                         : " % Please remove the VLAN configuration first.\r\n";
        p.mode.clear();
        return "";
      }
      if (a.size() != 3) return a.size() < 3 ? incomplete() : wrong();
      if (a[2] != "access" && a[2] != "trunk" && a[2] != "hybrid") return wrong();
      if (p.vlan && a[2] != p.mode && !p.mode.empty())
        return huawei_ ? "Error: Please renew the default configurations.\r\n"
                       : " % Please remove the VLAN configuration first.\r\n";
      p.mode = a[2];
      return "";
    }
    if (a[0] == "port" && a.size() >= 3 && a[1] == vlanWord && a[2] == "vlan") {
      if (undo) {
        p.vlan = 0;
        return "";
      }
      if (a.size() != 4) return a.size() < 4 ? incomplete() : wrong();
      int v = std::atoi(a[3].c_str());
      if (v < 1 || v > 4094 || std::to_string(v) != a[3]) return wrong();
      // VRP takes an access VLAN only on an access or hybrid port (H3C's
      // ports are access by default).
      if (huawei_ && p.mode != "access" && p.mode != "hybrid")
        return "Error: Please configure the link type of the port to access or hybrid "
               "first.\r\n";
      p.vlan = v;
      return "";
    }
    // Lines colo does not model ("stp edged-port enable", "speed 100").
    if (a[0] == "stp" || a[0] == "speed") {
      std::string key = a[0] + (a[0] == "stp" && a.size() > 1 ? " " + a[1] : "");
      std::erase_if(p.extra, [&](const std::string& x) { return x.rfind(key, 0) == 0; });
      if (!undo) {
        if (a.size() < 2) return incomplete();
        p.extra.push_back(rest(line, 0));
      }
      return "";
    }
    return unrecognized();
  }

  Device& d_;
  bool huawei_;
  Mode mode_ = Mode::user;
  Question question_ = Question::none;
  bool paging_ = true, closing_ = false;
  std::string interface_, target_, pendingPages_;
};

// Wraps a vendor session with the device lock, the command log, the state
// dump and fault injection.
class FaultySession : public Session {
 public:
  FaultySession(Device& d, std::unique_ptr<Session> inner) : d_(d), inner_(std::move(inner)) {
    std::lock_guard lock(d_.mutex);
    ++d_.sessions;
    drop_ = d_.faults.drop_after_commands > 0 &&
            (d_.faults.drop_times == 0 || d_.faults.dropped < d_.faults.drop_times);
    if (drop_) ++d_.faults.dropped;
    d_.dump();
  }

  std::string greeting() override {
    std::lock_guard lock(d_.mutex);
    return inner_->greeting();
  }
  bool awaitingKey() const override { return pager_ != Pager::none || inner_->awaitingKey(); }

  Reply input(const std::string& line) override {
    if (pager_ != Pager::none) return nextFaultyPage();
    int slow = 0;
    Reply r;
    {
      std::lock_guard lock(d_.mutex);
      auto& f = d_.faults;
      auto fires = [&](Fault& fault) {
        if (line.empty() || !fault.active() || line.find(fault.match) == std::string::npos)
          return false;
        if (fault.skip > 0) {
          --fault.skip;
          return false;
        }
        ++fault.fired;
        return true;
      };
      if (fires(f.intrude) && d_.hasPort(f.intrude_port)) {
        // Another administrator, between two of colo's commands.
        Port p{"INTRUDER", "access", 99, true, {"speed 100"}};
        d_.running[f.intrude_port] = d_.candidate[f.intrude_port] = p;
        d_.dump();
      }
      if (fires(f.sneak) && d_.hasPort(f.intrude_port)) {
        d_.running[f.intrude_port].extra.push_back("speed 100");
        d_.candidate[f.intrude_port] = d_.running[f.intrude_port];
        d_.dump();
      }
      for (auto [fault, kind] :
           {std::pair{&f.endless_pager, Pager::empty}, std::pair{&f.tiny_pages, Pager::tiny}})
        if (fires(*fault)) {
          if (!line.empty()) d_.logCommand(line);
          pager_ = kind;
          return {morePrompt()};
        }
      slow = f.slow_ms;
      if (fires(f.slow_answer)) slow += f.slow_answer_ms;
      if (!line.empty()) {
        // What a password prompt receives is not logged, as on a device.
        d_.logCommand(secretNext_ ? std::string("<secret>") : line);
        ++count_;
      }
      if (drop_ && count_ > f.drop_after_commands) {
        d_.dump();
        return {"", false, true};
      }
      bool hangHere =
          !line.empty() && f.hang.active() && line.find(f.hang.match) != std::string::npos;
      if (hangHere) ++f.hang.fired;
      if (!line.empty() && f.hang_at_command > 0 &&
          d_.commandCount == static_cast<std::size_t>(f.hang_at_command)) {
        f.hang_at_command = 0;
        hangHere = true;
      }
      if (hangHere) {
        ++f.hung;
        d_.dump();
        return {"", false, false, true};
      }
      if (!line.empty() && f.flood.active() && line.find(f.flood.match) != std::string::npos) {
        ++f.flood.fired;
        Reply flood;
        flood.flood = true;
        return flood;
      }
      if (!line.empty() && f.long_line.active() &&
          line.find(f.long_line.match) != std::string::npos) {
        ++f.long_line.fired;
        Reply r2 = inner_->input(line);
        r2.text = std::string(50000, 'A') + "\r\n" + r2.text;
        return r2;
      }
      if (!line.empty() && f.hang_after.active() &&
          line.find(f.hang_after.match) != std::string::npos) {
        ++f.hang_after.fired;
        ++f.hung;
        inner_->input(line);  // applied, never acknowledged
        d_.dump();
        return {"", false, false, true};
      }
      if (!line.empty() && f.reject.active() && line.find(f.reject.match) != std::string::npos) {
        ++f.reject.fired;
        r.text = inner_->refusal() + inner_->input("").text;
        d_.dump();
        return r;
      }
      // The state file is rewritten only when the state changed: most
      // commands (show, echo, prompts) leave it alone.
      auto before = std::make_tuple(d_.running, d_.saved, d_.candidate, d_.saves, d_.commits);
      if (!line.empty() && f.ignore.active() && line.find(f.ignore.match) != std::string::npos) {
        ++f.ignore.fired;
        r = inner_->input("");  // just the prompt: accepted, not applied
        // A device that echoes itself (VRP, Comware) echoed the empty line:
        // it echoes what was typed.
        if (!r.echo && r.text.rfind("\r\n", 0) == 0) r.text = line + r.text;
      } else {
        r = inner_->input(line);
      }
      if (fires(f.async_line))
        insertAfterPortLine(r.text, "*Dec  4 10:00:01.123: %LINK-3-UPDOWN: Interface " +
                                        d_.running.begin()->first + ", changed state to down\r\n");
      if (fires(f.prompt_line)) insertAfterPortLine(r.text, promptLike() + "\r\n");
      if (fires(f.osc_title)) {
        auto nl = r.text.rfind('\n');
        r.text.insert(nl == std::string::npos ? 0 : nl + 1, "\x1b]0;" + d_.name() + ": colo\x07");
      }
      if (fires(f.version_pause)) {
        // The write ends with VRP's "[V200R009C00SPC500]" line (no line end
        // yet); the rest comes later.
        auto at = r.text.find("]\r\n", r.text.find("\n[V"));
        if (at != std::string::npos) {
          r.later = r.text.substr(at + 1);
          r.text = r.text.substr(0, at + 1);
          r.pause_ms = 300;
        }
      }
      if (fires(f.prompt_pause)) {
        // The write ends with a prompt-shaped line; the rest comes later.
        auto at = afterPortLine(r.text);
        r.later = "\r\n" + r.text.substr(at);
        r.text = r.text.substr(0, at) + promptLike();
        r.pause_ms = 300;
      }
      bool changed =
          before != std::make_tuple(d_.running, d_.saved, d_.candidate, d_.saves, d_.commits);
      secretNext_ = !r.text.empty() && r.text.size() >= 10 &&
                    r.text.compare(r.text.size() - 10, 10, "Password: ") == 0;
      if (changed) d_.dump();
    }
    if (slow > 0) usleep(static_cast<useconds_t>(slow) * 1000);
    return r;
  }

 private:
  std::string promptLike() const override { return inner_->promptLike(); }
  std::string morePrompt() const override { return inner_->morePrompt(); }

  // Where the line after the port's first configuration line starts (the
  // "interface" line, or Junos's first "set" line), else the start.
  static std::size_t afterPortLine(const std::string& text) {
    for (const char* first : {"\ninterface ", "\nset interfaces "}) {
      auto at = ("\n" + text).find(first);
      if (at == std::string::npos) continue;
      auto eol = text.find('\n', at);
      return eol == std::string::npos ? text.size() : eol + 1;
    }
    return 0;
  }
  static void insertAfterPortLine(std::string& text, const std::string& line) {
    text.insert(afterPortLine(text), line);
  }

  // A pager that never ends: empty pages, or one short line each; bounded
  // (a million pages) should the client never leave.
  Reply nextFaultyPage() {
    Reply r;
    r.echo = false;
    if (++pages_ > 1000000) {
      r.close = true;
      return r;
    }
    r.text = "\r\n" + (pager_ == Pager::tiny ? "line " + std::to_string(pages_) + "\r\n" : "") +
             morePrompt();
    return r;
  }

  enum class Pager { none, empty, tiny };
  Device& d_;
  std::unique_ptr<Session> inner_;
  bool drop_ = false, secretNext_ = false;
  int count_ = 0;
  Pager pager_ = Pager::none;
  long pages_ = 0;
};

}  // namespace

std::unique_ptr<Session> openSession(Device& device, const std::string& user,
                                     const std::string& enablePassword) {
  std::unique_ptr<Session> inner;
  if (device.vendor() == "juniper_junos")
    inner = std::make_unique<JunosSession>(device, user);
  else if (device.vendor() == "huawei_vrp" || device.vendor() == "hp_comware")
    inner = std::make_unique<VrpSession>(device, device.vendor() == "huawei_vrp");
  else
    inner = std::make_unique<IosSession>(device, enablePassword, device.vendor() == "arista_eos");
  return std::make_unique<FaultySession>(device, std::move(inner));
}

std::vector<std::string> expandPorts(const std::string& range) {
  std::vector<std::string> out;
  auto dash = range.rfind('-');
  std::size_t i = dash;
  while (i > 0 && std::isdigit(static_cast<unsigned char>(range[i - 1]))) --i;
  std::string prefix = range.substr(0, i);
  int first = std::stoi(range.substr(i, dash - i)), last = std::stoi(range.substr(dash + 1));
  for (int n = first; n <= last; ++n) out.push_back(prefix + std::to_string(n));
  return out;
}

}  // namespace switchsim
