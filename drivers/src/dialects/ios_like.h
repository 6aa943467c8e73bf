// What Cisco IOS and Arista EOS share: the shape of prompts, configuration
// mode, '%' error messages and indented interface stanzas.
#pragma once

#include <regex>

#include "colo/drivers/dialect.h"

namespace colo::drivers::dialects {

class IosLike : public Dialect {
 public:
  std::string promptPattern() const override {
    return R"(^[A-Za-z0-9._-]+(\([A-Za-z0-9/._-]+\))?[>#] ?$)";
  }
  std::string morePattern() const override { return R"(--More--\s*$)"; }
  bool refused(std::string_view output) const override;
  bool portCommand(std::string_view line, std::string_view port) const override;
  std::string portCommandsHelp() const override;
  bool unprivileged(std::string_view promptLine) const override {
    auto s = promptLine;
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return !s.empty() && s.back() == '>';
  }
  std::vector<std::string> enterConfig() const override { return {"configure terminal"}; }
  std::vector<std::string> commitConfig() const override { return {"end"}; }
  std::vector<std::string> abortConfig() const override { return {"end"}; }
  std::vector<std::string> save() const override { return {"write memory"}; }
  std::vector<std::string> portLines(std::string_view output, std::string_view port) const override;
  std::vector<std::string> shownLines(const std::vector<std::string>& commands,
                                      std::string_view port) const override;
  PortState parsePort(const std::vector<std::string>& lines) const override;
  // Every interface's stanza, and nothing else (both IOS and EOS list every
  // interface, configured or not).
  std::string showPorts(const std::vector<std::string>& /*ports*/) const override {
    return "show running-config | section ^interface";
  }
  std::vector<std::vector<std::string>> portsLines(
      std::string_view output, const std::vector<std::string>& ports) const override;
  std::vector<std::string> restorePort(std::string_view port,
                                       const PortState& captured) const override;

  // "show startup-config | section ^interface PORT$": the port's stanza.
  std::string showSavedPort(std::string_view port) const override {
    return "show startup-config | section ^interface " + std::string(port) + "$";
  }
  std::vector<std::string> savedPortLines(std::string_view output,
                                          std::string_view port) const override;

  // "show interfaces PORT" reads alike on both: "PORT is up, line protocol
  // is up (connected)" and "N input errors, ...".
  std::string showLink(std::string_view port) const override {
    return "show interfaces " + std::string(port);
  }
  LinkReading parseLink(std::string_view output, std::string_view port) const override;
  std::string showMacsOn(std::string_view port) const override {
    return "show mac address-table interface " + std::string(port);
  }
  std::string showMacWhere(std::string_view mac) const override;
  std::string showLldp(std::string_view port) const override {
    return "show lldp neighbors " + std::string(port) + " detail";
  }
  // IOS's detail blocks ("Chassis id:", "Port id:", "System Name:", or
  // "System Name - not advertised"); EOS overrides.
  std::vector<LldpNeighbor> parseLldp(std::string_view output) const override;

 protected:
  // The mode a port is in when the configuration does not say.
  virtual std::string defaultMode() const { return ""; }
  // Whether showPort() closes the block with an "end" line (IOS does, EOS
  // does not): output without it was cut off.
  virtual bool endsWithEnd() const { return false; }
};

}  // namespace colo::drivers::dialects
