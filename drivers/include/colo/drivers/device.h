// A logged-in CLI session on one switch, speaking its vendor's dialect.
#pragma once

#include <chrono>
#include <functional>
#include <regex>
#include <string>
#include <vector>

#include "colo/drivers/channel.h"
#include "colo/drivers/dialect.h"

namespace colo::drivers {

class Device {
 public:
  // `enablePassword` elevates a session that logs in unprivileged;
  // `outputLimit` caps what one command may answer.
  Device(std::string name, CliChannelPtr channel, const Dialect& dialect,
         std::chrono::milliseconds commandTimeout, std::string enablePassword = {},
         std::size_t outputLimit = 4 << 20);

  const std::string& name() const { return name_; }
  const Dialect& dialect() const { return dialect_; }

  // Waits for the first prompt, elevates if needed, turns paging off.
  void open();
  // Runs one command and returns its output (without echo and prompt, and
  // without control characters or terminal escapes). A refusal throws
  // DriverError(rejected) naming switch and command, with the device's own
  // words.
  std::string run(std::string_view command);
  // A port's configuration, read strictly: DriverError(protocol) when the
  // output holds anything that is not the port's configuration or when more
  // output follows the prompt; (rejected) when it holds control characters,
  // since colo would replay it on a restore.
  PortState readPort(std::string_view port);
  // The configuration of each of `ports`, in that order, as strictly as
  // readPort: with one command for them all where the dialect has one
  // (Dialect::showPorts), so that a job's reading costs one round trip per
  // switch, not one per port.
  std::vector<PortState> readPorts(const std::vector<std::string>& ports);
  // Enters configuration mode, sends `commands`, and commits; on a refusal
  // aborts the configuration session before throwing. Where the dialect
  // allows it (Dialect::typesAhead), the lines go in one write, not one
  // round trip each; a refusal still names the exact line, found by its
  // echo.
  void configure(const std::vector<std::string>& commands);
  // Persists the configuration under its own deadline (setSaveTimeout;
  // the command deadline when not set), questions answered; fails unless
  // the dialect reads success in what it printed.
  void save();
  void setSaveTimeout(std::chrono::milliseconds timeout) { saveTimeout_ = timeout; }

  // Every command sent so far (never a password).
  const std::vector<std::string>& transcript() const { return transcript_; }
  // How many times this session sent something and waited for the answer:
  // what a job pays the switch's latency for.
  std::size_t roundTrips() const { return roundTrips_; }

  // Told how long each command took, from sending it to its prompt (lines
  // typed ahead: each its share of the batch's time).
  using CommandTimer = std::function<void(const std::string& switchName, double seconds)>;
  void setCommandTimer(CommandTimer timer) { timer_ = std::move(timer); }

 private:
  std::string exchange(std::string_view command);
  std::string runRaw(std::string_view command);
  // Reads to the next prompt, paging through any pager and answering any
  // question on the way (yes only where `command` expects it).
  std::string readPrompt(std::string_view command = {});
  // The regular expressions for `prompt` (the device's prompt pattern).
  void compile(const std::string& prompt);
  // Answers the questions before the first prompt; returns what was read.
  std::string login();
  // Throws DriverError(protocol) unless the session is quiet at its prompt.
  void settled();
  // Sends `lines` at once and reads each one's answer (configure()).
  void typeAhead(const std::vector<std::string>& lines);
  std::size_t promptPrefix(std::string_view line) const;
  // The most typed ahead in one write.
  static constexpr std::size_t kTypeAheadBytes = 64 * 1024;
  // The lines of a reading, checked as a restore source, parsed.
  PortState parsed(const std::string& where, std::vector<std::string> lines) const;

  std::string name_;
  CliChannelPtr channel_;
  const Dialect& dialect_;
  std::chrono::milliseconds timeout_, saveTimeout_{0};
  std::string enablePassword_;
  std::vector<std::string> transcript_;
  std::regex prompt_, promptOrMore_, more_, password_, question_;
  bool asks_ = false;     // the dialect has a question pattern
  std::string declined_;  // the question the last command was answered no to
  CommandTimer timer_;
  std::size_t outputLimit_;
  std::size_t roundTrips_ = 0;
};

}  // namespace colo::drivers
