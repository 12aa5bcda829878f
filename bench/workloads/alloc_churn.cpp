// C++ allocation microbenchmark for bench/run.sh: many short malloc/free pairs reached through
// deep, distinct call stacks, plus std::map<std::string, std::string> and std::string churn.
//
// What a profiler has to do per event here is exactly what makes it slow: unwind 10-20+ frames,
// intern the stack, record the event. The stacks come from four mutually recursive functions
// (parse -> eval -> emit -> visit -> parse ...), entered at different points and to different
// depths, so there are several dozen distinct stacks rather than one hot path.
//
// Deterministic: a fixed xorshift seed, no time or address dependence in the control flow. The
// checksum on stdout is the same on every run and under every profiler (the profilers must not
// change what the program does).
//
// Usage: bench_alloc_churn [SCALE]   (SCALE defaults to 1.0; 1.0 = 6 M malloc/free pairs in the
//        deep-stack phase plus the std::map/std::string phase)
// If BENCH_RSS_FILE is set, the program writes its own peak RSS (VmHWM, kB) there at exit, so
// bench/run.sh can report the target's peak RSS separately from the recorder's.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

namespace {

// Small fast deterministic generator; the quality is irrelevant, the determinism is not.
struct Rng {
    uint64_t state = 0x9E3779B97F4A7C15ull;
    uint64_t next() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    }
};

struct Context {
    Rng rng;
    uint64_t checksum = 0;
    // A ring of live blocks: a new block replaces (and frees) the one allocated kRing
    // allocations earlier, so lifetimes vary between "freed at once" and "lives a while",
    // as in real code, while every malloc still has exactly one free.
    static constexpr int kRing = 64;
    void* ring[kRing] = {};
    int ring_pos = 0;
    uint64_t pairs = 0;
};

// Sizes typical of small-object churn, plus an occasional larger buffer.
constexpr size_t kSizes[] = {16, 24, 32, 48, 64, 96, 128, 256, 24, 40, 72, 512, 1024, 4000};
constexpr int kNumSizes = sizeof(kSizes) / sizeof(kSizes[0]);

// The leaf: `count` allocations, each touched and eventually freed. Half are freed at once
// (the classic temporary), half go through the ring.
__attribute__((noinline)) void churn_leaf(Context& ctx, int count) {
    for (int i = 0; i < count; ++i) {
        uint64_t r = ctx.rng.next();
        size_t size = kSizes[r % kNumSizes];
        auto* p = static_cast<unsigned char*>(std::malloc(size));
        if (p == nullptr) std::abort();
        p[0] = static_cast<unsigned char>(r);
        p[size - 1] = static_cast<unsigned char>(r >> 8);
        ctx.checksum += p[0] + p[size - 1];
        if (r & 0x100) {
            std::free(p);
        } else {
            std::free(ctx.ring[ctx.ring_pos]);  // free(nullptr) on the first lap: not counted
            ctx.ring[ctx.ring_pos] = p;
            ctx.ring_pos = (ctx.ring_pos + 1) % Context::kRing;
        }
        ++ctx.pairs;
    }
}

// Four mutually recursive functions. Each does a little work after the call so the compiler
// cannot turn the call into a jump (no sibling-call optimisation: every level stays a frame).
__attribute__((noinline)) uint64_t parse(Context& ctx, int depth, int count);
__attribute__((noinline)) uint64_t eval(Context& ctx, int depth, int count);
__attribute__((noinline)) uint64_t emit(Context& ctx, int depth, int count);
__attribute__((noinline)) uint64_t visit(Context& ctx, int depth, int count);

#define BENCH_KEEP_FRAME(x) asm volatile("" : "+r"(x) : : "memory")

uint64_t parse(Context& ctx, int depth, int count) {
    uint64_t v = static_cast<uint64_t>(depth);
    if (depth <= 0) {
        churn_leaf(ctx, count);
    } else {
        v += eval(ctx, depth - 1, count);
    }
    BENCH_KEEP_FRAME(v);
    return v * 3 + 1;
}

uint64_t eval(Context& ctx, int depth, int count) {
    uint64_t v = static_cast<uint64_t>(depth) << 1;
    if (depth <= 0) {
        churn_leaf(ctx, count);
    } else if (depth % 5 == 0) {
        v += visit(ctx, depth - 1, count);  // a detour: different stack shapes
    } else {
        v += emit(ctx, depth - 1, count);
    }
    BENCH_KEEP_FRAME(v);
    return v ^ 0x55;
}

uint64_t emit(Context& ctx, int depth, int count) {
    uint64_t v = static_cast<uint64_t>(depth) + 7;
    if (depth <= 0) {
        churn_leaf(ctx, count);
    } else {
        v += visit(ctx, depth - 1, count);
    }
    BENCH_KEEP_FRAME(v);
    return v + 11;
}

uint64_t visit(Context& ctx, int depth, int count) {
    uint64_t v = static_cast<uint64_t>(depth) * 5;
    if (depth <= 0) {
        churn_leaf(ctx, count);
    } else if (depth % 3 == 0) {
        v += eval(ctx, depth - 1, count);
    } else {
        v += parse(ctx, depth - 1, count);
    }
    BENCH_KEEP_FRAME(v);
    return v - 3;
}

// Phase 1: malloc/free pairs from deep stacks. Depths 8..17 below the entry point, which with
// main, the phase function, the entry and churn_leaf gives 12-21 frames from main to malloc.
__attribute__((noinline)) void deep_stack_phase(Context& ctx, uint64_t total_pairs) {
    using Entry = uint64_t (*)(Context&, int, int);
    constexpr Entry kEntries[] = {parse, eval, emit, visit};
    constexpr int kBatch = 50;  // allocations per trip down the stack
    uint64_t target = ctx.pairs + total_pairs;
    while (ctx.pairs < target) {
        uint64_t r = ctx.rng.next();
        Entry entry = kEntries[r % 4];
        int depth = 8 + static_cast<int>((r >> 8) % 10);
        ctx.checksum += entry(ctx, depth, kBatch);
    }
    for (void*& p : ctx.ring) {
        std::free(p);
        p = nullptr;
    }
}

// Keys longer than the 15-character small-string buffer, so every key string allocates.
__attribute__((noinline)) std::string make_key(uint64_t n) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "bench/key/%012llu/x", static_cast<unsigned long long>(n));
    return std::string(buf);
}

// A value built by repeated appends: the std::string grows through several reallocations.
__attribute__((noinline)) std::string make_value(Rng& rng) {
    std::string value;
    int parts = 2 + static_cast<int>(rng.next() % 6);
    for (int i = 0; i < parts; ++i) {
        value += "segment-";
        value += std::to_string(rng.next() % 100000);
        value += ';';
    }
    return value;
}

// Phase 2: a bounded std::map<std::string, std::string> with inserts, lookups and erases.
__attribute__((noinline)) void map_phase(Context& ctx, uint64_t ops) {
    std::map<std::string, std::string> table;
    constexpr uint64_t kKeySpace = 20000;
    for (uint64_t i = 0; i < ops; ++i) {
        uint64_t r = ctx.rng.next();
        std::string key = make_key(r % kKeySpace);
        switch ((r >> 20) % 4) {
            case 0:
            case 1:
                table[key] = make_value(ctx.rng);
                break;
            case 2: {
                auto it = table.find(key);
                if (it != table.end()) ctx.checksum += it->second.size();
                break;
            }
            default:
                table.erase(key);
                break;
        }
    }
    ctx.checksum += table.size();
}

void write_peak_rss() {
    const char* path = std::getenv("BENCH_RSS_FILE");
    if (path == nullptr || *path == '\0') return;
    FILE* status = std::fopen("/proc/self/status", "r");
    if (status == nullptr) return;
    char line[256];
    long hwm_kb = -1;
    while (std::fgets(line, sizeof line, status) != nullptr) {
        if (std::strncmp(line, "VmHWM:", 6) == 0) hwm_kb = std::strtol(line + 6, nullptr, 10);
    }
    std::fclose(status);
    FILE* out = std::fopen(path, "w");
    if (out == nullptr) return;
    std::fprintf(out, "%ld\n", hwm_kb);
    std::fclose(out);
}

}  // namespace

int main(int argc, char** argv) {
    double scale = argc > 1 ? std::strtod(argv[1], nullptr) : 1.0;
    if (!(scale > 0.0)) {
        std::fprintf(stderr, "usage: %s [SCALE > 0]\n", argv[0]);
        return 2;
    }
    Context ctx;
    deep_stack_phase(ctx, static_cast<uint64_t>(8'000'000 * scale));
    map_phase(ctx, static_cast<uint64_t>(1'200'000 * scale));
    std::printf("alloc_churn: %llu deep-stack malloc/free pairs, checksum %llu\n",
                static_cast<unsigned long long>(ctx.pairs),
                static_cast<unsigned long long>(ctx.checksum));
    write_peak_rss();
    return 0;
}
