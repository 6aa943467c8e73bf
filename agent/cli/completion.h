// `colo completion bash`.
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace colo::agent {

// A bash completion script for `app`, made from its own subcommands and
// options, so it cannot fall behind them: subcommands, each one's options and
// the global ones; files where a file is asked for, the statuses after
// --status, the roles after --role.
std::string bashCompletion(const CLI::App& app);

}  // namespace colo::agent
