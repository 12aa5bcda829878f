// config_file.h — the one reader of the JSON config file the commands share (`analyze
// --config`, `symbolize --config`): its known sections, each validated by its owner stage.
// A command that uses only part of the file still refuses what any command would refuse,
// so a typo is never accepted by one command and refused by the next.
#pragma once

#include <optional>
#include <string>

#include "analyzers/analysis_params.h"
#include "analyzers/source/source_options.h"
#include "symbolize/site_config.h"

namespace allocprof::cli {

struct ConfigFile {
    analyzers::AnalysisParams params;             // its "analysis" section (defaults without one)
    std::optional<symbolize::SiteConfig> sites;   // only when the file has a "sites" section
    analyzers::source::SourceOptions source;      // its "source" section
};

// Reads and validates the whole file. Throws UsageError naming the file and the problem: not
// readable, not JSON, not an object, an unknown section, a bad value in a known one.
ConfigFile read_config_file(const std::string& path);

}  // namespace allocprof::cli
