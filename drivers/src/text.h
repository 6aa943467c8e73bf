// Bounded text helpers for what switches send. A switch's output is
// untrusted: pattern matching only ever looks at a bounded window of it, and
// nothing colo stores, prints or replays carries terminal control sequences.
#pragma once

#include <functional>
#include <map>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "colo/drivers/error.h"

namespace colo::drivers::text {

// The longest line a prompt or an error marker is looked for in: a longer
// line is neither.
inline constexpr std::size_t kWindow = 256;

// The last line of `s` (after the last '\n'); empty when it is longer than
// kWindow, since no prompt is that long.
std::string_view lastLine(std::string_view s);

// Whether `re` matches within the first kWindow bytes of any line of `s`.
bool anyLineMatches(std::string_view s, const std::regex& re);

// `s` without terminal escape sequences (CSI, OSC, two-byte ESC) and without
// control characters other than tab and newline.
std::string sanitize(std::string_view s);
bool hasControl(std::string_view s);

// The error for a line in a configuration reading that is not configuration
// (docs/design.md §8): `where` says where it was ("inside the port's
// configuration").
DriverError doubt(std::string_view line, const char* where);

// The error for a port the switch writes otherwise than the inventory
// ("GE0/0/5" for "GigabitEthernet0/0/5"): `shown` is the switch's name.
DriverError otherName(std::string_view port, std::string_view shown);

// The interface stanzas of a configuration listing that shows many ports
// ("interface NAME", then its indented lines), read strictly: `framing`
// says which other unindented lines are the device's own (separators, a
// version line); anything else throws doubt(). When `closing` is not
// empty, the listing must end with that line (a listing cut off at a
// prompt-shaped line does not), and nothing may follow it.
using Stanzas = std::map<std::string, std::vector<std::string>, std::less<>>;
Stanzas stanzas(std::string_view output, const std::function<bool(const std::string&)>& framing,
                std::string_view closing);

// The lines of each of `ports` in `found`, in order. A port not there is an
// error: otherName() when `sameAs(port, name)` holds for a stanza's name,
// otherwise one saying the listing does not show the port.
std::vector<std::vector<std::string>> stanzasOf(
    const Stanzas& found, const std::vector<std::string>& ports,
    const std::function<bool(std::string_view port, std::string_view name)>& sameAs);

}  // namespace colo::drivers::text
