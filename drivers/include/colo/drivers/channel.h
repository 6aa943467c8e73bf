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
  // (checked against the last line), and returns all of it. Throws
  // DriverError(timeout) when `timeout` passes first, or (disconnected) when
  // the peer goes away.
  virtual std::string readUntil(const std::regex& prompt, std::chrono::milliseconds timeout) = 0;

  // While `check` returns true, no command is sent and every wait gives up
  // with DriverError(interrupted) within about 100 ms (an operator pressed
  // Ctrl-C: colo stops changing the switch and restores it on a fresh
  // session).
  void setInterrupt(std::function<bool()> check) { interrupt_ = std::move(check); }
  bool interrupted() const { return interrupt_ && interrupt_(); }

 protected:
  std::function<bool()> interrupt_;
};

using CliChannelPtr = std::unique_ptr<CliChannel>;

}  // namespace colo::drivers
