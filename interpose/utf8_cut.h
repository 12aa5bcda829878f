// utf8_cut.h — cutting the target's text to the bytes a record can hold without splitting
// a UTF-8 character. A name cut inside a character ends in a partial sequence, which
// every reader would have to show as a replacement character (or choke on).
//
// Inside the target: pure functions over bytes, no allocation, no locale.
#pragma once

#include <stddef.h>

namespace allocprof::interpose {

// A continuation byte (10xxxxxx) is never the first byte of a character.
inline bool utf8_continuation(char c) { return (static_cast<unsigned char>(c) & 0xc0) == 0x80; }

// The caller guarantees `text` holds more than `limit` bytes (text[limit] is readable).
// Returns the length of the longest prefix of at most `limit` bytes that does not end
// inside a character. A character has at most three continuation bytes, so at most three
// are stepped back over; a longer run is not UTF-8 anyway and is cut where it is.
inline size_t utf8_prefix_length(const char* text, size_t limit) {
    size_t n = limit;
    for (int i = 0; i < 3 && n > 0 && utf8_continuation(text[n]); ++i) --n;
    return utf8_continuation(text[n]) ? limit : n;
}

// The caller guarantees `text` holds `length` bytes and keep <= length. Returns the offset
// where the longest suffix of at most `keep` bytes that does not start inside a character
// begins.
inline size_t utf8_suffix_start(const char* text, size_t length, size_t keep) {
    size_t start = length - keep;
    for (int i = 0; i < 3 && start < length && start > 0 && utf8_continuation(text[start]); ++i) ++start;
    return start < length && start > 0 && utf8_continuation(text[start]) ? length - keep : start;
}

}  // namespace allocprof::interpose
