#include "core/build_info.h"

namespace colo::agent {

// Given by CMake to this file alone: a new revision recompiles one file.
const char* coloVersion() {
  return COLO_VERSION;
}
const char* coloRevision() {
  return COLO_REVISION;
}

}  // namespace colo::agent
