#include "engine/cabling.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "colo/drivers/error.h"
#include "colo/encoding/mac.h"
#include "colo/inventory/request.h"

namespace colo::agent {

namespace inv = colo::inventory;
namespace drv = colo::drivers;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string firstLabel(const std::string& s) {
  return s.substr(0, s.find('.'));
}

bool sameMac(std::string_view text, const std::string& mac) {
  if (mac.empty()) return false;
  auto m = encoding::canonicalMac(text);
  return m && *m == mac;
}

NicObservation unread(std::string why) {
  NicObservation seen;
  seen.problem = std::move(why);
  return seen;
}

std::string describe(const drv::LldpNeighbor& n) {
  std::string out =
      n.system_name.empty() ? "a neighbour with no system name" : "'" + n.system_name + "'";
  if (!n.port_id.empty()) out += " (port " + n.port_id + ")";
  return out;
}

}  // namespace

bool namesHost(std::string_view systemName, std::string_view hostname) {
  auto a = lower(systemName), b = lower(hostname);
  if (a.empty() || b.empty()) return false;
  return a == b || firstLabel(a) == b || a == firstLabel(b);
}

NicCabling judge(NicCabling nic, const NicObservation& seen) {
  using State = drv::LinkReading::State;
  for (const auto& m : seen.macs) nic.macs.push_back(m.mac);
  if (!seen.lldp.empty()) {
    // The neighbour that names the server, or else the first.
    const auto* shown = &seen.lldp.front();
    for (const auto& n : seen.lldp)
      if (namesHost(n.system_name, nic.hostname)) shown = &n;
    nic.lldp =
        LldpSeen{shown->system_name, shown->port_id, shown->chassis_id, shown->port_description};
  }
  if (!seen.problem.empty() || !seen.link) {
    nic.verdict = "unverified";
    nic.detail = "could not read the port: " + seen.problem;
    return nic;
  }
  nic.link = std::string(drv::name(seen.link->state));
  nic.input_errors = seen.link->input_errors;
  const auto& mac = nic.expected_mac;

  // Where the expected MAC is, when not here: another port (the cable is
  // there), or an aggregate (which member cannot be told).
  std::string elsewhere, aggregate;
  bool macHere = false;
  for (const auto& m : seen.macs)
    if (m.mac == mac) macHere = true;
  if (!mac.empty() && !macHere)
    for (const auto& w : seen.where) {
      if (w.mac != mac) continue;
      if (drv::samePort(w.port, nic.port))
        macHere = true;
      else if (drv::isAggregate(w.port))
        aggregate = w.port;
      else if (elsewhere.empty())
        elsewhere = w.port;
    }

  if (seen.link->state == State::disabled) {
    nic.verdict = "disabled";
    nic.detail = "the port is shut down in the switch's configuration (" + seen.link->said +
                 "): colo configured it enabled, so someone shut it since; `colo reconcile` "
                 "shows the difference";
    return nic;
  }
  if (!elsewhere.empty()) {
    nic.verdict = "wrong_server";
    nic.found_on = elsewhere;
    nic.detail = "this NIC's MAC " + mac + " is learned on " + elsewhere + ", not on " + nic.port +
                 ": its cable is in " + elsewhere + " (swapped with " + nic.port + "'s?)";
    return nic;
  }
  if (seen.link->state != State::up) {
    nic.verdict = "no_link";
    nic.detail = seen.link->state == State::err_disabled
                     ? "the switch shut the port itself (err-disabled: port security, BPDU "
                       "guard, a flapping link...): find the cause in the switch's log, then "
                       "shut and no shut the port"
                     : "no link (" + seen.link->said +
                           "): no cable, a cable not seated, or the server is off";
    return nic;
  }
  // Link up: whose server is it?
  for (const auto& n : seen.lldp) {
    if (namesHost(n.system_name, nic.hostname)) {
      nic.verdict = "ok";
      nic.detail = "LLDP names " + describe(n);
      return nic;
    }
    if (sameMac(n.port_id, mac) || sameMac(n.chassis_id, mac) || sameMac(n.system_name, mac)) {
      nic.verdict = "ok";
      nic.detail = "LLDP announces this NIC's MAC " + mac + " (" + describe(n) + ")";
      return nic;
    }
  }
  if (macHere) {
    nic.verdict = "ok";
    nic.detail = "this NIC's MAC " + mac + " is learned on the port";
    for (const auto& n : seen.lldp)
      if (!n.system_name.empty())
        nic.detail += "; LLDP names " + describe(n) + ", not " + nic.hostname;
    return nic;
  }
  for (const auto& n : seen.lldp)
    if (!n.system_name.empty()) {
      nic.verdict = "wrong_server";
      nic.detail = "LLDP names " + describe(n) + " on this port, not " + nic.hostname +
                   ": another server's cable is here";
      return nic;
    }
  nic.verdict = "unverified";
  std::string lldpWhy = !seen.lldpProblem.empty()
                            ? "LLDP could not be read (" + seen.lldpProblem + ")"
                        : seen.lldp.empty() ? "no LLDP from the server (many NIC firmwares and "
                                              "bonds send none)"
                                            : "its LLDP neighbour advertises no system name";
  if (mac.empty()) {
    nic.detail = "link up, but " + lldpWhy +
                 " and the request names no MAC for this NIC: run an LLDP agent (lldpd) on the "
                 "server, or give the NIC's mac in the request";
  } else if (!aggregate.empty()) {
    nic.detail = "link up; this NIC's MAC " + mac + " is learned on " + aggregate +
                 ", a port-channel, whose member cannot be told from the MAC table; and " + lldpWhy;
  } else {
    nic.detail = "link up, " + lldpWhy + ", and this NIC's MAC " + mac +
                 " is not in the switch's MAC table: a silent server's MAC ages out after about "
                 "300 s; have it send traffic (ping its gateway) and check again";
  }
  return nic;
}

CablingReport checkCabling(const inv::Inventory& inventory, const inv::RequestRecord& request,
                           SwitchOpener& opener, const std::function<bool()>& interrupt) {
  CablingReport report;
  report.request_id = request.id;
  if (!request.allocation) return report;
  // The NICs in the request's order, with what the request expects of each.
  std::map<std::pair<std::string, int>, std::string> macs;
  try {
    auto body = inv::parseRequestJson(request.body);
    for (const auto& s : body.servers)
      for (std::size_t i = 0; i < s.nics.size(); ++i)
        macs[{s.hostname, static_cast<int>(i)}] = s.nics[i].mac;
  } catch (const std::exception&) {
    // A body stored by an older colo still places NICs; it names no MACs.
  }
  std::vector<std::string> switchNames;
  for (const auto& s : request.allocation->servers)
    for (const auto& n : s.nics) {
      NicCabling nic;
      nic.hostname = s.hostname;
      nic.nic = n.index;
      nic.switch_name = n.switch_name;
      nic.port = n.port;
      auto it = macs.find({s.hostname, n.index});
      if (it != macs.end()) nic.expected_mac = it->second;
      report.nics.push_back(std::move(nic));
      if (std::find(switchNames.begin(), switchNames.end(), n.switch_name) == switchNames.end())
        switchNames.push_back(n.switch_name);
    }
  std::vector<inv::Switch> switches;
  for (const auto& name : switchNames) {
    if (const auto* sw = inventory.switchNamed(name)) {
      switches.push_back(*sw);
    } else {
      for (auto& nic : report.nics)
        if (nic.switch_name == name)
          nic = judge(nic, unread("switch " + name + " is no longer in the inventory"));
    }
  }
  auto readSwitch = [&](const inv::Switch& sw) {
    std::vector<std::pair<std::size_t, NicObservation>> out;
    std::vector<std::size_t> mine;
    for (std::size_t i = 0; i < report.nics.size(); ++i)
      if (report.nics[i].switch_name == sw.name) mine.push_back(i);
    try {
      opener.preflight(sw);
      auto session = opener.open(sw, interrupt);
      auto& dev = session->device();
      const auto& d = dev.dialect();
      for (auto i : mine) {
        const auto& nic = report.nics[i];
        NicObservation seen;
        try {
          seen.link = d.parseLink(dev.run(d.showLink(nic.port)), nic.port);
          if (seen.link->state == drv::LinkReading::State::up) {
            for (auto& m : d.parseMacs(dev.run(d.showMacsOn(nic.port))))
              if (drv::samePort(m.port, nic.port)) seen.macs.push_back(std::move(m));
            try {
              seen.lldp = d.parseLldp(dev.run(d.showLldp(nic.port)));
            } catch (const drv::DriverError& e) {
              if (e.kind() != drv::DriverErrorKind::rejected) throw;
              seen.lldpProblem = e.deviceOutput().empty() ? e.what() : e.deviceOutput();
            }
          }
          bool here = false;
          for (const auto& m : seen.macs) here = here || m.mac == nic.expected_mac;
          if (!nic.expected_mac.empty() && !here)
            seen.where = d.parseMacs(dev.run(d.showMacWhere(nic.expected_mac)));
        } catch (const drv::DriverError& e) {
          if (e.kind() == drv::DriverErrorKind::interrupted ||
              e.kind() == drv::DriverErrorKind::disconnected ||
              e.kind() == drv::DriverErrorKind::timeout)
            throw;
          seen.problem = "switch " + sw.name + " port " + nic.port + ": " + e.what();
        }
        out.emplace_back(i, std::move(seen));
      }
    } catch (const std::exception& e) {
      for (auto i : mine) {
        bool read =
            std::any_of(out.begin(), out.end(), [&](const auto& o) { return o.first == i; });
        if (!read) out.emplace_back(i, unread(e.what()));
      }
    }
    return out;
  };
  for (auto& observed : forEachSwitch(switches, readSwitch))
    for (auto& [i, seen] : observed) report.nics[i] = judge(report.nics[i], seen);
  return report;
}

}  // namespace colo::agent
