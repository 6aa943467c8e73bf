// The `colo` command line (design.md §14).
#pragma once

namespace colo::agent {

// Runs one command; returns the exit code: 0 success, 1 operation failed,
// 2 bad usage or invalid input.
int runCli(int argc, char** argv);

}  // namespace colo::agent
