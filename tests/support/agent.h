// Runs the real `colo agent` for a test: its JSON log is collected as it
// comes, it is stopped (SIGTERM) when the test is done, and a test may kill
// it with any signal at any moment.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace colo::test {

// A running `colo agent`; its log lines are collected as they come.
class Agent {
 public:
  explicit Agent(const std::string& config)
      : Agent(std::vector<std::string>{COLO_BINARY, "--config", config, "agent", "--init"}) {}
  // `argv`: the whole command line, the program first.
  explicit Agent(const std::vector<std::string>& argv) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      dup2(out[1], 2);
      close(out[0]);
      execv(args[0], args.data());
      _exit(127);
    }
    close(out[1]);
    fd_ = out[0];
    // The first line says where it listens.
    std::string line;
    while (port_ == 0) {
      line = readLine();
      if (line.empty()) throw std::runtime_error("agent exited: " + log_);
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_discarded() && j.value("event", "") == "listening") {
        std::string a = j["address"];
        port_ = std::stoi(a.substr(a.rfind(':') + 1));
      }
    }
    reader_ = std::thread([this] {
      while (!readLine().empty()) {
      }
    });
  }
  ~Agent() { stop(SIGTERM); }

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // Sends `sig` and waits for the agent to exit; its exit code, or 128 +
  // the signal that ended it. An agent still there after kHangGuard is
  // wedged: it is killed, and the answer is kWedged (a test fails with its
  // log rather than hanging the suite).
  static constexpr int kWedged = -2;
  static constexpr auto kHangGuard = std::chrono::seconds(120);
  int stop(int sig) {
    if (pid_ <= 0) return -1;
    kill(pid_, sig);
    int status = 0;
    bool wedged = false;
    auto deadline = std::chrono::steady_clock::now() + kHangGuard;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        wedged = true;
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    pid_ = -1;
    if (reader_.joinable()) reader_.join();
    close(fd_);
    if (wedged) return kWedged;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  std::string log() {
    std::lock_guard lock(m_);
    return log_;
  }

 private:
  std::string readLine() {
    std::string line;
    char c;
    while (read(fd_, &c, 1) == 1) {
      if (c == '\n') {
        std::lock_guard lock(m_);
        log_ += line + "\n";
        return line.empty() ? " " : line;
      }
      line.push_back(c);
    }
    return "";
  }
  pid_t pid_ = -1;
  int fd_ = -1;
  int port_ = 0;
  std::mutex m_;
  std::string log_;
  std::thread reader_;
};

}  // namespace colo::test
