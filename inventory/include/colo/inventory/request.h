// An approved colocation request (design.md §4), strictly validated.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "colo/inventory/model.h"

namespace colo::inventory {

struct NicRequest {
  std::vector<std::string> pools;  // one address from each; they share a VLAN
  // The NIC's MAC address when the request names it (canonical:
  // "00:50:56:a3:1b:2c"), for the cabling check (design.md §17); "" if not.
  std::string mac;
};

struct ServerRequest {
  std::string hostname;
  int units = 1;
  int power_watts = 0;
  bool redundant_power = false;
  std::vector<NicRequest> nics;
};

struct Tenant {
  std::string code;
  std::string name;
};

struct Request {
  std::string id;
  std::string letter_number;
  Tenant tenant;
  std::string received_at;  // RFC 3339 with offset, as sent
  std::vector<ServerRequest> servers;
  std::string callback_url;  // empty when none

  // Canonical JSON of the request (sorted keys, no whitespace) and its
  // SHA-256: "the same request again" means the same fingerprint.
  std::string canonical;
  std::string fingerprint;
};

// Parses and validates a request from JSON text. Throws Error(invalid_input)
// listing every problem, each naming its field ("servers[0].units: ...").
// With a `cpu_budget`, reading and checking stop with Error(invalid_input)
// once the calling thread has spent that much CPU time on them (the agent
// gives each body one; docs/design.md §9).
Request parseRequestJson(std::string_view text, std::chrono::nanoseconds cpu_budget = {});
// The same, with every problem at once: the body's own and what it asks of
// `inventory`, in one InvalidRequest (formatValid() when only the latter).
Request parseRequestJson(std::string_view text, const Inventory& inventory,
                         std::chrono::nanoseconds cpu_budget = {});
// The same for YAML text (a technician's file); scalars keep YAML's types.
Request parseRequestYaml(std::string_view text);
// Reads a request file, JSON or YAML by its extension (.json, .yaml, .yml),
// and checks it in itself and, given an `inventory`, against it: every
// problem at once in one InvalidRequest, whose message has a line per
// problem with its place in the file ("a.json:3:3: letter_numbr: unknown
// field (did you mean 'letter_number'?)"). A file that cannot be read, or
// bad JSON or YAML, is an Error that says why and where.
Request loadRequestFile(const std::string& path, const Inventory* inventory = nullptr);

// Checks a valid request against the inventory: the pools exist and the pools
// of one NIC share a VLAN, and no server is taller than every rack. Throws
// Error(invalid_input) naming the field.
void checkRequestAgainst(const Request& request, const Inventory& inventory);

}  // namespace colo::inventory
