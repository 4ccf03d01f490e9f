#pragma once

#include <string>
#include <string_view>

namespace conductor::detail {

/// `text` with each byte that does not start a well-formed UTF-8 sequence (RFC 3629: no overlongs,
/// no surrogates, nothing past U+10FFFF) replaced by U+FFFD, as Java decodes such bytes. JSON text
/// must be UTF-8, so bytes from a request (a percent-decoded id, a quoted name) pass through this
/// before they can reach a stored row or an answer. Control characters, NUL included, are kept:
/// the JSON serializer escapes them.
std::string valid_utf8(std::string_view text);

/// Whether `text` is well-formed UTF-8 throughout.
bool is_utf8(std::string_view text);

}  // namespace conductor::detail
