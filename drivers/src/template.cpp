#include "colo/drivers/template.h"

#include "colo/drivers/error.h"

namespace colo::drivers {

namespace {

std::string describeChar(char c) {
  auto u = static_cast<unsigned char>(c);
  if (c == '\n') return "a line break";
  if (c == '\r') return "a carriage return";
  if (c == '\t') return "a tab";
  if (u < 0x20 || u == 0x7f) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "control character 0x%02x", u);
    return buf;
  }
  if (u >= 0x80) return "a non-ASCII character";
  return std::string("'") + c + "'";
}

bool allowed(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ' ' ||
         c == '.' || c == '_' || c == ':' || c == '/' || c == '(' || c == ')' || c == '-';
}

}  // namespace

void checkCliValue(std::string_view name, std::string_view value) {
  auto fail = [&](const std::string& why) {
    throw DriverError(DriverErrorKind::invalid_value,
                      "value of '" + std::string(name) + "' is not safe for a switch CLI: " + why);
  };
  if (value.empty()) fail("it is empty");
  if (value.size() > 128) fail("it is longer than 128 characters");
  for (std::size_t i = 0; i < value.size(); ++i)
    if (!allowed(value[i]))
      fail("it contains " + describeChar(value[i]) + " at position " + std::to_string(i + 1));
  if (value.front() == ' ' || value.back() == ' ' || value.find("  ") != std::string_view::npos)
    fail("leading, trailing or double spaces");
}

std::string renderLine(std::string_view templateName, std::string_view line,
                       const TemplateValues& values) {
  std::string out;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] != '{') {
      out.push_back(line[i]);
      continue;
    }
    auto close = line.find('}', i);
    if (close == std::string_view::npos)
      throw DriverError(DriverErrorKind::invalid_value,
                        "template " + std::string(templateName) + ": unclosed '{' in '" + std::string(line) + "'");
    auto name = line.substr(i + 1, close - i - 1);
    auto it = values.find(name);
    if (it == values.end())
      throw DriverError(DriverErrorKind::invalid_value,
                        "template " + std::string(templateName) + ": unknown placeholder {" +
                            std::string(name) + "} in '" + std::string(line) + "'");
    checkCliValue(name, it->second);
    out += it->second;
    i = close;
  }
  // The template itself comes from an administrator; still, a line break
  // must never reach the device inside one command.
  for (char c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      throw DriverError(DriverErrorKind::invalid_value,
                        "template " + std::string(templateName) + " renders a control character in '" + out + "'");
  return out;
}

std::vector<std::string> renderTemplate(std::string_view templateName,
                                        const std::vector<std::string>& lines,
                                        const TemplateValues& values) {
  std::vector<std::string> out;
  for (const auto& l : lines) out.push_back(renderLine(templateName, l, values));
  return out;
}

}  // namespace colo::drivers
