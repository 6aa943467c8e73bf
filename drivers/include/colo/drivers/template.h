// Command templates with {name} placeholders, and the checks that keep
// unsafe values away from switch CLIs: a value with a line break, a control
// character or a character a CLI interprets (| ; ? ! " ' # $ \ ` { } < >)
// fails before anything is sent.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace colo::drivers {

using TemplateValues = std::map<std::string, std::string, std::less<>>;

// Throws DriverError(invalid_value) naming the value and the character at
// fault. Allowed: letters, digits, space and . _ : / ( ) - ; 1 to 128
// characters; no leading, trailing or double spaces.
void checkCliValue(std::string_view name, std::string_view value);

// Renders each line, replacing {name} with values[name]; every value used is
// checked first. An unknown placeholder is an error naming the template.
std::vector<std::string> renderTemplate(std::string_view templateName,
                                        const std::vector<std::string>& lines,
                                        const TemplateValues& values);
std::string renderLine(std::string_view templateName, std::string_view line,
                       const TemplateValues& values);

}  // namespace colo::drivers
