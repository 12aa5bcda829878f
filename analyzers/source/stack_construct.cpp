// stack_construct.cpp — see stack_construct.h.
#include "analyzers/source/stack_construct.h"

#include <string>

namespace allocprof::analyzers {
namespace {

bool contains(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

// The template argument list that starts at `open` (a '<'), brackets balanced; "" if none.
std::string_view template_args(std::string_view s, size_t open) {
    if (open == std::string_view::npos || open >= s.size() || s[open] != '<') return {};
    int depth = 0;
    for (size_t i = open; i < s.size(); ++i) {
        if (s[i] == '<') ++depth;
        if (s[i] == '>' && --depth == 0) return s.substr(open + 1, i - open - 1);
    }
    return {};
}

// "std::vector<int, std::allocator<int> >::_M_realloc_insert<...>" -> "std::vector<int, ...>":
// the class part of `name` that starts with `prefix` (e.g. "std::vector<").
std::string class_named(std::string_view name, std::string_view prefix) {
    const size_t at = name.find(prefix);
    if (at == std::string_view::npos) return {};
    const std::string_view args = template_args(name, at + prefix.size() - 1);
    return std::string(prefix) + std::string(args) + ">";
}

// The first template argument of a "<...>" list (top level).
std::string_view first_arg(std::string_view args) {
    int depth = 0;
    for (size_t i = 0; i < args.size(); ++i) {
        if (args[i] == '<' || args[i] == '(') ++depth;
        if (args[i] == '>' || args[i] == ')') --depth;
        if (args[i] == ',' && depth == 0) return args.substr(0, i);
    }
    return args;
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
        s.replace(at, from.size(), to);
}

// Removes ", std::allocator<...>" arguments (and std::char_traits of strings).
void drop_argument(std::string& s, std::string_view prefix) {
    for (size_t at = s.find(prefix); at != std::string::npos; at = s.find(prefix, at)) {
        const std::string_view args = template_args(s, at + prefix.size() - 1);
        const size_t end = at + prefix.size() + args.size() + 1;  // past the closing '>'
        s.erase(at, end - at);
    }
}

source::SourceConstruct make(std::string kind, std::string description) {
    source::SourceConstruct c;
    c.kind = std::move(kind);
    c.description = std::move(description) + " (from the stack)";
    return c;
}

}  // namespace

std::string readable_type(std::string_view type) {
    std::string s(type);
    replace_all(s, "std::__cxx11::", "std::");
    replace_all(s, "std::basic_string<char, std::char_traits<char>, std::allocator<char> >", "std::string");
    drop_argument(s, ", std::allocator<");
    drop_argument(s, ", std::less<");
    drop_argument(s, ", std::hash<");
    drop_argument(s, ", std::equal_to<");
    for (size_t at = s.find(" >"); at != std::string::npos; at = s.find(" >", at)) s.erase(at, 1);
    return s;
}

source::SourceConstruct construct_from_stack(std::span<const std::string_view> plumbing) {
    for (std::string_view f : plumbing)
        if (contains(f, "std::operator+<char") || (contains(f, "std::operator+<") && contains(f, "basic_string<"))) {
            source::SourceConstruct c = make("string_concat", "std::string concatenated with operator+");
            c.type = "std::string";
            return c;
        }
    for (std::string_view f : plumbing) {
        if (contains(f, "std::_Function_base::_Base_manager<") || contains(f, "std::_Function_handler<") ||
            (contains(f, "std::function<") && contains(f, ">::function<"))) {
            std::string type;
            for (std::string_view g : plumbing)
                if (type.empty()) type = readable_type(class_named(g, "std::function<"));
            source::SourceConstruct c = make("std_function", (type.empty() ? "a std::function" : type) +
                                                                 " holding a callable too large for its buffer");
            c.type = type.empty() ? "std::function" : type;
            return c;
        }
        if (contains(f, "basic_string<") && (contains(f, "::_M_append") || contains(f, "::_M_mutate"))) {
            source::SourceConstruct c = make("container_growth", "std::string regrown by append or +=");
            c.container_type = "std::string";
            c.type = "char";
            c.method = "append";
            return c;
        }
        if (contains(f, "_Hashtable_alloc<") && contains(f, "_M_allocate_node")) {
            source::SourceConstruct c = make("node_container", "a node of a std::unordered container per insert");
            c.container_type = "std::unordered_map/set";
            return c;
        }
        if (contains(f, "std::_Rb_tree<") && (contains(f, "_M_create_node") || contains(f, "_M_get_node"))) {
            source::SourceConstruct c = make("node_container", "a node of a std::map/set per insert");
            c.container_type = "std::map/set";
            return c;
        }
        if (contains(f, "_M_allocate_buckets")) {
            source::SourceConstruct c = make("container_growth", "the bucket array of a std::unordered container, rehashed as it grows");
            c.container_type = "std::unordered_map";
            c.method = "insert";
            return c;
        }
        if (contains(f, "std::vector<") && (contains(f, "_M_realloc_insert") || contains(f, "_M_realloc_append") ||
                                            contains(f, "_M_default_append"))) {
            const std::string type = readable_type(class_named(f, "std::vector<"));
            source::SourceConstruct c = make("container_growth", type + " regrown by push_back/emplace_back");
            c.container_type = type;
            c.type = readable_type(first_arg(template_args(type, type.find('<'))));
            c.method = "push_back";
            return c;
        }
        if (contains(f, "_Sp_counted_ptr_inplace<") || contains(f, "std::make_shared<") ||
            contains(f, "std::allocate_shared<")) {
            const size_t at = f.find("_Sp_counted_ptr_inplace<");
            const std::string type =
                at != std::string_view::npos ? readable_type(first_arg(template_args(f, at + 23))) : std::string();
            source::SourceConstruct c =
                make("make_shared", "std::make_shared" + (type.empty() ? std::string() : "<" + type + ">"));
            c.type = type;
            return c;
        }
    }
    return {};
}

}  // namespace allocprof::analyzers
