// symbols_lib.h — the shared half of the symbolizer sample (see symbols_sample.cpp).
#pragma once

// Prints "<site> <module path> 0x<rel_pc>" for the call that reached it: rel_pc is the
// return address minus one minus the caller module's load bias, exactly what the recorder
// stores in trace_nodes.rel_pc. Returns 1 (callers add it up so the call is never a tail
// call, which would make the return address point into the caller's caller).
extern "C" int symbols_probe(const char* site);

namespace symlib {
// Exported: in .dynsym, so a stripped copy of the library still names it.
int exported_function(int x);
}  // namespace symlib
