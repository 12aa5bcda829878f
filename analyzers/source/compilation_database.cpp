// compilation_database.cpp — compile_commands.json entries to libclang flags.
#include "analyzers/source/compilation_database.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

namespace allocprof::analyzers::source {

namespace fs = std::filesystem;

namespace {

std::string normal_path(const fs::path& p, const fs::path& base = fs::current_path()) {
    fs::path absolute = p.is_absolute() ? p : base / p;
    return absolute.lexically_normal().string();
}

std::string lower_extension(const fs::path& file) {
    std::string ext = file.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext;
}

// The entry's arguments reduced to what parsing needs (see the header).
std::vector<std::string> clean_arguments(const std::vector<std::string>& args,
                                         const std::string& directory,
                                         const std::string& file_as_given,
                                         const std::string& file_absolute) {
    std::vector<std::string> out;
    for (size_t i = 1; i < args.size(); ++i) {  // args[0] is the compiler
        const std::string& a = args[i];
        const bool takes_value = a == "-o" || a == "-MF" || a == "-MT" || a == "-MQ";
        if (takes_value) {
            ++i;
            continue;
        }
        if (a == "-c" || a == "--" || a == "-MD" || a == "-MMD" || a == "-MP" || a == "-M" ||
            a == "-MM")
            continue;
        if (a.rfind("-o", 0) == 0 && a.size() > 2 && a[2] != 'p')
            continue;  // -ofile (not -openmp...)
        if (a.rfind("-W", 0) == 0 && a.rfind("-Wp,", 0) != 0) continue;
        if (a == file_as_given || normal_path(a, directory) == file_absolute) continue;
        out.push_back(a);
    }
    out.insert(out.begin(), {"-working-directory", directory});
    return out;
}

}  // namespace

bool is_c_source(const fs::path& file) { return lower_extension(file) == ".c"; }

bool is_header(const fs::path& file) {
    static const char* const kHeaders[] = {".h", ".hh", ".hpp", ".hxx", ".inl", ".ipp", ".tcc"};
    const std::string ext = lower_extension(file);
    return std::any_of(std::begin(kHeaders), std::end(kHeaders),
                       [&](const char* h) { return ext == h; });
}

std::vector<std::string> split_command(const std::string& command) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    char quote = 0;
    for (size_t i = 0; i < command.size(); ++i) {
        const char c = command[i];
        if (quote == '\'') {
            if (c == '\'')
                quote = 0;
            else
                word += c;
        } else if (quote == '"') {
            if (c == '"')
                quote = 0;
            else if (c == '\\' && i + 1 < command.size() &&
                     std::string("\"\\$`").find(command[i + 1]) != std::string::npos)
                word += command[++i];
            else
                word += c;
        } else if (c == '\'' || c == '"') {
            quote = c;
            in_word = true;
        } else if (c == '\\' && i + 1 < command.size()) {
            word += command[++i];
            in_word = true;
        } else if (c == ' ' || c == '\t' || c == '\n') {
            if (in_word) words.push_back(word);
            word.clear();
            in_word = false;
        } else {
            word += c;
            in_word = true;
        }
    }
    if (in_word) words.push_back(word);
    return words;
}

CompilationDatabase CompilationDatabase::load(const fs::path& json_file) {
    std::ifstream in(json_file);
    if (!in)
        throw CompilationDatabaseError(json_file.string() +
                                       ": cannot read the compilation database");
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw CompilationDatabaseError(json_file.string() + ": not valid JSON: " + e.what());
    }
    if (!j.is_array())
        throw CompilationDatabaseError(json_file.string() +
                                       ": not a compilation database (expected a JSON array)");
    CompilationDatabase db;
    size_t index = 0;
    for (const auto& entry : j) {
        const std::string where = json_file.string() + ": entry " + std::to_string(index++) + ": ";
        if (!entry.is_object() || !entry.contains("directory") || !entry.contains("file") ||
            !entry["directory"].is_string() || !entry["file"].is_string())
            throw CompilationDatabaseError(where + "needs string \"directory\" and \"file\"");
        const std::string directory =
            normal_path(entry["directory"].get<std::string>(), json_file.parent_path());
        const std::string file_as_given = entry["file"].get<std::string>();
        const std::string file = normal_path(file_as_given, directory);
        std::vector<std::string> args;
        if (entry.contains("arguments") && entry["arguments"].is_array()) {
            for (const auto& a : entry["arguments"]) {
                if (!a.is_string())
                    throw CompilationDatabaseError(where + "\"arguments\" must hold strings");
                args.push_back(a.get<std::string>());
            }
        } else if (entry.contains("command") && entry["command"].is_string()) {
            args = split_command(entry["command"].get<std::string>());
        } else {
            throw CompilationDatabaseError(where +
                                           "needs \"arguments\" (array) or \"command\" (string)");
        }
        // The first entry of a file wins (a file built twice: the first configuration).
        db.flags_.emplace(file, clean_arguments(args, directory, file_as_given, file));
    }
    return db;
}

std::vector<fs::path> CompilationDatabase::files() const {
    std::vector<fs::path> out;
    out.reserve(flags_.size());
    for (const auto& entry : flags_) out.emplace_back(entry.first);
    std::sort(out.begin(), out.end());
    return out;
}

std::optional<std::vector<std::string>> CompilationDatabase::flags_for(const fs::path& file) const {
    const std::string key = normal_path(file);
    if (auto it = flags_.find(key); it != flags_.end()) return it->second;
    if (!is_header(file)) return std::nullopt;
    // A header: the flags of a translation unit in the nearest directory that has one.
    for (fs::path dir = fs::path(key).parent_path(); !dir.empty(); dir = dir.parent_path()) {
        const std::string* best = nullptr;
        for (const auto& [path, flags] : flags_)
            if (fs::path(path).parent_path() == dir && (best == nullptr || path < *best))
                best = &path;
        if (best != nullptr) {
            std::vector<std::string> flags = flags_.at(*best);
            flags.insert(flags.end(), {"-x", is_c_source(*best) ? "c" : "c++"});
            return flags;
        }
        if (dir == dir.root_path()) break;
    }
    return std::nullopt;
}

std::vector<std::string> default_flags(const fs::path& file,
                                       const std::vector<std::string>& extra) {
    std::vector<std::string> flags;
    if (is_c_source(file))
        flags = {"-x", "c", "-std=c11"};
    else
        flags = {"-x", "c++", "-std=c++20"};
    flags.push_back("-I" + fs::absolute(file).parent_path().lexically_normal().string());
    flags.insert(flags.end(), extra.begin(), extra.end());
    return flags;
}

}  // namespace allocprof::analyzers::source
