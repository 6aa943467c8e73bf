#include "http/problem.h"

#include <nlohmann/json.hpp>

namespace colo::agent {

std::string problemType(int status, bool invalid) {
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

int httpStatusOf(inventory::ErrorKind kind) {
  switch (kind) {
    case inventory::ErrorKind::invalid_input:
      return 400;
    case inventory::ErrorKind::not_found:
      return 404;
    case inventory::ErrorKind::conflict:
    case inventory::ErrorKind::moved:
    case inventory::ErrorKind::exhausted:
      return 409;
    case inventory::ErrorKind::storage:
      return 503;
  }
  return 500;
}

std::string reasonPhrase(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 431:
      return "Request Header Fields Too Large";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    default:
      return "Internal Server Error";
  }
}

std::string problemJson(int status, const std::string& title, const std::string& detail,
                        const nlohmann::json& extra) {
  nlohmann::json body = {{"type", problemType(status)},
                         {"title", title.empty() ? reasonPhrase(status) : title},
                         {"status", status},
                         {"detail", detail}};
  if (extra.is_object()) body.update(extra);
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string problemJson(int status, const std::string& title, const std::string& detail) {
  return problemJson(status, title, detail, nlohmann::json());
}

HttpResponse problem(int status, const std::string& title, const std::string& detail,
                     const nlohmann::json& extra) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = problemJson(status, title, detail, extra);
  if (status == 401) r.headers["WWW-Authenticate"] = "Bearer realm=\"colo\"";
  return r;
}

HttpResponse problem(int status, const std::string& title, const std::string& detail) {
  return problem(status, title, detail, nlohmann::json());
}

}  // namespace colo::agent
