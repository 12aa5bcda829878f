// coverage_report.cpp — see coverage_report.h.
#include "cli/coverage_report.h"

#include <filesystem>
#include <string>

#include "cli/cli.h"
#include "symbolize/run_symbolizer.h"

namespace allocprof::cli {
using namespace allocprof::symbolize;

using nlohmann::json;

namespace {
constexpr size_t kNamedComplete = 6;
}  // namespace

json load_coverage(schema::Database& db, int64_t run_id) {
    if (!is_symbolized(db, run_id)) return nullptr;
    auto rows = db.prepare(
        "SELECT path, status, dwarf_source, debug_file, symbol_table, package, frames_file_line, "
        "frames_symbol_only, frames_unknown, fix FROM debug_coverage WHERE run_id = ? "
        "ORDER BY frames_symbol_only + frames_unknown DESC, path");
    rows.bind(1, run_id);
    json out = json::array();
    auto text_or_null = [&](int c) { return rows.is_null(c) ? json(nullptr) : json(rows.text(c)); };
    while (rows.step()) {
        std::string path = rows.text(0);
        std::string module = std::filesystem::path(path).filename().string();
        out.push_back({{"module", module.empty() ? path : module},
                       {"path", path},
                       {"status", rows.text(1)},
                       {"dwarf_source", rows.text(2)},
                       {"debug_file", text_or_null(3)},
                       {"symbol_table", text_or_null(4)},
                       {"package", text_or_null(5)},
                       {"frames_file_line", rows.int64(6)},
                       {"frames_symbol_only", rows.int64(7)},
                       {"frames_unknown", rows.int64(8)},
                       {"fix", rows.text(9)}});
    }
    return out;
}

void print_coverage(const json& coverage, std::ostream& out) {
    if (coverage.is_null()) {
        out << "  debug info       not symbolized yet (allocprof symbolize FILE)\n";
        return;
    }
    std::string complete;
    size_t complete_count = 0;
    size_t width = 0;
    for (const json& m : coverage) width = std::max(width, m["module"].get<std::string>().size());
    out << "  debug info       frames resolved to file:line / symbol only / unknown, per module\n";
    for (const json& m : coverage) {
        const auto symbol_only = m["frames_symbol_only"].get<uint64_t>();
        const auto unknown = m["frames_unknown"].get<uint64_t>();
        const std::string module = m["module"].get<std::string>();
        if (symbol_only == 0 && unknown == 0) {
            // A long list of fully covered modules says little more than its length.
            if (complete_count < kNamedComplete)
                complete += (complete.empty() ? "" : ", ") + module;
            ++complete_count;
            continue;
        }
        std::string line = "    " + module + std::string(width - module.size(), ' ') + "  " +
                           format_count(m["frames_file_line"].get<uint64_t>()) + " / " +
                           format_count(symbol_only) + " / " + format_count(unknown);
        std::string fix = m["fix"].get<std::string>();
        if (!fix.empty())
            line += "  -> " + fix;
        else if (m["status"] == "dwarf")
            line +=
                "  (DWARF has no lines there: assembly, startup code or parts built without -g)";
        out << line << "\n";
    }
    if (complete_count > kNamedComplete)
        complete += " and " + std::to_string(complete_count - kNamedComplete) + " more";
    if (complete_count > 0) out << "    all at file:line: " << complete << "\n";
}

}  // namespace allocprof::cli
