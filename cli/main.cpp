// main.cpp — the `allocprof` command: dispatches to a subcommand and turns its errors
// into the exit codes of README.md ("Exit status").
#include <cstring>
#include <iostream>
#include <string>

#include "cli/cli.h"
#include "schema/run_database.h"

using namespace allocprof::cli;

namespace {

const char* const kUsage =
    "usage: allocprof COMMAND [ARGS...]\n"
    "\n"
    "Commands:\n"
    "  record [-o FILE] [--scenario NAME] [--ops N] [--no-symbolize] -- COMMAND [ARGS...]\n"
    "                      run a program and record every allocation into FILE\n"
    "  summary FILE [--json]\n"
    "                      what each recorded run allocated, freed and held\n"
    "  analyze FILE [--config FILE] [--gen0-budget B|auto]\n"
    "                      per-op metrics, Gen0-style collections, tiers and the plan\n"
    "  report FILE [--format md|json] [-o OUT] [--run ID]\n"
    "                      the analysis document: baseline, findings, tiers, remediation plan\n"
    "  suite SUITE.json [-o FILE]\n"
    "                      record and analyse every scenario of a suite into one database\n"
    "  compare BASE HEAD [--threshold M=REL[,ABS]]... [--budget FILE] [--format md|json] [-o OUT]\n"
    "                      the CI gate: scenario and site regressions, budgets (exit 1 on a finding)\n"
    "  top FILE [-n N] [--by allocs|bytes|peak|temporary|unfreed] [--run ID] [--json]\n"
    "                      the allocation sites of a run, ranked, with their stacks\n"
    "  symbolize FILE [--config CONFIG.json] [--run ID]\n"
    "                      symbolize the runs again (after installing debug info)\n"
    "\n"
    "allocprof COMMAND --help shows a command's options. Version " ALLOCPROF_VERSION ".\n";

struct Command {
    const char* name;
    int (*run)(const Arguments&);
};

constexpr Command kCommands[] = {
    {"record", record_command},
    {"summary", summary_command},
    {"symbolize", symbolize_command},
    {"top", top_command},
    {"analyze", analyze_command},
    {"report", report_command},
    {"suite", suite_command},
    {"compare", compare_command},
};

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << kUsage;
        return kExitBadInput;
    }
    const std::string name = argv[1];
    if (name == "-h" || name == "--help" || name == "help") {
        std::cout << kUsage;
        return kExitOk;
    }
    if (name == "--version" || name == "version") {
        std::cout << "allocprof " ALLOCPROF_VERSION "\n";
        return kExitOk;
    }
    Arguments args(argv + 2, argv + argc);
    for (const Command& c : kCommands) {
        if (name != c.name) continue;
        try {
            return c.run(args);
        } catch (const UsageError& e) {
            print_error(std::string(e.what()) + " (see 'allocprof " + name + " --help')");
            return kExitBadInput;
        } catch (const allocprof::schema::DatabaseError& e) {
            print_error(e.what());
            return kExitBadInput;
        } catch (const std::exception& e) {
            print_error(e.what());
            return kExitBadInput;
        }
    }
    print_error("unknown command '" + name + "' (see 'allocprof --help')");
    return kExitBadInput;
}
