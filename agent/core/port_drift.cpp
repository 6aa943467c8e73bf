#include "core/port_drift.h"

#include <algorithm>

namespace colo::agent {

namespace {

std::string unquoted(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), '"'), s.end());
  return s;
}

bool holds(const std::vector<std::string>& lines, const std::string& line) {
  auto want = unquoted(line);
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& l) { return unquoted(l) == want; });
}

}  // namespace

std::string PortDrift::diff() const {
  const auto& shown = kind == "unsaved" ? saved : running;
  std::string out = std::string("--- ") + (kind == "foreign" ? "unused" : "intent") + "\n+++ " +
                    (kind == "unsaved" ? "saved" : "running") + "\n";
  std::vector<std::string> seen;  // intent lines, once each (Junos shows a description two ways)
  for (const auto& l : intent) {
    if (holds(seen, l)) continue;
    seen.push_back(l);
    out += (holds(shown, l) ? "  " : "- ") + l + "\n";
  }
  for (const auto& l : shown)
    if (!holds(intent, l)) out += "+ " + l + "\n";
  return out;
}

bool ReconcileReport::clean() const {
  return std::all_of(switches.begin(), switches.end(),
                     [](const SwitchDrift& s) { return s.error.empty() && s.ports.empty(); });
}

std::size_t ReconcileReport::count(const std::string& kind) const {
  std::size_t n = 0;
  for (const auto& s : switches)
    for (const auto& p : s.ports) n += p.kind == kind;
  return n;
}

}  // namespace colo::agent
