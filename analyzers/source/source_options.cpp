// source_options.cpp — see source_options.h.
#include "analyzers/source/source_options.h"

#include <cstdlib>
#include <nlohmann/json.hpp>


namespace allocprof::analyzers::source {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const char* const kSourceKeys = "root, compile_commands, cache_dir, include_dirs";

[[noreturn]] void fail(const std::string& config_path, const std::string& key, const std::string& what) {
    throw SourceConfigError(config_path + ": source." + key + ": " + what);
}

// A string value, as a path relative to `base` when it is not absolute.
fs::path path_value(const json& value, const fs::path& base, const std::string& config_path,
                    const std::string& key) {
    if (!value.is_string()) fail(config_path, key, "must be a string (a path)");
    const fs::path p = value.get<std::string>();
    return p.is_absolute() || p.empty() ? p : base / p;
}

}  // namespace

fs::path default_source_cache_dir() {
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0')
        return fs::path(xdg) / "allocprof" / "source";
    if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0')
        return fs::path(home) / ".cache" / "allocprof" / "source";
    return {};
}

SourceOptions source_options_from_json(const json& section, const std::string& config_path) {
    if (!section.is_object()) throw SourceConfigError(config_path + ": source: must be a JSON object");
    const fs::path base = fs::absolute(config_path).parent_path();
    SourceOptions options;
    for (const auto& [key, value] : section.items()) {
        if (key == "root") {
            options.root = path_value(value, base, config_path, key);
        } else if (key == "compile_commands") {
            options.compile_commands = path_value(value, base, config_path, key);
        } else if (key == "cache_dir") {
            options.cache_dir = path_value(value, base, config_path, key);
        } else if (key == "include_dirs") {
            if (!value.is_array()) fail(config_path, key, "must be an array of paths");
            for (const json& dir : value) options.include_dirs.push_back(path_value(dir, base, config_path, key));
        } else {
            fail(config_path, key, std::string("unknown key (known: ") + kSourceKeys + ")");
        }
    }
    if (options.compile_commands && options.root.empty())
        throw SourceConfigError(config_path + ": source: compile_commands needs a root");
    return options;
}

SourceOptions merge_source_options(SourceOptions base, const SourceOptions& overrides) {
    if (!overrides.root.empty()) base.root = overrides.root;
    if (overrides.compile_commands) base.compile_commands = overrides.compile_commands;
    if (overrides.cache_dir) base.cache_dir = overrides.cache_dir;
    base.include_dirs.insert(base.include_dirs.end(), overrides.include_dirs.begin(), overrides.include_dirs.end());
    return base;
}

}  // namespace allocprof::analyzers::source
