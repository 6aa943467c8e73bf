// The agent's config loader (docs/formats.md, "Config"): bytes in, a config or diagnostics
// out. Every line of the input is also tried as a callback URL against the
// loaded callback.allowed_urls (or the sample's, when the config has none).
#include <string>
#include <string_view>

#include "colo/inventory/error.h"
#include "core/config.h"
#include "core/url.h"
#include "fuzz_support.h"

namespace {

const std::vector<colo::agent::HttpUrl>& sampleAllowed() {
  static const auto list = [] {
    std::vector<colo::agent::HttpUrl> out;
    std::string why;
    for (const char* e : {"http://127.0.0.1:9000/colo", "https://127.0.0.1/hooks/"})
      out.push_back(*colo::agent::parseAllowedUrl(e, why));
    return out;
  }();
  return list;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto text = colo::fuzz::bytes(data, size);
  auto path = colo::fuzz::scratchFile("colo.yaml", text);
  colo::agent::ConfigResult loaded;
  colo::fuzz::onlyThrows<colo::inventory::Error>("loadConfig",
                                                 [&] { loaded = colo::agent::loadConfig(path); });
  const auto& allowed = loaded.errors.empty() && !loaded.config.callback_allowed.empty()
                            ? loaded.config.callback_allowed
                            : sampleAllowed();
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string line(text.substr(0, nl));
    std::string why;
    colo::fuzz::onlyThrows<>("callbackUrlAllowed", [&] {
      bool ok = colo::agent::callbackUrlAllowed(line, allowed, why);
      if (!ok && why.empty()) colo::fuzz::finding("a URL refused without a reason: " + line);
    });
    std::string entryWhy;
    colo::fuzz::onlyThrows<>("parseAllowedUrl",
                             [&] { (void)colo::agent::parseAllowedUrl(line, entryWhy); });
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return 0;
}
