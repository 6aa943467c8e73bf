// The request parser (design.md §4), JSON and YAML: bytes in, a valid request or
// Error(invalid_input) out. A request that parses has a canonical form that
// parses again to the same fingerprint.
#include <string>

#include "colo/inventory/error.h"
#include "colo/inventory/request.h"
#include "fuzz_support.h"

using colo::inventory::Error;
using colo::inventory::Request;

namespace {

void checkCanonical(const Request& r, const char* from) {
  Request again;
  try {
    again = colo::inventory::parseRequestJson(r.canonical);
  } catch (const Error& e) {
    colo::fuzz::finding(std::string("the canonical form of a ") + from +
                        " request does not parse: " + e.what() + "\n" + r.canonical);
  }
  if (again.fingerprint != r.fingerprint || again.canonical != r.canonical)
    colo::fuzz::finding(std::string("the canonical form of a ") + from +
                        " request is not a fixed point:\n" + r.canonical + "\n" + again.canonical);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto text = colo::fuzz::bytes(data, size);
  colo::fuzz::onlyThrows<Error>(
      "parseRequestJson", [&] { checkCanonical(colo::inventory::parseRequestJson(text), "JSON"); });
  colo::fuzz::onlyThrows<Error>(
      "parseRequestYaml", [&] { checkCanonical(colo::inventory::parseRequestYaml(text), "YAML"); });
  return 0;
}
