// The simulated switch: per-port state of one device and the CLI of its
// vendor (cisco_ios, arista_eos, juniper_junos, huawei_vrp, hp_comware),
// line in, text out. The SSH
// server (main.cpp) feeds it; tests can also drive it directly.
#pragma once

#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace switchsim {

struct Port {
  std::string description;
  std::string mode;  // "", "access", "trunk"
  int vlan = 0;      // access vlan, 0 = unset
  bool enabled = true;
  // Lines colo does not model ("speed 100"), shown as they are (IOS, EOS).
  std::vector<std::string> extra;
  friend bool operator==(const Port&, const Port&) = default;
};

using PortTable = std::map<std::string, Port>;

// A server plugged into a port, as the cabling check sees it: the link, the
// MACs the switch learns there, what it announces over LLDP, the port's
// input error counter (the config's "servers", keyed by port).
struct Plugged {
  bool link = true;               // false: a cable without a server behind it (or one off)
  int link_after_reads = 0;       // the link comes up at this many reads of it
  std::vector<std::string> macs;  // "00:50:56:a3:1b:2c"
  bool lldp = false;              // whether it sends LLDP
  std::string system_name, port_id, chassis_id, port_description;
  std::string aggregate;  // its MACs are learned on this aggregate ("Po1", "ae1")
  std::uint64_t input_errors = 0, errors_per_read = 0;
  int reads = 0;  // reads of the link so far
  bool up() const { return link && reads >= link_after_reads; }
};

// Faults a test can ask for. A fault with times > 0 fires that many times,
// then stops; times == 0 means always.
struct Fault {
  std::string match;  // substring of a command ("" = none)
  int times = 0;
  int skip = 0;  // matches let through before it fires
  int fired = 0;
  bool active() const { return !match.empty() && (times == 0 || fired < times); }
};

struct Faults {
  bool refuse_auth = false;
  int drop_after_commands = 0;  // per session; 0 = never
  int drop_times = 0;           // sessions to drop (0 = every one)
  int dropped = 0;
  Fault reject;      // answer the command with the vendor's error
  Fault ignore;      // accept the command but do not apply it
  Fault hang;        // never answer
  Fault hang_after;  // apply the command, then never answer (its outcome unknown to the client)
  Fault long_line;   // answer with a 50,000-byte line before the real answer
  Fault flood;       // answer with endless output (bounded: 256 MiB or the client leaving)
  // What a hostile or busy switch does to the output of a command
  // (docs/design.md §8):
  Fault async_line;    // a log message inside it, after its "interface" line
  Fault prompt_line;   // a prompt-shaped line inside it, in the same write
  Fault prompt_pause;  // ... at the end of a write, the rest 300 ms later
  Fault intrude;       // before the command, another admin changes intrude_port
  Fault sneak;         // ... only adds "speed 100" to it
  Fault osc_title;     // a terminal title escape right before the prompt
  std::string intrude_port;
  Fault endless_pager;  // a pager whose every page is empty
  Fault tiny_pages;     // a pager with one short line per page, without end
  Fault version_pause;  // VRP: a write ends at the "[V200R009C00SPC500]" line
  Fault slow_answer;    // the answer comes slow_answer_ms late (a save on a big chassis)
  int slow_answer_ms = 0;
  // VRP's save question: 0 "Are you sure to continue?[Y/N]", 1 "Continue?
  // [Y/N]:", 2 "(y/n)[n]:".
  int question_style = 0;
  int hang_at_command = 0;  // the device's k-th command (over all sessions) hangs, once; 0 = never
  int hung = 0;             // how many commands hung so far
  int slow_ms = 0;
};

// One simulated device: state shared by all its sessions.
class Device {
 public:
  Device(std::string name, std::string vendor, std::vector<std::string> ports, Faults faults,
         std::string stateFile);

  const std::string& name() const { return name_; }
  const std::string& vendor() const { return vendor_; }

  // Everything below is called with the lock held.
  std::mutex mutex;
  PortTable running, saved, candidate;  // candidate: Junos only
  std::map<std::string, Plugged> plugged;
  std::size_t commandCount = 0;
  void logCommand(const std::string& line);  // appends to the command log
  int sessions = 0, saves = 0, commits = 0;
  Faults faults;
  bool hasPort(const std::string& p) const { return running.count(p) != 0; }
  void dump() const;  // writes the state file (atomically)

 private:
  std::string name_, vendor_, stateFile_;
  std::FILE* commandLog_ = nullptr;
};

// What a session says back for one input line.
struct Reply {
  Reply() = default;
  Reply(std::string t, bool closes = false, bool drops = false, bool hangs = false)
      : text(std::move(t)), close(closes), drop(drops), hang(hangs) {}
  std::string text;    // output, including the next prompt
  bool close = false;  // the session ends (logout)
  bool drop = false;   // the connection is cut without a word (fault)
  bool hang = false;   // never answer again (fault)
  bool echo = true;    // echo the input line (not for passwords)
  bool flood = false;  // send output without end (fault)
  std::string later;   // sent after pause_ms (fault)
  int pause_ms = 0;
};

// One CLI session on a device.
class Session {
 public:
  virtual ~Session() = default;
  // The banner and first prompt after login.
  virtual std::string greeting() = 0;
  // One line typed by the client (without the line ending).
  virtual Reply input(const std::string& line) = 0;
  // True while a pager waits for a single key (not a line).
  virtual bool awaitingKey() const { return false; }
  // The vendor's words for a command refused by policy (before its prompt),
  // a line shaped like its prompt, and its pager's prompt.
  virtual std::string refusal() const { return ""; }
  virtual std::string promptLike() const { return ""; }
  virtual std::string morePrompt() const { return ""; }
};

// The answer to a read-only command about what is plugged in (link, MAC
// table, LLDP) in the device's vendor's format; nullopt when `words` is none
// of those commands.
std::optional<std::string> observe(Device& device, const std::vector<std::string>& words);

std::unique_ptr<Session> openSession(Device& device, const std::string& user,
                                     const std::string& enablePassword);

// Ports "GigabitEthernet1/0/1-44", "Ethernet1-48", "ge-0/0/0-47" expanded.
std::vector<std::string> expandPorts(const std::string& range);

}  // namespace switchsim
