// symbol_table.cpp — see symbol_table.h.
#include "symbolize/symbol_table.h"

#include <gelf.h>

#include <algorithm>
#include <cstring>
#include <string_view>
#include <tuple>

namespace allocprof::symbolize {

namespace {

struct Candidate {
    uint64_t start;
    uint64_t size;
    uint64_t section_end;  // end of the symbol's section (bounds a size-0 symbol); 0 if unknown
    const char* name;
    int binding_rank;  // 0 global, 1 weak, 2 local
    size_t underscores;
    size_t length;
};

bool has_section_of_type(Elf* elf, GElf_Word type) {
    Elf_Scn* scn = nullptr;
    while ((scn = elf_nextscn(elf, scn)) != nullptr) {
        GElf_Shdr shdr;
        if (gelf_getshdr(scn, &shdr) != nullptr && shdr.sh_type == type) return true;
    }
    return false;
}

uint64_t section_end(Elf* elf, GElf_Word shndx, GElf_Addr bias) {
    if (elf == nullptr || shndx == SHN_UNDEF || shndx >= SHN_LORESERVE) return 0;
    GElf_Shdr shdr;
    Elf_Scn* scn = elf_getscn(elf, shndx);
    if (scn == nullptr || gelf_getshdr(scn, &shdr) == nullptr) return 0;
    return shdr.sh_addr + shdr.sh_size + bias;
}

// Orders aliases at one address: the smaller key is the preferred name (see symbol_table.h).
// A sized symbol describes the function; a size-0 one at the same place is only a label.
auto preference_key(const Candidate& c) {
    return std::tuple(c.size == 0, c.binding_rank, c.underscores, c.length,
                      std::string_view(c.name));
}

}  // namespace

void SymbolTable::build(Dwfl_Module* module) {
    entries_.clear();
    source_.clear();
    int count = dwfl_module_getsymtab(module);
    if (count <= 0) return;

    std::vector<Candidate> candidates;
    candidates.reserve(static_cast<size_t>(count));
    Elf* symbol_elf = nullptr;
    for (int i = 1; i < count; ++i) {  // entry 0 is the null symbol
        GElf_Sym sym;
        GElf_Addr address = 0;
        GElf_Word shndx = 0;
        Elf* elf = nullptr;
        Dwarf_Addr bias = 0;
        const char* name = dwfl_module_getsym_info(module, i, &sym, &address, &shndx, &elf, &bias);
        if (name == nullptr || name[0] == '\0') continue;
        int type = GELF_ST_TYPE(sym.st_info);
        if (type != STT_FUNC && type != STT_GNU_IFUNC) continue;
        // Undefined (imported) symbols and symbols of non-allocated sections have no code here.
        if (sym.st_shndx == SHN_UNDEF || shndx == static_cast<GElf_Word>(-1) || address == 0) {
            continue;
        }
        if (symbol_elf == nullptr) symbol_elf = elf;
        int binding = GELF_ST_BIND(sym.st_info);
        int binding_rank = binding == STB_GLOBAL ? 0 : binding == STB_WEAK ? 1 : 2;
        size_t underscores = std::strspn(name, "_");
        candidates.push_back({.start = address,
                              .size = sym.st_size,
                              .section_end = section_end(elf, shndx, bias),
                              .name = name,
                              .binding_rank = binding_rank,
                              .underscores = underscores,
                              .length = std::strlen(name)});
    }
    if (candidates.empty()) return;
    source_ = has_section_of_type(symbol_elf, SHT_SYMTAB) ? ".symtab" : ".dynsym";

    std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
        return a.start != b.start ? a.start < b.start : preference_key(a) < preference_key(b);
    });
    entries_.reserve(candidates.size());
    for (size_t i = 0; i < candidates.size(); ++i) {
        const Candidate& c = candidates[i];
        if (!entries_.empty() && entries_.back().start == c.start) continue;  // a worse alias
        uint64_t end = c.start + c.size;
        if (c.size == 0) {
            // Up to the next symbol, and never past the section: a size-0 symbol must not
            // claim the static functions that follow it in a stripped file.
            size_t next = i + 1;
            while (next < candidates.size() && candidates[next].start == c.start) ++next;
            end = next < candidates.size() ? candidates[next].start : c.section_end;
            if (c.section_end != 0) end = std::min(end, c.section_end);
        }
        if (end <= c.start) continue;
        entries_.push_back({.start = c.start, .end = end, .name = c.name});
    }
}

const char* SymbolTable::find(uint64_t address) const {
    auto it = std::upper_bound(entries_.begin(), entries_.end(), address,
                               [](uint64_t a, const Entry& e) { return a < e.start; });
    // The nearest symbol below usually contains the address; a few more steps back cover a
    // small local symbol nested inside a bigger function.
    constexpr int kNestedLookback = 8;
    for (int step = 0; step < kNestedLookback && it != entries_.begin(); ++step) {
        --it;
        if (address < it->end) return it->name;
    }
    return nullptr;
}

}  // namespace allocprof::symbolize
