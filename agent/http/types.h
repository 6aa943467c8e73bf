// HTTP requests and responses as the routes see them: no sockets, no Beast.
#pragma once

#include <map>
#include <string>

namespace colo::agent {

struct ApiRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, as sent
  std::string authorization;
  std::string content_type;
  std::string body;
  std::string remote;  // peer address, for logs
  std::map<std::string, std::string> headers;  // every header, names in lower case
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::map<std::string, std::string> headers;
};

// The RFC 9457 problem type of an error answer: one URI per kind of
// problem, listed in README ("Problems"). `invalid` marks a request body
// that failed validation (400 with an errors array).
inline std::string problemType(int status, bool invalid = false) {
  const char* kind = "error";
  switch (status) {
    case 400:
      kind = invalid ? "invalid-request" : "bad-request";
      break;
    case 401:
      kind = "unauthorized";
      break;
    case 403:
      kind = "forbidden";
      break;
    case 404:
      kind = "not-found";
      break;
    case 405:
      kind = "method-not-allowed";
      break;
    case 409:
      kind = "conflict";
      break;
    case 413:
      kind = "body-too-large";
      break;
    case 415:
      kind = "unsupported-media-type";
      break;
    case 422:
      kind = "does-not-fit-inventory";
      break;
    case 431:
      kind = "header-too-large";
      break;
    case 500:
      kind = "internal-error";
      break;
    case 501:
      kind = "not-implemented";
      break;
    case 503:
      kind = "unavailable";
      break;
    default:
      break;
  }
  return std::string("urn:colo:problem:") + kind;
}

}  // namespace colo::agent
