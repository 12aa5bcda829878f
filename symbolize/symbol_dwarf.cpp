// symbol_dwarf.cpp — see symbol_dwarf.h.
#include "symbolize/symbol_dwarf.h"

#include <dwarf.h>

#include <algorithm>
#include <cstdint>

#include "symbolize/symbol_demangle.h"

namespace allocprof::symbolize {

namespace {

// One address range of a function or of an inlined call, and the node it belongs to.
struct ScopeRange {
    Dwarf_Addr low = 0;
    Dwarf_Addr high = 0;  // one past the end
    uint32_t node = 0;
};

// A concrete DW_TAG_subprogram or DW_TAG_inlined_subroutine.
struct ScopeNode {
    Dwarf_Die die;
    bool inlined = false;
    std::vector<ScopeRange> inner;  // ranges of the calls inlined directly into it, sorted
};

bool by_low(const ScopeRange& a, const ScopeRange& b) { return a.low < b.low; }

// The range of `ranges` (sorted, in principle disjoint) that contains `address`.
const ScopeRange* find_range(const std::vector<ScopeRange>& ranges, Dwarf_Addr address) {
    auto it = std::upper_bound(ranges.begin(), ranges.end(), address,
                               [](Dwarf_Addr a, const ScopeRange& r) { return a < r.low; });
    // Siblings do not overlap in valid DWARF; a few steps back tolerate a compiler that
    // lets them.
    constexpr int kOverlapLookback = 4;
    for (int step = 0; step < kOverlapLookback && it != ranges.begin(); ++step) {
        --it;
        if (address < it->high) return &*it;
    }
    return nullptr;
}

}  // namespace

struct DwarfFrames::UnitIndex {
    Dwarf_Files* files = nullptr;
    std::vector<ScopeNode> nodes;
    std::vector<ScopeRange> functions;  // the concrete subprograms' ranges, sorted
    // "ns::Class::" for each function DIE declared inside namespaces or classes (names of
    // functions without a linkage name are qualified with it).
    std::unordered_map<Dwarf_Off, std::string> scope_prefix;
};

namespace {

// Walks a compilation unit once into its UnitIndex (see symbol_dwarf.h).
class UnitBuilder {
public:
    UnitBuilder(std::vector<ScopeNode>& nodes, std::vector<ScopeRange>& functions,
                std::unordered_map<Dwarf_Off, std::string>& scope_prefix)
        : nodes_(nodes), functions_(functions), scope_prefix_(scope_prefix) {}

    // `enclosing`: the node of the innermost function or inlined call around `parent`, or
    // -1 outside any function.
    void walk(Dwarf_Die* parent, int64_t enclosing) {
        Dwarf_Die child;
        if (dwarf_child(parent, &child) != 0) return;
        do {
            switch (dwarf_tag(&child)) {
                case DW_TAG_subprogram: {
                    if (!prefix_.empty()) scope_prefix_.emplace(dwarf_dieoffset(&child), prefix_);
                    // Without ranges it is a declaration or an abstract instance: nothing
                    // under it has an address.
                    int64_t node = add_node(child, false, -1);
                    if (node >= 0) walk(&child, node);
                    break;
                }
                case DW_TAG_inlined_subroutine: {
                    if (enclosing < 0) break;  // not in a function: malformed, ignore
                    int64_t node = add_node(child, true, enclosing);
                    if (node >= 0) walk(&child, node);
                    break;
                }
                case DW_TAG_lexical_block:
                case DW_TAG_try_block:
                case DW_TAG_catch_block:
                    walk(&child, enclosing);
                    break;
                case DW_TAG_namespace:
                case DW_TAG_class_type:
                case DW_TAG_structure_type:
                case DW_TAG_union_type: {
                    const char* name = dwarf_diename(&child);
                    size_t saved = prefix_.size();
                    if (name != nullptr) {
                        prefix_ += name;
                    } else {
                        prefix_ += dwarf_tag(&child) == DW_TAG_namespace ? "(anonymous namespace)"
                                                                          : "(anonymous)";
                    }
                    prefix_ += "::";
                    walk(&child, enclosing);
                    prefix_.resize(saved);
                    break;
                }
                default:
                    break;  // variables, parameters, types: no code below
            }
        } while (dwarf_siblingof(&child, &child) == 0);
    }

private:
    // Adds a node for `die` if it has address ranges, and its ranges to the function list
    // (parent -1) or to the inner list of node `parent`. Returns the node, or -1.
    int64_t add_node(Dwarf_Die& die, bool inlined, int64_t parent) {
        auto node = static_cast<uint32_t>(nodes_.size());
        ranges_.clear();
        Dwarf_Addr base = 0, start = 0, end = 0;
        ptrdiff_t offset = 0;
        while ((offset = dwarf_ranges(&die, offset, &base, &start, &end)) > 0) {
            if (start != 0 && end > start) ranges_.push_back({start, end, node});
        }
        if (ranges_.empty()) return -1;
        nodes_.push_back({.die = die, .inlined = inlined, .inner = {}});
        auto& target = parent < 0 ? functions_ : nodes_[static_cast<size_t>(parent)].inner;
        target.insert(target.end(), ranges_.begin(), ranges_.end());
        return node;
    }

    std::vector<ScopeNode>& nodes_;
    std::vector<ScopeRange>& functions_;
    std::unordered_map<Dwarf_Off, std::string>& scope_prefix_;
    std::string prefix_;
    std::vector<ScopeRange> ranges_;  // scratch
};

// The linkage name when there is one, so that C++ functions read like the symbol table's
// ("ns::Class::f(int)", "f()::{lambda(int)#1}::operator()(int) const") rather than the bare
// DW_AT_name ("f", "operator()"). dwarf_attr_integrate follows DW_AT_abstract_origin and
// DW_AT_specification: inlined and out-of-class definitions carry their names there.
// Functions with internal linkage (static, anonymous namespace) have no linkage name in
// GCC's DWARF: they get DW_AT_name, qualified by their namespaces and classes, without
// parameters ("(anonymous namespace)::helper").
std::string function_name(Dwarf_Die* die,
                          const std::unordered_map<Dwarf_Off, std::string>& scope_prefix) {
    Dwarf_Attribute attr;
    const char* linkage = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
    if (linkage == nullptr) {
        linkage = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr));
    }
    if (linkage != nullptr) return demangle(linkage);

    // The DIE holding the name is the declaration, whose parents are the function's scopes.
    Dwarf_Die named = *die;
    constexpr int kMaxHops = 8;  // origin -> specification chains are 2 long in practice
    for (int hop = 0; hop < kMaxHops && !dwarf_hasattr(&named, DW_AT_name); ++hop) {
        Dwarf_Die next;
        if (dwarf_formref_die(dwarf_attr(&named, DW_AT_abstract_origin, &attr), &next) == nullptr &&
            dwarf_formref_die(dwarf_attr(&named, DW_AT_specification, &attr), &next) == nullptr) {
            break;
        }
        named = next;
    }
    const char* name = dwarf_diename(&named);
    if (name == nullptr) return "";
    auto prefix = scope_prefix.find(dwarf_dieoffset(&named));
    return prefix != scope_prefix.end() ? prefix->second + name : name;
}

// Where the inlined call `die` was made, in its caller.
void call_site(Dwarf_Die* die, Dwarf_Files* files, SymbolFrame& caller) {
    Dwarf_Attribute attr;
    Dwarf_Word value = 0;
    if (files != nullptr && dwarf_formudata(dwarf_attr(die, DW_AT_call_file, &attr), &value) == 0) {
        const char* file = dwarf_filesrc(files, value, nullptr, nullptr);
        if (file != nullptr) caller.file = file;
    }
    if (dwarf_formudata(dwarf_attr(die, DW_AT_call_line, &attr), &value) == 0) {
        caller.line = static_cast<int>(value);
    }
}

}  // namespace

DwarfFrames::DwarfFrames(Dwfl_Module* module) : module_(module) {}
DwarfFrames::~DwarfFrames() = default;

DwarfFrames::UnitIndex& DwarfFrames::unit(Dwarf_Die* cu_die) {
    auto& slot = units_[dwarf_dieoffset(cu_die)];
    if (slot != nullptr) return *slot;
    slot = std::make_unique<UnitIndex>();
    UnitIndex& index = *slot;
    if (dwarf_getsrcfiles(cu_die, &index.files, nullptr) != 0) index.files = nullptr;
    UnitBuilder(index.nodes, index.functions, index.scope_prefix).walk(cu_die, -1);
    std::sort(index.functions.begin(), index.functions.end(), by_low);
    for (ScopeNode& node : index.nodes) std::sort(node.inner.begin(), node.inner.end(), by_low);
    return index;
}

void DwarfFrames::append(Dwarf_Addr address, std::vector<SymbolFrame>& frames) {
    SymbolFrame current;
    if (Dwfl_Line* line = dwfl_module_getsrc(module_, address)) {
        int lineno = 0;
        const char* file = dwfl_lineinfo(line, nullptr, &lineno, nullptr, nullptr, nullptr);
        if (file != nullptr) current.file = file;
        current.line = lineno;
    }

    Dwarf_Addr bias = 0;
    Dwarf_Die* cu_die = dwfl_module_addrdie(module_, address, &bias);
    const ScopeRange* range = nullptr;
    UnitIndex* index = nullptr;
    if (cu_die != nullptr) {
        index = &unit(cu_die);
        range = find_range(index->functions, address - bias);
    }
    if (range == nullptr) {
        // No function around it (or no CU): the line table may still know the place.
        if (!current.file.empty()) frames.push_back(current);
        return;
    }
    // The nesting, outermost (the function) first.
    std::vector<uint32_t> chain{range->node};
    while ((range = find_range(index->nodes[chain.back()].inner, address - bias)) != nullptr) {
        chain.push_back(range->node);
    }
    for (size_t i = chain.size(); i-- > 0;) {
        ScopeNode& node = index->nodes[chain[i]];
        current.function = function_name(&node.die, index->scope_prefix);
        current.inlined = node.inlined;
        frames.push_back(current);
        if (!node.inlined) return;
        current = SymbolFrame{};
        call_site(&node.die, index->files, current);
    }
}

}  // namespace allocprof::symbolize
