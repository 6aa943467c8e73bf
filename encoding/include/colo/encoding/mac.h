// Ethernet MAC addresses as people and switches write them: Cisco's
// "0050.56a3.1b2c", "00:50:56:A3:1B:2C", "00-50-56-a3-1b-2c", Huawei's and
// H3C's "0050-56a3-1b2c" and bare "005056a31b2c". colo keeps one form, lower case with colons.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace colo::encoding {

// "00:50:56:a3:1b:2c" for any of the forms above; nullopt for anything else.
std::optional<std::string> canonicalMac(std::string_view text);
// A canonical MAC in Cisco's dotted form, "0050.56a3.1b2c".
std::string dottedMac(std::string_view canonical);
// ... and in Huawei's and H3C's form, "0050-56a3-1b2c".
std::string dashedMac(std::string_view canonical);

}  // namespace colo::encoding
