// symbolize_bench.cpp — how fast the offline symbolizer resolves a real run: every distinct
// (module, rel_pc) of trace_nodes in a run database, symbolized cold (a new Symbolizer:
// opening modules, finding debug files, building symbol tables, reading DWARF) and then warm
// (the same addresses again, from the per-address cache). Prints addresses/second and what
// resolved, per module.
//
//   bench_symbolize run.db [--repeat N | --dump]
//   bench_symbolize --elf FILE      (every function of one large -g binary; see run_elf)
//
// A run to measure, e.g. the pyenv python3 (libpython has full DWARF):
//   PYTHONMALLOC=malloc build/bin/allocprof record -o py.db --
//       python3 -c 'import json; [json.dumps({"a": i}) for i in range(20000)]'
//   (one command line)
//   build/bench/bench_symbolize py.db
// --repeat N runs the cold pass N times (fresh Symbolizer each) and reports the best.
// --dump prints every address instead, one line per frame (to compare with eu-addr2line):
//   MODULE 0xREL_PC FRAME_INDEX FUNCTION|FILE:LINE[|inlined]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

#include "schema/run_database.h"
#include "symbolize/symbolizer.h"

namespace {

using allocprof::symbolize::ModuleHandle;
using allocprof::symbolize::SymbolizedAddress;
using allocprof::symbolize::Symbolizer;
using allocprof::symbolize::SymbolQuality;

struct Module {
    std::string path;
    std::string build_id;
};

struct Address {
    int64_t module_id;
    uint64_t rel_pc;
};

struct Counts {
    size_t file_line = 0;
    size_t symbol_only = 0;
    size_t unknown = 0;
    size_t inlined_frames = 0;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// One pass over all addresses with `symbolizer`; fills per-module counts when given.
// Returns the seconds spent opening the modules (the rest is symbolizing).
double symbolize_all(Symbolizer& symbolizer, const std::map<int64_t, Module>& modules,
                     const std::vector<Address>& addresses, std::map<int64_t, Counts>* counts) {
    auto start = std::chrono::steady_clock::now();
    std::map<int64_t, ModuleHandle> handles;
    for (const auto& [id, module] : modules) {
        handles[id] = symbolizer.open_module(module.path, module.build_id);
    }
    double open_seconds = seconds_since(start);
    for (const Address& a : addresses) {
        const SymbolizedAddress& result = symbolizer.symbolize(handles[a.module_id], a.rel_pc);
        if (counts == nullptr) continue;
        Counts& c = (*counts)[a.module_id];
        switch (result.quality) {
            case SymbolQuality::FileLine: ++c.file_line; break;
            case SymbolQuality::SymbolOnly: ++c.symbol_only; break;
            case SymbolQuality::Unknown: ++c.unknown; break;
        }
        if (!result.frames.empty()) c.inlined_frames += result.frames.size() - 1;
    }
    return open_seconds;
}

void dump(const std::map<int64_t, Module>& modules, const std::vector<Address>& addresses) {
    Symbolizer symbolizer;
    for (const Address& a : addresses) {
        const Module& module = modules.at(a.module_id);
        const SymbolizedAddress& result =
            symbolizer.symbolize(module.path, module.build_id, a.rel_pc);
        for (size_t i = 0; i < result.frames.size(); ++i) {
            const auto& f = result.frames[i];
            std::printf("%s 0x%llx %zu %s|%s:%d%s\n", module.path.c_str(),
                        static_cast<unsigned long long>(a.rel_pc), i, f.function.c_str(),
                        f.file.c_str(), f.line, f.inlined ? "|inlined" : "");
        }
        if (result.frames.empty()) {
            std::printf("%s 0x%llx - ??\n", module.path.c_str(),
                        static_cast<unsigned long long>(a.rel_pc));
        }
    }
}

// --elf FILE: one address in the middle of every function of FILE's symbol table, the
// worst case for the caches (every address distinct, every compilation unit touched).
// Compared with the lookups the issue measured: dwfl_module_addrinfo for the name and
// dwarf_getscopes for the inlined frames, on the first kBaselineAddresses addresses.
int run_elf(const std::string& path) {
    constexpr size_t kBaselineAddresses = 300;
    Dwfl_Callbacks callbacks{};
    callbacks.find_elf = dwfl_build_id_find_elf;
    callbacks.find_debuginfo = dwfl_standard_find_debuginfo;
    callbacks.section_address = dwfl_offline_section_address;
    Dwfl* dwfl = dwfl_begin(&callbacks);
    dwfl_report_begin(dwfl);
    Dwfl_Module* module = dwfl_report_elf(dwfl, "elf", path.c_str(), -1, 0, true);
    dwfl_report_end(dwfl, nullptr, nullptr);
    if (module == nullptr) {
        std::fprintf(stderr, "bench_symbolize: cannot open %s\n", path.c_str());
        return 2;
    }
    GElf_Addr bias = 0;
    dwfl_module_getelf(module, &bias);
    std::set<uint64_t> unique;
    for (int i = 1, n = dwfl_module_getsymtab(module); i < n; ++i) {
        GElf_Sym sym;
        GElf_Addr address = 0;
        const char* name = dwfl_module_getsym_info(module, i, &sym, &address, nullptr, nullptr,
                                                   nullptr);
        if (name != nullptr && GELF_ST_TYPE(sym.st_info) == STT_FUNC && sym.st_size > 1 &&
            address != 0) {
            unique.insert(address - bias + sym.st_size / 2);
        }
    }
    std::vector<uint64_t> pcs(unique.begin(), unique.end());
    std::printf("%s: %zu functions, one address in each\n", path.c_str(), pcs.size());

    auto start = std::chrono::steady_clock::now();
    Symbolizer symbolizer;
    auto handle = symbolizer.open_module(path, "");
    double open = seconds_since(start);
    size_t inlined = 0, file_line = 0;
    for (uint64_t pc : pcs) {
        const SymbolizedAddress& r = symbolizer.symbolize(handle, pc);
        inlined += r.frames.empty() ? 0 : r.frames.size() - 1;
        file_line += r.quality == SymbolQuality::FileLine;
    }
    double cold = seconds_since(start);
    auto n = static_cast<double>(pcs.size());
    std::printf("symbolizer: %.3f s (opening %.3f s), %.0f addresses/s, %.1f us/address; "
                "%zu with file:line, %zu inlined frames\n",
                cold, open, n / cold, 1e6 * cold / n, file_line, inlined);

    // The baseline, without caches: what each address costs with the plain libdwfl calls.
    size_t count = std::min(kBaselineAddresses, pcs.size());
    start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < count; ++i) {
        GElf_Off offset = 0;
        GElf_Sym sym;
        dwfl_module_addrinfo(module, pcs[i] + bias, &offset, &sym, nullptr, nullptr, nullptr);
    }
    double addrinfo = seconds_since(start) / static_cast<double>(count);
    start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < count; ++i) {
        Dwarf_Addr dwarf_bias = 0;
        Dwarf_Die* cu = dwfl_module_addrdie(module, pcs[i] + bias, &dwarf_bias);
        Dwarf_Die* scopes = nullptr;
        if (cu != nullptr) dwarf_getscopes(cu, pcs[i] + bias - dwarf_bias, &scopes);
        std::free(scopes);
    }
    double getscopes = seconds_since(start) / static_cast<double>(count);
    std::printf("baseline (first %zu addresses): dwfl_module_addrinfo %.1f us/address, "
                "dwarf_getscopes %.1f us/address\n",
                count, 1e6 * addrinfo, 1e6 * getscopes);
    dwfl_end(dwfl);
    return 0;
}

size_t distinct_modules(const std::map<int64_t, Module>& modules) {
    std::set<std::pair<std::string, std::string>> distinct;
    for (const auto& [id, m] : modules) distinct.emplace(m.path, m.build_id);
    return distinct.size();
}

int run(const std::string& path, int repeat, bool dump_only) {
    auto db = allocprof::schema::Database::open_existing(path, false);
    std::map<int64_t, Module> modules;
    {
        auto stmt = db.prepare("SELECT module_id, path, COALESCE(build_id, '') FROM modules");
        while (stmt.step()) modules[stmt.int64(0)] = {stmt.text(1), stmt.text(2)};
    }
    std::vector<Address> addresses;
    size_t nodes = 0;
    {
        auto stmt = db.prepare(
            "SELECT module_id, rel_pc, COUNT(*) FROM trace_nodes WHERE module_id IS NOT NULL "
            "GROUP BY module_id, rel_pc");
        while (stmt.step()) {
            addresses.push_back({stmt.int64(0), static_cast<uint64_t>(stmt.int64(1))});
            nodes += static_cast<size_t>(stmt.int64(2));
        }
    }
    if (dump_only) {
        dump(modules, addresses);
        return 0;
    }
    std::printf("%s: %zu trace nodes, %zu distinct (module, rel_pc), %zu modules\n", path.c_str(),
                nodes, addresses.size(), modules.size());
    if (addresses.empty()) return 0;

    double best_cold = 0, best_open = 0;
    Symbolizer warm_symbolizer;
    for (int i = 0; i < repeat; ++i) {
        Symbolizer symbolizer;
        auto start = std::chrono::steady_clock::now();
        double open = symbolize_all(symbolizer, modules, addresses, nullptr);
        double cold = seconds_since(start);
        if (i == 0 || cold < best_cold) best_cold = cold, best_open = open;
        if (i == repeat - 1) warm_symbolizer = std::move(symbolizer);
    }
    auto start = std::chrono::steady_clock::now();
    constexpr int kWarmPasses = 10;
    for (int i = 0; i < kWarmPasses; ++i) {
        symbolize_all(warm_symbolizer, modules, addresses, nullptr);
    }
    double warm = seconds_since(start) / kWarmPasses;

    auto n = static_cast<double>(addresses.size());
    std::printf("cold: %.3f s, %.0f addresses/s (%.1f us/address, incl. opening modules)\n",
                best_cold, n / best_cold, 1e6 * best_cold / n);
    std::printf("      of which opening %zu distinct modules %.3f s; "
                "symbolizing %.0f addresses/s\n",
                distinct_modules(modules), best_open, n / (best_cold - best_open));
    std::printf("warm: %.4f s, %.0f addresses/s (%.3f us/address, cached)\n", warm, n / warm,
                1e6 * warm / n);

    std::map<int64_t, Counts> counts;
    symbolize_all(warm_symbolizer, modules, addresses, &counts);
    std::printf("\n%-8s %-8s %-8s %-8s %-8s %-14s %s\n", "addrs", "fileline", "symbol", "unknown",
                "inlined", "status", "module");
    for (const auto& [id, c] : counts) {
        auto handle = warm_symbolizer.open_module(modules[id].path, modules[id].build_id);
        const auto& info = warm_symbolizer.module_info(handle);
        std::string status = allocprof::symbolize::to_string(info.status);
        if (info.dwarf_source != allocprof::symbolize::DwarfSource::None) {
            status += std::string("/") + allocprof::symbolize::to_string(info.dwarf_source);
        } else if (!info.symbol_table.empty()) {
            status += "/" + info.symbol_table;
        }
        std::printf("%-8zu %-8zu %-8zu %-8zu %-8zu %-14s %s\n",
                    c.file_line + c.symbol_only + c.unknown, c.file_line, c.symbol_only, c.unknown,
                    c.inlined_frames, status.c_str(), modules[id].path.c_str());
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || std::strcmp(argv[1], "--help") == 0) {
        std::fprintf(stderr, "usage: bench_symbolize RUN.db [--repeat N | --dump] | --elf FILE\n");
        return 2;
    }
    if (argc == 3 && std::strcmp(argv[1], "--elf") == 0) return run_elf(argv[2]);
    int repeat = 1;
    bool dump_only = argc == 3 && std::strcmp(argv[2], "--dump") == 0;
    if (argc == 4 && std::strcmp(argv[2], "--repeat") == 0) {
        repeat = std::max(1, std::atoi(argv[3]));
    }
    try {
        return run(argv[1], repeat, dump_only);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_symbolize: error: %s\n", e.what());
        return 2;
    }
}
