// import_command.cpp — `allocprof import heaptrack FILE [-o RUN.db]`: another profiler's
// recording as a run database (record/heaptrack_import.h), symbolized with heaptrack's own
// frames and attributed to sites, so summary, top, analyze, report and compare read it.
//
// Output: -o RUN.db (default: FILE's name without .zst/.gz, with .db, in the working
// directory). As with record, an existing allocprof database there is kept as RUN.db.old and
// anything else is refused; the database is written next to it and renamed into place, so a
// file that does not import leaves nothing behind.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cli/cli.h"
#include "record/heaptrack_import.h"
#include "record/run_output.h"
#include "symbolize/run_symbolizer.h"
#include "symbolize/symbol_demangle.h"

namespace allocprof::cli {
namespace {

struct ImportOptions {
    std::string format;
    std::string file;
    std::optional<std::string> output;
};

std::string default_import_output(const std::string& file) {
    std::filesystem::path name = std::filesystem::path(file).filename();
    if (name.extension() == ".zst" || name.extension() == ".gz") name.replace_extension();
    return name.string() + ".db";
}

int run_import(const ImportOptions& o) {
    const std::string output = o.output.value_or(default_import_output(o.file));
    if (output == "-") throw UsageError("the import is a database file: give -o RUN.db");
    if (!std::filesystem::exists(o.file)) throw std::runtime_error(o.file + ": no such file");
    // The import is written beside OUTPUT and renamed at the end; a file already there is
    // someone's (or an import still running): it is never removed.
    const std::string partial = output + ".importing";
    if (std::filesystem::exists(std::filesystem::symlink_status(partial)))
        throw std::runtime_error(partial + " already exists (another import, or one that was stopped): "
                                 "remove it yourself or import to another -o");
    record::ImportResult result;
    try {
        schema::Database db = schema::Database::create(partial);
        result = record::import_heaptrack(db, o.file, [](const std::string& name) {
            return symbolize::function_name_from_symbol(name.c_str());
        });
        symbolize::SymbolizeOptions options;
        options.progress = isatty(STDERR_FILENO) != 0;
        symbolize::symbolize_run(db, result.run_id, options);
    } catch (...) {
        std::remove(partial.c_str());
        throw;
    }
    try {
        const std::string old = record::keep_previous_output(output);
        if (!old.empty()) std::cerr << "allocprof: kept the previous " << output << " as " << old << "\n";
    } catch (...) {
        std::remove(partial.c_str());
        throw;
    }
    if (std::rename(partial.c_str(), output.c_str()) != 0) {
        std::remove(partial.c_str());
        throw std::runtime_error("cannot rename " + partial + " to " + output);
    }
    std::cout << "imported " << o.file << ": " << format_count(result.allocations) << " allocations, "
              << format_count(result.frees) << " frees; wrote " << output << " (run " << result.run_id << ")\n"
              << "next: allocprof report " << output << "\n";
    return kExitOk;
}

}  // namespace

void add_import_command(CLI::App& app, CommandRun& run) {
    CLI::App* c = app.add_subcommand("import", "another profiler's recording as a run database (heaptrack)");
    auto o = std::make_shared<ImportOptions>();
    c->add_option("FORMAT", o->format, "the recording's format: heaptrack")
        ->required()
        ->type_name("")
        ->check(CLI::IsMember({"heaptrack"}));
    c->add_option("FILE", o->file, "heaptrack's file (.zst, .gz or plain text)")->required()->type_name("");
    c->add_option("-o,--output", o->output,
                  "the run database to write (default: FILE's name with .db; an allocprof database there is "
                  "kept as .old)")
        ->type_name("FILE");
    c->callback([o, &run] { run = [o] { return run_import(*o); }; });
}

}  // namespace allocprof::cli
