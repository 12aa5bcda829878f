// export_frames.cpp — see export_frames.h.
#include "export/export_frames.h"

#include "symbolize/site_attribution.h"

namespace allocprof::exporter {

std::vector<ExportFrame> export_stack(const schema::StoredStacks& stacks, uint32_t leaf) {
    std::vector<schema::StackFrame> frames;
    std::vector<uint32_t> nodes;
    stacks.stack(leaf, frames, &nodes, schema::StoredStacks::View::Merged);
    std::vector<ExportFrame> out;
    out.reserve(frames.size());
    for (size_t i = 0; i < frames.size(); ++i) {
        const schema::StackFrame& f = frames[i];
        symbolize::SiteIdentity id = symbolize::SiteAttributor::identity(f);
        ExportFrame e;
        e.node = nodes[i];
        e.pc = f.script ? 0 : f.offset;
        e.module = std::move(id.module);
        e.function = f.script && f.function.empty() ? "unknown script function" : std::move(id.function);
        e.file = std::move(id.file);
        e.line = f.line;
        e.inlined = f.inlined;
        e.script = f.script;
        out.push_back(std::move(e));
    }
    return out;
}

}  // namespace allocprof::exporter
