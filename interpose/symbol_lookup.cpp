// symbol_lookup.cpp — see symbol_lookup.h. A GNU hash (or SysV hash) lookup in each
// object's PT_DYNAMIC tables, as the loader does it, reduced to "is it defined".
#include "interpose/symbol_lookup.h"

#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace allocprof::interpose {
namespace {

struct Search {
    uintptr_t own;
    const char* name;
    bool after_own = false;
    bool found = false;
};

uint32_t gnu_hash(const char* s) {
    uint32_t h = 5381;
    for (; *s; ++s) h = h * 33 + static_cast<unsigned char>(*s);
    return h;
}

bool contains(const dl_phdr_info* info, uintptr_t address) {
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr)& ph = info->dlpi_phdr[i];
        const uintptr_t start = info->dlpi_addr + ph.p_vaddr;
        if (ph.p_type == PT_LOAD && address >= start && address < start + ph.p_memsz) return true;
    }
    return false;
}

// The loader relocates most objects' dynamic entries in place; the vDSO's it does not.
template <typename T>
const T* dynamic_pointer(const dl_phdr_info* info, ElfW(Addr) value) {
    return reinterpret_cast<const T*>(value < info->dlpi_addr ? value + info->dlpi_addr : value);
}

bool defines(const ElfW(Sym)& sym, const ElfW(Half)* versym, uint32_t index) {
    if (sym.st_shndx == SHN_UNDEF) return false;
    const int type = ELF64_ST_TYPE(sym.st_info);
    const int bind = ELF64_ST_BIND(sym.st_info);
    if (type != STT_FUNC && type != STT_GNU_IFUNC) return false;
    if (bind != STB_GLOBAL && bind != STB_WEAK) return false;
    return !versym || (versym[index] & 0x8000) == 0;  // a hidden (non-default) version
}

bool object_defines(const dl_phdr_info* info, const char* name) {
    const ElfW(Dyn)* dynamic = nullptr;
    for (int i = 0; i < info->dlpi_phnum; ++i)
        if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
            dynamic = reinterpret_cast<const ElfW(Dyn)*>(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
    if (!dynamic) return false;
    const ElfW(Sym)* symtab = nullptr;
    const char* strtab = nullptr;
    const uint32_t* gnu = nullptr;
    const uint32_t* sysv = nullptr;
    const ElfW(Half)* versym = nullptr;
    for (const ElfW(Dyn)* d = dynamic; d->d_tag != DT_NULL; ++d) {
        switch (d->d_tag) {
            case DT_SYMTAB: symtab = dynamic_pointer<ElfW(Sym)>(info, d->d_un.d_ptr); break;
            case DT_STRTAB: strtab = dynamic_pointer<char>(info, d->d_un.d_ptr); break;
            case DT_GNU_HASH: gnu = dynamic_pointer<uint32_t>(info, d->d_un.d_ptr); break;
            case DT_HASH: sysv = dynamic_pointer<uint32_t>(info, d->d_un.d_ptr); break;
            case DT_VERSYM: versym = dynamic_pointer<ElfW(Half)>(info, d->d_un.d_ptr); break;
            default: break;
        }
    }
    if (!symtab || !strtab) return false;
    if (gnu) {
        const uint32_t nbuckets = gnu[0], symoffset = gnu[1], bloom_size = gnu[2];
        if (nbuckets == 0) return false;
        const auto* buckets =
            reinterpret_cast<const uint32_t*>(reinterpret_cast<const ElfW(Addr)*>(gnu + 4) + bloom_size);
        const uint32_t* chain = buckets + nbuckets;
        const uint32_t h = gnu_hash(name);
        uint32_t index = buckets[h % nbuckets];
        if (index < symoffset) return false;
        for (;; ++index) {
            const uint32_t link = chain[index - symoffset];
            if ((link | 1) == (h | 1) && strcmp(strtab + symtab[index].st_name, name) == 0 &&
                defines(symtab[index], versym, index))
                return true;
            if (link & 1) return false;
        }
    }
    if (sysv) {
        const uint32_t count = sysv[1];  // nchain: one entry per symbol
        for (uint32_t index = 1; index < count; ++index)
            if (strcmp(strtab + symtab[index].st_name, name) == 0 && defines(symtab[index], versym, index))
                return true;
    }
    return false;
}

int visit(dl_phdr_info* info, size_t, void* closure) {
    auto* search = static_cast<Search*>(closure);
    if (!search->after_own) {
        search->after_own = contains(info, search->own);
        return 0;
    }
    search->found = object_defines(info, search->name);
    return search->found ? 1 : 0;
}

}  // namespace

bool defined_after(const void* own_code, const char* name) {
    Search search{reinterpret_cast<uintptr_t>(own_code), name};
    dl_iterate_phdr(visit, &search);
    return search.found;
}

bool file_has_symbol(const char* path, const char* symbol) {
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat st;
    bool found = false;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && size_t(st.st_size) > sizeof(ElfW(Ehdr))) {
        const size_t size = size_t(st.st_size);
        long r = syscall(SYS_mmap, nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0L);
        if (!(r < 0 && r > -4096)) {
            const auto* base = reinterpret_cast<const unsigned char*>(r);
            const auto* eh = reinterpret_cast<const ElfW(Ehdr)*>(base);
            const bool sane = memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0 &&
                              eh->e_shentsize == sizeof(ElfW(Shdr)) &&
                              eh->e_shoff + uint64_t(eh->e_shnum) * sizeof(ElfW(Shdr)) <= size;
            const auto* sh = reinterpret_cast<const ElfW(Shdr)*>(base + (sane ? eh->e_shoff : 0));
            for (int i = 0; sane && !found && i < eh->e_shnum; ++i) {
                if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum) continue;
                const ElfW(Shdr)& strings = sh[sh[i].sh_link];
                if (sh[i].sh_offset + sh[i].sh_size > size || strings.sh_offset + strings.sh_size > size)
                    continue;
                const auto* syms = reinterpret_cast<const ElfW(Sym)*>(base + sh[i].sh_offset);
                const char* names = reinterpret_cast<const char*>(base + strings.sh_offset);
                const size_t count = sh[i].sh_size / sizeof(ElfW(Sym));
                const size_t want = strlen(symbol);
                for (size_t k = 0; k < count && !found; ++k)
                    found = syms[k].st_name + want < strings.sh_size &&
                            memcmp(names + syms[k].st_name, symbol, want + 1) == 0;
            }
            syscall(SYS_munmap, reinterpret_cast<void*>(r), size);
        }
    }
    close(fd);
    return found;
}

}  // namespace allocprof::interpose
