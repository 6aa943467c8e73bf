#include <sys/stat.h>

#include "cli/cli.h"

int main(int argc, char** argv) {
  // The ledger (with its WAL files), lock files and anything else colo
  // creates hold the data center's state: owner only (0600 files, 0700
  // folders), whatever the caller's umask.
  ::umask(077);
  return colo::agent::runCli(argc, argv);
}
