// The callback client: one HTTP(S) POST with a deadline (Boost.Beast, kept
// out of this header; see beast.cpp). The URL is read by core/url.h, as the
// allow-list reads it.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>

namespace colo::agent {

struct HttpResult {
  int status = 0;     // 0 when there was no answer
  std::string error;  // why, when there was none
};

// One POST, done by `timeout` whatever the receiver does (resolve, connect,
// TLS handshake, write and read are each under that deadline, and so is the
// whole), or as soon as `cancelled` says so. Redirects are not followed; the
// answer's body is read up to 64 KiB. https URLs verify the server's
// certificate and name against the system's CAs and, if given, `caFile` (a
// private CA).
HttpResult httpPost(const std::string& url, const std::map<std::string, std::string>& headers,
                    const std::string& body, std::chrono::milliseconds timeout,
                    const std::string& caFile = {}, const std::function<bool()>& cancelled = {});

}  // namespace colo::agent
