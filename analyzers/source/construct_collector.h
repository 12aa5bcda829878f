// construct_collector.h — parses one translation unit with libclang and collects every
// allocating construct of its main file (source_construct.h lists the kinds), with the
// enclosing function and class, the loop depth, and reserve/resize in scope; and the
// per-function inventory.
//
// Rules and their limits:
// - Loop depth counts for/while/do/range-for statements around the construct inside its
//   function, lambdas included (a lambda in a loop counts the loop). A for statement's
//   init and a range-for's range expression run once: they are not inside the loop.
// - reserve_in_scope: reserve() or resize() is called anywhere in the same function on
//   the same variable or member (by declaration), before or after the growth.
// - The function is named the way the symbolizer names sites (qualified, anonymous
//   namespaces as "(anonymous namespace)::", no parameters): out-of-line methods and
//   constructs in lambdas belong to their enclosing function definition.
// - Only the main file is walked; constructs of included headers belong to the headers.
// - libclang shows template definitions, not instantiations: a call on a dependent type
//   is classified by its name and the spelled type of its object.
// - Any error diagnostic (in the file or its headers) makes the file a ParseError with that
//   first error as the reason: a partly understood AST is not trusted. Except options the
//   driver does not know ("unknown argument", e.g. GCC's -fno-allocation-dce in a GCC
//   build's compile_commands.json): the file is parsed again without them.
// - libclang 14 changes the process's working directory for "-working-directory": each
//   parse restores the caller's.
#pragma once

#include <string>
#include <vector>

#include "analyzers/source/source_construct.h"

namespace allocprof::analyzers::source {

struct ParsedFile {
    FileAnalysis analysis;
    // The non-system headers the file includes (absolute paths): a change to one of them
    // invalidates a cached analysis.
    std::vector<std::string> dependencies;
};

// Owns one libclang index. Not thread-safe: use one collector per thread.
class ConstructCollector {
  public:
    ConstructCollector();
    ~ConstructCollector();
    ConstructCollector(const ConstructCollector&) = delete;
    ConstructCollector& operator=(const ConstructCollector&) = delete;

    // `file` must be readable (the caller checks); never throws for a bad source: a file
    // libclang cannot parse comes back as ParseStatus::ParseError with the reason.
    ParsedFile parse(const std::string& file, const std::vector<std::string>& flags);

    // libclang's version string ("clang version 14.0.6"), part of the cache key.
    static std::string clang_version();

    // Whether this build parses at all: false when allocprof was configured with
    // ALLOCPROF_SOURCE_ANALYSIS=OFF (no libclang; construct_collector_without_libclang.cpp).
    static bool available();

  private:
    void* index_;  // CXIndex
};

}  // namespace allocprof::analyzers::source
