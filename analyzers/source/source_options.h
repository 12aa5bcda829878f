// source_options.h — where `allocprof analyze` finds the sources of a run: the
// source root, the compile_commands.json, the parse cache directory and extra include
// directories, from the command line (--source-root, --compile-commands, --source-cache) or
// the config file's "source" section:
//
//   "source": {"root": "src", "compile_commands": "build/compile_commands.json",
//              "cache_dir": "/tmp/allocprof-cache", "include_dirs": ["include"]}
//
// Paths in the config file are relative to the file's directory; on the command line, to the
// working directory. Unknown keys and wrong types are refused (SourceConfigError; the
// command exits 2).
#pragma once

#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace allocprof::analyzers::source {

// A bad "source" section or source root; what() names the file and the key.
class SourceConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct SourceOptions {
    std::filesystem::path root;  // empty: no source analysis
    std::optional<std::filesystem::path> compile_commands;  // none: default flags
    std::optional<std::filesystem::path> cache_dir;  // none: default_source_cache_dir(); "" = no cache
    std::vector<std::filesystem::path> include_dirs;  // -I added to the default flags
    // The files whose functions the coverage gaps inventory; empty: every C/C++ file under
    // the root (or the compile_commands.json's files under it). default_sources.h fills it.
    std::vector<std::filesystem::path> units;
    // Whether a site's relative file name (DWARF without a compilation directory) is taken
    // relative to the root; when not, such a site is outside the root.
    bool relative_files_under_root = true;

    bool enabled() const { return !root.empty(); }
};

// $XDG_CACHE_HOME/allocprof/source, else $HOME/.cache/allocprof/source; empty when neither
// variable is set (no cache).
std::filesystem::path default_source_cache_dir();

// The "source" section of the config file `config_path`. Throws SourceConfigError naming the
// file and the key.
SourceOptions source_options_from_json(const nlohmann::json& section, const std::string& config_path);

// `overrides` (from the command line) over `base` (from the config file): each option the
// command line gives replaces the config's.
SourceOptions merge_source_options(SourceOptions base, const SourceOptions& overrides);

}  // namespace allocprof::analyzers::source
