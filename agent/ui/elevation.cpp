#include "ui/elevation.h"

#include <array>
#include <map>
#include <string_view>

namespace colo::agent {

namespace inv = colo::inventory;

namespace {

constexpr int kUnit = 20;     // px per rack unit
constexpr int kGutter = 30;   // unit numbers, each side
constexpr int kInside = 300;  // the rack's mounting width
constexpr int kTop = 34;      // title
constexpr int kLegendRow = 20;

std::string px(int v) {
  return std::to_string(v);
}

// Shorter than the width allows: the whole name is in the hover title.
std::string fit(const std::string& s, std::size_t chars) {
  if (s.size() <= chars) return s;
  std::size_t cut = chars - 1;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xc0) == 0x80) --cut;  // UTF-8
  return s.substr(0, cut) + "\u2026";
}

struct Run {
  const inv::UnitOccupant* who;
  int low = 0, high = 0;  // units, inclusive
};

bool same(const inv::UnitOccupant& a, const inv::UnitOccupant& b) {
  return a.kind == b.kind && a.name == b.name && a.request_id == b.request_id;
}

const char* kindName(inv::UnitOccupant::Kind k) {
  switch (k) {
    case inv::UnitOccupant::Kind::free:
      return "free";
    case inv::UnitOccupant::Kind::reserved:
      return "reserved";
    case inv::UnitOccupant::Kind::device:
      return "device";
    case inv::UnitOccupant::Kind::claimed:
      return "claimed";
  }
  return "free";
}

}  // namespace

std::string xmlEscape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string urlEncode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string tenantColour(const std::string& tenant) {
  // Twelve hues dark enough for white text (WCAG AA at this size).
  static constexpr std::array<const char*, 12> kPalette = {
      "#1f6fb2", "#b5472f", "#2e7d32", "#7b3fa0", "#a15c00", "#00796b",
      "#c2185b", "#455a9c", "#6d6a00", "#8d4b2f", "#00838f", "#5d4a9c"};
  std::uint32_t h = 2166136261u;  // FNV-1a
  for (unsigned char c : tenant) h = (h ^ c) * 16777619u;
  return kPalette[h % kPalette.size()];
}

std::string elevationSvg(const inv::Occupancy& occ, std::size_t r, const ElevationOptions& opt) {
  const auto& rack = occ.inventory().racks[r];
  const auto& units = occ.units(r);
  const int height = static_cast<int>(units.size()) - 1;

  std::vector<Run> runs;
  for (int u = height; u >= 1; --u) {
    if (!runs.empty() && same(*runs.back().who, units[u])) {
      runs.back().low = u;
      continue;
    }
    runs.push_back({&units[u], u, u});
  }
  // ", 550 W on R04-A+R04-B": what an occupant draws, for its hover text.
  std::map<std::pair<std::string, std::string>, const inv::PowerLoad*> loads;
  for (const auto& l : occ.loads(r)) loads[{l.name, l.request_id}] = &l;
  auto power = [&](const inv::UnitOccupant& o) -> std::string {
    auto it = loads.find({o.name, o.request_id});
    if (it == loads.end()) return "";
    std::string feeds;
    for (auto f : it->second->feeds) feeds += (feeds.empty() ? "" : "+") + rack.feeds[f].name;
    return ", " + std::to_string(it->second->watts) + " W" + (feeds.empty() ? "" : " on " + feeds);
  };
  std::map<std::string, std::string> legend;  // tenant -> colour
  for (const auto& run : runs)
    if (!run.who->tenant.empty()) legend.emplace(run.who->tenant, tenantColour(run.who->tenant));

  const int width = kGutter * 2 + kInside;
  const int rackBottom = kTop + height * kUnit;
  const int legendRows = static_cast<int>(legend.size()) + 2;  // + reserved, free
  const int total = rackBottom + 16 + legendRows * kLegendRow;
  const std::string hatch = "hatch-" + std::to_string(r);

  std::string s;
  s.reserve(4096 + runs.size() * 512);
  if (opt.standalone) s += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  s += "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"elevation\" width=\"" + px(width) +
       "\" height=\"" + px(total) + "\" viewBox=\"0 0 " + px(width) + " " + px(total) +
       "\" role=\"img\" aria-label=\"rack " + xmlEscape(rack.name) + " elevation\" data-rack=\"" +
       xmlEscape(rack.name) + "\" data-height=\"" + px(height) + "\" data-unit-px=\"" + px(kUnit) +
       "\" data-top=\"" + px(kTop) + "\" font-family=\"system-ui, sans-serif\" font-size=\"12\">\n";
  s +=
      "<defs><pattern id=\"" + hatch +
      "\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
      "<rect width=\"8\" height=\"8\" fill=\"#eceff1\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"8\" "
      "stroke=\"#90a4ae\" stroke-width=\"3\"/></pattern></defs>\n";
  s += "<text x=\"" + px(width / 2) + "\" y=\"20\" text-anchor=\"middle\" font-size=\"15\" " +
       "font-weight=\"bold\">" + xmlEscape(rack.name) + " \u00b7 " + xmlEscape(rack.room) +
       " \u00b7 front</text>\n";
  // The frame and the unit numbers (1 at the bottom, as racks are labelled).
  s += "<rect x=\"" + px(kGutter - 2) + "\" y=\"" + px(kTop - 2) + "\" width=\"" + px(kInside + 4) +
       "\" height=\"" + px(height * kUnit + 4) + "\" fill=\"#37474f\" rx=\"3\"/>\n";
  for (int u = 1; u <= height; ++u) {
    int y = kTop + (height - u) * kUnit + kUnit / 2 + 4;
    s += "<text x=\"" + px(kGutter - 6) + "\" y=\"" + px(y) + "\" text-anchor=\"end\" " +
         "fill=\"#607d8b\" font-size=\"10\">" + px(u) + "</text><text x=\"" +
         px(kGutter + kInside + 6) + "\" y=\"" + px(y) + "\" fill=\"#607d8b\" font-size=\"10\">" +
         px(u) + "</text>\n";
  }
  for (const auto& run : runs) {
    const auto& o = *run.who;
    int n = run.high - run.low + 1;
    int y = kTop + (height - run.high) * kUnit;
    int h = n * kUnit;
    std::string fill, label, detail, textColour = "#ffffff";
    using K = inv::UnitOccupant::Kind;
    switch (o.kind) {
      case K::free:
        fill = "#ffffff";
        textColour = "#607d8b";
        label = std::to_string(n) + " U free";
        detail = "U" + std::to_string(run.low) + (n > 1 ? "-" + std::to_string(run.high) : "") +
                 ": " + label;
        break;
      case K::reserved:
        fill = "url(#" + hatch + ")";
        textColour = "#37474f";
        label = "reserved";
        detail = "U" + std::to_string(run.low) + (n > 1 ? "-" + std::to_string(run.high) : "") +
                 ": reserved (never allocated)";
        break;
      case K::device:
      case K::claimed:
        fill = o.tenant.empty() ? "#78909c" : tenantColour(o.tenant);
        label = o.name;
        detail = o.name + (o.tenant.empty() ? "" : " (" + o.tenant + ")") + ", U" +
                 std::to_string(run.low) + (n > 1 ? "-" + std::to_string(run.high) : "") +
                 power(o) +
                 (o.kind != K::claimed   ? ", installed"
                  : o.request_id.empty() ? ", colo"
                                         : ", request " + o.request_id + " (colo)");
        break;
    }
    std::string link = o.kind == K::claimed && !o.request_id.empty() && !opt.request_link.empty()
                           ? opt.request_link
                           : "";
    if (auto at = link.find("{id}"); at != std::string::npos)
      link.replace(at, 4, urlEncode(o.request_id));
    s += "<g class=\"occupant\" data-kind=\"" + std::string(kindName(o.kind)) + "\" data-name=\"" +
         xmlEscape(o.name) + "\" data-tenant=\"" + xmlEscape(o.tenant) + "\" data-request=\"" +
         xmlEscape(o.request_id) + "\" data-first-unit=\"" + px(run.low) + "\" data-units=\"" +
         px(n) + "\">";
    if (!link.empty()) s += "<a href=\"" + xmlEscape(link) + "\">";
    s += "<title>" + xmlEscape(detail) + "</title>";
    s += "<rect x=\"" + px(kGutter + 1) + "\" y=\"" + px(y + 1) + "\" width=\"" + px(kInside - 2) +
         "\" height=\"" + px(h - 2) + "\" rx=\"2\" fill=\"" + fill + "\"" +
         (o.kind == K::free ? " stroke=\"#cfd8dc\" stroke-dasharray=\"3 3\"" : "") + "/>";
    for (int k = 1; o.kind == K::free && k < n; ++k)  // where each free unit starts
      s += "<line x1=\"" + px(kGutter + 4) + "\" x2=\"" + px(kGutter + kInside - 4) + "\" y1=\"" +
           px(y + k * kUnit) + "\" y2=\"" + px(y + k * kUnit) + "\" stroke=\"#eceff1\"/>";
    if (o.kind == K::claimed)  // colo's own: a light band on the left
      s += "<rect x=\"" + px(kGutter + 1) + "\" y=\"" + px(y + 1) + "\" width=\"6\" height=\"" +
           px(h - 2) + "\" fill=\"#ffffff\" fill-opacity=\"0.6\"/>";
    s += "<text x=\"" + px(kGutter + 14) + "\" y=\"" + px(y + h / 2 + 4) + "\" fill=\"" +
         textColour + "\">" + xmlEscape(fit(label, 34)) + "</text>";
    if (!o.tenant.empty())
      s += "<text x=\"" + px(kGutter + kInside - 8) + "\" y=\"" + px(y + h / 2 + 4) +
           "\" text-anchor=\"end\" fill=\"" + textColour + "\" font-size=\"10\">" +
           xmlEscape(fit(o.tenant, 12)) + "</text>";
    if (!link.empty()) s += "</a>";
    s += "</g>\n";
  }
  // Legend: tenants in their colours, then reserved and free.
  int y = rackBottom + 16;
  auto swatch = [&](const std::string& fill, const std::string& text, const char* extra) {
    s += "<g class=\"legend\"><rect x=\"" + px(kGutter) + "\" y=\"" + px(y) +
         "\" width=\"14\" height=\"14\" rx=\"2\" fill=\"" + fill + "\"" + extra + "/><text x=\"" +
         px(kGutter + 20) + "\" y=\"" + px(y + 11) + "\">" + xmlEscape(text) + "</text></g>\n";
    y += kLegendRow;
  };
  for (const auto& [tenant, colour] : legend) swatch(colour, tenant, "");
  swatch("url(#" + hatch + ")", "reserved units", "");
  swatch("#ffffff", "free", " stroke=\"#90a4ae\" stroke-dasharray=\"3 3\"");
  s += "</svg>\n";
  return s;
}

}  // namespace colo::agent
