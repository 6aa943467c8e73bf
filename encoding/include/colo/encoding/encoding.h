// Bytes as text (base64, hex) and the digests colo writes that way. One
// implementation of each, for the whole project: webhook signatures, ETags,
// token hashes, console CSP hashes, listing cursors, SSH host key
// fingerprints.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace colo::encoding {

enum class Padding { keep, drop };

// RFC 4648 base64, standard alphabet ("SHA256:..." fingerprints drop the
// padding, as OpenSSH writes them).
std::string base64(std::string_view bytes, Padding padding = Padding::keep);
// The bytes of padded standard base64; nullopt for anything else.
std::optional<std::string> fromBase64(std::string_view text);

// RFC 4648 base64url without padding, and back: nullopt for anything that
// base64Url() would not have written (so decoding is canonical).
std::string base64Url(std::string_view bytes);
std::optional<std::string> fromBase64Url(std::string_view text);

// Lower-case hex.
std::string hex(std::string_view bytes);

// SHA-256 and HMAC-SHA-256, raw (32 bytes) and as lower-case hex.
std::string sha256(std::string_view data);
std::string sha256Hex(std::string_view data);
std::string hmacSha256(std::string_view key, std::string_view data);

// `n` random bytes from OpenSSL's CSPRNG; throws std::runtime_error when it
// has none to give.
std::string randomBytes(std::size_t n);

}  // namespace colo::encoding
