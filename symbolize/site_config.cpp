// site_config.cpp — see site_config.h. The presets list the functions an interpreter
// allocates through on behalf of its callers, so the site is the interpreter function that
// wanted the memory (list_resize, PyUnicode_New, luaH_resize), not the allocator's entry.
#include "symbolize/site_config.h"

#include <fstream>
#include <map>
#include <sstream>

namespace allocprof::symbolize {
namespace {

using nlohmann::json;

const std::map<std::string, std::vector<std::string>>& presets() {
    static const std::map<std::string, std::vector<std::string>> kPresets = {
        // Lua 5.x: every allocation goes through luaM_* into the state's l_alloc, and every
        // collectable object through luaC_newobj (strings through createstrobj first).
        {"lua", {"luaM_*", "l_alloc", "luaC_newobj*", "createstrobj"}},
        // CPython 3.x: the PyMem/PyObject allocator families, the GC and object headers
        // they prepend, and the generic type allocators every object constructor calls.
        {"cpython", {"PyMem_*",
                     "_PyMem_*",
                     "PyObject_Malloc",
                     "PyObject_Calloc",
                     "PyObject_Realloc",
                     "_PyObject_Malloc*",
                     "_PyObject_Calloc*",
                     "_PyObject_Realloc*",
                     "_PyObject_GC_*",
                     "PyObject_GC_*",
                     "_PyObject_New*",
                     "PyObject_New*",
                     "PyObject_Init*",
                     "_PyObject_Init*",
                     "PyType_GenericAlloc",
                     "_PyType_AllocNoTrack",
                     "gc_alloc",
                     "pymalloc_*",
                     "_PyObject_ArenaMmap",
                     "_PyObject_VirtualAlloc"}},
    };
    return kPresets;
}

}  // namespace

std::vector<std::string> SiteConfig::patterns() const {
    std::vector<std::string> out;
    for (const std::string& name : presets)
        if (const auto* p = preset_patterns(name)) out.insert(out.end(), p->begin(), p->end());
    out.insert(out.end(), wrappers.begin(), wrappers.end());
    return out;
}

json SiteConfig::to_json() const {
    return json{{"source", source}, {"presets", presets}, {"wrappers", wrappers}};
}

SiteConfig default_site_config() {
    SiteConfig config;
    config.presets = preset_names();
    return config;
}

SiteConfig parse_site_config(const std::string& text, const std::string& source) {
    auto fail = [&](const std::string& problem) -> SiteConfigError {
        return SiteConfigError(source + ": " + problem);
    };
    json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded()) throw fail("not valid JSON");
    if (!doc.is_object()) throw fail("the config must be a JSON object");
    SiteConfig config = default_site_config();
    config.source = source;
    if (!doc.contains("sites")) return config;
    const json& sites = doc["sites"];
    if (!sites.is_object()) throw fail("\"sites\" must be an object");
    auto strings = [&](const char* key) {
        const json& list = sites[key];
        if (!list.is_array())
            throw fail(std::string("\"sites.") + key + "\" must be an array of strings");
        std::vector<std::string> out;
        for (const json& item : list) {
            if (!item.is_string() || item.get<std::string>().empty())
                throw fail(std::string("\"sites.") + key + "\" must hold non-empty strings, not " +
                           item.dump());
            out.push_back(item.get<std::string>());
        }
        return out;
    };
    for (const auto& [key, value] : sites.items()) {
        if (key != "wrappers" && key != "presets")
            throw fail("unknown key \"sites." + key + "\" (expected \"wrappers\", \"presets\")");
    }
    if (sites.contains("wrappers")) config.wrappers = strings("wrappers");
    if (sites.contains("presets")) {
        config.presets = strings("presets");
        for (const std::string& name : config.presets) {
            if (preset_patterns(name) == nullptr) {
                std::string known;
                for (const std::string& k : preset_names())
                    known += (known.empty() ? "" : ", ") + k;
                throw fail("unknown preset \"" + name + "\" (known: " + known + ")");
            }
        }
    }
    return config;
}

SiteConfig load_site_config(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw SiteConfigError(path + ": cannot read the config file");
    std::ostringstream text;
    text << in.rdbuf();
    return parse_site_config(text.str(), path);
}

std::vector<std::string> preset_names() {
    std::vector<std::string> names;
    for (const auto& [name, patterns] : presets()) names.push_back(name);
    return names;
}

const std::vector<std::string>* preset_patterns(const std::string& name) {
    auto it = presets().find(name);
    return it == presets().end() ? nullptr : &it->second;
}

}  // namespace allocprof::symbolize
