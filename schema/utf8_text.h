// utf8_text.h — the one rule for text that enters or leaves a run database: it is valid
// UTF-8. Names the target chooses (phase names, script functions and files, module paths,
// its command line) are bytes; SQLite's TEXT and every JSON writer (nlohmann/json throws
// on invalid UTF-8) expect UTF-8. Each byte that is not part of a well-formed character
// becomes U+FFFD, the way a browser or a terminal shows it.
#pragma once

#include <string>
#include <string_view>

namespace allocprof::schema {

// Whether `text` is well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF).
bool is_valid_utf8(std::string_view text);

// `text` with every byte that does not belong to a well-formed character replaced by
// U+FFFD ("\xEF\xBF\xBD"); valid text is returned unchanged.
std::string valid_utf8(std::string_view text);

}  // namespace allocprof::schema
