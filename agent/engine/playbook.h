// The provisioning workflow and per-vendor port templates (playbooks/).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "colo/inventory/diagnostics.h"

namespace colo::agent {

struct PortTemplate {
  std::vector<std::string> commands;
  // What the port must look like afterwards: description, mode, vlan,
  // enabled; values may use the same placeholders as the commands.
  std::map<std::string, std::string> expect;
};

struct VendorTemplates {
  std::string file;
  // Command prefixes the administrator allows beyond the vendor's port
  // commands (allow_commands:).
  std::vector<std::string> allow_commands;
  PortTemplate configure;    // configure_port
  PortTemplate unconfigure;  // unconfigure_port
};

struct Playbooks {
  std::string dir;
  std::vector<std::string> steps;
  std::string port_description;
  std::map<std::string, VendorTemplates> vendors;

  bool has(const std::string& step) const;
};

struct PlaybookResult {
  Playbooks playbooks;
  inventory::Diagnostics errors;
};

// Reads DIR/provision.yaml and DIR/templates/<vendor>.yaml for every vendor
// in `vendors` that has a file. Unknown steps, placeholders and expect keys
// are errors.
PlaybookResult loadPlaybooks(const std::string& dir, const std::vector<std::string>& vendors);

}  // namespace colo::agent
