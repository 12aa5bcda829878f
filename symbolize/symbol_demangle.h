// symbol_demangle.h — function names as people read them ("long twice<long>(long)"), and
// the same for one function whatever the compiler did to its symbol: symbol-table names
// and DWARF linkage names both go through here.
#pragma once

#include <string>

namespace allocprof::symbolize {

// The demangled form of an Itanium-ABI name ("_Z..."), or `name` unchanged (C names, and
// anything the demangler rejects). `name` may be null: gives "".
std::string demangle(const char* name);

// demangle(), then without the suffixes of compiler-made copies of a function, so they
// count as the function itself: "foo() [clone .cold]" -> "foo()", and for C names
// "foo.part.0" / "foo.cold" / "foo.constprop.0" -> "foo" (a '.' is never part of a C
// identifier). Their numbering changes from build to build; the function does not. A
// symbol version is dropped too: "__libc_start_main@@GLIBC_2.34" -> "__libc_start_main".
std::string function_name_from_symbol(const char* name);

}  // namespace allocprof::symbolize
