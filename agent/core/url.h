// HTTP(S) URLs, parsed one way (Boost.URL, in this one translation unit) for
// everything colo does with one: checking a callback_url against the
// config's callback.allowed_urls, and posting the callback to it. Never
// compared as strings.
//
// An allowed_urls entry is an origin (scheme, host, port: the scheme's
// default when none is written) and a path prefix matched on segment
// boundaries.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace colo::agent {

struct HttpUrl {
  std::string scheme;             // "http" or "https", lower case
  std::string host;               // lower case; an IPv6 address without brackets
  int port = 0;                   // the scheme's default when none is written
  std::string authority;          // host[:port] as written, for the Host header field
  std::string target;             // path and query to send ("/" for none), as written
  std::vector<std::string> path;  // decoded segments, without a trailing empty one
};

// An http(s) URL without userinfo or fragment, or why it is not one.
std::optional<HttpUrl> parseHttpUrl(const std::string& text, std::string& why);

// An allowed_urls entry (an HTTP URL without a query), or why it cannot be one.
std::optional<HttpUrl> parseAllowedUrl(const std::string& text, std::string& why);

// Whether `url` may receive callbacks; `why` says what did not match.
bool callbackUrlAllowed(const std::string& url, const std::vector<HttpUrl>& allowed,
                        std::string& why);

}  // namespace colo::agent
