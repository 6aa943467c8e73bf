// Where callbacks may go (SPEC §7): each callback.allowed_urls entry is an
// origin (scheme, host, port, the scheme's default when none is written) and
// a path prefix matched on segment boundaries. URLs are parsed (Boost.URL,
// in this one translation unit), never compared as strings.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace colo::agent {

struct AllowedUrl {
  std::string scheme, host;
  int port = 0;
  std::vector<std::string> path;  // segments; a callback's path must start with them
};

// An allowed_urls entry, or why it cannot be one (no userinfo, query or
// fragment; http or https only).
std::optional<AllowedUrl> parseAllowedUrl(const std::string& text, std::string& why);

// Whether `url` may receive callbacks; `why` says what did not match.
bool callbackUrlAllowed(const std::string& url, const std::vector<AllowedUrl>& allowed,
                        std::string& why);

}  // namespace colo::agent
