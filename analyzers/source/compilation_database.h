// compilation_database.h — the compile flags of a translation unit, for libclang: from a
// compile_commands.json (CMake's CMAKE_EXPORT_COMPILE_COMMANDS, bear, ...) when there is
// one, else defaults by file extension.
//
// Flags are the entry's arguments without what does not concern parsing: the compiler
// (argv[0]), -c, -o FILE, dependency-file options (-M*), the source file itself, and every
// -W option (warnings do not change the AST, and -Werror would turn one into a parse
// failure). "-working-directory DIR" is added so relative paths (-I include) resolve
// against the entry's directory, as the build saw them.
// A header has no entry of its own: it takes the flags of an entry in its directory (or the
// nearest parent directory with one), parsed as C++ unless that entry is a C file.
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace allocprof::analyzers::source {

// A compile_commands.json that cannot be used. what() names the file and the problem.
class CompilationDatabaseError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class CompilationDatabase {
  public:
    // Reads `json_file` (a JSON array of {directory, file, arguments | command}); throws
    // CompilationDatabaseError when it cannot be read or is not such an array.
    static CompilationDatabase load(const std::filesystem::path& json_file);

    // The flags for `file` (any path; compared after making it absolute and normal), or
    // nullopt when neither it nor (for a header) its directory has an entry.
    std::optional<std::vector<std::string>> flags_for(const std::filesystem::path& file) const;

    size_t size() const { return flags_.size(); }

    // The files with an entry (normal absolute paths), sorted.
    std::vector<std::filesystem::path> files() const;

  private:
    std::unordered_map<std::string, std::vector<std::string>> flags_;  // normal absolute path ->
};

// Defaults without a database: "-x c++ -std=c++20" for C++ files and headers, "-std=c11" for
// .c files, then "-I" the file's directory, then `extra` (e.g. more -I).
std::vector<std::string> default_flags(const std::filesystem::path& file,
                                       const std::vector<std::string>& extra = {});

// A command line split as a POSIX shell would (quotes, backslashes), without expansions.
std::vector<std::string> split_command(const std::string& command);

bool is_c_source(const std::filesystem::path& file);  // .c
bool is_header(const std::filesystem::path& file);    // .h .hh .hpp .hxx .inl .ipp .tcc

}  // namespace allocprof::analyzers::source
