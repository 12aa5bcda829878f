// module_map.cpp — see module_map.h.
#include "interpose/module_map.h"

#include <elf.h>
#include <link.h>
#include <string.h>
#include <unistd.h>

#include "interpose/internal_memory.h"
#include "wire/wire_format.h"

namespace allocprof::interpose {
namespace {

using namespace allocprof::wire;

// Finds the GNU build-id note in a loaded object's PT_NOTE segments.
size_t find_build_id(const dl_phdr_info* info, const unsigned char** out) {
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr)& ph = info->dlpi_phdr[i];
        if (ph.p_type != PT_NOTE) continue;
        auto* p = reinterpret_cast<const unsigned char*>(info->dlpi_addr + ph.p_vaddr);
        const unsigned char* end = p + ph.p_memsz;
        while (p + sizeof(ElfW(Nhdr)) <= end) {
            auto* note = reinterpret_cast<const ElfW(Nhdr)*>(p);
            const unsigned char* name = p + sizeof(ElfW(Nhdr));
            const unsigned char* desc = name + ((note->n_namesz + 3) & ~3u);
            if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 &&
                memcmp(name, "GNU", 4) == 0 && desc + note->n_descsz <= end) {
                *out = desc;
                return note->n_descsz;
            }
            p = desc + ((note->n_descsz + 3) & ~3u);
        }
    }
    return 0;
}

int collect_one(dl_phdr_info* info, size_t, void* closure) {
    auto* snapshot = static_cast<ModuleMapSnapshot*>(closure);
    SegmentRecord segments[32];
    uint8_t segment_count = 0;
    for (int i = 0; i < info->dlpi_phnum && segment_count < 32; ++i) {
        const ElfW(Phdr)& ph = info->dlpi_phdr[i];
        if (ph.p_type != PT_LOAD) continue;
        SegmentRecord& s = segments[segment_count++];
        s.start = info->dlpi_addr + ph.p_vaddr;
        s.size = ph.p_memsz;
        s.executable = (ph.p_flags & PF_X) ? 1 : 0;
    }
    if (segment_count == 0) return 0;

    // The main program has an empty name; the kernel knows its path.
    char exe[kMaxPathLength];
    const char* path = info->dlpi_name;
    if (!path || !*path) {
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        exe[n > 0 ? n : 0] = '\0';
        path = exe;
    }
    size_t path_length = strnlen(path, kMaxPathLength);
    const unsigned char* build_id = nullptr;
    size_t build_id_length = find_build_id(info, &build_id);
    if (build_id_length > 255) build_id_length = 0;

    ModuleRecord header{};
    header.type = RecordType::Module;
    header.load_bias = info->dlpi_addr;
    header.path_length = static_cast<uint16_t>(path_length);
    header.build_id_length = static_cast<uint8_t>(build_id_length);
    header.segment_count = segment_count;
    bool ok = snapshot->put(&header, sizeof(header)) &&
              snapshot->put(segments, sizeof(SegmentRecord) * segment_count) &&
              snapshot->put(path, path_length) &&
              (build_id_length == 0 || snapshot->put(build_id, build_id_length));
    return ok ? 0 : 1;
}

}  // namespace

bool ModuleMapSnapshot::put(const void* p, size_t n) {
    if (used_ + n > capacity_) {
        size_t fresh_capacity = capacity_ ? capacity_ * 2 : 64 * 1024;
        while (fresh_capacity < used_ + n) fresh_capacity *= 2;
        auto* fresh = static_cast<unsigned char*>(internal_map(fresh_capacity));
        if (!fresh) return false;
        if (data_) {
            memcpy(fresh, data_, used_);
            internal_unmap(data_, capacity_);
        }
        data_ = fresh;
        capacity_ = fresh_capacity;
    }
    memcpy(data_ + used_, p, n);
    used_ += n;
    return true;
}

bool ModuleMapSnapshot::collect() {
    used_ = 0;
    RecordHeader begin{RecordType::ModuleMapBegin};
    RecordHeader end{RecordType::ModuleMapEnd};
    if (!put(&begin, sizeof(begin))) return false;
    if (dl_iterate_phdr(collect_one, this) != 0) return false;
    return put(&end, sizeof(end));
}

ModuleMapSnapshot::~ModuleMapSnapshot() { internal_unmap(data_, capacity_); }

namespace {
struct OwnRangeSearch {
    uintptr_t probe;
    CodeRange range;
};

int find_own(dl_phdr_info* info, size_t, void* closure) {
    auto* search = static_cast<OwnRangeSearch*>(closure);
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr)& ph = info->dlpi_phdr[i];
        if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X)) continue;
        uintptr_t start = info->dlpi_addr + ph.p_vaddr;
        if (search->probe >= start && search->probe < start + ph.p_memsz) {
            search->range.start = start;
            search->range.end = start + ph.p_memsz;
            return 1;
        }
    }
    return 0;
}
}  // namespace

CodeRange find_own_code_range() {
    OwnRangeSearch search{reinterpret_cast<uintptr_t>(&find_own_code_range), {}};
    dl_iterate_phdr(find_own, &search);
    return search.range;
}

}  // namespace allocprof::interpose
