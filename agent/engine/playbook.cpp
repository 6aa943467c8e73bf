#include "engine/playbook.h"

#include <algorithm>
#include <filesystem>
#include <regex>

#include "colo/drivers/dialect.h"
#include "colo/drivers/error.h"
#include "colo/drivers/template.h"
#include "colo/inventory/yaml_reader.h"

namespace colo::agent {

using inventory::YamlFields;

namespace {

const std::vector<std::string> kStepOrder = {"reserve", "capture", "apply", "verify", "save", "complete"};
const std::vector<std::string> kRequiredSteps = {"reserve", "capture", "apply", "complete"};
const std::vector<std::string> kPlaceholders = {"port", "vlan", "description", "tenant",
                                                "hostname", "request_id", "nic"};
const std::vector<std::string> kExpectKeys = {"description", "mode", "vlan", "enabled"};

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Placeholders used in `text` that are not known.
std::vector<std::string> unknownPlaceholders(const std::string& text,
                                             const std::vector<std::string>& known) {
  std::vector<std::string> bad;
  static const std::regex re(R"(\{([^}]*)\})");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it)
    if (!contains(known, (*it)[1].str())) bad.push_back((*it)[1].str());
  return bad;
}

void readTemplate(YamlFields& parent, const char* key, const std::string& file,
                  inventory::Diagnostics& errs, PortTemplate& out) {
  YAML::Node n = parent.node(key, true);
  if (!n.IsDefined()) return;
  YamlFields t(n, file, errs, std::string("template '") + key + "'");
  if (auto cmds = t.strings("commands", true)) {
    out.commands = *cmds;
    for (const auto& c : *cmds)
      for (const auto& bad : unknownPlaceholders(c, kPlaceholders))
        t.error(t.where("commands"), std::string("template '") + key + "': unknown placeholder {" +
                                         bad + "} in '" + c + "'");
  }
  YAML::Node e = t.node("expect", false);
  if (e.IsDefined() && !e.IsNull()) {
    YamlFields ef(e, file, errs, std::string("expect of '") + key + "'");
    for (const auto& k : kExpectKeys)
      if (auto v = ef.string(k.c_str(), false)) out.expect[k] = *v;
    if (out.expect.count("enabled") && out.expect["enabled"] != "true" && out.expect["enabled"] != "false")
      ef.error(ef.where("enabled"), "expect: 'enabled' must be true or false");
  }
}

// Renders every command with sample values, as `colo provision` would, and
// refuses what a template must never send: a line with a control character
// (a newline would be a second command), or a command outside the vendor's
// port commands that allow_commands does not name.
void checkRendered(const YAML::Node& file, const std::string& path, inventory::Diagnostics& errs,
                   const char* key, const PortTemplate& t, const drivers::Dialect& dialect,
                   const std::vector<std::string>& allow) {
  static const drivers::TemplateValues kSample = {{"port", "Sample1/0/1"},
                                                  {"vlan", "100"},
                                                  {"description", "colo T host R-1"},
                                                  {"tenant", "T"},
                                                  {"hostname", "host"},
                                                  {"request_id", "R-1"},
                                                  {"nic", "0"}};
  YAML::Node list = file[key] ? file[key]["commands"] : YAML::Node();
  for (std::size_t i = 0; i < t.commands.size(); ++i) {
    const auto& raw = t.commands[i];
    // At the command itself, else at the list.
    auto at = inventory::locationOf(list.IsSequence() && i < list.size() ? list[i] : list, path);
    auto error = [&](std::string message) { errs.push_back({at, std::move(message)}); };
    bool control = std::any_of(raw.begin(), raw.end(), [](char c) {
      return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
    if (control) {
      error(std::string("template '") + key +
            "': a command holds a newline or control character; one line, one command");
      continue;
    }
    std::vector<std::string> rendered;
    try {
      rendered = drivers::renderTemplate(key, {raw}, kSample);
    } catch (const drivers::DriverError& e) {
      error(e.what());
      continue;
    }
    for (const auto& line : rendered) {
      if (dialect.portCommand(line, "Sample1/0/1")) continue;
      if (std::any_of(allow.begin(), allow.end(),
                      [&](const std::string& a) { return line.rfind(a, 0) == 0; }))
        continue;
      error(std::string("template '") + key + "': '" + raw +
            "' is not a port command colo sends on its own for " + std::string(dialect.name()) +
            " (" + dialect.portCommandsHelp() +
            "); if it must be sent, name it under allow_commands:");
    }
  }
}

}  // namespace

bool Playbooks::has(const std::string& step) const { return contains(steps, step); }

PlaybookResult loadPlaybooks(const std::string& dir, const std::vector<std::string>& vendors) {
  PlaybookResult out;
  Playbooks& pb = out.playbooks;
  auto& errs = out.errors;
  pb.dir = dir;
  std::string file = dir + "/provision.yaml";
  if (auto root = inventory::parseYamlFile(file, errs, 1 << 20)) {
    YamlFields f(*root, file, errs, "the workflow");
    if (auto steps = f.strings("steps", true)) {
      pb.steps = *steps;
      std::size_t last = 0;
      for (const auto& s : *steps) {
        auto pos = std::find(kStepOrder.begin(), kStepOrder.end(), s);
        if (pos == kStepOrder.end()) {
          f.error(f.where("steps"), "unknown step '" + s + "' (known: reserve, capture, apply, verify, save, complete)");
          continue;
        }
        auto idx = static_cast<std::size_t>(pos - kStepOrder.begin());
        if (idx < last) f.error(f.where("steps"), "step '" + s + "' is out of order");
        last = idx;
      }
      for (const auto& r : kRequiredSteps)
        if (!contains(*steps, r)) f.error(f.where("steps"), "the workflow must include step '" + r + "'");
    }
    if (auto d = f.string("port_description", true)) {
      pb.port_description = *d;
      for (const auto& bad : unknownPlaceholders(*d, {"tenant", "hostname", "request_id", "nic"}))
        f.error(f.where("port_description"), "unknown placeholder {" + bad + "} in port_description");
    }
  }
  for (const auto& vendor : vendors) {
    std::string tfile = dir + "/templates/" + vendor + ".yaml";
    if (!std::filesystem::exists(tfile)) continue;
    auto root = inventory::parseYamlFile(tfile, errs, 1 << 20);
    if (!root) continue;
    YamlFields f(*root, tfile, errs, "templates of " + vendor);
    VendorTemplates vt;
    vt.file = tfile;
    if (auto v = f.string("vendor", true); v && *v != vendor)
      f.error(f.where("vendor"), "file is for vendor '" + *v + "', expected '" + vendor + "'");
    if (auto allow = f.strings("allow_commands", false)) vt.allow_commands = *allow;
    readTemplate(f, "configure_port", tfile, errs, vt.configure);
    readTemplate(f, "unconfigure_port", tfile, errs, vt.unconfigure);
    if (const auto* dialect = drivers::dialectFor(vendor)) {
      checkRendered(*root, tfile, errs, "configure_port", vt.configure, *dialect,
                    vt.allow_commands);
      checkRendered(*root, tfile, errs, "unconfigure_port", vt.unconfigure, *dialect,
                    vt.allow_commands);
    }
    pb.vendors.emplace(vendor, std::move(vt));
  }
  inventory::sortByPosition(errs);
  return out;
}

}  // namespace colo::agent
