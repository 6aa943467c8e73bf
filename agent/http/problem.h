// Error answers: RFC 9457 problem documents (application/problem+json), one
// builder for the routes and the server layer alike, each kind of problem
// with its own type URI (listed in README, "Problems", and in the OpenAPI
// document's Problem schema).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "http/types.h"

namespace colo::agent {

// "urn:colo:problem:<kind>" for an answer's status; `invalid` marks a
// request body that failed validation (400 with an errors array).
std::string problemType(int status, bool invalid = false);

// The problem document as text: type, title, status, detail, then `extra`'s
// members (which may replace the type). Details may quote what a client
// sent: text that is not UTF-8 is replaced, never a reason for a 500.
std::string problemJson(int status, const std::string& title, const std::string& detail);
std::string problemJson(int status, const std::string& title, const std::string& detail,
                        const nlohmann::json& extra);

// The same as an answer (with WWW-Authenticate on a 401).
ApiResponse problem(int status, const std::string& title, const std::string& detail);
ApiResponse problem(int status, const std::string& title, const std::string& detail,
                    const nlohmann::json& extra);

}  // namespace colo::agent
