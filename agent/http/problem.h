// Error answers: RFC 9457 problem documents (application/problem+json), one
// builder for the routes and the server layer alike, each kind of problem
// with its own type URI (listed in README, "Problems", and in the OpenAPI
// document's Problem schema).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "colo/inventory/error.h"
#include "http/types.h"

namespace colo::agent {

// "urn:colo:problem:<kind>" for an answer's status; `invalid` marks a
// request body that failed validation (400 with an errors array).
std::string problemType(int status, bool invalid = false);

// The status of an answer to an error of each kind, for every route: bad
// input 400, not found 404, a conflict with what is stored (or a request
// another process moved on) 409, nothing fits 409, the ledger 503.
int httpStatusOf(inventory::ErrorKind kind);

// "Not Found" for 404: the title of a problem whose title is left empty.
std::string reasonPhrase(int status);

// The problem document as text: type, title, status, detail, then `extra`'s
// members (which may replace the type). Details may quote what a client
// sent: text that is not UTF-8 is replaced, never a reason for a 500.
std::string problemJson(int status, const std::string& title, const std::string& detail);
std::string problemJson(int status, const std::string& title, const std::string& detail,
                        const nlohmann::json& extra);

// The same as an answer (with WWW-Authenticate on a 401).
HttpResponse problem(int status, const std::string& title, const std::string& detail);
HttpResponse problem(int status, const std::string& title, const std::string& detail,
                     const nlohmann::json& extra);

}  // namespace colo::agent
