// Each vendor dialect's reading of switch output (capture, verify, prompt
// and pager detection, refusals), driven through Device as colo drives a
// switch. The input is what the switch sends: its first byte picks the
// vendor, the rest is the switch's answers, one per read, separated by NUL
// bytes. Whatever the switch sends, colo may only fail with DriverError,
// and every line it sends back is one line of printable text (a captured
// port is replayed on restore).
#include <iterator>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "../../drivers/src/text.h"
#include "colo/drivers/device.h"
#include "colo/drivers/error.h"
#include "fuzz_support.h"

namespace drv = colo::drivers;

namespace {

class ScriptedSwitch : public drv::CliChannel {
 public:
  explicit ScriptedSwitch(std::string_view script) : script_(script) {}

  // One write may hold several lines (configuration typed ahead): each is
  // checked; the commands themselves are checked for line ends where they
  // are made (restorePort, below).
  void send(std::string_view bytes) override {
    while (!bytes.empty()) {
      auto nl = bytes.find('\n');
      auto line = bytes.substr(0, nl);
      if (drv::text::hasControl(line))
        colo::fuzz::finding("colo sent a control character to the switch: " +
                            drv::text::sanitize(line));
      bytes.remove_prefix(nl == std::string_view::npos ? bytes.size() : nl + 1);
    }
  }

  // As SshChannel: carriage returns dropped, the prompt looked for on the
  // last line, output bounded.
  std::string readUntil(const std::regex& prompt, std::chrono::milliseconds) override {
    while (true) {
      auto last = drv::text::lastLine(buffer_);
      if (!last.empty() && std::regex_search(last.begin(), last.end(), prompt)) {
        std::string out = std::move(buffer_);
        buffer_.clear();
        return out;
      }
      if (script_.empty())
        throw drv::DriverError(drv::DriverErrorKind::disconnected, "end of script");
      auto nul = script_.find('\0');
      for (char c : script_.substr(0, nul))
        if (c != '\r') buffer_.push_back(c);
      script_.remove_prefix(nul == std::string_view::npos ? script_.size() : nul + 1);
      if (buffer_.size() > outputLimit_)
        throw drv::DriverError(drv::DriverErrorKind::protocol, "output limit");
    }
  }

 private:
  std::string_view script_;
  std::string buffer_;
};

struct Vendor {
  const char* name;
  const char* port;
};
constexpr Vendor kVendors[] = {{"cisco_ios", "GigabitEthernet1/0/5"},
                               {"arista_eos", "Ethernet5"},
                               {"juniper_junos", "ge-0/0/5"},
                               {"huawei_vrp", "GigabitEthernet0/0/5"},
                               {"hp_comware", "Ten-GigabitEthernet1/0/49"}};

template <typename F>
void step(const char* what, F&& f) {
  colo::fuzz::onlyThrows<drv::DriverError>(what, std::forward<F>(f));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const Vendor& v = kVendors[data[0] % std::size(kVendors)];
  const drv::Dialect* dialect = drv::dialectFor(v.name);
  auto script = colo::fuzz::bytes(data + 1, size - 1);

  // The dialect's parsers on the whole script, as one command's output.
  std::string output = drv::text::sanitize(script);
  (void)dialect->refused(output);
  (void)dialect->trimOutput(output);
  // A reading it cannot account for fails with DriverError, never shortened.
  step("portLines", [&] {
    auto lines = dialect->portLines(output, v.port);
    auto parsed = dialect->parsePort(lines);
    for (const auto& l : dialect->restorePort(v.port, parsed))
      if (l.find('\n') != std::string::npos || drv::text::hasControl(l))
        colo::fuzz::finding("a restore command holds a control character: " +
                            drv::text::sanitize(l));
    (void)dialect->shownLines(dialect->restorePort(v.port, parsed), v.port);
  });

  // The listing of every port (a job's reading of a switch), the same way.
  step("portsLines", [&] {
    const std::vector<std::string> ports = {v.port, "ge-0/0/6", "Ethernet6"};
    for (const auto& lines : dialect->portsLines(output, ports)) {
      auto parsed = dialect->parsePort(lines);
      for (const auto& l : dialect->restorePort(v.port, parsed))
        if (l.find('\n') != std::string::npos || drv::text::hasControl(l))
          colo::fuzz::finding("a restore command holds a control character: " +
                              drv::text::sanitize(l));
    }
  });

  // The cabling check's readers: a DriverError or an answer whose every
  // value is printable (it is stored, logged and shown).
  auto printable = [](const std::string& what, const std::string& value) {
    if (drv::text::hasControl(value) || value.find('\n') != std::string::npos || value.size() > 255)
      colo::fuzz::finding(
          what + " holds a control character or is too long: " + drv::text::sanitize(value));
  };
  step("parseLink", [&] { (void)dialect->parseLink(output, v.port); });
  for (const auto& m : dialect->parseMacs(output)) {
    printable("a MAC table's port", m.port);
    printable("a MAC table's VLAN", m.vlan);
  }
  for (const auto& n : dialect->parseLldp(output))
    for (const auto* f : {&n.system_name, &n.port_id, &n.chassis_id, &n.port_description})
      printable("an LLDP value", *f);

  // The same bytes as a conversation with a switch, at a small output limit
  // so the limit is reached too.
  drv::Device device("sw1", std::make_unique<ScriptedSwitch>(script), *dialect,
                     std::chrono::seconds(1), "enable-secret", 64 * 1024);
  step("open", [&] { device.open(); });
  step("run", [&] { (void)device.run("show version"); });
  drv::PortState captured;
  bool read = false;
  step("readPort", [&] {
    captured = device.readPort(v.port);
    read = true;
  });
  step("readPorts", [&] { (void)device.readPorts({v.port, v.port}); });
  if (read) step("configure", [&] { device.configure(dialect->restorePort(v.port, captured)); });
  step("save", [&] { device.save(); });
  return 0;
}
