// What Huawei VRP and H3C Comware share (Comware grew out of VRP): user
// view "<HOST>", "system-view" and "[HOST-GigabitEthernet0/0/5]", "undo"
// for "no", changes that take effect as typed, "return" to leave, and
// interface stanzas between "#" lines closed by "return".
#pragma once

#include <regex>

#include "colo/drivers/dialect.h"

namespace colo::drivers::dialects {

class VrpLike : public Dialect {
 public:
  // Login lands in user view; the name in it then anchors every prompt
  // (hostPromptPattern), so a "[V200R009C00SPC500]" line is not one.
  std::string promptPattern() const override { return R"(^<[^<>\[\]\s]{1,64}>\s*$)"; }
  std::string hostOf(std::string_view promptLine) const override;
  std::string hostPromptPattern(std::string_view host) const override;
  std::string morePattern() const override { return R"(---- More ----\s*$)"; }
  // " ESC[1D" after prompts, and the "ESC[42D<spaces>ESC[42D" that wipes a
  // pager prompt, are cursor movements, not text.
  std::string trimOutput(std::string output) const override;
  // "Are you sure to continue?[Y/N]", "Continue? [Y/N]:", "[y/n]",
  // "(y/n)[n]:".
  std::string questionPattern() const override {
    return R"((\[[Yy]/[Nn]\]|\([Yy]/[Nn]\)(\[[YyNn]\])?)\s*:?\s*$)";
  }
  bool saveSucceeded(std::string_view output) const override;

  std::vector<std::string> enterConfig() const override { return {"system-view"}; }
  // Every line took effect as it was typed; "return" leaves for user view.
  std::vector<std::string> commitConfig() const override { return {"return"}; }
  std::vector<std::string> abortConfig() const override { return {"return"}; }

  bool portCommand(std::string_view line, std::string_view port) const override;
  std::string portCommandsHelp() const override;
  std::string showPort(std::string_view port) const override {
    return "display current-configuration interface " + std::string(port);
  }
  std::vector<std::string> portLines(std::string_view output, std::string_view port) const override;
  // Every interface's stanza, between "#" lines, closed by "return".
  std::string showPorts(const std::vector<std::string>& /*ports*/) const override {
    return "display current-configuration interface";
  }
  std::vector<std::vector<std::string>> portsLines(
      std::string_view output, const std::vector<std::string>& ports) const override;
  std::vector<std::string> shownLines(const std::vector<std::string>& commands,
                                      std::string_view port) const override;
  PortState parsePort(const std::vector<std::string>& lines) const override;

  std::string showSavedPort(std::string_view port) const override {
    return "display saved-configuration | begin ^interface " + std::string(port) + "$";
  }
  std::vector<std::string> savedPortLines(std::string_view output,
                                          std::string_view port) const override;

  std::string showLink(std::string_view port) const override {
    return "display interface " + std::string(port);
  }
  std::vector<MacEntry> parseMacs(std::string_view output) const override;
  // "Key : value" per neighbour, from a "... neighbor index :" line on.
  std::vector<LldpNeighbor> parseLldp(std::string_view output) const override;

 protected:
  // The command that puts a port back to its defaults ("clear configuration
  // interface P" in system view, or "default" inside the interface view).
  virtual std::string resetCommand(std::string_view port) const = 0;
  // The line that sets an access port's VLAN, up to the number.
  virtual std::string accessVlanPrefix() const = 0;
  // The mode a port is in when the configuration does not say.
  virtual std::string defaultMode() const { return ""; }
  // Lines the device shows on a port nobody configured (a mode that is the
  // hardware's, not a setting): not part of the port's configuration.
  virtual std::vector<std::string> implicitLines() const { return {}; }
  // A short port name of the device's tables ("GE0/0/1") in full.
  virtual std::string fullName(std::string_view port) const = 0;
};

}  // namespace colo::drivers::dialects
