// main.cpp — the `allocprof` command: builds the command line from every command's
// options (CLI11), runs the chosen command and turns its errors into the exit codes of
// README.md ("Exit status"): 2 for bad usage or bad input (125 for `record`, whose own exit
// status is the target's), with a suggestion for a mistyped command or option.
#include <iostream>
#include <string>

#include "cli/cli.h"
#include "schema/run_database.h"

using namespace allocprof::cli;

namespace {

const char* const kFooter =
    "Exit status: record exits with the program's own; other commands 0 on success, 1 for a\n"
    "finding that should fail a job (a regression, a budget exceeded), 2 for bad usage or\n"
    "bad input. 'allocprof COMMAND --help' shows a command's options.";

std::vector<std::string> names_of(const std::vector<CLI::App*>& commands) {
    std::vector<std::string> names;
    for (const CLI::App* c : commands) names.push_back(c->get_name());
    return names;
}

// The options a command knows, for a suggestion ("--outptu" -> "--output").
std::vector<std::string> option_names(const CLI::App* command) {
    std::vector<std::string> names;
    for (const CLI::Option* o : command->get_options()) {
        for (const std::string& n : o->get_lnames()) names.push_back("--" + n);
        for (const std::string& n : o->get_snames()) names.push_back("-" + n);
    }
    return names;
}

// "did you mean ...?" for the first unexpected argument of `command`, if one is close.
std::string suggestion(const CLI::App* command, const std::vector<std::string>& unexpected) {
    for (const std::string& arg : unexpected) {
        if (arg.size() < 2 || arg[0] != '-') continue;
        const std::string name = arg.substr(0, arg.find('='));
        const std::string close = closest(name, option_names(command));
        if (!close.empty()) return " (did you mean " + close + "?)";
    }
    return "";
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"allocprof finds where a program allocates memory, what it costs, and what to fix first.",
                 "allocprof"};
    app.set_version_flag("--version", "allocprof " ALLOCPROF_VERSION);
    app.require_subcommand(1);
    // An option given twice takes its last value, as most tools do (a script adds to a default).
    app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    app.footer(kFooter);
    app.get_formatter()->column_width(30);
    CommandRun run;
    add_record_command(app, run);
    add_summary_command(app, run);
    add_top_command(app, run);
    add_symbolize_command(app, run);
    add_analyze_command(app, run);
    add_report_command(app, run);
    add_suite_command(app, run);
    add_compare_command(app, run);
    add_check_command(app, run);
    add_heap_command(app, run);
    add_export_command(app, run);
    add_import_command(app, run);
    add_completion_command(app, run);

    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        std::cerr << app.help();
        return kExitBadInput;
    }
    const std::string name = args.front();
    if (name == "help") args.front() = "--help";
    const std::vector<std::string> commands = names_of(app.get_subcommands({}));
    if (name[0] != '-' && name != "help" &&
        std::find(commands.begin(), commands.end(), name) == commands.end()) {
        // Suggested among the commands --help lists: not the hidden one (its group is "").
        std::vector<std::string> listed;
        for (const CLI::App* c : app.get_subcommands({}))
            if (!c->get_group().empty()) listed.push_back(c->get_name());
        const std::string close = closest(name, listed);
        print_error("unknown command '" + name + "'" + (close.empty() ? "" : "; did you mean '" + close + "'?") +
                    " (see 'allocprof --help')");
        return kExitBadInput;
    }
    const bool recording = name == "record";
    if (recording) {
        // Everything after "--" is the target's; without "--", its command starts at the
        // first argument that is not an option of record's (prefix_command below).
        auto dashes = std::find(args.begin(), args.end(), "--");
        if (dashes != args.end()) {
            record_target_command().assign(dashes + 1, args.end());
            args.erase(dashes, args.end());
        }
    }
    const int usage_status = recording ? kExitRecordFailure : kExitBadInput;
    CLI::App* chosen = nullptr;
    try {
        std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 parses a reversed vector
        app.parse(reversed);
        for (CLI::App* c : app.get_subcommands()) chosen = c;
    } catch (const CLI::CallForHelp&) {
        std::cout << app.help();
        return kExitOk;
    } catch (const CLI::CallForVersion&) {
        std::cout << "allocprof " ALLOCPROF_VERSION "\n";
        return kExitOk;
    } catch (const CLI::Success&) {
        return kExitOk;
    } catch (const CLI::ParseError& e) {
        CLI::App* command = nullptr;
        for (CLI::App* c : app.get_subcommands({}))
            if (c->get_name() == name) command = c;
        if (command && command->get_help_ptr() && command->get_help_ptr()->count() > 0) {
            std::cout << command->help();
            return kExitOk;
        }
        // An option the command does not know: say which, and what was probably meant.
        std::string unknown;
        if (command)
            for (size_t i = 1; i < args.size() && unknown.empty(); ++i)
                if (args[i].size() > 1 && args[i][0] == '-' &&
                    command->get_option_no_throw(args[i].substr(0, args[i].find('='))) == nullptr)
                    unknown = args[i].substr(0, args[i].find('='));
        const std::string message = dynamic_cast<const CLI::ExtrasError*>(&e) && !unknown.empty()
                                        ? "unknown option '" + unknown + "' for " + name
                                        : std::string(e.what());
        const std::string hint = unknown.empty() ? "" : suggestion(command, {unknown});
        print_error(message + hint + " (see 'allocprof " + name + " --help')");
        return usage_status;
    }
    if (!run) {
        std::cerr << app.help();
        return kExitBadInput;
    }
    try {
        return run();
    } catch (const UsageError& e) {
        print_error(std::string(e.what()) + " (see 'allocprof " + (chosen ? chosen->get_name() : name) + " --help')");
        return usage_status;
    } catch (const std::exception& e) {
        print_error(e.what());
        return usage_status;
    }
}
