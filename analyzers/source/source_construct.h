// source_construct.h — what the source says an allocation site does: the allocating
// construct at a line (SourceConstruct), the allocating constructs of every function of a
// file (FunctionInventory), and the result of analysing one translation unit (FileAnalysis).
// Plain data with a JSON form (the parse cache stores FileAnalysis as JSON).
//
// Kinds (the `kind` string; the remediation planner reads "closure", "std_function" and
// "string_concat" as constructs, see analyzers/remediation_planner.h):
//   new               new T                        type = T
//   new_array         new T[n]                     type = T
//   container_growth  push_back, emplace_back, emplace, insert, append, push_front,
//                     emplace_front, operator+=, operator[] (maps) on a container
//                                                  container_type as spelled, method,
//                                                  type = its element type when known
//   make_shared       std::make_shared<T>, std::allocate_shared<T>      type = T
//   make_unique       std::make_unique<T>                               type = T
//   std_function      a std::function constructed or assigned from a lambda (or another
//                     callable object)             type = the std::function type
//   closure           a lambda converted implicitly into a std::function parameter of a
//                     call (the allocation hides in the argument)       type = ditto
//   string_concat     operator+ producing a std::basic_string           type = the string type
//   malloc            malloc, calloc, realloc, reallocarray, strdup, strndup, aligned_alloc
//                                                  method = the function, type = the
//                                                  sizeof operand when there is one
//   node_container    (from a site's stack only, analyzers/source/stack_construct.h) a node of a
//                     std::map/set or std::unordered_* container   container_type
//   unknown           nothing allocating found at the line
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace allocprof::analyzers::source {

struct SourceConstruct {
    std::string kind = "unknown";   // see above
    std::string type;               // allocated type (T of new T, sizeof operand, ...), "" if none
    std::string container_type;     // container_growth: the container's type as spelled
    std::string method;             // container_growth: push_back, ...; malloc: malloc, calloc, ...
    std::string function;           // enclosing function, qualified as the symbolizer names it
                                    // ("(anonymous namespace)::build_list", "Interp::call")
    std::string class_name;         // the enclosing function's class, qualified; "" if none
    int loop_depth = 0;             // for/while/do/range-for statements around the construct
    bool reserve_in_scope = false;  // container_growth: reserve/resize on the same container
                                    // (same variable or member) in the enclosing function
    std::string description;        // one line: what this site does
    uint32_t line = 0;              // where the construct is (expansion location, 1-based)
    uint32_t column = 0;
    uint32_t end_line = 0;  // last line of the construct's extent

    bool operator==(const SourceConstruct&) const = default;
};

// The allocating constructs of one function definition of the file.
struct FunctionInventory {
    std::string function;  // qualified as in SourceConstruct::function
    std::string class_name;
    uint32_t line_begin = 0;  // the definition's extent
    uint32_t line_end = 0;
    uint32_t constructs = 0;         // allocating constructs in its body (lambdas included)
    uint32_t in_loops = 0;           // ... of them with loop_depth > 0
    std::vector<std::string> kinds;  // distinct kinds, in order of first appearance

    bool operator==(const FunctionInventory&) const = default;
};

enum class ParseStatus : uint8_t {
    Ok = 0,
    MissingFile = 1,  // the source file cannot be read
    ParseError = 2,   // libclang reported an error (reason: the first one) or failed
};
const char* to_string(ParseStatus status);

// One translation unit, analysed: every allocating construct of the main file (in source
// order) and its per-function inventory. Failed parses carry no constructs.
struct FileAnalysis {
    std::string file;                // absolute path
    std::vector<std::string> flags;  // the compile flags used
    ParseStatus status = ParseStatus::Ok;
    std::string reason;  // why, when status != Ok ("file:line:col: error: ...")
    std::vector<SourceConstruct> constructs;
    std::vector<FunctionInventory> functions;  // only functions with at least one construct
};

// Whether reserve() means something for this container type (sequence containers with
// capacity, strings, hash tables): only then is "no reserve" a fix to point at.
bool has_capacity(const std::string& container_type);

// "(anonymous namespace)::build_list" -> "build_list": the name a report shows.
std::string display_name(std::string qualified);

// The one-line description of a construct ("std::vector<Value> grown by push_back inside a
// loop in build_list (no reserve)"), from its other fields.
std::string describe(const SourceConstruct& c);

void to_json(nlohmann::json& j, const SourceConstruct& c);
void from_json(const nlohmann::json& j, SourceConstruct& c);
void to_json(nlohmann::json& j, const FunctionInventory& f);
void from_json(const nlohmann::json& j, FunctionInventory& f);
void to_json(nlohmann::json& j, const FileAnalysis& a);
void from_json(const nlohmann::json& j, FileAnalysis& a);

}  // namespace allocprof::analyzers::source
