// allocprof_cli.cpp — see allocprof_cli.h.
#include "support/allocprof_cli.h"

#include <stdexcept>

#include "support/paths.h"

namespace allocprof::test_support {

std::vector<std::string> record_argv(const std::filesystem::path& db,
                                     const std::vector<std::string>& command,
                                     const std::vector<std::string>& record_options) {
    std::vector<std::string> argv = {allocprof_binary().string(), "record", "-o", db.string()};
    argv.insert(argv.end(), record_options.begin(), record_options.end());
    argv.emplace_back("--");
    argv.insert(argv.end(), command.begin(), command.end());
    return argv;
}

Recording record(const std::filesystem::path& db, const std::vector<std::string>& command,
                 const std::vector<std::string>& record_options,
                 const ProcessOptions& options) {
    Recording r;
    r.db = db;
    r.process = run_process(record_argv(db, command, record_options), options);
    return r;
}

ProcessResult run_summary(const std::filesystem::path& db, const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {allocprof_binary().string(), "summary", db.string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    ProcessOptions options;
    options.timeout = std::chrono::seconds(60);
    return run_process(argv, options);
}

nlohmann::json summary_json(const std::filesystem::path& db) {
    ProcessResult p = run_summary(db, {"--json"});
    if (!p.exited_with(0))
        throw std::runtime_error("allocprof summary " + db.string() + " --json failed: " +
                                 p.describe());
    try {
        return nlohmann::json::parse(p.out);
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error("allocprof summary --json printed invalid JSON (" +
                                 std::string(e.what()) + "): " + p.out.substr(0, 2000));
    }
}

nlohmann::json single_run(const std::filesystem::path& db) {
    nlohmann::json summary = summary_json(db);
    if (!summary.contains("runs") || !summary["runs"].is_array() || summary["runs"].size() != 1)
        throw std::runtime_error("expected exactly one run in " + db.string() + ": " +
                                 summary.dump().substr(0, 2000));
    return summary["runs"][0];
}

long long count_of(const nlohmann::json& run, const std::string& key) {
    if (!run.contains(key)) throw std::runtime_error("summary run has no key '" + key + "'");
    const nlohmann::json& v = run.at(key);
    if (!v.is_number_integer())
        throw std::runtime_error("summary key '" + key + "' is not an integer: " + v.dump());
    return v.get<long long>();
}

nlohmann::json top_json(const std::filesystem::path& db, const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {allocprof_binary().string(), "top", db.string(), "--json", "-n", "0"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    ProcessResult r = run_process(argv);
    if (!r.exited_with(0)) throw std::runtime_error("allocprof top failed: " + r.describe());
    return nlohmann::json::parse(r.out);
}

}  // namespace allocprof::test_support
