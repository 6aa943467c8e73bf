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

std::string problemJson(int status, const std::string& title, const std::string& detail,
                        const nlohmann::json& extra) {
  nlohmann::json body = {
      {"type", problemType(status)}, {"title", title}, {"status", status}, {"detail", detail}};
  if (extra.is_object()) body.update(extra);
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string problemJson(int status, const std::string& title, const std::string& detail) {
  return problemJson(status, title, detail, nlohmann::json());
}

ApiResponse problem(int status, const std::string& title, const std::string& detail,
                    const nlohmann::json& extra) {
  ApiResponse r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = problemJson(status, title, detail, extra);
  if (status == 401) r.headers["WWW-Authenticate"] = "Bearer realm=\"colo\"";
  return r;
}

ApiResponse problem(int status, const std::string& title, const std::string& detail) {
  return problem(status, title, detail, nlohmann::json());
}

}  // namespace colo::agent
