// Which colo this is: its version and the source revision it was built
// from ("unknown" outside a git checkout), for --version, colo_build_info
// and each agent's row in the ledger (design.md §12).
#pragma once

namespace colo::agent {

const char* coloVersion();
const char* coloRevision();

}  // namespace colo::agent
