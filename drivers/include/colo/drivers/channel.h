// The seam between vendor dialects and the transport: an interactive CLI
// session. Production uses SSH (ssh.h); unit tests use a scripted fake.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <regex>
#include <string>
#include <string_view>

namespace colo::drivers {

class CliChannel {
 public:
  virtual ~CliChannel() = default;
  // Sends bytes as typed (a key for a --More-- prompt, say).
  virtual void send(std::string_view bytes) = 0;
  // Sends `line` followed by a newline.
  void sendLine(std::string_view line) {
    std::string s(line);
    s += '\n';
    send(s);
  }
  // Reads until the text received so far ends with a match of `prompt`
  // (checked against the last line, when that is at most 256 bytes long),
  // and returns all of it. Throws DriverError(timeout) when `timeout` passes
  // first (checked on every read, however fast data arrives),
  // (disconnected) when the peer goes away, or (protocol) when more than the
  // output limit arrives without a prompt.
  virtual std::string readUntil(const std::regex& prompt, std::chrono::milliseconds timeout) = 0;

  // While `check` returns true, no command is sent and every wait gives up
  // with DriverError(interrupted) within about 100 ms (an operator pressed
  // Ctrl-C: colo stops changing the switch and restores it on a fresh
  // session).
  void setInterrupt(std::function<bool()> check) { interrupt_ = std::move(check); }
  bool interrupted() const { return interrupt_ && interrupt_(); }

  // The most one readUntil() may buffer (config limits.command_output_bytes).
  void setOutputLimit(std::size_t bytes) { outputLimit_ = bytes; }

 protected:
  std::function<bool()> interrupt_;
  std::size_t outputLimit_ = 4 << 20;
};

using CliChannelPtr = std::unique_ptr<CliChannel>;

}  // namespace colo::drivers
