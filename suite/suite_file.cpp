// suite_file.cpp — see suite_file.h.
#include "suite/suite_file.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

namespace allocprof::suite {
using namespace allocprof::compare;

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string default_build_dir() {
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (ec) return "";
    return exe.parent_path().parent_path().string();
}

class Substituter {
public:
    explicit Substituter(std::string suite_dir) : suite_dir_(std::move(suite_dir)) {}

    // Replaces every ${NAME}; `where` names the key for errors.
    std::string operator()(const std::string& text, const std::string& where) const {
        std::string out;
        size_t i = 0;
        while (i < text.size()) {
            if (text.compare(i, 2, "${") != 0) {
                out.push_back(text[i++]);
                continue;
            }
            size_t close = text.find('}', i + 2);
            if (close == std::string::npos) throw SuiteError(where + ": unterminated ${ in '" + text + "'");
            const std::string name = text.substr(i + 2, close - i - 2);
            out += value(name, where);
            i = close + 1;
        }
        return out;
    }

private:
    std::string value(const std::string& name, const std::string& where) const {
        if (name == "SUITE_DIR") return suite_dir_;
        if (const char* v = std::getenv(name.c_str())) return v;
        if (name == "ALLOCPROF_BUILD") return default_build_dir();
        throw SuiteError(where + ": ${" + name + "} is not set (SUITE_DIR, ALLOCPROF_BUILD or an environment variable)");
    }
    std::string suite_dir_;
};

const json& require(const json& object, const char* key, const std::string& where) {
    if (!object.contains(key)) throw SuiteError(where + ": missing key '" + key + "'");
    return object[key];
}

std::string string_of(const json& v, const std::string& where) {
    if (!v.is_string()) throw SuiteError(where + ": must be a string");
    return v.get<std::string>();
}

SuiteScenario parse_scenario(const json& s, const std::string& where, const Substituter& sub,
                             const std::string& suite_dir) {
    if (!s.is_object()) throw SuiteError(where + ": a scenario must be an object");
    static const std::set<std::string> kKeys = {"name", "command", "cwd", "env", "ops",
                                                "measure_phase", "warmup_phase", "repeat"};
    for (const auto& item : s.items())
        if (!kKeys.count(item.key()))
            throw SuiteError(where + ": unknown key '" + item.key() +
                             "' (known: name, command, cwd, env, ops, measure_phase, warmup_phase, repeat)");
    SuiteScenario sc;
    sc.name = string_of(require(s, "name", where), where + ".name");
    if (sc.name.empty()) throw SuiteError(where + ".name: must not be empty");
    const std::string at = where + " (" + sc.name + ")";
    const json& command = require(s, "command", at);
    if (!command.is_array() || command.empty())
        throw SuiteError(at + ".command: must be a non-empty array of strings (argv)");
    for (size_t i = 0; i < command.size(); ++i) {
        const std::string key = at + ".command[" + std::to_string(i) + "]";
        sc.command.push_back(sub(string_of(command[i], key), key));
    }
    fs::path cwd = suite_dir;
    if (s.contains("cwd")) {
        fs::path given = sub(string_of(s["cwd"], at + ".cwd"), at + ".cwd");
        cwd = given.is_absolute() ? given : fs::path(suite_dir) / given;
    }
    sc.cwd = cwd.lexically_normal().string();
    if (s.contains("env")) {
        const json& env = s["env"];
        if (!env.is_object()) throw SuiteError(at + ".env: must be an object of strings");
        for (const auto& item : env.items()) {
            const std::string key = at + ".env." + item.key();
            if (item.key().empty() || item.key().find('=') != std::string::npos)
                throw SuiteError(key + ": not a valid variable name");
            sc.env.emplace_back(item.key(), sub(string_of(item.value(), key), key));
        }
    }
    if (s.contains("ops")) {
        const json& ops = s["ops"];
        if (ops.is_string() && ops.get<std::string>() == "markers")
            sc.ops_from_markers = true;
        else if (ops.is_number_unsigned() && ops.get<uint64_t>() > uint64_t(INT64_MAX))
            // runs.ops is SQLite's signed 64-bit integer: a larger count would be stored as -1.
            throw SuiteError(at + ".ops: " + ops.dump() + " is not a number allocprof can store (at most " +
                             std::to_string(INT64_MAX) + ")");
        else if (ops.is_number_unsigned() && ops.get<uint64_t>() > 0)
            sc.ops = ops.get<uint64_t>();
        else
            throw SuiteError(at + ".ops: must be a positive integer or \"markers\"");
    }
    if (s.contains("measure_phase")) sc.measure_phase = string_of(s["measure_phase"], at + ".measure_phase");
    if (s.contains("warmup_phase")) sc.warmup_phase = string_of(s["warmup_phase"], at + ".warmup_phase");
    if (sc.measure_phase && sc.warmup_phase)
        throw SuiteError(at + ": measure_phase and warmup_phase exclude each other (the window is one phase, "
                              "or the run minus one phase)");
    if ((sc.measure_phase && sc.measure_phase->empty()) || (sc.warmup_phase && sc.warmup_phase->empty()))
        throw SuiteError(at + ": a phase name must not be empty");
    if (s.contains("repeat")) {
        const json& r = s["repeat"];
        if (!r.is_number_unsigned() || r.get<uint64_t>() < 1 || r.get<uint64_t>() > 1000)
            throw SuiteError(at + ".repeat: must be an integer from 1 to 1000");
        sc.repeat = static_cast<uint32_t>(r.get<uint64_t>());
    }
    return sc;
}

}  // namespace

SuiteFile load_suite_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw SuiteError(path + ": cannot read the suite file");
    json doc;
    try {
        doc = json::parse(in);
    } catch (const json::parse_error& e) {
        throw SuiteError(path + ": not valid JSON: " + e.what());
    }
    if (!doc.is_object()) throw SuiteError(path + ": the suite must be a JSON object with \"scenarios\"");
    for (const auto& item : doc.items())
        if (item.key() != "scenarios" && item.key() != "config" && item.key() != "thresholds" &&
            item.key() != "budgets" && item.key() != "source")
            throw SuiteError(path + ": unknown key '" + item.key() +
                             "' (known: scenarios, config, source, thresholds, budgets)");
    SuiteFile suite;
    suite.path = path;
    const std::string suite_dir = fs::absolute(fs::path(path)).parent_path().lexically_normal().string();
    Substituter sub(suite_dir);
    if (doc.contains("config")) {
        fs::path c = sub(string_of(doc["config"], path + ": config"), path + ": config");
        suite.config = (c.is_absolute() ? c : fs::path(suite_dir) / c).lexically_normal().string();
    }
    if (doc.contains("source")) {
        const json& source = doc["source"];
        if (!source.is_object()) throw SuiteError(path + ": source: must be an object {\"root\", \"compile_commands\"}");
        auto path_of = [&](const char* key) -> std::optional<std::string> {
            if (!source.contains(key)) return std::nullopt;
            const std::string where = path + ": source." + key;
            fs::path p = sub(string_of(source[key], where), where);
            return (p.is_absolute() ? p : fs::path(suite_dir) / p).lexically_normal().string();
        };
        for (const auto& item : source.items())
            if (item.key() != "root" && item.key() != "compile_commands")
                throw SuiteError(path + ": source: unknown key '" + item.key() + "' (known: root, compile_commands)");
        suite.source_root = path_of("root");
        suite.compile_commands = path_of("compile_commands");
        if (suite.compile_commands && !suite.source_root)
            throw SuiteError(path + ": source: compile_commands needs a root");
    }
    try {
        if (doc.contains("thresholds")) {
            Thresholds check;
            check.apply_json(doc["thresholds"], path + ": thresholds");
            suite.thresholds = doc["thresholds"];
        }
        if (doc.contains("budgets")) {
            parse_budgets(doc["budgets"], path + ": budgets");
            suite.budgets = doc["budgets"];
        }
    } catch (const GateError& e) {
        throw SuiteError(e.what());
    }
    const json& scenarios = require(doc, "scenarios", path);
    if (!scenarios.is_array() || scenarios.empty())
        throw SuiteError(path + ": scenarios: must be a non-empty array");
    std::set<std::string> names;
    for (size_t i = 0; i < scenarios.size(); ++i) {
        SuiteScenario sc = parse_scenario(scenarios[i], path + ": scenarios[" + std::to_string(i) + "]", sub, suite_dir);
        if (!names.insert(sc.name).second)
            throw SuiteError(path + ": scenarios[" + std::to_string(i) + "].name: '" + sc.name + "' is used twice");
        suite.scenarios.push_back(std::move(sc));
    }
    return suite;
}

json suite_meta(const SuiteFile& suite) {
    json scenarios = json::object();
    for (const auto& sc : suite.scenarios)
        scenarios[sc.name] = {{"measure_phase", sc.measure_phase.value_or("")},
                              {"warmup_phase", sc.warmup_phase.value_or("")},
                              {"repeat", sc.repeat}};
    return {{"file", suite.path}, {"scenarios", scenarios}, {"thresholds", suite.thresholds},
            {"budgets", suite.budgets}};
}

}  // namespace allocprof::suite
