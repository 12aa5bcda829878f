// symbolizer.cpp — see symbolizer.h. One Dwfl session per module: each module is reported
// at base 0 so that libdwfl addresses are the ELF addresses themselves (plus the file's own
// bias, 0 except for prelinked files), and modules that all start at 0 never collide.
#include "symbolize/symbolizer.h"

#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <unordered_map>
#include <utility>

#include "symbolize/symbol_demangle.h"
#include "symbolize/symbol_dwarf.h"
#include "symbolize/symbol_table.h"

namespace allocprof::symbolize {

const char* to_string(SymbolQuality quality) {
    switch (quality) {
        case SymbolQuality::FileLine: return "file_line";
        case SymbolQuality::SymbolOnly: return "symbol_only";
        case SymbolQuality::Unknown: return "unknown";
    }
    return "unknown";
}

const char* to_string(ModuleStatus status) {
    switch (status) {
        case ModuleStatus::Dwarf: return "dwarf";
        case ModuleStatus::SymbolTable: return "symbol_table";
        case ModuleStatus::NoSymbols: return "no_symbols";
        case ModuleStatus::BuildIdMismatch: return "build_id_mismatch";
        case ModuleStatus::NotElf: return "not_elf";
        case ModuleStatus::Missing: return "missing";
    }
    return "missing";
}

const char* to_string(DwarfSource source) {
    switch (source) {
        case DwarfSource::None: return "none";
        case DwarfSource::InFile: return "in_file";
        case DwarfSource::BuildIdDir: return "build_id_dir";
        case DwarfSource::DebugLink: return "debuglink";
    }
    return "none";
}

namespace {

struct DwflDeleter {
    void operator()(Dwfl* dwfl) const { dwfl_end(dwfl); }
};

std::string hex(const unsigned char* bytes, int length) {
    static const char kDigits[] = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < length; ++i) {
        out += kDigits[bytes[i] >> 4];
        out += kDigits[bytes[i] & 0xf];
    }
    return out;
}

}  // namespace

struct ModuleState {
    ModuleDebugInfo info;
    std::unique_ptr<Dwfl, DwflDeleter> dwfl;
    Dwfl_Module* module = nullptr;  // null unless status is Dwarf, SymbolTable or NoSymbols
    GElf_Addr bias = 0;             // libdwfl address = ELF address + bias
    std::unique_ptr<DwarfFrames> dwarf;  // null without DWARF
    SymbolTable symbols;
    // unordered_map: references to values stay valid when it grows (symbolize returns one).
    std::unordered_map<uint64_t, SymbolizedAddress> results;
};

struct Symbolizer::Impl {
    // libdwfl keeps pointers to the callbacks and to the search path: they live here, at
    // stable addresses, as long as any Dwfl.
    std::string debuginfo_path;
    char* debuginfo_path_ptr = nullptr;
    Dwfl_Callbacks callbacks{};
    std::vector<std::unique_ptr<ModuleState>> modules;
    std::map<std::pair<std::string, std::string>, uint32_t> by_key;
    SymbolizedAddress unknown;  // returned for a handle that is not ours

    void load(ModuleState& state, const std::string& path, const std::string& build_id);
    SymbolizedAddress resolve(ModuleState& state, uint64_t rel_pc);
};

Symbolizer::Symbolizer(std::vector<std::string> extra_debug_dirs)
    : impl_(std::make_unique<Impl>()) {
    // libdwfl's default ":.debug:/usr/lib/debug": next to the file, in .debug/ next to it,
    // and under /usr/lib/debug (by build-id, then by debuglink). The leading '+' (libdwfl's
    // default, made explicit) checks a debuglink file's CRC, so a stale .debug is not used.
    impl_->debuginfo_path = "+:.debug:/usr/lib/debug";
    for (const std::string& dir : extra_debug_dirs) impl_->debuginfo_path += ":" + dir;
    impl_->debuginfo_path_ptr = impl_->debuginfo_path.data();
    impl_->callbacks.find_elf = dwfl_build_id_find_elf;
    impl_->callbacks.find_debuginfo = dwfl_standard_find_debuginfo;
    impl_->callbacks.section_address = dwfl_offline_section_address;
    impl_->callbacks.debuginfo_path = &impl_->debuginfo_path_ptr;
}

Symbolizer::~Symbolizer() = default;
Symbolizer::Symbolizer(Symbolizer&&) noexcept = default;
Symbolizer& Symbolizer::operator=(Symbolizer&&) noexcept = default;

ModuleHandle Symbolizer::open_module(const std::string& path, const std::string& build_id) {
    auto key = std::make_pair(path, build_id);
    auto found = impl_->by_key.find(key);
    if (found != impl_->by_key.end()) return {found->second};
    auto index = static_cast<uint32_t>(impl_->modules.size());
    auto state = std::make_unique<ModuleState>();
    impl_->load(*state, path, build_id);
    impl_->modules.push_back(std::move(state));
    impl_->by_key.emplace(std::move(key), index);
    return {index};
}

const ModuleDebugInfo& Symbolizer::module_info(ModuleHandle module) const {
    static const ModuleDebugInfo kMissing;
    if (module.index >= impl_->modules.size()) return kMissing;
    return impl_->modules[module.index]->info;
}

std::vector<CompilationUnit> Symbolizer::compilation_units(ModuleHandle module) const {
    std::vector<CompilationUnit> out;
    if (module.index >= impl_->modules.size() || impl_->modules[module.index]->dwarf == nullptr) return out;
    Dwarf_Addr bias = 0;
    Dwarf* dwarf = dwfl_module_getdwarf(impl_->modules[module.index]->module, &bias);
    if (dwarf == nullptr) return out;
    Dwarf_Off offset = 0, next = 0;
    size_t header_size = 0;
    while (dwarf_nextcu(dwarf, offset, &next, &header_size, nullptr, nullptr, nullptr) == 0) {
        Dwarf_Die die;
        if (dwarf_offdie(dwarf, offset + header_size, &die) != nullptr) {
            Dwarf_Attribute attr;
            const char* name = dwarf_diename(&die);
            const char* dir = dwarf_formstring(dwarf_attr(&die, DW_AT_comp_dir, &attr));
            if (name != nullptr && *name != '\0') {
                CompilationUnit unit{name, dir != nullptr ? dir : ""};
                if (unit.file[0] != '/' && !unit.comp_dir.empty()) unit.file = unit.comp_dir + "/" + unit.file;
                out.push_back(std::move(unit));
            }
        }
        offset = next;
    }
    return out;
}

const SymbolizedAddress& Symbolizer::symbolize(ModuleHandle module, uint64_t rel_pc) {
    if (module.index >= impl_->modules.size()) return impl_->unknown;
    ModuleState& state = *impl_->modules[module.index];
    auto found = state.results.find(rel_pc);
    if (found != state.results.end()) return found->second;
    return state.results.emplace(rel_pc, impl_->resolve(state, rel_pc)).first->second;
}

void Symbolizer::Impl::load(ModuleState& state, const std::string& path,
                            const std::string& build_id) {
    ModuleDebugInfo& info = state.info;
    // access() first: libdwfl's error for a missing file is not worth decoding, and
    // pseudo-paths like "[vdso]" or "" must not reach it.
    if (path.empty() || access(path.c_str(), R_OK) != 0) {
        info.status = path.empty() || errno == ENOENT || errno == ENOTDIR ? ModuleStatus::Missing
                                                                         : ModuleStatus::NotElf;
        return;
    }
    state.dwfl.reset(dwfl_begin(&callbacks));
    if (state.dwfl == nullptr) {
        info.status = ModuleStatus::NotElf;
        return;
    }
    dwfl_report_begin(state.dwfl.get());
    // Base 0 with add_p_vaddr: the segments stay at their ELF addresses, so rel_pc needs
    // no translation (dwfl_report_offline would move each file to its own address range).
    Dwfl_Module* module =
        dwfl_report_elf(state.dwfl.get(), path.c_str(), path.c_str(), -1, 0, true);
    dwfl_report_end(state.dwfl.get(), nullptr, nullptr);
    if (module == nullptr || dwfl_module_getelf(module, &state.bias) == nullptr) {
        info.status = ModuleStatus::NotElf;
        return;
    }

    const unsigned char* bits = nullptr;
    GElf_Addr note_address = 0;
    int length = dwfl_module_build_id(module, &bits, &note_address);
    if (length > 0) info.file_build_id = hex(bits, length);
    if (!build_id.empty() && info.file_build_id != build_id) {
        // Another file than the one that ran: its addresses would name the wrong code.
        info.status = ModuleStatus::BuildIdMismatch;
        return;
    }
    state.module = module;

    Dwarf_Addr dwarf_bias = 0;
    if (dwfl_module_getdwarf(module, &dwarf_bias) != nullptr) {
        state.dwarf = std::make_unique<DwarfFrames>(module);
        const char* main_file = nullptr;
        const char* debug_file = nullptr;
        dwfl_module_info(module, nullptr, nullptr, nullptr, nullptr, nullptr, &main_file,
                         &debug_file);
        info.debug_file = debug_file != nullptr ? debug_file : path;
        std::string main = main_file != nullptr ? main_file : path;
        if (info.debug_file == main) {
            info.dwarf_source = DwarfSource::InFile;
        } else if (info.debug_file.find("/.build-id/") != std::string::npos) {
            info.dwarf_source = DwarfSource::BuildIdDir;
        } else {
            info.dwarf_source = DwarfSource::DebugLink;
        }
    }
    state.symbols.build(module);
    info.symbol_table = state.symbols.source();
    info.function_symbols = state.symbols.size();
    info.status = state.dwarf != nullptr       ? ModuleStatus::Dwarf
                  : state.symbols.size() != 0 ? ModuleStatus::SymbolTable
                                              : ModuleStatus::NoSymbols;
}

SymbolizedAddress Symbolizer::Impl::resolve(ModuleState& state, uint64_t rel_pc) {
    SymbolizedAddress result;
    if (state.module == nullptr) return result;
    Dwarf_Addr address = rel_pc + state.bias;
    if (state.dwarf != nullptr) state.dwarf->append(address, result.frames);
    if (result.frames.empty()) result.frames.emplace_back();
    // The outermost frame is the real function, and the symbol table names it whenever it
    // can, DWARF or not: the name is then the same with and without -g, and complete where
    // DWARF's is not (GCC gives internal-linkage C++ functions no linkage name: "f", not
    // "f(int)"; glibc's DWARF says "__GI_qsort" for the exported "qsort").
    SymbolFrame& outermost = result.frames.back();
    if (const char* symbol = state.symbols.find(address)) {
        outermost.function = function_name_from_symbol(symbol);
    }

    const SymbolFrame& innermost = result.frames.front();
    if (!innermost.file.empty() && innermost.line > 0) {
        result.quality = SymbolQuality::FileLine;
    } else if (!outermost.function.empty()) {
        result.quality = SymbolQuality::SymbolOnly;
    } else {
        result.frames.clear();
    }
    return result;
}

}  // namespace allocprof::symbolize
