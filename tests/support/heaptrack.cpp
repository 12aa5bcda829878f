// heaptrack.cpp — see heaptrack.h.
#include "support/heaptrack.h"

#include <regex>
#include <string_view>
#include <stdexcept>

#include "support/process.h"

namespace allocprof::test_support {

namespace {

uint64_t parse_line(const std::string& output, const std::regex& line, const char* what) {
    std::smatch m;
    if (!std::regex_search(output, m, line))
        throw std::runtime_error(std::string("no '") + what + "' line in heaptrack_print's output:\n" +
                                 output.substr(output.size() > 2000 ? output.size() - 2000 : 0));
    return std::stoull(m[1]);
}

// Reads heaptrack's recording (after heaptrack_interpret: "+ INFO" and "- INFO" lines, INFO
// the allocation info's 0-based hex index) and applies heaptrack's temporary rule to its
// last free: 1 when that free is of info 0 and heaptrack counted it temporary.
uint64_t exit_pool_temporary(const std::filesystem::path& recording) {
    const char* decompress = recording.extension() == ".zst" ? "zstdcat" : "zcat";
    ProcessResult text = run_reference_tool({decompress, recording.string()}, decompress);
    if (!text.exited_with(0))
        throw std::runtime_error(std::string(decompress) + " failed on " + recording.string() + ": " +
                                 text.describe());
    uint64_t last_alloc_info = 0;  // heaptrack's lastAllocationPtr: reset to 0 by a free
    bool last_free_counted = false;
    uint64_t last_free_info = 0;
    bool any_free = false;
    size_t at = 0;
    while (at < text.out.size()) {
        size_t end = text.out.find('\n', at);
        if (end == std::string::npos) end = text.out.size();
        const std::string_view line(text.out.data() + at, end - at);
        at = end + 1;
        if (line.size() < 3 || line[1] != ' ' || (line[0] != '+' && line[0] != '-')) continue;
        const uint64_t info = std::stoull(std::string(line.substr(2)), nullptr, 16);
        if (line[0] == '+') {
            last_alloc_info = info;
        } else {
            last_free_counted = last_alloc_info == info;
            last_free_info = info;
            last_alloc_info = 0;
            any_free = true;
        }
    }
    return any_free && last_free_info == 0 && last_free_counted ? 1 : 0;
}

}  // namespace

bool heaptrack_available() {
    return find_on_path("heaptrack").has_value() && find_on_path("heaptrack_print").has_value();
}

HeaptrackSummary parse_heaptrack_print(const std::string& output) {
    static const std::regex calls(R"(calls to allocation functions: ([0-9]+))");
    static const std::regex temporary(R"(temporary memory allocations: ([0-9]+))");
    HeaptrackSummary s;
    s.allocation_calls = parse_line(output, calls, "calls to allocation functions");
    s.temporary = parse_line(output, temporary, "temporary memory allocations");
    return s;
}

HeaptrackSummary heaptrack_summary(const std::vector<std::string>& command,
                                   const std::filesystem::path& work_dir) {
    const std::filesystem::path base = work_dir / "heaptrack";
    std::vector<std::string> argv = {"heaptrack", "-o", base.string()};
    argv.insert(argv.end(), command.begin(), command.end());
    ProcessResult traced = run_reference_tool(argv, "heaptrack");
    std::filesystem::path recording;
    for (const char* ext : {".zst", ".gz"})
        if (std::filesystem::exists(base.string() + ext)) recording = base.string() + ext;
    if (recording.empty())
        throw std::runtime_error("heaptrack wrote no recording next to " + base.string() + ": " +
                                 traced.describe());
    ProcessResult printed = run_reference_tool({"heaptrack_print", "-f", recording.string()}, "heaptrack_print");
    if (!printed.exited_with(0))
        throw std::runtime_error("heaptrack_print failed on " + recording.string() + ": " +
                                 printed.describe());
    HeaptrackSummary s = parse_heaptrack_print(printed.out);
    s.recording = recording;
    s.exit_pool_temporary = exit_pool_temporary(recording);
    // heaptrack's launcher script exits with the program's status.
    s.exit_code = traced.exit_code;
    return s;
}

}  // namespace allocprof::test_support
