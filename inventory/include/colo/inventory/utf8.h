// UTF-8 validity, for text colo reads from files and clients: everything it
// stores or serves as JSON must be UTF-8, so a byte that is not is refused
// where it enters, with its position.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace colo::inventory {

// Where `text` first stops being UTF-8 (overlong forms, surrogates and code
// points above U+10FFFF count as not), or nullopt when all of it is.
std::optional<std::size_t> firstInvalidUtf8(std::string_view text);

// The first character of `text` a person must not be shown unmarked, as
// "U+202E (a bidi control)": C0 and C1 controls, line and paragraph
// separators, and format characters (Unicode category Cf: bidi embeddings,
// overrides and isolates, zero-width characters, the byte order mark, tag
// characters), which change how the text around them reads
// (docs/design.md §4). nullopt when there is none. `text` is UTF-8.
std::optional<std::string> firstUnsafeCharacter(std::string_view text);

// Line and column (from 1, columns in bytes) of byte `offset` in `text`.
struct TextPosition {
  int line = 1, column = 1;
};
TextPosition positionOf(std::string_view text, std::size_t offset);

}  // namespace colo::inventory
