// A request target ("/v1/requests/X?status=y") and form bodies
// (application/x-www-form-urlencoded), percent-decoded.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace colo::agent {

struct RequestTarget {
  std::vector<std::string> segments;                       // the path's non-empty segments
  std::map<std::string, std::string> query;                // a name given twice: its last value
  std::map<std::string, std::vector<std::string>> values;  // every value, in order
};

RequestTarget parseRequestTarget(const std::string& target);
// "a=1&b=x+y" as {a: 1, b: "x y"}; a name given twice keeps its last value.
std::map<std::string, std::string> parseQuery(const std::string& text);
// The same, every value of a name given more than once, in order.
std::map<std::string, std::vector<std::string>> parseQueryAll(const std::string& text);

// Whether `text` is 1 to `maxDigits` decimal digits (a page number, a limit).
bool isDigits(const std::string& text, std::size_t maxDigits);

// A listing's cursor: `position` made opaque (base64url, no padding), and
// back; nullopt for anything this agent did not give out (at most 512 bytes).
std::string encodeCursor(const std::string& position);
std::optional<std::string> decodeCursor(const std::string& cursor);

}  // namespace colo::agent
