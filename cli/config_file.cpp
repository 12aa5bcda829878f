// config_file.cpp — see config_file.h.
#include "cli/config_file.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/cli.h"

namespace allocprof::cli {
namespace {

using nlohmann::json;

// The known top-level sections of the shared config file; anything else is a typo.
const char* const kConfigSections[] = {"sites", "analysis", "source", "compare", "suite"};

}  // namespace

ConfigFile read_config_file(const std::string& path) {
    ConfigFile config;
    std::ifstream in(path);
    if (!in) throw UsageError(path + ": cannot read the config file");
    json doc;
    try {
        doc = json::parse(in);
    } catch (const json::parse_error& e) {
        throw UsageError(path + ": not valid JSON: " + e.what());
    }
    if (!doc.is_object()) throw UsageError(path + ": the config must be a JSON object");
    for (const auto& item : doc.items()) {
        bool known = false;
        for (const char* section : kConfigSections) known |= item.key() == section;
        if (!known)
            throw UsageError(path + ": unknown section '" + item.key() +
                             "' (known: sites, analysis, source, compare, suite)");
    }
    try {
        if (doc.contains("analysis"))
            config.params = analyzers::params_from_json(doc["analysis"], path + ": analysis");
        if (doc.contains("sites")) config.sites = symbolize::load_site_config(path);
        if (doc.contains("source")) config.source = analyzers::source::source_options_from_json(doc["source"], path);
    } catch (const analyzers::ParamsError& e) {
        throw UsageError(e.what());
    } catch (const symbolize::SiteConfigError& e) {
        throw UsageError(e.what());
    }
    return config;
}

}  // namespace allocprof::cli
