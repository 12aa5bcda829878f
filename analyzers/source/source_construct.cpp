// source_construct.cpp — descriptions and the JSON form of the source analysis results.
#include "analyzers/source/source_construct.h"

#include <nlohmann/json.hpp>

namespace allocprof::analyzers::source {

const char* to_string(ParseStatus status) {
    switch (status) {
        case ParseStatus::Ok:
            return "ok";
        case ParseStatus::MissingFile:
            return "missing_file";
        case ParseStatus::ParseError:
            return "parse_error";
    }
    return "?";
}

namespace {

ParseStatus parse_status(const std::string& s) {
    if (s == "ok") return ParseStatus::Ok;
    if (s == "missing_file") return ParseStatus::MissingFile;
    if (s == "parse_error") return ParseStatus::ParseError;
    throw std::invalid_argument("unknown parse status: " + s);
}

std::string loop_phrase(int depth) {
    if (depth <= 0) return "";
    if (depth == 1) return " inside a loop";
    return " inside " + std::to_string(depth) + " nested loops";
}

}  // namespace

bool has_capacity(const std::string& container_type) {
    return container_type.find("vector") != std::string::npos ||
           container_type.find("string") != std::string::npos ||
           container_type.find("unordered_") != std::string::npos;
}

std::string display_name(std::string qualified) {
    static const std::string kAnonymous = "(anonymous namespace)::";
    for (size_t at = qualified.find(kAnonymous); at != std::string::npos;
         at = qualified.find(kAnonymous, at))
        qualified.erase(at, kAnonymous.size());
    return qualified;
}

std::string describe(const SourceConstruct& c) {
    const std::string where =
        loop_phrase(c.loop_depth) + (c.function.empty() ? "" : " in " + display_name(c.function));
    const std::string type = display_name(c.type);
    if (c.kind == "new") return "new " + type + where;
    if (c.kind == "new_array") return "new " + type + "[]" + where;
    if (c.kind == "container_growth") {
        std::string s = display_name(c.container_type) + " grown by " + c.method + where;
        if (c.reserve_in_scope)
            s += " (reserve/resize in scope)";
        else if (c.loop_depth > 0 && has_capacity(c.container_type))
            s += " (no reserve)";
        return s;
    }
    if (c.kind == "make_shared" || c.kind == "make_unique")
        return "std::" + c.kind + "<" + type + ">" + where;
    if (c.kind == "std_function") return type + " built from a lambda" + where;
    if (c.kind == "closure") return "lambda converted to " + type + " for a call" + where;
    if (c.kind == "string_concat") return type + " concatenated with operator+" + where;
    if (c.kind == "malloc") return c.method + (type.empty() ? "" : " of " + type) + where;
    return "no allocating construct found";
}

void to_json(nlohmann::json& j, const SourceConstruct& c) {
    j = nlohmann::json{{"kind", c.kind},
                       {"type", c.type},
                       {"container_type", c.container_type},
                       {"method", c.method},
                       {"function", c.function},
                       {"class_name", c.class_name},
                       {"loop_depth", c.loop_depth},
                       {"reserve_in_scope", c.reserve_in_scope},
                       {"description", c.description},
                       {"line", c.line},
                       {"column", c.column},
                       {"end_line", c.end_line}};
}

void from_json(const nlohmann::json& j, SourceConstruct& c) {
    j.at("kind").get_to(c.kind);
    j.at("type").get_to(c.type);
    j.at("container_type").get_to(c.container_type);
    j.at("method").get_to(c.method);
    j.at("function").get_to(c.function);
    j.at("class_name").get_to(c.class_name);
    j.at("loop_depth").get_to(c.loop_depth);
    j.at("reserve_in_scope").get_to(c.reserve_in_scope);
    j.at("description").get_to(c.description);
    j.at("line").get_to(c.line);
    j.at("column").get_to(c.column);
    j.at("end_line").get_to(c.end_line);
}

void to_json(nlohmann::json& j, const FunctionInventory& f) {
    j = nlohmann::json{
        {"function", f.function}, {"class_name", f.class_name}, {"line_begin", f.line_begin},
        {"line_end", f.line_end}, {"constructs", f.constructs}, {"in_loops", f.in_loops},
        {"kinds", f.kinds}};
}

void from_json(const nlohmann::json& j, FunctionInventory& f) {
    j.at("function").get_to(f.function);
    j.at("class_name").get_to(f.class_name);
    j.at("line_begin").get_to(f.line_begin);
    j.at("line_end").get_to(f.line_end);
    j.at("constructs").get_to(f.constructs);
    j.at("in_loops").get_to(f.in_loops);
    j.at("kinds").get_to(f.kinds);
}

void to_json(nlohmann::json& j, const FileAnalysis& a) {
    j = nlohmann::json{
        {"file", a.file},     {"flags", a.flags},           {"status", to_string(a.status)},
        {"reason", a.reason}, {"constructs", a.constructs}, {"functions", a.functions}};
}

void from_json(const nlohmann::json& j, FileAnalysis& a) {
    j.at("file").get_to(a.file);
    j.at("flags").get_to(a.flags);
    a.status = parse_status(j.at("status").get<std::string>());
    j.at("reason").get_to(a.reason);
    j.at("constructs").get_to(a.constructs);
    j.at("functions").get_to(a.functions);
}

}  // namespace allocprof::analyzers::source
