#include "core/url.h"

#include <charconv>

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
  // A host the connection can use as written: an IPv4 or IPv6 address, or
  // a DNS name.
  bool nameOk = u.host_type() != boost::urls::host_type::ipvfuture;
  if (u.host_type() == boost::urls::host_type::name)
    for (char c : out.host)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') nameOk = false;
  if (!nameOk) {
    why = "host '" + std::string(u.encoded_host()) + "' is not an address or a DNS name";
    return std::nullopt;
  }
  if (u.has_port()) {
    // Read here, not by port_number(), which wraps a port above 65535.
    std::string p(u.port());
    int number = 0;
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), number);
    if (p.empty() || ec != std::errc{} || end != p.data() + p.size() || number < 1 ||
        number > 65535) {
      why = "port '" + p + "' is not a port number (1-65535)";
      return std::nullopt;
    }
    out.port = number;
  } else {
    out.port = out.scheme == "https" ? 443 : 80;
  }
  out.authority = u.encoded_host_and_port();
  out.target = u.encoded_target();
  if (out.target.empty() || out.target.front() != '/') out.target = "/" + out.target;
  // After an authority the path is empty or starts with '/' (RFC 3986
  // 3.3): Boost.URL 1.81 reads "http://h:1:2/" as port 1 and path ":2/".
  std::string_view path = u.encoded_path();
  if (!path.empty() && path.front() != '/') {
    why = "'" + std::string(u.encoded_authority()) + std::string(path.substr(0, path.find('/'))) +
          "' is not a host and port";
    return std::nullopt;
  }
  // Segments read from the path as written (Boost.URL's segment views
  // drop "." segments), percent-decoded: a dot segment in any spelling is
  // refused, since the path is compared with the allow-list as sent.
  for (std::size_t at = path.empty() ? std::string_view::npos : 1; at != std::string_view::npos;) {
    auto next = path.find('/', at);
    auto raw = path.substr(at, next == std::string_view::npos ? std::string_view::npos : next - at);
    std::string decoded = boost::urls::pct_string_view(raw).decode();
    if (decoded == "." || decoded == "..") {
      why = "path must not contain '.' or '..' segments";
      return std::nullopt;
    }
    out.path.push_back(std::move(decoded));
    at = next == std::string_view::npos ? next : next + 1;
  }
  // "/a/b/" and "/a/b" name the same folder.
  if (!out.path.empty() && out.path.back().empty()) out.path.pop_back();
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
