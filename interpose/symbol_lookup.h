// symbol_lookup.h — whether a loaded object after the preload library defines a symbol,
// answered from the objects' own dynamic symbol tables, without the dynamic loader.
//
// The trap it avoids: dlsym() of a name that does not exist (free_sized before glibc
// 2.41) fails, and glibc allocates the error text — through the program's malloc. When
// the program brings its own malloc (a statically linked jemalloc), that malloc may be in
// the middle of initialising itself (it called mmap, whose hook is what is resolving), or
// may not be safe to enter at all. So an optional function is looked up here first, and
// dlsym is called only for names that exist: a dlsym that succeeds allocates nothing.
#pragma once

namespace allocprof::interpose {

// True when an object loaded after the one containing `own_code` (in the loader's list
// order, which is the search order of RTLD_NEXT) defines a function named `name`, in its
// default version. Does not allocate; reads the objects' tables in place.
bool defined_after(const void* own_code, const char* name);

}  // namespace allocprof::interpose

namespace allocprof::interpose {

// True when the ELF file at `path` names `symbol` in its full symbol table (.symtab, which
// is not loaded: a statically linked allocator's API is there, not in .dynsym). Maps the
// file read-only with raw system calls; allocates nothing. False when it cannot tell.
bool file_has_symbol(const char* path, const char* symbol);

}  // namespace allocprof::interpose
