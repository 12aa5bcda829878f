// suite_command.cpp — `allocprof suite SUITE.json [-o FILE]`: records every scenario of a
// suite file (suite_file.h), `repeat` times each, with `allocprof record` in the
// scenario's cwd and environment (the target's stdout is discarded, its stderr shown),
// analyses each run (`allocprof analyze`, with the suite's "config"), and gathers all runs
// into one database (suite_merge.h) with the suite's windows, thresholds and budgets in
// meta key "suite", for compare. Progress on stderr when it is a terminal; one result line
// per scenario on stdout. A scenario whose command fails (or cannot be recorded) is
// reported with its exit status, keeps none of its runs, and the suite carries on; the
// exit status is then 1. A bad suite file: exit 2 naming the file and key.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "cli/cli.h"
#include "compare/compare_data.h"
#include "record/run_output.h"
#include "suite/suite_file.h"
#include "suite/suite_merge.h"
#include "suite/suite_process.h"

namespace allocprof::cli {
using namespace allocprof::suite;
using namespace allocprof::compare;
using analyzers::MeasuredWindow;
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string status_text(int status) {
    if (status == 125) return "exit status 125 (allocprof could not record it)";
    if (status == 126) return "exit status 126 (the command cannot be executed)";
    if (status == 127) return "exit status 127 (the command was not found)";
    if (status > 128 && status < 128 + 65) return "exit status " + std::to_string(status) + " (killed by signal " + std::to_string(status - 128) + ")";
    return "exit status " + std::to_string(status);
}

// "2 runs: 2 allocs/op, 72 B/op, Gen0* 0.0086/1k, peak 8.2 KB (phase execute)"
std::string result_line(schema::Database& db, const std::vector<int64_t>& runs, const MeasuredWindow& w) {
    uint64_t b0 = 0;
    if (!runs.empty())
        if (auto k = analysis_key(db, runs.front())) b0 = k->gen0_budget;
    std::array<std::vector<double>, kMetricCount> values;
    bool per_run = false;
    std::string why;
    for (int64_t run : runs) {
        auto v = window_values(db, run, w, b0, &why);
        if (!v) continue;
        per_run |= v->per_run;
        for (size_t i = 0; i < kMetricCount; ++i) values[i].push_back(v->value[i]);
    }
    if (values[0].empty()) return "recorded, but " + why;
    auto mean = [&](Metric m) { return sample_of(values[static_cast<size_t>(m)]).mean; };
    std::string window = !w.measure_phase.empty()   ? "phase " + w.measure_phase
                         : !w.warmup_phase.empty() ? "run without " + w.warmup_phase
                                                   : "run";
    const char* unit = per_run ? "/run" : "/op";
    return std::to_string(values[0].size()) + (values[0].size() == 1 ? " run: " : " runs: ") +
           format_metric(Metric::kAllocsPerOp, mean(Metric::kAllocsPerOp)) + " allocs" + unit + ", " +
           format_metric(Metric::kBytesPerOp, mean(Metric::kBytesPerOp)) + unit + ", Gen0* " +
           format_metric(Metric::kGen0StarPer1k, mean(Metric::kGen0StarPer1k)) + "/1k, peak live " +
           format_metric(Metric::kPeakLiveBytes, mean(Metric::kPeakLiveBytes)) + " (" + window + ")";
}

struct SuiteOptions {
    std::string file;
    std::optional<std::string> output;
};

int run_suite(const SuiteOptions& o) {
    const std::string& file = o.file;
    const std::optional<std::string>& output = o.output;
    SuiteFile suite;
    try {
        suite = load_suite_file(file);
    } catch (const SuiteError& e) {
        print_error(e.what());
        return kExitBadInput;
    }
    const std::string out_path =
        fs::absolute(output ? fs::path(*output) : fs::path(fs::path(file).stem().string() + ".db")).string();
    record::OutputDatabase output_file(out_path);
    auto db = output_file.create();
    if (!output_file.kept_previous().empty())
        std::cerr << "allocprof: kept the previous " << out_path << " as " << output_file.kept_previous() << "\n";
    {
        auto s = db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES ('suite', ?)");
        s.bind(1, suite_meta(suite).dump());
        s.run();
    }
    // The scenarios' runs are recorded one by one into a private directory beside the output
    // and merged in; nothing of the user's is in it.
    std::string work = out_path + ".runs-XXXXXX";
    if (!mkdtemp(work.data())) throw std::runtime_error("cannot create a directory beside " + out_path + ": " + std::strerror(errno));

    const bool progress = isatty(2);
    size_t total = 0, done = 0, failed = 0;
    for (const auto& sc : suite.scenarios) total += sc.repeat;
    for (const SuiteScenario& sc : suite.scenarios) {
        std::vector<int64_t> runs;
        std::string failure;
        for (uint32_t rep = 1; rep <= sc.repeat && failure.empty(); ++rep) {
            ++done;
            if (progress)
                std::cerr << "allocprof suite: [" << done << "/" << total << "] " << sc.name
                          << (sc.repeat > 1 ? " (" + std::to_string(rep) + "/" + std::to_string(sc.repeat) + ")" : "")
                          << "\n";
            const std::string tmp = work + "/run-" + std::to_string(done) + ".db";
            std::vector<std::string> record = {"record", "-o", tmp, "--quiet", "--scenario", sc.name};
            if (sc.ops) record.insert(record.end(), {"--ops", std::to_string(*sc.ops)});
            record.push_back("--");
            record.insert(record.end(), sc.command.begin(), sc.command.end());
            std::error_code ec;
            if (!fs::is_directory(sc.cwd, ec)) {
                failure = "cwd " + sc.cwd + " is not a directory";
                break;
            }
            int status = run_self(record, {sc.cwd, sc.env, false});
            if (status != 0) {
                failure = "command failed with " + status_text(status) +
                          (sc.repeat > 1 ? " (repetition " + std::to_string(rep) + ")" : "");
                break;
            }
            std::vector<std::string> analyze = {"analyze", tmp};
            if (suite.config) analyze.insert(analyze.end(), {"--config", *suite.config});
            if (suite.source_root) analyze.insert(analyze.end(), {"--source-root", *suite.source_root});
            if (suite.compile_commands) analyze.insert(analyze.end(), {"--compile-commands", *suite.compile_commands});
            status = run_self(analyze);
            if (status != 0) {
                failure = "analysis failed with exit status " + std::to_string(status);
                break;
            }
            auto ids = merge_runs(db, tmp);
            runs.insert(runs.end(), ids.begin(), ids.end());
            fs::remove(tmp, ec);
        }
        if (!failure.empty()) {
            // A failed scenario keeps none of its runs: a partial baseline would compare
            // against fewer repetitions without saying so.
            delete_runs(db, runs);
            ++failed;
            std::cout << "FAIL " << sc.name << ": " << failure << "\n";
        } else {
            if (sc.ops_from_markers) {
                auto s = db.prepare("SELECT count(*) FROM runs WHERE scenario = ? AND coalesce(ops_source, '') != 'markers'");
                s.bind(1, sc.name);
                if (s.step() && s.int64(0) > 0)
                    print_warning("scenario " + sc.name + ": ops \"markers\", but the program counted no ops (allocprof_ops)");
            }
            std::cout << "ok   " << sc.name << ": "
                      << result_line(db, runs, MeasuredWindow{sc.measure_phase.value_or(""), sc.warmup_phase.value_or("")})
                      << "\n";
        }
        std::cout.flush();
    }
    std::error_code ec;
    fs::remove_all(work, ec);
    std::cout << (failed ? "suite: " + std::to_string(failed) + " of " + std::to_string(suite.scenarios.size()) +
                               " scenarios failed; "
                         : "suite: all " + std::to_string(suite.scenarios.size()) + " scenarios recorded; ")
              << out_path << "\n";
    std::cout << "next: allocprof report " << out_path << " (the suite document of every scenario)\n";
    return failed ? kExitFinding : kExitOk;
}

}  // namespace

void add_suite_command(CLI::App& app, CommandRun& run) {
    CLI::App* c = app.add_subcommand("suite", "record and analyse every scenario of a suite into one database");
    c->footer(
        "Records and analyses every scenario of SUITE.json into one database FILE (default: the suite\n"
        "file's name with .db, in the current directory; an existing allocprof database there is kept\n"
        "as FILE.old). One line per scenario on stdout. Exit 0: all recorded; 1: some scenario failed;\n"
        "2: bad suite file. The format is in the README (\"Suites and the CI gate\").");
    auto o = std::make_shared<SuiteOptions>();
    c->add_option("SUITE", o->file, "the suite file (JSON)")->required()->type_name("");
    c->add_option("-o,--output", o->output, "the suite database")->type_name("FILE");
    c->callback([o, &run] { run = [o] { return run_suite(*o); }; });
}

}  // namespace allocprof::cli
