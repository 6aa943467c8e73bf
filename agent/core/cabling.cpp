#include "core/cabling.h"

#include <nlohmann/json.hpp>

#include "colo/inventory/time.h"

namespace colo::agent {

using nlohmann::json;

bool CablingReport::ok() const {
  if (nics.empty()) return false;
  for (const auto& n : nics)
    if (n.verdict != "ok") return false;
  return true;
}

json cablingJson(const CablingReport& report) {
  json nics = json::array();
  for (const auto& n : report.nics) {
    json lldp = nullptr;
    if (n.lldp)
      lldp = {{"system_name", n.lldp->system_name},
              {"port_id", n.lldp->port_id},
              {"chassis_id", n.lldp->chassis_id},
              {"port_description", n.lldp->port_description}};
    nics.push_back({{"hostname", n.hostname},
                    {"nic", n.nic},
                    {"switch", n.switch_name},
                    {"port", n.port},
                    {"verdict", n.verdict},
                    {"link", n.link.empty() ? json(nullptr) : json(n.link)},
                    {"macs", n.macs},
                    {"lldp", lldp},
                    {"expected_mac", n.expected_mac.empty() ? json(nullptr) : json(n.expected_mac)},
                    {"found_on", n.found_on.empty() ? json(nullptr) : json(n.found_on)},
                    {"input_errors", n.input_errors ? json(*n.input_errors) : json(nullptr)},
                    {"detail", n.detail}});
  }
  return {{"request_id", report.request_id}, {"nics", nics}};
}

CablingReport cablingFromJson(const json& j) {
  CablingReport r;
  auto text = [](const json& o, const char* key) {
    auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  r.request_id = text(j, "request_id");
  if (!j.contains("nics") || !j["nics"].is_array()) return r;
  for (const auto& o : j["nics"]) {
    if (!o.is_object()) continue;
    NicCabling n;
    n.hostname = text(o, "hostname");
    n.nic = o.value("nic", 0);
    n.switch_name = text(o, "switch");
    n.port = text(o, "port");
    n.verdict = text(o, "verdict");
    n.link = text(o, "link");
    if (o.contains("macs") && o["macs"].is_array())
      for (const auto& m : o["macs"])
        if (m.is_string()) n.macs.push_back(m.get<std::string>());
    if (o.contains("lldp") && o["lldp"].is_object()) {
      const auto& l = o["lldp"];
      n.lldp = LldpSeen{text(l, "system_name"), text(l, "port_id"), text(l, "chassis_id"),
                        text(l, "port_description")};
    }
    n.expected_mac = text(o, "expected_mac");
    n.found_on = text(o, "found_on");
    if (o.contains("input_errors") && o["input_errors"].is_number_unsigned())
      n.input_errors = o["input_errors"].get<std::uint64_t>();
    n.detail = text(o, "detail");
    r.nics.push_back(std::move(n));
  }
  return r;
}

std::string cablingSummary(const CablingReport& report) {
  std::map<std::string, int> counts;
  for (const auto& n : report.nics) ++counts[n.verdict];
  std::string out =
      std::to_string(report.nics.size()) + (report.nics.size() == 1 ? " NIC" : " NICs");
  bool first = true;
  for (const char* v : {"ok", "no_link", "wrong_server", "unverified", "disabled"}) {
    if (!counts.count(v)) continue;
    out += (first ? ": " : ", ") + std::to_string(counts[v]) + " " + v;
    first = false;
  }
  return out;
}

namespace {

json when(std::int64_t ms) {
  if (ms <= 0) return nullptr;
  return inventory::isoUtcMs(ms);
}

}  // namespace

json checkJson(const inventory::CablingCheck& c) {
  json j = {{"id", c.id},
            {"state", c.state},
            {"requested_by", c.requested_by},
            {"requested_at", when(c.requested_at)},
            {"started_at", when(c.started_at)},
            {"finished_at", when(c.finished_at)},
            {"ok", c.state == "done" && c.ok}};
  if (c.state == "done") {
    auto parsed = json::parse(c.result, nullptr, false);
    j["nics"] =
        parsed.is_discarded() ? json::array() : cablingJson(cablingFromJson(parsed))["nics"];
  }
  if (c.state == "failed") j["error"] = c.error;
  return j;
}

std::map<std::string, std::int64_t> verifiedAt(const std::vector<inventory::CablingCheck>& checks) {
  std::map<std::string, std::int64_t> out;
  for (const auto& c : checks) {
    if (c.state != "done") continue;
    auto parsed = json::parse(c.result, nullptr, false);
    if (parsed.is_discarded()) continue;
    std::map<std::string, bool> all;  // per server: every NIC ok
    for (const auto& n : cablingFromJson(parsed).nics) {
      auto [it, fresh] = all.emplace(n.hostname, true);
      it->second = it->second && n.verdict == "ok";
    }
    for (const auto& [host, ok] : all)
      if (ok && c.finished_at > out[host]) out[host] = c.finished_at;
  }
  return out;
}

}  // namespace colo::agent
