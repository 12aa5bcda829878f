// heaptrack.cpp — see heaptrack.h.
#include "support/heaptrack.h"

#include <regex>
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
    // heaptrack's launcher script exits with the program's status.
    s.exit_code = traced.exit_code;
    return s;
}

}  // namespace allocprof::test_support
