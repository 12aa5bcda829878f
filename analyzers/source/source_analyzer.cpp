// source_analyzer.cpp — flags, cache and parse behind SourceAnalyzer (see the header).
#include "analyzers/source/source_analyzer.h"

#include <algorithm>
#include <system_error>

namespace allocprof::analyzers::source {

namespace fs = std::filesystem;

SourceAnalyzer::SourceAnalyzer(SourceAnalyzerOptions options)
    : options_(std::move(options)), cache_(options_.cache_dir) {
    if (options_.compile_commands)
        database_ = CompilationDatabase::load(*options_.compile_commands);
}

std::vector<std::string> SourceAnalyzer::flags_for(const fs::path& file) const {
    if (database_) {
        if (std::optional<std::vector<std::string>> flags = database_->flags_for(file))
            return *flags;
    }
    return default_flags(file, options_.extra_flags);
}

std::vector<fs::path> SourceAnalyzer::translation_units(const fs::path& root) const {
    if (!database_) return find_translation_units(root);
    std::vector<fs::path> out;
    for (const fs::path& file : database_->files())
        if (is_under(file, root)) out.push_back(file);
    return out;
}

const FileAnalysis& SourceAnalyzer::analyze_file(const fs::path& file) {
    std::error_code ec;
    const fs::path absolute = fs::absolute(file, ec).lexically_normal();
    const std::string path = absolute.string();
    if (auto it = analysed_.find(path); it != analysed_.end()) {
        ++stats_.memory_hits;
        return it->second;
    }
    FileAnalysis& slot = analysed_[path];
    slot.file = path;
    slot.flags = flags_for(absolute);
    const std::optional<std::string> content =
        fs::is_regular_file(absolute, ec) ? read_file(absolute) : std::nullopt;
    if (!content) {
        slot.status = ParseStatus::MissingFile;
        slot.reason = path + (fs::exists(absolute, ec) ? ": cannot read the source file"
                                                       : ": no such source file");
        return slot;
    }
    const std::string key = ParseCache::key(path, *content, slot.flags);
    bool stale = false;
    if (std::optional<FileAnalysis> cached = cache_.load(key, &stale)) {
        ++stats_.hits;
        slot = std::move(*cached);
        return slot;
    }
    ++stats_.misses;
    if (stale) ++stats_.stale;
    if (!collector_) collector_ = std::make_unique<ConstructCollector>();
    ParsedFile parsed = collector_->parse(path, slot.flags);
    if (!cache_.store(key, parsed)) ++stats_.write_errors;
    slot = std::move(parsed.analysis);
    return slot;
}

SiteClassification SourceAnalyzer::classify(const fs::path& file, uint32_t line) {
    const FileAnalysis& analysis = analyze_file(file);
    SiteClassification out;
    out.status = analysis.status;
    out.reason = analysis.reason;
    for (const SourceConstruct& c : analysis.constructs)
        if (c.line == line) out.at_line.push_back(c);
    std::stable_sort(
        out.at_line.begin(), out.at_line.end(),
        [](const SourceConstruct& a, const SourceConstruct& b) { return a.column < b.column; });
    if (out.at_line.empty()) {
        const SourceConstruct* innermost = nullptr;
        for (const SourceConstruct& c : analysis.constructs)
            if (c.line <= line && line <= c.end_line &&
                (innermost == nullptr ||
                 c.end_line - c.line < innermost->end_line - innermost->line))
                innermost = &c;
        if (innermost != nullptr) out.at_line.push_back(*innermost);
    }
    if (!out.at_line.empty())
        out.construct = out.at_line.front();
    else if (analysis.status == ParseStatus::Ok)
        out.construct.description =
            "no allocating construct at " + analysis.file + ":" + std::to_string(line);
    else
        out.construct.description = out.reason;
    return out;
}

bool is_under(const fs::path& path, const fs::path& root) {
    std::error_code ec;
    const fs::path p = fs::absolute(path, ec).lexically_normal();
    fs::path r = fs::absolute(root, ec).lexically_normal();
    if (r.filename().empty()) r = r.parent_path();  // "dir/" -> "dir"
    return std::mismatch(r.begin(), r.end(), p.begin(), p.end()).first == r.end();
}

std::vector<fs::path> find_translation_units(const fs::path& root) {
    static const char* const kSources[] = {".c", ".cc", ".cpp", ".cxx", ".c++"};
    std::vector<fs::path> out;
    std::error_code ec;
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec),
        end;
    for (; !ec && it != end; it.increment(ec)) {
        const fs::path& p = it->path();
        if (it->is_directory(ec)) {
            const std::string name = p.filename().string();
            if ((!name.empty() && name[0] == '.') || fs::exists(p / "CMakeCache.txt", ec))
                it.disable_recursion_pending();
            continue;
        }
        const std::string ext = p.extension().string();
        if (it->is_regular_file(ec) && std::any_of(std::begin(kSources), std::end(kSources),
                                                   [&](const char* s) { return ext == s; }))
            out.push_back(p);
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<CoverageGap> rank_coverage_gaps(
    const std::vector<FileAnalysis>& files,
    const std::function<bool(const std::string& file, const FunctionInventory&)>& covered) {
    std::vector<CoverageGap> gaps;
    for (const FileAnalysis& file : files)
        for (const FunctionInventory& f : file.functions)
            if (!covered(file.file, f)) gaps.push_back({file.file, f});
    std::stable_sort(gaps.begin(), gaps.end(), [](const CoverageGap& a, const CoverageGap& b) {
        if (a.function.in_loops != b.function.in_loops)
            return a.function.in_loops > b.function.in_loops;
        if (a.function.constructs != b.function.constructs)
            return a.function.constructs > b.function.constructs;
        if (a.file != b.file) return a.file < b.file;
        return a.function.line_begin < b.function.line_begin;
    });
    return gaps;
}

}  // namespace allocprof::analyzers::source
