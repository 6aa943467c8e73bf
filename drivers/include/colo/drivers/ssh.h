// SSH transport on libssh2: connect, check the host key, authenticate, open
// a shell on a PTY. Every wait has a deadline; nothing blocks forever.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "colo/drivers/channel.h"

namespace colo::drivers {

struct SshOptions {
  std::string host;  // address or name
  int port = 22;
  std::string username;
  // Exactly one of password (also used for keyboard-interactive) or key_file.
  std::string password;
  std::string key_file;
  std::string key_passphrase;
  std::string known_hosts;           // OpenSSH format
  bool accept_new_host_key = false;  // add an unknown key (never a changed one)
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::seconds keepalive_interval{15};
  // See CliChannel::setInterrupt; applies from the connection on.
  std::function<bool()> interrupt;
};

// Connects and returns a shell. Throws DriverError naming host and port:
// connect, host_key (with the offered key's SHA256 fingerprint), auth.
CliChannelPtr openSsh(const SshOptions& options);

// Whether `knownHostsFile` (OpenSSH format, plain or hashed names) holds any
// key for host:port, without connecting: lets colo refuse a request before
// reserving when a switch's host key was never accepted. False for a missing
// file.
bool hostKeyListed(const std::string& knownHostsFile, const std::string& host, int port);

}  // namespace colo::drivers
