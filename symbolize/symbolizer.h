// symbolizer.h — offline symbolization of the return addresses stored in trace_nodes:
// function (demangled), file, line and inlined frames for one ELF address of one module.
//
// Input is what the database holds: a module's path and GNU build-id (modules) and an ELF
// virtual address (trace_nodes.rel_pc = ip - load_bias, and ip is already the return
// address minus one). So rel_pc is looked up as it is: never add the load bias again, never
// subtract one again.
//
// What resolves, best first: DWARF from the file itself, from a separate debug file found
// by build-id (<debug dir>/.build-id/ab/cdef....debug, what Debian's -dbgsym/-dbg packages
// install) or by .gnu_debuglink; then the ELF symbol table (.symtab, or .dynsym of a
// stripped file: exported functions only); then nothing (the caller prints module+0xoffset).
// Bad input (a missing, unreadable, non-ELF or rebuilt file, an address outside the
// module) gives SymbolQuality::Unknown, never an exception or a crash.
//
// Traps: libdwfl is not thread-safe, so neither is a Symbolizer (use one per thread).
// Results are cached per (module, address) and function names come from a sorted symbol
// table built once per module: dwfl_module_addrinfo scans the whole symbol table on every
// call (about 57 us per address on a 21 MB binary), far too slow for a real run.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "schema/stored_stacks.h"

namespace allocprof::symbolize {

// One source-level frame. An address inside inlined code gives several.
struct SymbolFrame {
    std::string function;  // demangled; empty if unknown
    std::string file;      // as in DWARF (usually absolute); empty if unknown
    int line = 0;          // 0 if unknown
    bool inlined = false;  // this frame was inlined into the next one (its caller)
};

using schema::SymbolQuality;

struct SymbolizedAddress {
    std::vector<SymbolFrame> frames;  // innermost first; empty when Unknown
    SymbolQuality quality = SymbolQuality::Unknown;
};

// A compilation unit a module's DWARF names: its main source file and the directory it was
// compiled in (DW_AT_name made absolute against DW_AT_comp_dir, and DW_AT_comp_dir).
struct CompilationUnit {
    std::string file;
    std::string comp_dir;  // empty when DWARF gives none
};

// What a module offers, for the debug-info coverage report.
enum class ModuleStatus {
    Dwarf,            // DWARF found (see DwarfSource)
    SymbolTable,      // no DWARF; function names from .symtab or .dynsym
    NoSymbols,        // an ELF file with neither DWARF nor a symbol table
    BuildIdMismatch,  // the file at the path has another build-id: rebuilt since the run
    NotElf,           // the file cannot be read or is not an ELF file
    Missing,          // no file at the path (or a pseudo-path such as [vdso])
};

enum class DwarfSource {
    None,
    InFile,      // the module file itself was built with -g
    BuildIdDir,  // <debug dir>/.build-id/xx/yyyy.debug
    DebugLink,   // a file named by .gnu_debuglink (next to the module, .debug/, debug dir)
};

struct ModuleDebugInfo {
    ModuleStatus status = ModuleStatus::Missing;
    DwarfSource dwarf_source = DwarfSource::None;
    std::string debug_file;     // the file the DWARF came from; empty without DWARF
    std::string symbol_table;   // ".symtab", ".dynsym" or empty: where function names come from
    std::string file_build_id;  // build-id of the file found at the path (lowercase hex)
    size_t function_symbols = 0;  // function symbols in the sorted table
};

const char* to_string(SymbolQuality quality);
const char* to_string(ModuleStatus status);
const char* to_string(DwarfSource source);

// A module opened by a Symbolizer; valid only with the Symbolizer that returned it.
struct ModuleHandle {
    uint32_t index = 0;
};

class Symbolizer {
public:
    // `extra_debug_dirs` are searched like /usr/lib/debug (for <dir>/.build-id/ and
    // debuglink files), after the standard places.
    explicit Symbolizer(std::vector<std::string> extra_debug_dirs = {});
    ~Symbolizer();
    Symbolizer(Symbolizer&&) noexcept;
    Symbolizer& operator=(Symbolizer&&) noexcept;
    Symbolizer(const Symbolizer&) = delete;
    Symbolizer& operator=(const Symbolizer&) = delete;

    // Opens (once) the module = one ELF file as loaded in the target. `build_id` is the
    // lowercase hex build-id recorded at run time, or empty if unknown; if the file now at
    // `path` has another build-id, nothing of it is used (ModuleStatus::BuildIdMismatch).
    ModuleHandle open_module(const std::string& path, const std::string& build_id);
    const ModuleDebugInfo& module_info(ModuleHandle module) const;

    // The compilation units of the module's DWARF, in DWARF order; empty without DWARF.
    std::vector<CompilationUnit> compilation_units(ModuleHandle module) const;

    // The frames at ELF virtual address `rel_pc` of the module. The reference stays valid
    // as long as this Symbolizer (results are cached per module and address).
    const SymbolizedAddress& symbolize(ModuleHandle module, uint64_t rel_pc);
    const SymbolizedAddress& symbolize(const std::string& path, const std::string& build_id,
                                       uint64_t rel_pc) {
        return symbolize(open_module(path, build_id), rel_pc);
    }

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace allocprof::symbolize
