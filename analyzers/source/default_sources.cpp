// default_sources.cpp — see default_sources.h.
#include "analyzers/source/default_sources.h"

#include <algorithm>
#include <set>

#include "analyzers/runtime_sites.h"
#include "analyzers/source/compilation_database.h"
#include "symbolize/symbolizer.h"

namespace allocprof::analyzers::source {
namespace {

namespace fs = std::filesystem;

bool is_source_file(const fs::path& file) {
    static const char* const kSources[] = {".c", ".cc", ".cpp", ".cxx", ".c++"};
    const std::string ext = file.extension().string();
    return std::any_of(std::begin(kSources), std::end(kSources), [&](const char* s) { return ext == s; });
}

struct Module {
    std::string path, build_id;
};

// The modules the run's stacks pass through, without the runtime's and allocprof's own.
std::vector<Module> program_modules(schema::Database& db, int64_t run_id) {
    std::vector<Module> out;
    auto s = db.prepare(
        "SELECT m.path, COALESCE(m.build_id, '') FROM modules m WHERE m.run_id = ?1 AND EXISTS "
        "(SELECT 1 FROM trace_nodes t WHERE t.run_id = ?1 AND t.module_id = m.module_id) "
        "GROUP BY m.path, m.build_id ORDER BY MIN(m.module_id)");
    s.bind(1, run_id);
    while (s.step()) {
        Module m{s.text(0), s.text(1)};
        const std::string name = fs::path(m.path).filename().string();
        if (!is_runtime_module(name) && name.rfind("liballocprof_preload", 0) != 0) out.push_back(std::move(m));
    }
    return out;
}

// The first compile_commands.json, searched as clangd does from each compilation directory
// up, that has an entry for one of `units`.
std::optional<fs::path> find_compile_commands(const std::set<fs::path>& comp_dirs, const std::vector<fs::path>& units) {
    std::error_code ec;
    std::set<fs::path> tried;
    for (const fs::path& start : comp_dirs) {
        for (fs::path dir = start; !dir.empty(); dir = dir.parent_path()) {
            for (const fs::path& candidate : {dir / "compile_commands.json", dir / "build" / "compile_commands.json"}) {
                if (!tried.insert(candidate).second || !fs::is_regular_file(candidate, ec)) continue;
                try {
                    const CompilationDatabase database = CompilationDatabase::load(candidate);
                    for (const fs::path& unit : units)
                        if (database.flags_for(unit)) return candidate;
                } catch (const CompilationDatabaseError&) {
                    // Not the user's choice: an unusable file is passed over, not an error.
                }
            }
            if (dir == dir.root_path()) break;
        }
    }
    return std::nullopt;
}

}  // namespace

fs::path common_directory(const std::vector<fs::path>& files) {
    if (files.empty()) return {};
    fs::path common = files.front().parent_path();
    for (const fs::path& f : files) {
        const fs::path dir = f.parent_path();
        fs::path shared;
        auto a = common.begin(), b = dir.begin();
        for (; a != common.end() && b != dir.end() && *a == *b; ++a, ++b) shared /= *a;
        common = shared;
    }
    return common;
}

DefaultSources default_sources(schema::Database& db, int64_t run_id) {
    DefaultSources out;
    symbolize::Symbolizer symbols;
    std::set<fs::path> units_seen, comp_dirs;
    std::vector<fs::path> units;
    size_t named = 0;    // compilation units named by DWARF, on disk or not
    size_t rebuilt = 0;  // modules whose file now has another build-id
    std::error_code ec;
    for (const Module& m : program_modules(db, run_id)) {
        const symbolize::ModuleHandle handle = symbols.open_module(m.path, m.build_id);
        rebuilt += symbols.module_info(handle).status == symbolize::ModuleStatus::BuildIdMismatch;
        for (const symbolize::CompilationUnit& unit : symbols.compilation_units(handle)) {
            const fs::path file = fs::path(unit.file).lexically_normal();
            if (!file.is_absolute() || !is_source_file(file)) continue;
            ++named;
            if (!fs::is_regular_file(file, ec) || !units_seen.insert(file).second) continue;
            units.push_back(file);
            if (!unit.comp_dir.empty()) comp_dirs.insert(fs::path(unit.comp_dir).lexically_normal());
        }
    }
    if (units.empty()) {
        out.why_not = named > 0   ? "none of the " + std::to_string(named) +
                                        " source files the program's debug information names is on disk"
                      : rebuilt > 0 ? "the program's file was rebuilt since the run (another build-id), so its "
                                      "debug information no longer describes the code that ran"
                                    : "the program's debug information names no C or C++ source file";
        return out;
    }
    std::sort(units.begin(), units.end());
    out.options.root = common_directory(units);
    out.options.units = units;
    out.options.compile_commands = find_compile_commands(comp_dirs, units);
    out.options.relative_files_under_root = false;  // a relative name is another tree's (glibc's)
    return out;
}

}  // namespace allocprof::analyzers::source
