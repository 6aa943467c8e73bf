#include "colo/inventory/loader.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "colo/inventory/ports.h"
#include "colo/inventory/time.h"
#include "colo/inventory/yaml_reader.h"

namespace colo::inventory {

namespace {

namespace fs = std::filesystem;

std::string q(const std::string& s) {
  return "'" + s + "'";
}

// Parses the YAML of one file into the inventory; structural errors only.
class FileParser {
 public:
  FileParser(std::string file, Inventory& inv, Diagnostics& diags, bool& siteSeen)
      : file_(std::move(file)), inv_(inv), diags_(diags), siteSeen_(siteSeen) {}

  void parse(const YAML::Node& root) {
    if (root.IsNull() || !root.IsDefined()) return;  // an empty file adds nothing
    YamlFields top(root, file_, diags_, "the inventory");
    if (!top.isMap()) return;
    if (auto n = top.node("site"); n.IsDefined()) parseSite(n, top);
    eachItem(top, "racks", [&](const YAML::Node& n) { parseRack(n); });
    eachItem(top, "switches", [&](const YAML::Node& n) { parseSwitch(n); });
    eachItem(top, "vlans", [&](const YAML::Node& n) { parseVlan(n); });
    eachItem(top, "ip_pools", [&](const YAML::Node& n) { parsePool(n); });
  }

 private:
  template <typename F>
  void eachItem(YamlFields& parent, const char* key, F&& f) {
    YAML::Node list = parent.node(key);
    if (!list.IsDefined() || list.IsNull()) return;
    if (!list.IsSequence()) {
      parent.error(locationOf(list, file_),
                   std::string("'") + key + "' must be a list, not " + describe(list));
      return;
    }
    for (const auto& item : list) f(item);
  }

  void parseSite(const YAML::Node& n, YamlFields& top) {
    if (siteSeen_) {
      top.error(locationOf(n, file_), "'site' is given more than once across the inventory");
      return;
    }
    siteSeen_ = true;
    YamlFields f(n, file_, diags_, "site");
    if (auto v = f.string("name", true)) inv_.site.name = *v;
    if (auto v = f.string("timezone", false)) {
      inv_.site.timezone = *v;
      if (!TimeZone::find(*v))
        f.error(f.where("timezone"), "site: unknown timezone " + q(*v) +
                                         " (expected an IANA name such as Asia/Pontianak)");
    }
  }

  void parseRack(const YAML::Node& n) {
    YamlFields f(n, file_, diags_, "rack");
    if (!f.isMap()) return;
    Rack r;
    r.where = f.where();
    if (auto v = f.string("name", true)) {
      r.name = *v;
      f.rename("rack " + q(r.name));
      checkName(f, "name", *v);
    }
    if (auto v = f.string("room", false)) r.room = *v;
    if (auto v = f.integer("height", true, 1, 60)) r.height = static_cast<int>(*v);
    if (auto p = f.node("power", true); p.IsDefined()) {
      YamlFields pf(p, file_, diags_, "power of rack " + q(r.name));
      if (auto d = pf.number("derate", false, 0.1, 1.0)) r.derate = *d;
      YAML::Node feeds = pf.node("feeds", true);
      if (feeds.IsDefined() && !feeds.IsSequence())
        pf.error(locationOf(feeds, file_), "'feeds' must be a list, not " + describe(feeds));
      else if (feeds.IsDefined())
        for (const auto& fn : feeds) {
          YamlFields ff(fn, file_, diags_, "feed of rack " + q(r.name));
          if (!ff.isMap()) continue;
          PowerFeed feed;
          feed.where = ff.where();
          if (auto v = ff.string("name", true)) feed.name = *v;
          if (auto v = ff.integer("capacity_watts", true, 1, 1000000))
            feed.capacity_watts = static_cast<int>(*v);
          r.feeds.push_back(std::move(feed));
        }
    }
    if (auto v = f.strings("switches", false)) r.switches = *v;
    if (auto units = f.node("reserved_units"); units.IsDefined() && !units.IsNull()) {
      if (!units.IsSequence()) {
        f.error(locationOf(units, file_),
                "rack " + q(r.name) + ": 'reserved_units' must be a list of unit numbers");
      } else {
        for (const auto& u : units) {
          int value = 0;
          if (!u.IsScalar() || !YAML::convert<int>::decode(u, value))
            f.error(locationOf(u, file_), "rack " + q(r.name) + ": reserved unit " + describe(u) +
                                              " is not a unit number");
          else
            r.reserved_units.push_back(value);
        }
      }
    }
    YAML::Node devices = f.node("devices");
    if (devices.IsDefined() && !devices.IsNull() && !devices.IsSequence())
      f.error(locationOf(devices, file_), "'devices' must be a list, not " + describe(devices));
    else if (devices.IsDefined() && !devices.IsNull())
      for (const auto& dn : devices) parseDevice(dn, r);
    inv_.racks.push_back(std::move(r));
  }

  void parseDevice(const YAML::Node& n, Rack& r) {
    YamlFields f(n, file_, diags_, "device in rack " + q(r.name));
    if (!f.isMap()) return;
    Device d;
    d.where = f.where();
    if (auto v = f.string("name", true)) {
      d.name = *v;
      f.rename("device " + q(d.name));
      checkName(f, "name", *v);
    }
    if (auto v = f.integer("position", true, 1, 60)) d.position = static_cast<int>(*v);
    if (auto v = f.integer("height", false, 1, 60)) d.height = static_cast<int>(*v);
    if (auto v = f.integer("power_watts", false, 0, 100000)) d.power_watts = static_cast<int>(*v);
    if (auto v = f.string("tenant", false)) {
      d.tenant = *v;
      checkName(f, "tenant", *v);
    }
    if (auto v = f.strings("feeds", false)) d.feeds = *v;
    f.string("model", false);  // free text for the elevation view
    r.devices.push_back(std::move(d));
  }

  void parseSwitch(const YAML::Node& n) {
    YamlFields f(n, file_, diags_, "switch");
    if (!f.isMap()) return;
    Switch s;
    s.where = f.where();
    if (auto v = f.string("name", true)) {
      s.name = *v;
      f.rename("switch " + q(s.name));
      checkName(f, "name", *v);
    }
    if (auto v = f.string("vendor", true)) s.vendor = *v;
    if (auto v = f.string("address", true)) {
      s.address = *v;
      if (!IpAddress::parse(*v) && !isHostName(*v))
        f.error(f.where("address"), "switch " + q(s.name) + ": address " + q(*v) +
                                        " is neither an IP address nor a host name");
    }
    if (auto v = f.integer("port", false, 1, 65535)) s.port = static_cast<int>(*v);
    if (auto v = f.string("credentials", true)) s.credentials = *v;
    if (auto v = f.strings("access_ports", true)) {
      std::string joined;
      for (const auto& item : *v) joined += (joined.empty() ? "" : ",") + item;
      std::string why;
      if (auto ports = expandPortRange(joined, &why))
        s.access_ports = std::move(*ports);
      else
        f.error(f.where("access_ports"),
                "switch " + q(s.name) + ": bad port range in 'access_ports': " + why);
    }
    if (auto v = f.strings("in_use", false)) {
      for (const auto& item : *v) {
        std::string why;
        if (auto ports = expandPortRange(item, &why))
          s.in_use.insert(s.in_use.end(), ports->begin(), ports->end());
        else
          f.error(f.where("in_use"), "switch " + q(s.name) + ": bad port in 'in_use': " + why);
      }
    }
    f.string("model", false);
    inv_.switches.push_back(std::move(s));
  }

  void parseVlan(const YAML::Node& n) {
    YamlFields f(n, file_, diags_, "vlan");
    if (!f.isMap()) return;
    Vlan v;
    v.where = f.where();
    if (auto id = f.integer("id", true, 1, 4094)) v.id = static_cast<int>(*id);
    if (auto name = f.string("name", true)) {
      v.name = *name;
      checkName(f, "name", *name);
    }
    inv_.vlans.push_back(std::move(v));
  }

  void parsePool(const YAML::Node& n) {
    YamlFields f(n, file_, diags_, "ip pool");
    if (!f.isMap()) return;
    IpPool p;
    p.where = f.where();
    bool prefixOk = false;
    if (auto v = f.string("name", true)) {
      p.name = *v;
      f.rename("ip pool " + q(p.name));
      checkName(f, "name", *v);
    }
    if (auto v = f.string("prefix", true)) {
      std::string why;
      if (auto prefix = IpPrefix::parse(*v, &why)) {
        p.prefix = *prefix;
        prefixOk = true;
      } else {
        f.error(f.where("prefix"),
                "ip pool " + q(p.name) + ": bad CIDR prefix " + q(*v) + ": " + why);
      }
    }
    if (auto v = f.string("gateway", false)) {
      auto gw = IpAddress::parse(*v);
      if (!gw)
        f.error(f.where("gateway"),
                "ip pool " + q(p.name) + ": gateway " + q(*v) + " is not an IP address");
      else if (prefixOk && !p.prefix.contains(*gw))
        f.error(f.where("gateway"), "ip pool " + q(p.name) + ": gateway " + gw->str() +
                                        " is outside its prefix " + p.prefix.str());
      else if (prefixOk && (gw->value < p.firstUsable() || gw->value > p.lastUsable()))
        f.error(f.where("gateway"), "ip pool " + q(p.name) + ": gateway " + gw->str() +
                                        " is the network or broadcast address of " +
                                        p.prefix.str());
      else
        p.gateway = gw;
    }
    if (auto v = f.integer("vlan", true, 1, 4094)) p.vlan = static_cast<int>(*v);
    if (auto v = f.strings("reserved", false)) {
      for (const auto& item : *v) {
        auto range = parseRange(item);
        if (!range) {
          f.error(f.where("reserved"), "ip pool " + q(p.name) + ": reserved " + q(item) +
                                           " is not an address or a range 'first-last'");
        } else if (prefixOk &&
                   (!p.prefix.contains(range->first) || !p.prefix.contains(range->last))) {
          f.error(f.where("reserved"), "ip pool " + q(p.name) + ": reserved " + q(item) +
                                           " is outside the pool's prefix " + p.prefix.str());
        } else {
          p.reserved.push_back(*range);
        }
      }
    }
    if (!prefixOk) return;  // later checks need a prefix; the error is reported
    inv_.pools.push_back(std::move(p));
  }

  static std::optional<AddressRange> parseRange(const std::string& text) {
    auto dash = text.find('-');
    auto a = IpAddress::parse(text.substr(0, dash));
    auto b = dash == std::string::npos ? a : IpAddress::parse(text.substr(dash + 1));
    if (!a || !b || a->v6 != b->v6 || b->value < a->value) return std::nullopt;
    return AddressRange{*a, *b};
  }

  static bool isHostName(const std::string& s) {
    if (s.empty() || s.size() > 253) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
    });
  }

  void checkName(YamlFields& f, const char* key, const std::string& v) {
    if (!isSafeName(v))
      f.error(f.where(key), "'" + std::string(key) + "' " + q(v) +
                                " may only hold letters, digits, '.', '_' and '-' (1 to 63)");
  }

  std::string file_;
  Inventory& inv_;
  Diagnostics& diags_;
  bool& siteSeen_;
};

// Checks of the whole inventory against itself.
class Checker {
 public:
  Checker(Inventory& inv, Diagnostics& diags, const LoadOptions& opt)
      : inv_(inv), diags_(diags), opt_(opt) {}

  void run() {
    uniqueNames(inv_.racks, "rack");
    uniqueNames(inv_.switches, "switch");
    uniqueNames(inv_.pools, "ip pool");
    std::map<int, const Vlan*> vlanIds;
    for (const auto& v : inv_.vlans)
      if (auto [it, fresh] = vlanIds.emplace(v.id, &v); !fresh)
        err(v.where, "duplicate vlan id " + std::to_string(v.id) + " (first at " +
                         it->second->where.str() + ")");
    std::map<std::string, const Device*> deviceNames;
    for (const auto& r : inv_.racks)
      for (const auto& d : r.devices)
        if (auto [it, fresh] = deviceNames.emplace(d.name, &d); !fresh)
          err(d.where,
              "duplicate device name " + q(d.name) + " (first at " + it->second->where.str() + ")");
    inv_.index();
    for (const auto& r : inv_.racks) rack(r);
    std::map<std::string, const Switch*> endpoints;
    for (const auto& s : inv_.switches) {
      switchItem(s);
      auto key = s.address + ":" + std::to_string(s.port);
      if (auto [it, fresh] = endpoints.emplace(key, &s); !fresh)
        err(s.where, "switch " + q(s.name) + " has the same address and port " + key +
                         " as switch " + q(it->second->name));
    }
    for (std::size_t i = 0; i < inv_.pools.size(); ++i) {
      const auto& p = inv_.pools[i];
      if (!inv_.vlan(p.vlan))
        err(p.where, "ip pool " + q(p.name) + ": vlan " + std::to_string(p.vlan) +
                         " is not defined under 'vlans'");
      for (std::size_t j = 0; j < i; ++j)
        if (inv_.pools[j].prefix.overlaps(p.prefix))
          err(p.where, "ip pool " + q(p.name) + " (" + p.prefix.str() + ") overlaps ip pool " +
                           q(inv_.pools[j].name) + " (" + inv_.pools[j].prefix.str() + ")");
    }
  }

 private:
  void err(const SourceLocation& at, std::string msg) { diags_.push_back({at, std::move(msg)}); }

  template <typename T>
  void uniqueNames(const std::vector<T>& items, const char* what) {
    std::map<std::string, const T*> seen;
    for (const auto& item : items)
      if (auto [it, fresh] = seen.emplace(item.name, &item); !fresh)
        err(item.where, std::string("duplicate ") + what + " name " + q(item.name) + " (first at " +
                            it->second->where.str() + ")");
  }

  void rack(const Rack& r) {
    std::set<std::string> feedNames;
    for (const auto& f : r.feeds)
      if (!feedNames.insert(f.name).second)
        err(f.where, "rack " + q(r.name) + ": duplicate feed " + q(f.name));
    if (r.feeds.empty()) err(r.where, "rack " + q(r.name) + " has no power feeds");
    for (const auto& s : r.switches)
      if (!inv_.switchNamed(s))
        err(r.where, "rack " + q(r.name) + " names switch " + q(s) +
                         ", which is not defined under 'switches'");
    for (int u : r.reserved_units)
      if (u < 1 || u > r.height)
        err(r.where, "rack " + q(r.name) + ": reserved unit " + std::to_string(u) +
                         " is outside the rack (1-" + std::to_string(r.height) + ")");
    // Occupancy, unit by unit, to find overlaps.
    std::vector<const Device*> at(static_cast<std::size_t>(r.height) + 1, nullptr);
    std::map<std::string, long> draw;
    for (const auto& d : r.devices) {
      if (d.top() > r.height) {
        err(d.where, "device " + q(d.name) + " occupies units " + std::to_string(d.position) + "-" +
                         std::to_string(d.top()) + ", outside rack " + q(r.name) + " (1-" +
                         std::to_string(r.height) + ")");
      } else {
        for (int u = d.position; u <= d.top(); ++u) {
          auto& slot = at[static_cast<std::size_t>(u)];
          if (slot) {
            err(d.where, "device " + q(d.name) + " overlaps device " + q(slot->name) + " at unit " +
                             std::to_string(u) + " of rack " + q(r.name));
            break;
          }
          slot = &d;
        }
      }
      std::vector<std::string> feeds = d.feeds;
      if (feeds.empty())
        for (const auto& f : r.feeds) feeds.push_back(f.name);
      for (const auto& fname : feeds) {
        auto feed = std::find_if(r.feeds.begin(), r.feeds.end(),
                                 [&](const PowerFeed& f) { return f.name == fname; });
        if (feed == r.feeds.end()) {
          err(d.where, "device " + q(d.name) + " draws from feed " + q(fname) + ", which rack " +
                           q(r.name) + " does not have");
          continue;
        }
        long before = draw[fname];
        long after = before + d.power_watts;
        int usable = r.usableWatts(*feed);
        if (after > usable && before <= usable)
          err(d.where, "device " + q(d.name) + " brings feed " + q(fname) + " to " +
                           std::to_string(after) + " W, more than it carries (" +
                           std::to_string(usable) + " W usable of " +
                           std::to_string(feed->capacity_watts) + " W at derate " +
                           std::to_string(r.derate).substr(0, 4) + ")");
        draw[fname] = after;
      }
    }
  }

  void switchItem(const Switch& s) {
    if (!opt_.vendors.empty() &&
        std::find(opt_.vendors.begin(), opt_.vendors.end(), s.vendor) == opt_.vendors.end()) {
      std::string list;
      for (const auto& v : opt_.vendors) list += (list.empty() ? "" : ", ") + v;
      err(s.where,
          "switch " + q(s.name) + ": unknown vendor " + q(s.vendor) + " (known: " + list + ")");
    }
    if (opt_.credentials && !s.credentials.empty() &&
        std::find(opt_.credentials->begin(), opt_.credentials->end(), s.credentials) ==
            opt_.credentials->end())
      err(s.where, "switch " + q(s.name) + " uses credentials " + q(s.credentials) +
                       ", which the config does not define");
    std::set<std::string> ports;
    for (const auto& p : s.access_ports)
      if (!ports.insert(p).second)
        err(s.where, "switch " + q(s.name) + ": port " + p + " is listed twice in access_ports");
  }

  Inventory& inv_;
  Diagnostics& diags_;
  const LoadOptions& opt_;
};

}  // namespace

LoadResult loadInventory(const std::string& path, const LoadOptions& options) {
  LoadResult result;
  result.inventory.placement = options.placement;
  std::vector<std::string> files;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      auto ext = entry.path().extension();
      if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml"))
        files.push_back(entry.path().string());
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) result.errors.push_back({{path, 0, 0}, "directory has no *.yaml files"});
  } else if (fs::exists(path, ec)) {
    files.push_back(path);
  } else {
    result.errors.push_back({{path, 0, 0}, "inventory not found"});
  }
  // Refused before anything is read: sizes, not contents.
  std::uintmax_t total = 0;
  for (const auto& file : files) {
    auto size = fs::file_size(file, ec);
    if (!ec) total += size;
  }
  if (total > options.max_bytes) {
    result.errors.push_back(
        {{path, 0, 0},
         "the inventory holds " + std::to_string(total) + " bytes of YAML, more than " +
             "limits.inventory_bytes (" + std::to_string(options.max_bytes) +
             "); reading it would take about " + std::to_string(total / (1 << 20) * 65 + 1) +
             " MB of memory, so colo does not. Raise limits.inventory_bytes in the config if "
             "the inventory is meant to be this large"});
    result.inventory.files = files;
    return result;
  }
  bool siteSeen = false, allParsed = true;
  for (const auto& file : files) {
    auto root = parseYamlFile(file, result.errors, options.max_bytes);
    if (!root) {
      allParsed = false;
      continue;
    }
    FileParser(file, result.inventory, result.errors, siteSeen).parse(*root);
  }
  result.inventory.files = files;
  if (!files.empty() && allParsed && !siteSeen)
    result.errors.push_back({{files.front(), 1, 1}, "the inventory has no 'site'"});
  Checker(result.inventory, result.errors, options).run();
  sortByPosition(result.errors);
  result.inventory.index();
  return result;
}

}  // namespace colo::inventory
