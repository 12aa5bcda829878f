// symbol_table.h — the function symbols of one module, sorted by address once, so that a
// name lookup is a binary search (dwfl_module_addrinfo scans every symbol on every call).
//
// The symbols are the ones libdwfl chose for the module: .symtab of the file or of its
// separate debug file if there is one, else .dynsym. Addresses are libdwfl module
// addresses (ELF address + the module's symbol bias). Names point into libdwfl's string
// tables: the table must not outlive the Dwfl that produced it.
//
// Aliases (malloc / __libc_malloc at one address) keep one name: global before weak before
// local, then the fewest leading underscores, then the shortest, then the smallest, so the
// choice does not depend on the order of the symbol table. A symbol of size 0 (hand-written
// assembly) covers up to the next symbol or the end of its section.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <elfutils/libdwfl.h>

namespace allocprof::symbolize {

class SymbolTable {
public:
    // Reads the module's symbol table; an empty table if it has none.
    void build(Dwfl_Module* module);

    // The (mangled) name of the function containing `address`, or nullptr.
    const char* find(uint64_t address) const;

    size_t size() const { return entries_.size(); }
    // ".symtab", ".dynsym", or empty when there are no symbols.
    const std::string& source() const { return source_; }

private:
    struct Entry {
        uint64_t start = 0;
        uint64_t end = 0;  // one past the last byte
        const char* name = nullptr;
    };
    std::vector<Entry> entries_;  // sorted by start, one entry per start address
    std::string source_;
};

}  // namespace allocprof::symbolize
