// symbol_dwarf.h — the source frames of one address from DWARF: file:line of the innermost
// frame from the line table, then one frame per inlined call (DW_TAG_inlined_subroutine,
// located by its DW_AT_call_file/DW_AT_call_line) out to the real function
// (DW_TAG_subprogram).
//
// Speed: dwarf_getscopes walks the compilation unit's DIE tree from the top on every call,
// about 300 us per address in libpython (ceval.c alone is tens of thousands of DIEs). So
// each compilation unit is walked once, when an address first falls in it, into an index:
// the functions' address ranges, sorted, each with the sorted ranges of the calls inlined
// into it, nested. A lookup is then a few binary searches.
//
// Traps: the chain of callers must follow the physical nesting of inlined_subroutine DIEs
// (dwarf_getscopes instead switches to the abstract tree after the first inlined
// subroutine). A concrete DW_TAG_subprogram is always an outermost frame, even when
// its DIE is nested in another function's (local classes, lambdas, GNU C nested
// functions). Ranges starting at 0 are functions the linker discarded (COMDAT duplicates,
// --gc-sections) and are ignored.
#pragma once

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "symbolize/symbolizer.h"

namespace allocprof::symbolize {

class DwarfFrames {
public:
    // `module` must have DWARF (dwfl_module_getdwarf succeeded) and outlive this object.
    explicit DwarfFrames(Dwfl_Module* module);
    ~DwarfFrames();
    DwarfFrames(const DwarfFrames&) = delete;
    DwarfFrames& operator=(const DwarfFrames&) = delete;

    // Appends the frames of module address `address` (ELF address + the module's bias),
    // innermost first, the last one not inlined. A frame whose function DWARF does not name
    // (code outside any DW_TAG_subprogram) has an empty function. Appends nothing when
    // DWARF knows nothing of the address.
    void append(Dwarf_Addr address, std::vector<SymbolFrame>& frames);

    // Compilation units indexed so far (for tests and the benchmark).
    size_t indexed_units() const { return units_.size(); }

private:
    struct UnitIndex;
    UnitIndex& unit(Dwarf_Die* cu_die);

    Dwfl_Module* module_;
    std::unordered_map<Dwarf_Off, std::unique_ptr<UnitIndex>> units_;  // by CU DIE offset
};

}  // namespace allocprof::symbolize
