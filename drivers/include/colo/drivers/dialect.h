// What differs between switch vendors, in one place per vendor. The engine
// and Device never ask which vendor they talk to; adding one is a new file in
// src/dialects/ plus its playbook templates.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "colo/drivers/observe.h"

namespace colo::drivers {

// One access port as the device shows it.
struct PortState {
  std::string description;
  std::string mode;  // "access", "trunk" or "" when not set
  int vlan = 0;      // access VLAN; 0 when not set
  bool enabled = true;
  // The port's configuration lines as the device printed them: what a restore
  // puts back, including what colo does not model.
  std::vector<std::string> lines;
};

class Dialect {
 public:
  virtual ~Dialect() = default;
  virtual std::string_view name() const = 0;

  // Regular expressions (ECMAScript), matched against the last line of
  // output: any prompt of the device, and a pager waiting for a key.
  virtual std::string promptPattern() const = 0;
  virtual std::string morePattern() const = 0;
  virtual std::string_view moreKey() const { return " "; }
  // A device whose output may hold a line shaped like a prompt (VRP's
  // "[V200R009C00SPC500]" version line) names itself in its first prompt:
  // hostOf() reads that name ("" = not used) and, from then on, only
  // hostPromptPattern(name) counts as a prompt.
  virtual std::string hostOf(std::string_view /*promptLine*/) const { return ""; }
  virtual std::string hostPromptPattern(std::string_view /*host*/) const { return promptPattern(); }

  // Questions. A device may ask before it carries out a command ("Are you
  // sure to continue?[Y/N]"); questionPattern() is matched against the last
  // line, like a prompt ("" = this device never asks). colo answers yes()
  // only where expectsQuestion(command) says the question is part of what
  // the command does (a save, a port reset); any other question is
  // answered no() and the command counts as refused.
  virtual std::string questionPattern() const { return ""; }
  virtual bool expectsQuestion(std::string_view /*command*/) const { return false; }
  virtual std::string yes() const { return "y"; }
  virtual std::string no() const { return "n"; }
  // What a device may ask before its first prompt, and the line colo
  // answers (a banner's "Press Y or ENTER to continue", an offer to change
  // the password now).
  struct LoginQuestion {
    std::string pattern, answer;
  };
  virtual std::vector<LoginQuestion> loginQuestions() const { return {}; }
  // Whether the output of the save commands says the configuration was
  // saved (a device that reports its result in a line after a question).
  virtual bool saveSucceeded(std::string_view /*output*/) const { return true; }

  // A command's output without context lines the device adds before its
  // prompt (Junos prints "[edit]" in configuration mode), and without
  // terminal noise that is not text (VRP's " ESC[1D").
  virtual std::string trimOutput(std::string output) const { return output; }
  // Whether a command's output says the device refused it.
  virtual bool refused(std::string_view output) const = 0;

  // Privilege: an unprivileged prompt, the command that elevates and the
  // password prompt it shows. Vendors without the notion return false.
  virtual bool unprivileged(std::string_view /*promptLine*/) const { return false; }
  virtual std::string enableCommand() const { return "enable"; }
  virtual std::string passwordPattern() const { return "[Pp]assword: ?$"; }

  // Commands that make the session non-interactive (paging off).
  virtual std::vector<std::string> sessionSetup() const = 0;
  // Whether configuration lines may be sent without waiting for each
  // prompt (typed ahead, as a paste): the device then echoes each line at
  // its prompt in order, and colo matches each answer to its line by the
  // echo. A line that expectsQuestion() is still sent on its own.
  virtual bool typesAhead() const { return true; }
  virtual std::vector<std::string> enterConfig() const = 0;
  // Leave configuration mode making the changes take effect (Junos commits).
  virtual std::vector<std::string> commitConfig() const = 0;
  // Leave configuration mode throwing away what was not yet in effect.
  virtual std::vector<std::string> abortConfig() const = 0;
  // Persist the running configuration (empty where commit already did).
  virtual std::vector<std::string> save() const = 0;

  // Whether a template's configuration line, rendered for `port`, is one
  // colo may send on its own: a command scoped to that port (and the few
  // that enter or leave its context). Anything else (reload, write erase,
  // end, another interface) is refused when the templates are loaded,
  // unless the template file's allow_commands names it.
  virtual bool portCommand(std::string_view line, std::string_view port) const = 0;
  // The allowed commands, for the message that refuses another.
  virtual std::string portCommandsHelp() const = 0;

  virtual std::string showPort(std::string_view port) const = 0;
  // The configuration lines of `port` in the output of showPort(). The
  // reading is strict (docs/design.md §8): a line that is neither the
  // device's framing nor the port's configuration (a log message, a
  // prompt-shaped line, a cut-off output) throws DriverError(protocol)
  // saying which line; a capture is never shortened by what it cannot read.
  virtual std::vector<std::string> portLines(std::string_view output,
                                             std::string_view port) const = 0;
  // One command that shows the configuration of every port in `ports` (and
  // maybe of others), so that a job reads a switch once rather than once
  // per port; "" when the dialect reads port by port. portsLines() finds
  // each port's lines in its output, as strictly as portLines(), in the
  // order of `ports`: a port the output does not show is an error (on
  // dialects whose single-port reading would show it), never "no lines".
  virtual std::string showPorts(const std::vector<std::string>& /*ports*/) const { return ""; }
  virtual std::vector<std::vector<std::string>> portsLines(
      std::string_view /*output*/, const std::vector<std::string>& /*ports*/) const {
    return {};
  }
  // The lines `port` shows once `commands` (a rendered template) ran on it:
  // what verify accepts beyond nothing. A line the port shows that is not
  // here was put there by someone else.
  virtual std::vector<std::string> shownLines(const std::vector<std::string>& commands,
                                              std::string_view port) const = 0;
  virtual PortState parsePort(const std::vector<std::string>& lines) const = 0;
  // Configuration-mode commands that put `port` back exactly as captured.
  virtual std::vector<std::string> restorePort(std::string_view port,
                                               const PortState& captured) const = 0;

  // The port's configuration as saved (the startup configuration), to tell
  // a running change nobody saved: the command, "" where every change is
  // saved as it takes effect (Junos commits), and its lines in the same
  // form as portLines() (none when the saved configuration lacks the port).
  virtual std::string showSavedPort(std::string_view /*port*/) const { return ""; }
  virtual std::vector<std::string> savedPortLines(std::string_view /*output*/,
                                                  std::string_view /*port*/) const {
    return {};
  }

  // Observation, for the cabling check (observe.h). Each command is
  // read-only; each reader throws DriverError(protocol) naming what it
  // missed when the output is not the answer it expects.
  // The port's link and its input error counter.
  virtual std::string showLink(std::string_view port) const = 0;
  virtual LinkReading parseLink(std::string_view output, std::string_view port) const = 0;
  // The MAC addresses learned on `port`, and where `mac` (canonical) is
  // learned on the whole switch; both read by parseMacs().
  virtual std::string showMacsOn(std::string_view port) const = 0;
  virtual std::string showMacWhere(std::string_view mac) const = 0;
  // Every row of a MAC address table in `output` that holds a MAC.
  virtual std::vector<MacEntry> parseMacs(std::string_view output) const;
  // The LLDP neighbours on `port` (none when the server sends no LLDP).
  virtual std::string showLldp(std::string_view port) const = 0;
  virtual std::vector<LldpNeighbor> parseLldp(std::string_view output) const = 0;
};

// The dialect of a vendor name ("cisco_ios", ...), or nullptr.
const Dialect* dialectFor(std::string_view vendor);
std::vector<std::string> knownVendors();

}  // namespace colo::drivers
