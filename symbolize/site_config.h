// site_config.h — which functions count as allocation wrappers when sites are attributed:
// the built-in presets (Lua, CPython) and the user's own glob patterns, read from the
// "sites" section of a JSON config file:
//
//   {"sites": {"wrappers": ["my_alloc", "arena_*"], "presets": ["lua", "cpython"]}}
//
// Both keys are optional: without "presets" every preset is on, "presets": [] turns them
// all off. Patterns are fnmatch(3) globs matched against a function's qualified name
// without return type and parameters ("Pool::grab", not "void* Pool::grab(unsigned long)").
// Other top-level sections belong to other commands and are ignored here; an unknown key
// inside "sites" is an error (a typo would otherwise silently change every site).
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace allocprof::symbolize {

// A config that cannot be used; what() names the file and the problem.
class SiteConfigError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct SiteConfig {
    std::string source = "built-in";    // the config file's path, or "built-in"
    std::vector<std::string> presets;   // names of the presets in use
    std::vector<std::string> wrappers;  // the user's own patterns

    // The presets' patterns followed by the user's.
    std::vector<std::string> patterns() const;
    // What symbolization stored in symbolization.site_config.
    nlohmann::json to_json() const;
};

// Every preset on, no user patterns.
SiteConfig default_site_config();
// Parses config text; `source` names it in errors. Throws SiteConfigError.
SiteConfig parse_site_config(const std::string& text, const std::string& source);
// Reads and parses a config file. Throws SiteConfigError.
SiteConfig load_site_config(const std::string& path);

// The names of the built-in presets, and the patterns of one (nullptr if unknown).
std::vector<std::string> preset_names();
const std::vector<std::string>* preset_patterns(const std::string& name);

}  // namespace allocprof::symbolize
