// How the CLI shows things to people: tables, colour on a terminal only
// (never with NO_COLOR), and JSON with --json.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "colo/inventory/plan.h"
#include "colo/inventory/usage.h"
#include "core/views.h"

namespace colo::agent {

void print(const nlohmann::json& j);
std::string paint(const std::string& text, const char* sgr);
// "R04-A 4650/4000 W (98%!!)": one '!' from 80% of usable, two from 95%.
std::string watts(const inventory::FeedUsage& f);
// "R01: feed R01-A at 96% of usable ...", red when critical, else yellow.
std::string warningLine(const std::string& rack, const RackWarning& w);
// A plan as a table: server, rack, units, power, then a row per NIC.
std::string planText(const inventory::Plan& plan);

}  // namespace colo::agent
