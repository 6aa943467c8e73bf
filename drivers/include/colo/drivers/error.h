// The drivers library's one error type.
#pragma once

#include <stdexcept>
#include <string>

namespace colo::drivers {

enum class DriverErrorKind {
  connect,        // TCP connect failed or timed out
  host_key,       // unknown or changed host key
  auth,           // authentication refused
  credentials,    // a credential colo needs is not set or not readable here (nothing was sent)
  timeout,        // the device did not answer in time
  disconnected,   // the session dropped
  rejected,       // the device refused a command (its own error text is kept)
  verify,         // read-back did not match what was applied
  foreign_port,   // the port holds what colo did not put there (or changed since its capture)
  invalid_value,  // a template value is unsafe for a switch CLI
  protocol,       // anything else the SSH layer reported
  interrupted,    // the operator interrupted colo (SIGINT/SIGTERM); nothing more was sent
};

// Carries what a technician needs: which switch, which command, and what the
// device said. Layers add context with within().
class DriverError : public std::runtime_error {
 public:
  DriverError(DriverErrorKind kind, const std::string& message, std::string deviceOutput = {})
      : std::runtime_error(message), kind_(kind), deviceOutput_(std::move(deviceOutput)) {}

  DriverErrorKind kind() const noexcept { return kind_; }
  // The device's own words, when it refused something.
  const std::string& deviceOutput() const noexcept { return deviceOutput_; }

  DriverError within(const std::string& context) const {
    return DriverError(kind_, context + " <- " + what(), deviceOutput_);
  }

 private:
  DriverErrorKind kind_;
  std::string deviceOutput_;
};

}  // namespace colo::drivers
