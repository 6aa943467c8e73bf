// A rack's elevation as SVG: the picture an administrator knows from NetBox
// and openDCIM. Front view, unit numbers on both sides, installed devices,
// colo's servers in their tenant's colour with a legend, reserved units
// hatched, free runs labelled with their size; hover (an SVG <title>) gives
// the details. Used by `colo rack NAME --svg`, `GET
// /v1/racks/{name}/elevation.svg` and the console's rack page.
#pragma once

#include <string>
#include <string_view>

#include "colo/inventory/occupancy.h"

namespace colo::agent {

struct ElevationOptions {
  // A standalone document (XML declaration and namespace) rather than SVG
  // inline in an HTML page.
  bool standalone = true;
  // Where a colo server links to: "{id}" is replaced by its request id
  // (URL-encoded); empty for no links.
  std::string request_link;
};

// Every occupant is one <g class="occupant"> carrying data-kind (device,
// claimed, reserved, free), data-name, data-first-unit and data-units; its
// <rect> is at y = top + (height - last unit) x unit height. Tests read the
// geometry from these.
std::string elevationSvg(const inventory::Occupancy& occupancy, std::size_t rack,
                         const ElevationOptions& options = {});

// The colour a tenant is drawn in: the same code always gets the same colour
// (a hash into a palette that stays readable with white text).
std::string tenantColour(const std::string& tenant);

// `text` safe inside XML or HTML text and attribute values.
std::string xmlEscape(const std::string& text);

// `s` percent-encoded for a URL's path segment or query value (RFC 3986
// unreserved characters stay).
std::string urlEncode(std::string_view s);

}  // namespace colo::agent
