// What the fuzz targets share: a scratch file for loaders that read paths,
// and the rule that only colo's own error types may leave a parser.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <typeinfo>

namespace colo::fuzz {

inline std::string_view bytes(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A finding: the input made colo do what no input may.
[[noreturn]] inline void finding(const std::string& what) {
  std::fprintf(stderr, "FUZZ FINDING: %s\n", what.c_str());
  std::abort();
}

// A directory of this process's own (in memory when /dev/shm exists),
// removed at exit.
inline const std::filesystem::path& scratchDir() {
  static const std::filesystem::path dir = [] {
    std::error_code ec;
    auto base = std::filesystem::is_directory("/dev/shm", ec)
                    ? std::filesystem::path("/dev/shm")
                    : std::filesystem::temp_directory_path();
    auto made = base / ("colo-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(made);
    return made;
  }();
  static const bool cleanup = [] {
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    });
    return true;
  }();
  (void)cleanup;
  return dir;
}

// Writes `text` to `name` in the scratch directory and returns its path.
inline std::string scratchFile(const std::string& name, std::string_view text) {
  auto path = scratchDir() / name;
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(text.data(), static_cast<std::streamsize>(text.size()));
  return path.string();
}

// Runs `f`; an exception other than the `Allowed` kinds is a finding (a
// parser let a library's exception out, which callers do not expect).
template <typename... Allowed, typename F>
void onlyThrows(const char* what, F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    if (!(... || (dynamic_cast<const Allowed*>(&e) != nullptr)))
      finding(std::string(what) + " threw " + typeid(e).name() + ": " + e.what());
  }
}

}  // namespace colo::fuzz
