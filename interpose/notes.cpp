// notes.cpp — see notes.h.
#include "interpose/notes.h"

#include <string.h>

#include <initializer_list>

#include "interpose/stream_writer.h"
#include "interpose/utf8_cut.h"
#include "wire/wire_format.h"

namespace allocprof::interpose {

using namespace allocprof::wire;

void append_note_locked(const char* a, const char* b, const char* c) {
    char text[kMaxNameLength + 1];
    size_t n = 0;
    for (const char* part : {a, b, c}) {
        if (!part) continue;
        const size_t room = kMaxNameLength - n;
        size_t len = strnlen(part, room + 1);
        if (len > room) len = utf8_prefix_length(part, room);
        memcpy(text + n, part, len);
        n += len;
    }
    NameRecord header{RecordType::Note, static_cast<uint16_t>(n)};
    g_writer.append2(&header, sizeof(header), text, n);
}

// Decimal digits without printf: no allocation.
void append_count_note_locked(uint64_t n, const char* text) {
    if (n == 0) return;
    char digits[24];
    int i = sizeof(digits) - 1;
    digits[i] = '\0';
    do {
        digits[--i] = char('0' + n % 10);
        n /= 10;
    } while (n && i > 0);
    append_note_locked(digits + i, text);
}

}  // namespace allocprof::interpose
