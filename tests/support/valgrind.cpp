// valgrind.cpp — see valgrind.h.
#include "support/valgrind.h"

#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "support/process.h"

namespace allocprof::test_support {

namespace {

uint64_t parse_number(const std::string& digits_with_commas) {
    std::string digits;
    for (char c : digits_with_commas)
        if (c != ',') digits += c;
    return std::stoull(digits);
}

}  // namespace

bool valgrind_available() { return find_on_path("valgrind").has_value(); }

HeapUsage parse_memcheck_log(const std::string& log) {
    static const std::regex in_use(R"(in use at exit: ([0-9,]+) bytes in ([0-9,]+) blocks)");
    static const std::regex total(
        R"(total heap usage: ([0-9,]+) allocs, ([0-9,]+) frees, ([0-9,]+) bytes allocated)");
    HeapUsage usage;
    std::smatch m;
    if (!std::regex_search(log, m, in_use))
        throw std::runtime_error("no 'in use at exit' line in the valgrind log:\n" + log);
    usage.in_use_bytes = parse_number(m[1]);
    usage.in_use_blocks = parse_number(m[2]);
    if (!std::regex_search(log, m, total))
        throw std::runtime_error("no 'total heap usage' line in the valgrind log:\n" + log);
    usage.allocs = parse_number(m[1]);
    usage.frees = parse_number(m[2]);
    usage.bytes_allocated = parse_number(m[3]);
    return usage;
}

HeapUsage valgrind_heap_usage(const std::vector<std::string>& command,
                              const std::filesystem::path& work_dir) {
    std::filesystem::path log_path = work_dir / "valgrind.log";
    std::vector<std::string> argv = {"valgrind",
                                     "--tool=memcheck",
                                     "--run-libc-freeres=no",
                                     "--run-cxx-freeres=no",
                                     "--leak-check=no",
                                     "--trace-children=no",
                                     "--log-file=" + log_path.string()};
    argv.insert(argv.end(), command.begin(), command.end());
    ProcessResult p = run_reference_tool(argv, "valgrind");
    std::ifstream in(log_path);
    std::stringstream log;
    log << in.rdbuf();
    HeapUsage usage = parse_memcheck_log(log.str());
    usage.exit_code = p.exit_code;
    return usage;
}

}  // namespace allocprof::test_support
