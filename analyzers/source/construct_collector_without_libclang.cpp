// construct_collector_without_libclang.cpp — ConstructCollector in a build configured with
// ALLOCPROF_SOURCE_ANALYSIS=OFF, which links no libclang: available() is false and nothing
// is parsed. RunSourceAnalyzer refuses to be made in such a build (site_sources.h), so the
// command never gets here; should anything else parse, every file fails soft, as a file
// libclang could not parse does.
#include "analyzers/source/construct_collector.h"

namespace allocprof::analyzers::source {

ConstructCollector::ConstructCollector() : index_(nullptr) {}

ConstructCollector::~ConstructCollector() = default;

std::string ConstructCollector::clang_version() { return "none"; }

bool ConstructCollector::available() { return false; }

ParsedFile ConstructCollector::parse(const std::string& file, const std::vector<std::string>&) {
    ParsedFile out;
    out.analysis.file = file;
    out.analysis.status = ParseStatus::ParseError;
    out.analysis.reason = file + ": this allocprof was built without libclang";
    return out;
}

}  // namespace allocprof::analyzers::source
