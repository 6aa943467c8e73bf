// HTTP requests and responses as the routes see them: no sockets, no Beast.
#pragma once

#include <map>
#include <string>

namespace colo::agent {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, as sent
  std::string authorization;
  std::string content_type;
  std::string body;
  std::string remote;                          // peer address, for logs
  std::map<std::string, std::string> headers;  // every header, names in lower case
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::map<std::string, std::string> headers;
};

// A document a browser renders (HTML, SVG), from the API or the console:
// its content security policy, never sniffed as another type, never framed,
// no referrer, never cached (docs/design.md §11).
inline void addDocumentHeaders(HttpResponse& r, const std::string& csp) {
  r.headers["Content-Security-Policy"] = csp;
  r.headers["X-Content-Type-Options"] = "nosniff";
  r.headers["X-Frame-Options"] = "DENY";
  r.headers["Referrer-Policy"] = "no-referrer";
  r.headers["Cache-Control"] = "no-store";
}

// Whether `r` is such a document.
inline bool isDocument(const HttpResponse& r) {
  return r.content_type.rfind("text/html", 0) == 0 || r.content_type.rfind("image/svg+xml", 0) == 0;
}

}  // namespace colo::agent
