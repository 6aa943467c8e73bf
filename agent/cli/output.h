// How the CLI shows things to people: tables, colour on a terminal only
// (never with NO_COLOR), and JSON with --json.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "colo/inventory/plan.h"
#include "colo/inventory/usage.h"

namespace colo::agent {

void print(const nlohmann::json& j);
std::string paint(const std::string& text, const char* sgr);
// "R04-A 4650/4000 W (98%!!)": one '!' from 80% of usable, two from 95%.
std::string watts(const inventory::FeedUsage& f);
// A rack's warnings, one line each, red when critical.
std::vector<std::string> rackWarningLines(const inventory::RackUsage& r);
// A plan as a table: server, rack, units, power, then a row per NIC.
std::string planText(const inventory::Plan& plan);

}  // namespace colo::agent
