// What a switch sees of the server plugged into one of its ports: the link,
// the MAC addresses learned there and the LLDP neighbour (docs/design.md
// §17). Read-only; each dialect says how to ask and how to read the answer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace colo::drivers {

struct LinkReading {
  enum class State {
    up,            // link up ("connected", "Physical link is Up")
    down,          // no link: nothing plugged in, or the server is off
    disabled,      // shut down by configuration
    err_disabled,  // shut down by the switch itself (port security, BPDU guard, ...)
  };
  State state = State::down;
  std::string said;  // the device's own words ("connected", "notconnect", "Up")
  std::optional<std::uint64_t> input_errors;  // the port's input error counter
};

std::string_view name(LinkReading::State state);

struct MacEntry {
  std::string mac;   // canonical ("00:50:56:a3:1b:2c")
  std::string vlan;  // a number, or a Junos VLAN name
  std::string port;  // as the device shows it ("Gi1/0/5", "Po1", "ge-0/0/5.0")
};

struct LldpNeighbor {
  std::string system_name;  // "" when not advertised
  std::string port_id;
  std::string chassis_id;
  std::string port_description;
};

// Whether two names of a port are the same port: "Gi1/0/5" and
// "GigabitEthernet1/0/5", "Et5" and "Ethernet5", "ge-0/0/5.0" and
// "ge-0/0/5" (a Junos unit of it).
bool samePort(std::string_view a, std::string_view b);
// Whether a port is an aggregate (a port-channel, a Junos ae): the MAC table
// shows a bond's addresses there, not on its members.
bool isAggregate(std::string_view port);

// A value a switch sent, fit to be stored, logged and shown: printable
// characters only, at most 255 bytes (the longest an LLDP string may be).
std::string printable(std::string_view value);

}  // namespace colo::drivers
