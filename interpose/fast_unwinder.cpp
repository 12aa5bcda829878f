// fast_unwinder.cpp — see fast_unwinder.h. Reference: the DWARF 5 call frame information
// (section 6.4) and the LSB description of .eh_frame and .eh_frame_hdr.
#include "interpose/fast_unwinder.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "interpose/internal_memory.h"
#include "interpose/real_functions.h"

namespace allocprof::interpose {
namespace {

// ---- the cache: one 64-bit word per code address ----------------------------------------
//  bits  0..46  the looked-up pc (return address minus one; user space is below 2^47)
//  bit      47  CFA is based on RBP (else RSP)
//  bits 48..59  CFA offset / 8
//  bits 60..63  RBP saved at CFA - 8*n (n = 0: RBP unchanged in this frame)
// CFA offset 0 never happens for a real frame (the return address is at CFA - 8), so it
// marks the two special rules: end of stack (bit 47 clear) and "use the fallback" (set).
constexpr int kCacheBits = 14;  // 128 KiB: small enough to stay in cache between walks
constexpr uint64_t kPcMask = (uint64_t(1) << 47) - 1;
constexpr uint64_t kRbpBase = uint64_t(1) << 47;
uint64_t* g_cache = nullptr;
uint32_t g_epoch = 1;  // bumped when the cache is forgotten: per-thread walks are stale too

using FindObject = int (*)(void*, dl_find_object*);
FindObject g_find_object = nullptr;

struct StackBounds {
    uintptr_t high = 0;  // one past the highest address of this thread's stack
    bool known = false;
    bool usable = false;
};
__attribute__((tls_model("initial-exec"))) thread_local StackBounds t_bounds;

inline size_t slot_of(uint64_t pc) { return static_cast<size_t>((pc * 0x9E3779B97F4A7C15ull) >> (64 - kCacheBits)); }

// ---- DWARF reading -------------------------------------------------------------------------

struct Reader {
    const uint8_t* p;
    const uint8_t* end;
    bool ok = true;

    uint8_t u8() {
        if (p >= end) return fail<uint8_t>();
        return *p++;
    }
    template <typename T>
    T fixed() {
        if (p + sizeof(T) > end) return fail<T>();
        T v;
        memcpy(&v, p, sizeof(T));
        p += sizeof(T);
        return v;
    }
    uint64_t uleb() {
        uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            uint8_t b = u8();
            v |= uint64_t(b & 0x7f) << shift;
            if (!(b & 0x80) || !ok) return v;
        }
        return fail<uint64_t>();
    }
    int64_t sleb() {
        int64_t v = 0;
        int shift = 0;
        uint8_t b;
        do {
            b = u8();
            v |= int64_t(b & 0x7f) << shift;
            shift += 7;
        } while ((b & 0x80) && ok && shift < 64);
        if (shift < 64 && (b & 0x40)) v |= -(int64_t(1) << shift);
        return v;
    }
    // A pointer in DW_EH_PE encoding `enc`; `data_base` serves datarel.
    uint64_t pointer(uint8_t enc, uint64_t data_base) {
        if (enc == 0xff) return 0;  // DW_EH_PE_omit
        const uint64_t here = reinterpret_cast<uint64_t>(p);
        uint64_t v;
        switch (enc & 0x0f) {
            case 0x00: v = fixed<uint64_t>(); break;
            case 0x01: v = uleb(); break;
            case 0x02: v = fixed<uint16_t>(); break;
            case 0x03: v = fixed<uint32_t>(); break;
            case 0x04: v = fixed<uint64_t>(); break;
            case 0x09: v = uint64_t(sleb()); break;
            case 0x0a: v = uint64_t(int64_t(fixed<int16_t>())); break;
            case 0x0b: v = uint64_t(int64_t(fixed<int32_t>())); break;
            case 0x0c: v = fixed<uint64_t>(); break;
            default: return fail<uint64_t>();
        }
        switch (enc & 0x70) {
            case 0x00: break;
            case 0x10: v += here; break;       // pcrel
            case 0x30: v += data_base; break;  // datarel
            default: return fail<uint64_t>();
        }
        if (enc & 0x80) return fail<uint64_t>();  // indirect: not used for code addresses
        return v;
    }
    template <typename T>
    T fail() {
        ok = false;
        p = end;
        return T{};
    }
};

// The rows of the CFI table we model, for one pc.
struct Rule {
    int cfa_register = 7;  // DWARF: 6 = RBP, 7 = RSP
    int64_t cfa_offset = 8;
    int rbp_kind = 0;       // 0 unchanged, 1 saved at CFA + rbp_offset
    int64_t rbp_offset = 0;
    int ra_kind = 1;        // 1 saved at CFA + ra_offset, 2 undefined (end of stack)
    int64_t ra_offset = -8;
    bool unsupported = false;
};

constexpr int kRbp = 6, kRsp = 7, kRa = 16;

struct Cie {
    uint64_t code_align = 1;
    int64_t data_align = -8;
    uint8_t fde_encoding = 0;
    bool has_augmentation_data = false;
    const uint8_t* instructions = nullptr;
    const uint8_t* end = nullptr;
};

bool parse_cie(const uint8_t* p, Cie& cie) {
    Reader r{p, p + 4};
    uint32_t length = r.fixed<uint32_t>();
    if (length == 0 || length == 0xffffffff) return false;
    r.end = p + 4 + length;
    if (r.fixed<uint32_t>() != 0) return false;  // a CIE has id 0 in .eh_frame
    uint8_t version = r.u8();
    const char* augmentation = reinterpret_cast<const char*>(r.p);
    size_t augmentation_length = strnlen(augmentation, size_t(r.end - r.p));
    r.p += augmentation_length + 1;
    if (version >= 4) r.p += 2;  // address_size, segment_selector_size
    cie.code_align = r.uleb();
    cie.data_align = r.sleb();
    uint64_t ra_register = version == 1 ? r.u8() : r.uleb();
    if (ra_register != kRa) return false;
    if (augmentation[0] == 'z') {
        cie.has_augmentation_data = true;
        uint64_t data_length = r.uleb();
        const uint8_t* data_end = r.p + data_length;
        for (const char* a = augmentation + 1; *a && r.ok; ++a) {
            if (*a == 'R') {
                cie.fde_encoding = r.u8();
            } else if (*a == 'P') {
                uint8_t enc = r.u8();
                r.pointer(enc & 0x7f, 0);  // the personality routine: skipped
            } else if (*a == 'L') {
                r.u8();
            } else if (*a == 'S') {
                return false;  // a signal frame: registers come from the sigcontext
            } else if (*a != 'B') {
                return false;
            }
        }
        r.p = data_end;
    } else if (augmentation[0] != '\0') {
        return false;
    }
    cie.instructions = r.p;
    cie.end = r.end;
    return r.ok && r.p <= r.end;
}

// Executes CFA instructions from `p` to `end` while the row's location is <= pc.
bool execute(const uint8_t* p, const uint8_t* end, const Cie& cie, uint64_t& loc, uint64_t pc,
             Rule& rule, const Rule& initial) {
    Rule stack[8];
    int depth = 0;
    Reader r{p, end};
    auto set_register = [&](uint64_t reg, int kind, int64_t offset) {
        if (reg == kRbp) {
            rule.rbp_kind = kind;
            rule.rbp_offset = offset;
        } else if (reg == kRa) {
            rule.ra_kind = kind;
            rule.ra_offset = offset;
        }
    };
    auto advance = [&](uint64_t delta) {
        if (loc + delta * cie.code_align > pc) return false;
        loc += delta * cie.code_align;
        return true;
    };
    while (r.p < r.end && r.ok) {
        uint8_t op = r.u8();
        uint8_t high = op & 0xc0, low = op & 0x3f;
        if (high == 0x40) {  // DW_CFA_advance_loc
            if (!advance(low)) return true;
            continue;
        }
        if (high == 0x80) {  // DW_CFA_offset
            set_register(low, 1, int64_t(r.uleb()) * cie.data_align);
            continue;
        }
        if (high == 0xc0) {  // DW_CFA_restore
            if (low == kRbp) rule.rbp_kind = initial.rbp_kind, rule.rbp_offset = initial.rbp_offset;
            if (low == kRa) rule.ra_kind = initial.ra_kind, rule.ra_offset = initial.ra_offset;
            continue;
        }
        switch (op) {
            case 0x00: break;  // nop
            case 0x02: if (!advance(r.u8())) return true; break;
            case 0x03: if (!advance(r.fixed<uint16_t>())) return true; break;
            case 0x04: if (!advance(r.fixed<uint32_t>())) return true; break;
            case 0x05: {  // offset_extended
                uint64_t reg = r.uleb();
                set_register(reg, 1, int64_t(r.uleb()) * cie.data_align);
                break;
            }
            case 0x06: {  // restore_extended
                uint64_t reg = r.uleb();
                if (reg == kRbp) rule.rbp_kind = initial.rbp_kind, rule.rbp_offset = initial.rbp_offset;
                if (reg == kRa) rule.ra_kind = initial.ra_kind, rule.ra_offset = initial.ra_offset;
                break;
            }
            case 0x07: {  // undefined
                uint64_t reg = r.uleb();
                if (reg == kRa) rule.ra_kind = 2;
                if (reg == kRbp) rule.rbp_kind = 0;
                break;
            }
            case 0x08: {  // same_value
                uint64_t reg = r.uleb();
                if (reg == kRbp) rule.rbp_kind = 0;
                if (reg == kRa) return false;
                break;
            }
            case 0x09: {  // register
                uint64_t reg = r.uleb();
                r.uleb();
                if (reg == kRbp || reg == kRa) return false;
                break;
            }
            case 0x0a:  // remember_state
                if (depth == 8) return false;
                stack[depth++] = rule;
                break;
            case 0x0b:  // restore_state
                if (depth == 0) return false;
                rule = stack[--depth];
                break;
            case 0x0c:  // def_cfa
                rule.cfa_register = int(r.uleb());
                rule.cfa_offset = int64_t(r.uleb());
                break;
            case 0x0d: rule.cfa_register = int(r.uleb()); break;  // def_cfa_register
            case 0x0e: rule.cfa_offset = int64_t(r.uleb()); break;  // def_cfa_offset
            case 0x0f: return false;  // def_cfa_expression (PLT stubs, realigned stacks)
            case 0x10: {  // expression
                uint64_t reg = r.uleb();
                uint64_t length = r.uleb();
                if (reg == kRbp || reg == kRa) return false;
                r.p += length;
                break;
            }
            case 0x11: {  // offset_extended_sf
                uint64_t reg = r.uleb();
                set_register(reg, 1, r.sleb() * cie.data_align);
                break;
            }
            case 0x12:  // def_cfa_sf
                rule.cfa_register = int(r.uleb());
                rule.cfa_offset = r.sleb() * cie.data_align;
                break;
            case 0x13: rule.cfa_offset = r.sleb() * cie.data_align; break;  // def_cfa_offset_sf
            case 0x14:    // val_offset
            case 0x15: {  // val_offset_sf
                uint64_t reg = r.uleb();
                if (op == 0x14) r.uleb(); else r.sleb();
                if (reg == kRbp || reg == kRa) return false;
                break;
            }
            case 0x16: {  // val_expression
                uint64_t reg = r.uleb();
                uint64_t length = r.uleb();
                if (reg == kRbp || reg == kRa) return false;
                r.p += length;
                break;
            }
            case 0x2e: r.uleb(); break;  // GNU_args_size
            case 0x2f: {                 // GNU_negative_offset_extended
                uint64_t reg = r.uleb();
                set_register(reg, 1, -int64_t(r.uleb()) * cie.data_align);
                break;
            }
            default: return false;
        }
    }
    return r.ok;
}

// The FDE covering `pc`, found through _dl_find_object and the .eh_frame_hdr search table:
// its CIE, the function's extent [begin, begin + range), and a reader at its instructions.
struct FoundFde {
    Cie cie;
    uint64_t begin = 0;
    uint64_t range = 0;
    Reader instructions{nullptr, nullptr};
};

bool find_fde(uint64_t pc, FoundFde& out) {
    dl_find_object object;
    if (!g_find_object || g_find_object(reinterpret_cast<void*>(pc), &object) != 0 ||
        !object.dlfo_eh_frame)
        return false;
    const auto* hdr = static_cast<const uint8_t*>(object.dlfo_eh_frame);
    const uint64_t hdr_base = reinterpret_cast<uint64_t>(hdr);
    Reader r{hdr, hdr + 4096};  // the header is small; the table is bounded by fde_count
    if (r.u8() != 1) return false;
    uint8_t eh_frame_ptr_enc = r.u8(), fde_count_enc = r.u8(), table_enc = r.u8();
    r.pointer(eh_frame_ptr_enc, hdr_base);
    uint64_t count = r.pointer(fde_count_enc, hdr_base);
    if (!r.ok || table_enc != 0x3b || count == 0) return false;  // datarel | sdata4
    const auto* table = reinterpret_cast<const int32_t*>(r.p);
    // Last entry whose initial location is <= pc.
    uint64_t lo = 0, hi = count;
    while (hi - lo > 1) {
        uint64_t mid = (lo + hi) / 2;
        if (hdr_base + uint64_t(int64_t(table[2 * mid])) <= pc) lo = mid; else hi = mid;
    }
    if (hdr_base + uint64_t(int64_t(table[2 * lo])) > pc) return false;
    const uint8_t* fde = hdr + table[2 * lo + 1];

    Reader f{fde, fde + 8};
    uint32_t length = f.fixed<uint32_t>();
    if (length == 0 || length == 0xffffffff) return false;
    f.end = fde + 4 + length;
    const uint8_t* cie_pointer_at = f.p;
    uint32_t cie_offset = f.fixed<uint32_t>();
    if (cie_offset == 0 || !parse_cie(cie_pointer_at - cie_offset, out.cie)) return false;
    out.begin = f.pointer(out.cie.fde_encoding, hdr_base);
    out.range = f.pointer(out.cie.fde_encoding & 0x0f, 0);
    if (!f.ok || pc < out.begin || pc >= out.begin + out.range) return false;
    if (out.cie.has_augmentation_data) f.p += f.uleb();
    out.instructions = f;
    return f.ok;
}

// Reads the CFI of `pc` into a cache word (see the layout above).
uint64_t compute_rule(uint64_t pc) {
    const uint64_t fallback = (pc & kPcMask) | kRbpBase;  // CFA offset 0 + RBP bit
    FoundFde found;
    if (!find_fde(pc, found)) return fallback;
    const Cie& cie = found.cie;
    const uint64_t pc_begin = found.begin;
    Reader& f = found.instructions;

    Rule rule;
    uint64_t loc = pc_begin;
    if (!execute(cie.instructions, cie.end, cie, loc, ~uint64_t(0), rule, rule)) return fallback;
    const Rule initial = rule;
    loc = pc_begin;
    if (!f.ok || !execute(f.p, f.end, cie, loc, pc, rule, initial)) return fallback;

    if (rule.ra_kind == 2) return pc & kPcMask;  // end of stack: CFA offset 0, RSP
    if (rule.ra_kind != 1 || rule.ra_offset != -8) return fallback;
    if (rule.cfa_register != kRsp && rule.cfa_register != kRbp) return fallback;
    if (rule.cfa_offset < 8 || rule.cfa_offset % 8 != 0 || rule.cfa_offset / 8 > 0xfff) return fallback;
    uint64_t rbp_slot = 0;
    if (rule.rbp_kind == 1) {
        if (rule.rbp_offset >= 0 || rule.rbp_offset % 8 != 0 || -rule.rbp_offset / 8 > 15) return fallback;
        rbp_slot = uint64_t(-rule.rbp_offset / 8);
    }
    return (pc & kPcMask) | (rule.cfa_register == kRbp ? kRbpBase : 0) |
           (uint64_t(rule.cfa_offset / 8) << 48) | (rbp_slot << 60);
}

inline uint64_t rule_for(uint64_t pc) {
    uint64_t* slot = &g_cache[slot_of(pc)];
    uint64_t word = __atomic_load_n(slot, __ATOMIC_RELAXED);
    if (word != 0 && (word & kPcMask) == (pc & kPcMask)) return word;
    word = compute_rule(pc);
    __atomic_store_n(slot, word, __ATOMIC_RELAXED);
    return word;
}

// The thread's own small cache first, then the shared one.
inline uint64_t rule_for(uint64_t pc, uint64_t* local) {
    if (!local) return rule_for(pc);
    uint64_t& entry = local[(pc * 0x9E3779B97F4A7C15ull) >> 56];
    if (entry != 0 && (entry & kPcMask) == (pc & kPcMask)) return entry;
    entry = rule_for(pc);
    return entry;
}

}  // namespace

bool know_stack_bounds() {
    if (!t_bounds.known) {
        t_bounds.known = true;
        pthread_attr_t attr;
        // glibc reads /proc/self/maps for the main thread and may allocate: the caller is
        // inside a hook, so those allocations are the library's own and go unrecorded.
        if (pthread_getattr_np(pthread_self(), &attr) == 0) {
            void* base = nullptr;
            size_t size = 0;
            if (pthread_attr_getstack(&attr, &base, &size) == 0 && base && size) {
                t_bounds.high = reinterpret_cast<uintptr_t>(base) + size;
                t_bounds.usable = true;
            }
            pthread_attr_destroy(&attr);
        }
    }
    return t_bounds.usable;
}

namespace {

}  // namespace

bool fast_unwinder_init() {
    const char* mode = getenv("ALLOCPROF_UNWIND");
    if (mode && strcmp(mode, "libunwind") == 0) return false;
    {
        BootstrapScope loader_state_stays_ours;
        g_find_object = reinterpret_cast<FindObject>(dlsym(RTLD_DEFAULT, "_dl_find_object"));
    }
    if (!g_find_object) return false;
    g_cache = static_cast<uint64_t*>(internal_map(sizeof(uint64_t) << kCacheBits));
    return g_cache != nullptr;
}

bool function_extent(uint64_t ip, uint64_t* start, uint64_t* end) {
    if (!g_find_object) {
        BootstrapScope loader_state_stays_ours;
        g_find_object = reinterpret_cast<FindObject>(dlsym(RTLD_DEFAULT, "_dl_find_object"));
    }
    FoundFde found;
    if (!find_fde(ip, found)) return false;
    *start = found.begin;
    *end = found.begin + found.range;
    return true;
}

void fast_unwinder_forget() {
    if (!g_cache) return;
    __atomic_add_fetch(&g_epoch, 1, __ATOMIC_RELAXED);
    for (size_t i = 0; i < (size_t(1) << kCacheBits); ++i) __atomic_store_n(&g_cache[i], 0, __ATOMIC_RELAXED);
}

namespace {

// end_slot values: 0 = the walk ended on a rule (end of stack); kTruncated = it stopped at
// the frame limit; else the address of the zero return address it stopped on.
constexpr uint64_t kTruncated = 1;

// Replays the cached walk from frame `from`, whose RBP is `rbp` now, checking every slot it
// read; on success writes the return addresses to `ips` (and, if `out` is not null, the
// frames with this walk's RBP values to `out`) and returns how many (at most `room`).
// Returns -1 if anything differs: then the caller walks on for real.
int replay_suffix(const WalkFrame* frames, uint32_t from, uint32_t depth, uint64_t end_slot,
                  uint64_t rbp, uint64_t* ips, WalkFrame* out, int room) {
    int n = 0;
    for (uint32_t t = from; t < depth; ++t) {
        const WalkFrame& f = frames[t];
        if (f.cfa_from_rbp && f.rbp != rbp) return -1;
        ips[n] = f.ip;
        if (out) {
            out[n] = f;
            out[n].rbp = rbp;
        }
        if (++n == room) return n;  // this walk stops at its frame limit here anyway
        if (t + 1 == depth) break;
        const WalkFrame& next = frames[t + 1];
        if (*reinterpret_cast<const uint64_t*>(next.rsp - 8) != next.ip) return -1;
        if (f.rbp_slot) rbp = *reinterpret_cast<const uint64_t*>(next.rsp - 8 * f.rbp_slot);
    }
    // The cached walk stopped at its limit, but this one has room for more: walk for real.
    if (end_slot == kTruncated) return -1;
    if (end_slot != 0 && *reinterpret_cast<const uint64_t*>(end_slot) != 0) return -1;
    return n;
}

}  // namespace

__attribute__((noinline)) int fast_unwind(uint64_t* ips, int max_frames, WalkCache* cache,
                                          uint64_t own_start, uint64_t own_end, int* slot_out,
                                          bool* same_out) {
    *slot_out = -1;
    *same_out = false;
    if (!g_cache || !know_stack_bounds()) return -1;
    if (cache && max_frames > int(cache->walk_frames)) max_frames = int(cache->walk_frames);
    // Our own frames are built with frame pointers: saved RBP at [fp], the return address
    // at fp+8, the caller's stack pointer (the CFA) at fp+16. Follow them out of our code.
    auto* fp = static_cast<uintptr_t*>(__builtin_frame_address(0));
    uintptr_t rsp = reinterpret_cast<uintptr_t>(fp) + 16;
    uintptr_t rbp = fp[0];
    uintptr_t ra = fp[1];
    const uintptr_t high = t_bounds.high;
    if (rsp >= high) return -1;  // not on this thread's stack (a coroutine, sigaltstack)
    for (int own = 0; ra >= own_start && ra < own_end; ++own) {
        if (own == 8 || rbp <= rsp || rbp + 16 > high) return -1;
        fp = reinterpret_cast<uintptr_t*>(rbp);
        rsp = rbp + 16;
        rbp = fp[0];
        ra = fp[1];
    }
    uint64_t* local = cache ? cache->local_rules : nullptr;

    WalkFrame* fresh = nullptr;
    uint32_t slot = 0;
    uint32_t cursor[WalkCache::kWalks] = {};  // per kept walk: its first frame not below rsp
    if (cache) {
        const uint32_t epoch = __atomic_load_n(&g_epoch, __ATOMIC_RELAXED);
        if (cache->epoch != epoch) {
            cache->epoch = epoch;
            for (auto& d : cache->depth) d = 0;
            memset(cache->local_rules, 0, sizeof(cache->local_rules));
        }
        slot = cache->next;
        fresh = cache->walk(slot);
    }
    auto finish = [&](int n, uint64_t end_slot) {
        if (cache) {
            cache->depth[slot] = uint32_t(n);
            cache->end_slot[slot] = end_slot;
            cache->result_generation[slot] = 0;
            cache->next = (slot + 1) % WalkCache::kWalks;
            *slot_out = int(slot);
        }
        return n;
    };
    auto give_up = [&]() {
        if (cache) cache->depth[slot] = 0;
        return -1;
    };

    int n = 0;
    while (n < max_frames) {
        ips[n] = ra;
        if (cache) {
            for (uint32_t c = 0; c < WalkCache::kWalks; ++c) {
                const uint32_t depth = cache->depth[c];
                if (depth == 0) continue;
                const WalkFrame* kept = cache->walk(c);
                uint32_t& j = cursor[c];
                while (j < depth && kept[j].rsp < rsp) ++j;
                if (j == depth || kept[j].rsp != rsp || kept[j].ip != ra) continue;
                // From the first frame on, the whole walk is a kept one: nothing new to keep.
                const bool whole = n == 0 && j == 0;
                int copied = replay_suffix(kept, j, depth, cache->end_slot[c], rbp, ips + n,
                                           whole ? nullptr : fresh + n, max_frames - n);
                if (copied > 0) {
                    if (whole) {
                        *slot_out = int(c);
                        *same_out = true;
                        return copied;
                    }
                    n += copied;
                    return finish(n, n == max_frames ? kTruncated : cache->end_slot[c]);
                }
            }
        }
        uint64_t word = rule_for(ra - 1, local);
        uint64_t cfa_offset = ((word >> 48) & 0xfff) * 8;
        uint64_t rbp_slot = word >> 60;
        if (fresh && n == 0) cache->depth[slot] = 0;  // being rewritten: not a candidate now
        if (fresh)
            fresh[n] = WalkFrame{ra, rsp, rbp, uint16_t(rbp_slot), uint16_t((word & kRbpBase) ? 1 : 0), 0};
        ++n;
        if (cfa_offset == 0) {
            if (word & kRbpBase) return give_up();  // a rule this walker does not model
            return finish(n, 0);                     // end of stack
        }
        uintptr_t cfa = ((word & kRbpBase) ? rbp : rsp) + cfa_offset;
        if (cfa <= rsp || cfa > high || (cfa & 7) != 0) return give_up();
        uintptr_t next_ra = *reinterpret_cast<const uintptr_t*>(cfa - 8);
        if (rbp_slot) {
            uintptr_t at = cfa - rbp_slot * 8;
            if (at < rsp) return give_up();
            rbp = *reinterpret_cast<const uintptr_t*>(at);
        }
        rsp = cfa;
        ra = next_ra;
        if (ra == 0) return finish(n, cfa - 8);
    }
    return finish(n, kTruncated);  // stopped at max_frames, as libunwind's walk would
}

}  // namespace allocprof::interpose
