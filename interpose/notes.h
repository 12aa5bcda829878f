// notes.h — Note records: facts about the run the user should read (which unwinder took
// the stacks, what was left out, who provides malloc). Built without printf or any
// allocation; appended under the stream lock.
#pragma once

#include <stdint.h>

namespace allocprof::interpose {

// Appends a + b + c (each may be null) as one Note, cut at wire::kMaxNameLength bytes.
void append_note_locked(const char* a, const char* b = nullptr, const char* c = nullptr);
// "N<text>" as a note, when N is not 0.
void append_count_note_locked(uint64_t n, const char* text);

}  // namespace allocprof::interpose
