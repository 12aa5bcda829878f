// readable_names.cpp — see readable_names.h.
#include "reports/readable_names.h"

#include <algorithm>
#include <vector>

namespace allocprof::reports {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }
bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == ':';
}

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
        s.replace(at, from.size(), to);
    return s;
}

std::string trimmed(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return std::string(s);
}

// The '>' that closes the '<' at `open`, or npos when the brackets do not balance.
size_t closing(std::string_view s, size_t open) {
    int depth = 0;
    for (size_t i = open; i < s.size(); ++i) {
        if (s[i] == '<') ++depth;
        if (s[i] == '>' && --depth == 0) return i;
    }
    return std::string_view::npos;
}

// Template arguments split at their own commas (not those of nested lists or parentheses).
std::vector<std::string_view> split_arguments(std::string_view s) {
    std::vector<std::string_view> out;
    int depth = 0;
    size_t start = 0;
    for (size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '<' || c == '(' || c == '[') ++depth;
        if (c == '>' || c == ')' || c == ']') --depth;
        if (c == ',' && depth == 0) {
            out.push_back(s.substr(start, i - start));
            start = i + 1;
        }
    }
    out.push_back(s.substr(start));
    return out;
}

// `arg` is the default for a template argument that follows `first` (the template's first
// argument): the allocator of `first` (or of a map's pair), its comparator, hash, equality,
// character traits or deleter.
bool is_default_argument(const std::string& arg, const std::string& first) {
    for (std::string_view wrapper : {"std::less<", "std::hash<", "std::equal_to<", "std::char_traits<",
                                     "std::default_delete<", "std::allocator<"})
        if (arg == std::string(wrapper) + first + ">") return true;
    // A map's allocator: std::allocator<std::pair<K const, V>>.
    return starts_with(arg, "std::allocator<std::pair<" + first + " const, ");
}

const std::pair<std::string_view, std::string_view> kStringAliases[] = {
    {"std::basic_string<char>", "std::string"},           {"std::basic_string<wchar_t>", "std::wstring"},
    {"std::basic_string<char8_t>", "std::u8string"},      {"std::basic_string<char16_t>", "std::u16string"},
    {"std::basic_string<char32_t>", "std::u32string"},    {"std::basic_string_view<char>", "std::string_view"},
    {"std::basic_string_view<wchar_t>", "std::wstring_view"},
};

// The template `name<arguments>`, shortened.
std::string shortened(std::string_view name, std::vector<std::string> args) {
    while (args.size() > 1 && is_default_argument(args.back(), args.front())) args.pop_back();
    std::string out = std::string(name) + "<";
    for (size_t i = 0; i < args.size(); ++i) out += (i ? ", " : "") + args[i];
    out += ">";
    for (const auto& [full, alias] : kStringAliases)
        if (out == full) return std::string(alias);
    return out;
}

}  // namespace

std::string readable_types(std::string_view text) {
    const std::string s = replace_all(replace_all(std::string(text), "std::__cxx11::", "std::"), "std::__1::", "std::");
    std::string out;
    size_t i = 0;
    while (i < s.size()) {
        const size_t open = s.find('<', i);
        if (open == std::string::npos) {
            out.append(s, i, std::string::npos);
            break;
        }
        size_t begin = open;
        while (begin > i && is_name_char(s[begin - 1])) --begin;
        const std::string_view name(s.data() + begin, open - begin);
        const size_t close = closing(s, open);
        const bool alloc_traits = name == "__gnu_cxx::__alloc_traits";
        if (close == std::string::npos || !(starts_with(name, "std::") || alloc_traits) || ends_with(name, "operator")) {
            out.append(s, i, open + 1 - i);
            i = open + 1;
            continue;
        }
        out.append(s, i, begin - i);
        std::vector<std::string> args;
        for (std::string_view arg : split_arguments(std::string_view(s).substr(open + 1, close - open - 1)))
            args.push_back(readable_types(trimmed(arg)));
        i = close + 1;
        // The allocator traits' value_type is the element type itself.
        if (alloc_traits && args.size() == 2 && std::string_view(s).substr(i, 12) == "::value_type") {
            out += args[1];
            i += 12;
            continue;
        }
        out += shortened(name, std::move(args));
    }
    return replace_all(std::move(out), "> >", ">>");
}

std::string common_directory(const std::vector<std::string>& paths) {
    std::string common;
    bool first = true;
    for (const std::string& p : paths) {
        if (p.empty() || p.front() != '/') continue;
        const std::string dir = p.substr(0, p.rfind('/') + 1);
        if (first) {
            common = dir;
            first = false;
            continue;
        }
        size_t n = 0;
        while (n < common.size() && n < dir.size() && common[n] == dir[n]) ++n;
        common.resize(n);
        common.resize(common.rfind('/') + 1);  // back to a whole directory
    }
    return common.size() > 1 ? common : "";
}

Report readable(Report r) {
    std::vector<std::string> files;
    for (const SiteRow& s : r.sites)
        if (s.tier != "runtime") files.push_back(s.file);
    r.path_prefix = common_directory(files);
    const auto relative = [&](std::string& path) {
        if (!r.path_prefix.empty() && starts_with(path, r.path_prefix)) path.erase(0, r.path_prefix.size());
    };
    for (SiteRow& s : r.sites) {
        s.function = readable_types(s.function);
        relative(s.file);
        if (s.source) s.source->description = readable_types(s.source->description);
    }
    for (ScriptSiteRow& s : r.script_sites) {
        s.native_function = readable_types(s.native_function);
        relative(s.native_file);
    }
    for (PlanRow& p : r.plan) {
        p.change = readable_types(p.change);
        p.evidence = readable_types(p.evidence);
    }
    // Sentences that name a site's location: the same short form.
    const auto in_text = [&](std::string& text) {
        text = readable_types(text);
        if (!r.path_prefix.empty()) text = replace_all(std::move(text), "`" + r.path_prefix, "`");
    };
    for (std::string& step : r.next_steps) in_text(step);
    for (Gap& g : r.gaps) in_text(g.text);
    return r;
}

}  // namespace allocprof::reports
