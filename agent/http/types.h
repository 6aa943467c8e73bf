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
  std::string remote;  // peer address, for logs
  std::map<std::string, std::string> headers;  // every header, names in lower case
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::map<std::string, std::string> headers;
};

}  // namespace colo::agent
