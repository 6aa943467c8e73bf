#include "core/url.h"

#include <boost/url/parse.hpp>
#include <boost/url/src.hpp>  // Boost.URL's compiled part, here and nowhere else
#include <boost/url/url_view.hpp>

namespace colo::agent {

namespace {

bool startsWithNoCase(const std::string& s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

std::optional<HttpUrl> parse(const std::string& text, bool entry, std::string& why) {
  // Only http:// and https:// URLs reach Boost.URL: 1.81 miscounts the path
  // of some URLs without an authority ("a: ", "a:?"), an assertion in a
  // debug build (boostorg/url#665, fixed after 1.81; found by
  // tests/fuzz/config_fuzz).
  if (!startsWithNoCase(text, "http://") && !startsWithNoCase(text, "https://")) {
    why = "must start with http:// or https://";
    return std::nullopt;
  }
  auto r = boost::urls::parse_absolute_uri(text);
  if (!r) {
    why = "not an absolute URL (" + r.error().message() + ")";
    return std::nullopt;
  }
  const auto& u = *r;
  HttpUrl out;
  out.scheme = u.scheme();
  for (auto& c : out.scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (out.scheme != "http" && out.scheme != "https") {
    why = "scheme must be http or https, not '" + out.scheme + "'";
    return std::nullopt;
  }
  if (u.has_userinfo()) {
    why = "must not carry a user name or password";
    return std::nullopt;
  }
  if (u.has_fragment()) {
    why = "must not have a fragment";
    return std::nullopt;
  }
  if (entry && u.has_query()) {
    why = "must not have a query";
    return std::nullopt;
  }
  out.host = u.encoded_host_address();
  for (auto& c : out.host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (out.host.empty()) {
    why = "has no host";
    return std::nullopt;
  }
  if (u.has_port()) {
    auto p = u.port();
    if (p.empty() || p.size() > 5 || u.port_number() == 0) {
      why = "port '" + std::string(p) + "' is not a port number";
      return std::nullopt;
    }
    out.port = u.port_number();
  } else {
    out.port = out.scheme == "https" ? 443 : 80;
  }
  out.authority = u.encoded_host_and_port();
  out.target = u.encoded_target();
  if (out.target.empty() || out.target.front() != '/') out.target = "/" + out.target;
  for (auto seg : u.segments()) out.path.emplace_back(seg);
  // "/a/b/" and "/a/b" name the same folder.
  if (!out.path.empty() && out.path.back().empty()) out.path.pop_back();
  for (const auto& s : out.path)
    if (s == "." || s == "..") {
      why = "path must not contain '.' or '..' segments";
      return std::nullopt;
    }
  return out;
}

}  // namespace

std::optional<HttpUrl> parseHttpUrl(const std::string& text, std::string& why) {
  return parse(text, false, why);
}

std::optional<HttpUrl> parseAllowedUrl(const std::string& text, std::string& why) {
  return parse(text, true, why);
}

bool callbackUrlAllowed(const std::string& url, const std::vector<HttpUrl>& allowed,
                        std::string& why) {
  auto u = parse(url, false, why);
  if (!u) return false;
  for (const auto& a : allowed) {
    if (a.scheme != u->scheme || a.host != u->host || a.port != u->port) continue;
    if (u->path.size() < a.path.size()) continue;
    if (std::equal(a.path.begin(), a.path.end(), u->path.begin())) return true;
  }
  why =
      "not under any of the configured callback.allowed_urls (same scheme, host and port, and a "
      "path below "
      "the entry's)";
  return false;
}

}  // namespace colo::agent
