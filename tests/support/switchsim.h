// Starts the switch simulator (tests/switchsim) for a test and stops it when
// the test is done: the simulator lives exactly as long as the pipe to its
// standard input, so a crashed test leaves nothing running.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "temp_dir.h"

namespace colo::test {

using Switches = std::vector<nlohmann::json>;

class SwitchSim {
 public:
  // `switches`: the simulator's "switches" list (see tests/switchsim/main.cpp).
  explicit SwitchSim(const Switches& switches,
                     const std::string& knownHosts = "") {
    knownHosts_ = knownHosts.empty() ? dir_.file("known_hosts") : knownHosts;
    nlohmann::json config = {{"state_dir", dir_.path().string()},
                             {"known_hosts", knownHosts_},
                             {"switches", switches}};
    auto cfg = dir_.write("sim.json", config.dump(2));
    int in[2], out[2];
    // Close-on-exec: no other child (a database server a test starts) keeps them open.
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0)
      throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(in[0], 0);
      dup2(out[1], 1);
      close(in[1]);
      close(out[0]);
      execl(COLO_SWITCHSIM, COLO_SWITCHSIM, cfg.c_str(), nullptr);
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    stdin_ = in[1];
    // Read "switchsim: NAME VENDOR 127.0.0.1:PORT" lines until "ready".
    std::string text;
    char buf[512];
    while (text.find("ready\n") == std::string::npos) {
      auto n = read(out[0], buf, sizeof buf);
      if (n <= 0) throw std::runtime_error("switchsim did not start: " + text);
      text.append(buf, static_cast<std::size_t>(n));
    }
    close(out[0]);
    std::istringstream lines(text);
    for (std::string tag, name, vendor, addr; lines >> tag && tag == "switchsim:";) {
      lines >> name >> vendor >> addr;
      ports_[name] = std::stoi(addr.substr(addr.rfind(':') + 1));
    }
  }

  ~SwitchSim() {
    close(stdin_);
    int status;
    waitpid(pid_, &status, 0);
  }
  SwitchSim(const SwitchSim&) = delete;
  SwitchSim& operator=(const SwitchSim&) = delete;

  int port(const std::string& name) const { return ports_.at(name); }
  pid_t pid() const { return pid_; }
  const std::string& knownHosts() const { return knownHosts_; }
  const TempDir& dir() const { return dir_; }

  // The simulated device's state, as it dumps it after every command.
  // "commands" holds every command received, from the simulator's log.
  nlohmann::json state(const std::string& name) const {
    std::ifstream in(dir_.file(name + ".json"));
    auto j = nlohmann::json::parse(in);
    j["commands"] = nlohmann::json::array();
    std::ifstream log(dir_.file(name + ".commands"));
    for (std::string line; std::getline(log, line);) j["commands"].push_back(line);
    return j;
  }

 private:
  TempDir dir_;
  std::string knownHosts_;
  pid_t pid_ = -1;
  int stdin_ = -1;
  std::map<std::string, int> ports_;
};

// A simulated switch entry with the usual test credentials.
inline nlohmann::json simSwitch(const std::string& name, const std::string& vendor,
                                const std::string& ports, nlohmann::json extra = nlohmann::json::object()) {
  nlohmann::json j = {{"name", name}, {"vendor", vendor}, {"ports", ports},
                      {"username", "colo"}, {"password", "s3cret-pw"}};
  j.update(extra);
  return j;
}

}  // namespace colo::test
