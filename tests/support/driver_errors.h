// What a reading of switch output throws, for tests of the dialects.
#pragma once

#include <catch2/catch.hpp>

#include <functional>
#include <string>

#include "colo/drivers/error.h"

namespace colo::test {

// The message of the DriverError(protocol) that `f` throws; fails the test
// when it throws nothing.
inline std::string protocolError(const std::function<void()>& f) {
  try {
    f();
  } catch (const colo::drivers::DriverError& e) {
    CHECK(e.kind() == colo::drivers::DriverErrorKind::protocol);
    return e.what();
  }
  FAIL("no DriverError");
  return "";
}

}  // namespace colo::test
