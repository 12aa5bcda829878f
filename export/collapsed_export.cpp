// collapsed_export.cpp — collapsed stacks (export_formats.h).
#include <map>

#include "export/export_formats.h"
#include "export/export_frames.h"

namespace allocprof::exporter {
namespace {

uint64_t value_of(const StackFigures& f, Metric metric) {
    switch (metric) {
        case Metric::Allocations: return f.allocations;
        case Metric::Bytes: return f.bytes;
        case Metric::Peak: return f.peak_bytes;
        case Metric::Unfreed: return f.end_bytes;
        case Metric::Temporary: return f.temporary;
    }
    return 0;
}

// A frame as one element of a collapsed line: ';' separates frames (one in a name becomes
// ':'), the last space the count. Script frames say where in the script they were.
std::string element(const ExportFrame& f) {
    std::string name = f.function;
    if (f.script && !f.file.empty()) name += " (" + f.file + ":" + std::to_string(f.line) + ")";
    for (char& c : name)
        if (c == ';' || c == '\n') c = ':';
    return name;
}

}  // namespace

const char* metric_name(Metric metric) {
    switch (metric) {
        case Metric::Allocations: return "allocations";
        case Metric::Bytes: return "bytes";
        case Metric::Peak: return "peak";
        case Metric::Unfreed: return "unfreed";
        case Metric::Temporary: return "temporary";
    }
    return "";
}

std::string collapsed_stacks(const ExportRun& run, const schema::StoredStacks& stacks, Metric metric) {
    // Lines of equal stacks (two nodes can name the same frames, a stack split by phase
    // is one stack here) are summed; sorted, so one database always exports the same.
    std::map<std::string, uint64_t> lines;
    for (const ExportSample& s : run.samples) {
        const uint64_t value = value_of(s.figures, metric);
        if (value == 0) continue;
        const std::vector<ExportFrame> frames = export_stack(stacks, s.node);
        std::string line;
        for (auto f = frames.rbegin(); f != frames.rend(); ++f) {  // root first
            if (!line.empty()) line += ';';
            line += element(*f);
        }
        if (line.empty()) line = "[no stack]";
        lines[line] += value;
    }
    std::string out;
    for (const auto& [line, value] : lines) out += line + " " + std::to_string(value) + "\n";
    return out;
}

}  // namespace allocprof::exporter
