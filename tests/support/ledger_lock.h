// Someone else holding a SQLite ledger's write lock (a backup, an
// administrator's sqlite3 shell) until the test lets go, and who is
// connected to the agent meanwhile.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>

#include "process.h"
#include "temp_dir.h"

namespace colo::test {

// An sqlite3 process whose BEGIN IMMEDIATE went through (waiting, if need
// be, for the agent's own writes to end); it commits when the FIFO it reads
// from reaches its end, at release() or destruction.
class LedgerLockHolder {
 public:
  LedgerLockHolder(const TempDir& dir, const std::string& ledger, const std::string& name = "hold")
      : held_(dir.file(name + ".held")) {
    auto fifo = dir.file(name);
    if (mkfifo(fifo.c_str(), 0600) != 0) throw std::runtime_error("mkfifo " + fifo);
    fd_ = open(fifo.c_str(), O_RDWR | O_CLOEXEC);  // O_RDWR: opening does not wait
    if (fd_ < 0) throw std::runtime_error("open " + fifo);
    child_ = std::make_unique<Child>(
        std::vector<std::string>{
            "/bin/sh", "-c",
            "(echo '.bail on'; echo '.timeout 20000'; echo 'BEGIN IMMEDIATE;'; "
            "echo \"SELECT 'held';\"; cat " +
                fifo + "; echo 'COMMIT;') | /usr/bin/sqlite3 " + ledger + " > " + held_},
        dir);
  }
  ~LedgerLockHolder() {
    release();
    if (child_) child_->wait();
  }
  LedgerLockHolder(const LedgerLockHolder&) = delete;
  LedgerLockHolder& operator=(const LedgerLockHolder&) = delete;

  // Whether it holds the lock yet.
  bool holds() const { return Child::slurp(held_).find("held") != std::string::npos; }
  void release() {
    if (fd_ >= 0) close(fd_), fd_ = -1;
  }

 private:
  std::string held_;
  int fd_ = -1;
  std::unique_ptr<Child> child_;
};

// How many TCP connections from this machine to 127.0.0.1:`port` are
// established (IPv4).
inline int connectionsTo(int port) {
  std::ifstream tcp("/proc/net/tcp");
  char want[16];
  std::snprintf(want, sizeof want, "0100007F:%04X", port);
  std::string line;
  std::getline(tcp, line);  // the header
  int n = 0;
  while (std::getline(tcp, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    fields >> slot >> local >> remote >> state;
    if (remote == want && state == "01") ++n;
  }
  return n;
}

}  // namespace colo::test
