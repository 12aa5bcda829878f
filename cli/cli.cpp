// cli.cpp — see cli.h.
#include "cli/cli.h"
#include "cli/status_line.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>

#include "analyzers/analysis_params.h"
#include "analyzers/run_analysis.h"
#include "compare/compare_data.h"
#include "symbolize/run_symbolizer.h"

namespace allocprof::cli {

// One line, whatever the message holds: a refusal quotes names and texts from the file.
void print_error(const std::string& message) {
    std::string line = message;
    for (char& c : line)
        if (c == '\n' || c == '\r') c = ' ';
    std::cerr << "allocprof: error: " << line << "\n";
}
void print_warning(const std::string& message) { std::cerr << "allocprof: warning: " << message << "\n"; }

std::vector<std::string>& record_target_command() {
    static std::vector<std::string> command;
    return command;
}

CLI::Validator count_validator() {
    return CLI::Validator(
        [](std::string& value) -> std::string {
            const bool digits = !value.empty() && std::all_of(value.begin(), value.end(),
                                                               [](char c) { return c >= '0' && c <= '9'; });
            if (!digits) return "'" + value + "' is not a count (a non-negative integer)";
            const std::string max = std::to_string(std::numeric_limits<int64_t>::max());
            const std::string trimmed = value.substr(std::min(value.find_first_not_of('0'), value.size() - 1));
            if (trimmed.size() > max.size() || (trimmed.size() == max.size() && trimmed > max))
                return "'" + value + "' is larger than " + max;
            return "";
        },
        "");
}

CLI::Option* add_file(CLI::App* command, std::string& file, const std::string& what) {
    return command->add_option("FILE", file, what)->required()->type_name("");
}

CLI::Option* add_run(CLI::App* command, std::optional<int64_t>& run, const std::string& what) {
    return command->add_option("--run", run, what)->type_name("ID")->check(count_validator());
}

CLI::Option* add_output(CLI::App* command, std::optional<std::string>& output, const std::string& what) {
    return command->add_option("-o,--output", output, what + " (\"-\": standard output)")->type_name("FILE");
}

void add_format(CLI::App* command, std::string& format, const std::vector<std::string>& formats) {
    format = formats.front();
    std::string list;
    std::string choices;
    for (const std::string& f : formats) {
        list += (list.empty() ? "" : ", ") + f;
        choices += (choices.empty() ? "" : ",") + f;
    }
    command
        ->add_option("--format", format, "output format: " + list + " (default " + formats.front() + ")")
        ->type_name("F")
        ->transform(CLI::Validator(
            [formats, list](std::string& value) -> std::string {
                if (value == "markdown") value = "md";
                if (std::find(formats.begin(), formats.end(), value) != formats.end()) return "";
                return "'" + value + "' is not one of " + list;
            },
            "", "{" + choices + "}"));
    if (std::find(formats.begin(), formats.end(), "json") != formats.end())
        command->add_flag_callback("--json", [&format] { format = "json"; }, "the same as --format json");
}

void write_output(const std::optional<std::string>& output, const std::string& text, const std::string& what) {
    if (!output || *output == "-") {
        std::cout << text << std::flush;
        if (!std::cout) throw std::runtime_error("cannot write the " + what + " to standard output");
        return;
    }
    namespace fs = std::filesystem;
    const fs::path target(*output);
    const fs::path folder = target.parent_path().empty() ? fs::path(".") : target.parent_path();
    std::string pattern = (folder / (".allocprof-" + target.filename().string() + ".XXXXXX")).string();
    const int fd = mkstemp(pattern.data());
    if (fd < 0) throw std::runtime_error(*output + ": cannot write the " + what + " (cannot create a file in " +
                                         folder.string() + ")");
    // A report is not a secret: the permissions a plain file would get, not mkstemp's 0600.
    const mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    close(fd);
    {
        std::ofstream out(pattern, std::ios::binary | std::ios::trunc);
        if (!out || !(out << text) || !out.flush()) {
            std::remove(pattern.c_str());
            throw std::runtime_error(*output + ": cannot write the " + what);
        }
    }
    if (std::rename(pattern.c_str(), output->c_str()) != 0) {
        std::remove(pattern.c_str());
        throw std::runtime_error(*output + ": cannot write the " + what);
    }
}

void write_new_output(const std::optional<std::string>& output, const std::string& text, const std::string& what,
                      bool force, const std::string& input) {
    namespace fs = std::filesystem;
    if (output && *output != "-") {
        std::error_code ec;
        if (fs::equivalent(*output, input, ec))
            throw std::runtime_error(*output + ": is the input database; not replaced by the " + what);
        if (!force && fs::exists(fs::symlink_status(*output)))
            throw std::runtime_error(*output + ": exists; not replaced (--force replaces it)");
    }
    write_output(output, text, what);
}

void symbolize_first(std::optional<schema::Database>& db, const std::string& file, int64_t run_id,
                     const std::string& why) {
    if (why.empty()) return;
    std::cerr << "allocprof: run " << run_id << " of " << file << " " << why << "; symbolizing it now (once)\n";
    db.reset();
    db.emplace(schema::Database::open_existing(file, true));
    symbolize_with_status(*db, run_id, {});
}

symbolize::SymbolizeResult symbolize_with_status(schema::Database& db, int64_t run_id,
                                                 symbolize::SymbolizeOptions options) {
    StatusLine status;
    options.on_progress = [&](const std::string& step, uint64_t done, uint64_t total) {
        status.show("symbolizing run " + std::to_string(run_id) + ", " + step, done, total, "addresses");
    };
    symbolize::SymbolizeResult result = symbolize::symbolize_run(db, run_id, options);
    status.clear();
    if (isatty(STDERR_FILENO)) {
        char seconds[32];
        std::snprintf(seconds, sizeof seconds, "%.2f", result.seconds);
        std::cerr << "allocprof: symbolized run " << run_id << ": " << result.addresses << " addresses ("
                  << result.resolved << " looked up), " << result.sites << " sites, " << seconds << " s\n";
    }
    return result;
}

std::string closest(const std::string& word, const std::vector<std::string>& candidates) {
    auto distance = [](const std::string& a, const std::string& b) {
        std::vector<size_t> row(b.size() + 1);
        for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
        for (size_t i = 1; i <= a.size(); ++i) {
            size_t diagonal = row[0];
            row[0] = i;
            for (size_t j = 1; j <= b.size(); ++j) {
                const size_t up = row[j];
                row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
                diagonal = up;
            }
        }
        return row[b.size()];
    };
    std::string best;
    size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
    for (const std::string& c : candidates) {
        const size_t d = distance(word, c);
        if (d < best_distance || (c.rfind(word, 0) == 0 && word.size() >= 3 && best.empty())) {
            best = c;
            best_distance = d;
        }
    }
    return best;
}

analyzers::AnalyzeResult analyze_with_status(schema::Database& db, int64_t run_id, analyzers::AnalyzeSettings settings) {
    StatusLine status;
    settings.notice = [&status](const std::string& text) {
        status.clear();
        std::cerr << "allocprof: " << text << "\n";
    };
    settings.progress = [&status, run_id](const std::string& step, uint64_t done, uint64_t total) {
        status.show("analysing run " + std::to_string(run_id) + ", " + step, done, total,
                    step == "looking up addresses" ? "addresses" : "events");
    };
    return analyzers::analyze_stored_run(db, run_id, settings);
}

void analyze_missing(const std::string& path, const std::optional<nlohmann::json>& params, const std::string& needed_by) {
    auto db = schema::Database::open_existing(path, true);
    std::vector<int64_t> missing;
    for (const auto& sc : compare::scenarios_of(db))
        for (int64_t run : sc.runs)
            if (!compare::analysis_key(db, run)) missing.push_back(run);
    if (missing.empty()) return;
    analyzers::AnalyzeSettings settings;
    if (params) settings.params = analyzers::params_from_json(*params, path + ": the other file's parameters");
    for (int64_t run : missing) {
        std::cerr << "allocprof: " << path << ": run " << run << " has no analysis; analysing it first (allocprof analyze"
                  << (params ? ", with the other file's parameters" : "") << ")\n";
        try {
            // Analysed before the line starts: the analysis's own notices go to stderr too.
            const std::string result = analyzers::describe(analyze_with_status(db, run, settings));
            std::cerr << "allocprof: " << result << "\n";
        } catch (const analyzers::RunNotAnalysable& e) {
            throw std::runtime_error(std::string(e.what()) + "; " + needed_by + " needs an analysis");
        }
    }
}

}  // namespace allocprof::cli
