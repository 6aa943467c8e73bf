#include "http/request_target.h"

#include "colo/encoding/encoding.h"

#include <cctype>

namespace colo::agent {

namespace {

std::string percentDecode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i] == '+' ? ' ' : s[i]);
    }
  }
  return out;
}

}  // namespace

std::map<std::string, std::vector<std::string>> parseQueryAll(const std::string& qs) {
  std::map<std::string, std::vector<std::string>> out;
  std::size_t i = 0;
  while (i <= qs.size()) {
    auto amp = qs.find('&', i);
    auto kv = qs.substr(i, amp == std::string::npos ? std::string::npos : amp - i);
    auto eq = kv.find('=');
    if (!kv.empty())
      out[percentDecode(kv.substr(0, eq))].push_back(
          eq == std::string::npos ? "" : percentDecode(kv.substr(eq + 1)));
    if (amp == std::string::npos) break;
    i = amp + 1;
  }
  return out;
}

std::map<std::string, std::string> parseQuery(const std::string& qs) {
  std::map<std::string, std::string> out;
  for (auto& [name, values] : parseQueryAll(qs)) out[name] = std::move(values.back());
  return out;
}

RequestTarget parseRequestTarget(const std::string& t) {
  RequestTarget out;
  auto q = t.find('?');
  std::string path = t.substr(0, q);
  std::size_t start = 1;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    auto seg = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (!seg.empty()) out.segments.push_back(percentDecode(seg));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (q != std::string::npos) {
    out.values = parseQueryAll(t.substr(q + 1));
    for (const auto& [name, values] : out.values) out.query[name] = values.back();
  }
  return out;
}

bool isDigits(const std::string& text, std::size_t maxDigits) {
  if (text.empty() || text.size() > maxDigits) return false;
  for (unsigned char c : text)
    if (!std::isdigit(c)) return false;
  return true;
}

std::string encodeCursor(const std::string& position) {
  return encoding::base64Url(position);
}

std::optional<std::string> decodeCursor(const std::string& cursor) {
  if (cursor.empty() || cursor.size() > 512) return std::nullopt;
  return encoding::fromBase64Url(cursor);
}

}  // namespace colo::agent
