// Runs the real `colo` binary (or any program) as a child process. Output goes
// to files, so a chatty child can never block on a full pipe.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "temp_dir.h"

namespace colo::test {

struct Result {
  int exit_code = -1;
  std::string out, err;
  long max_rss_kb = 0;  // the child's peak memory
};

// A start line for several children: each blocks until release().
class Gate {
 public:
  Gate() {
    if (pipe2(fds_, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  }
  ~Gate() { release(); }
  Gate(const Gate&) = delete;
  Gate& operator=(const Gate&) = delete;

  // In the child: wait for the parent's release (EOF on the pipe).
  void waitInChild() const {
    close(fds_[1]);
    char c;
    while (read(fds_[0], &c, 1) > 0) {
    }
    close(fds_[0]);
  }
  void release() {
    for (int& fd : fds_)
      if (fd >= 0) close(fd), fd = -1;
  }

 private:
  int fds_[2] = {-1, -1};
};

class Child {
 public:
  Child(const std::vector<std::string>& argv, const TempDir& dir, const Gate* gate = nullptr) {
    static int counter = 0;
    auto tag = std::to_string(getpid()) + "-" + std::to_string(counter++);
    outPath_ = dir.file("out-" + tag);
    errPath_ = dir.file("err-" + tag);
    // Everything the child needs is made before fork(): between fork and
    // exec a child of a threaded process may call async-signal-safe
    // functions only. An allocation there waits forever on an allocator
    // lock another thread held at the fork (seen under ASan, where twenty
    // threads forked at once).
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      int out = open(outPath_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int err = open(errPath_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int in = open("/dev/null", O_RDONLY);
      dup2(in, 0);
      dup2(out, 1);
      dup2(err, 2);
      if (gate) gate->waitInChild();
      execv(args[0], args.data());
      _exit(127);
    }
  }

  void signal(int sig) const { ::kill(pid_, sig); }

  Result wait() {
    int status = 0;
    rusage usage{};
    wait4(pid_, &status, 0, &usage);
    Result r;
    r.max_rss_kb = usage.ru_maxrss;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = slurp(outPath_);
    r.err = slurp(errPath_);
    return r;
  }

  static std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  pid_t pid_ = -1;
  std::string outPath_, errPath_;
};

inline Result run(const std::vector<std::string>& argv, const TempDir& dir) {
  return Child(argv, dir).wait();
}

}  // namespace colo::test
