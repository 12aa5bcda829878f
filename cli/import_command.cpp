// import_command.cpp — `allocprof import heaptrack FILE [-o RUN.db]`: another profiler's
// recording as a run database (record/heaptrack_import.h), symbolized with heaptrack's own
// frames and attributed to sites, so summary, top, analyze, report and compare read it.
//
// Output: -o RUN.db (default: FILE's name without .zst/.gz, with .db, in the working
// directory). As with record, an existing allocprof database there is kept as RUN.db.old and
// anything else is refused; the database is made beside it and moved into place, so a file
// that does not import leaves nothing behind.
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
    // The import is made beside OUTPUT and moved into place at the end (record/run_output.h).
    record::OutputDatabase file(output);
    record::ImportResult result;
    {
        schema::Database db = file.begin();
        result = record::import_heaptrack(db, o.file, [](const std::string& name) {
            return symbolize::function_name_from_symbol(name.c_str());
        });
        symbolize_with_status(db, result.run_id, {});
        file.publish(std::move(db));
    }
    if (!file.kept_previous().empty())
        std::cerr << "allocprof: kept the previous " << output << " as " << file.kept_previous() << "\n";
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
