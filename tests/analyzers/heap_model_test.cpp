// heap_model_test.cpp — the allocator models of `allocprof heap` (analyzers/heap_model.h):
// glibc's block sizes checked against this machine's malloc_usable_size, the model file's
// rule and its refusals, and the heap sizes a user writes.
#include "analyzers/heap_model.h"

#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <vector>

namespace allocprof::analyzers {
namespace {

using nlohmann::json;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kGlibcMalloc = false;  // the sanitizer's allocator replaces glibc's
#elif defined(__GLIBC__) && defined(__x86_64__)
constexpr bool kGlibcMalloc = true;
#else
constexpr bool kGlibcMalloc = false;
#endif

// Every size from 0 to 4096: the model's chunk is glibc's, which keeps 8 bytes of it (its
// size field) from the caller: malloc_usable_size == chunk - 8.
TEST(HeapModel, GlibcChunkOfSmallBlocksIsUsableSizePlus8) {
    if (!kGlibcMalloc) GTEST_SKIP() << "not glibc's malloc on x86-64";
    const HeapModel glibc = HeapModel::glibc();
    for (uint64_t size = 0; size <= 4096; ++size) {
        void* p = std::malloc(size);
        ASSERT_NE(p, nullptr);
        EXPECT_EQ(glibc.block_bytes(size) - 8, malloc_usable_size(p)) << "malloc(" << size << ")";
        EXPECT_FALSE(glibc.mapped(size));
        std::free(p);
    }
    EXPECT_EQ(glibc.block_bytes(0), 32u);
    EXPECT_EQ(glibc.block_bytes(24), 32u);
    EXPECT_EQ(glibc.block_bytes(25), 48u);
    EXPECT_EQ(glibc.block_bytes(4096), 4112u);
}

// Large blocks on both sides of the mmap threshold. A chunk (request + 8, rounded to 16) of
// 128 KiB or more is mapped on its own: 131,048 B is the largest request kept in the heap,
// 131,049 B the smallest mapped. A mapping is the chunk + 8 rounded up to pages, and its
// usable size 16 less (no next chunk lends it a size field).
TEST(HeapModel, GlibcLargeBlocksAroundTheMmapThreshold) {
    if (!kGlibcMalloc) GTEST_SKIP() << "not glibc's malloc on x86-64";
    // The model is glibc's default, fixed threshold. Setting it disables the dynamic one,
    // which an earlier free of a mapped block in this process would have raised.
    ASSERT_EQ(mallopt(M_MMAP_THRESHOLD, static_cast<int>(HeapModel::kGlibcMmapThreshold)), 1);
    const HeapModel glibc = HeapModel::glibc();
    const uint64_t sizes[] = {4097,   65536,  100000, 131000, 131047,   131048,  131049,
                              131050, 131072, 135000, 200000, 1u << 20, 5u << 20};
    std::vector<void*> held;  // none is freed before the end: no free changes what follows
    for (uint64_t size : sizes) {
        malloc_trim(0);  // the heap's top is then too small to serve a large request itself
        const size_t mapped_before = mallinfo2().hblks;
        void* p = std::malloc(size);
        ASSERT_NE(p, nullptr);
        held.push_back(p);
        const bool mapped = mallinfo2().hblks == mapped_before + 1;
        EXPECT_EQ(glibc.mapped(size), mapped) << "malloc(" << size << ")";
        EXPECT_EQ(glibc.block_bytes(size) - (mapped ? 16 : 8), malloc_usable_size(p))
            << "malloc(" << size << ")";
    }
    for (void* p : held) std::free(p);
    EXPECT_FALSE(glibc.mapped(131048));
    EXPECT_EQ(glibc.block_bytes(131048), 131056u);
    EXPECT_TRUE(glibc.mapped(131049));
    EXPECT_EQ(glibc.block_bytes(131049), 135168u);  // 131,072 + 8 rounded up to 33 pages
}

TEST(HeapModel, ExactIsTheRequestedSize) {
    const HeapModel exact = HeapModel::exact();
    for (uint64_t size : {0ull, 1ull, 24ull, 131049ull}) EXPECT_EQ(exact.block_bytes(size), size);
    EXPECT_EQ(exact.name(), "exact");
}

TEST(HeapModel, HeapModelNamedByTheAllocatorOption) {
    EXPECT_EQ(HeapModel::named("glibc").kind(), HeapModel::Kind::Glibc);
    EXPECT_EQ(HeapModel::named("exact").kind(), HeapModel::Kind::Exact);
    try {
        HeapModel::named("/nonexistent/tlsf.json");
        FAIL() << "a missing model file was accepted";
    } catch (const HeapModelError& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/tlsf.json"), std::string::npos)
            << e.what();
    }
}

// header 8, alignment 8, at least 16, classes 16 .. 256:
//   0 B   -> max(16, 8) = 16            -> class 16
//   9 B   -> 17 rounded to 8 = 24       -> class 32
//   100 B -> 108 rounded to 8 = 112     -> class 128
//   248 B -> 256                        -> class 256
//   300 B -> 308 rounded to 8 = 312     -> above the classes: 312
TEST(HeapModel, ModelFileRule) {
    const json file = {{"name", "tlsf"},
                       {"header_bytes", 8},
                       {"alignment", 8},
                       {"min_block", 16},
                       {"size_classes", {16, 32, 64, 128, 256}}};
    const HeapModel m = HeapModel::from_json(file, "tlsf.json");
    EXPECT_EQ(m.name(), "tlsf");
    EXPECT_EQ(m.block_bytes(0), 16u);
    EXPECT_EQ(m.block_bytes(9), 32u);
    EXPECT_EQ(m.block_bytes(100), 128u);
    EXPECT_EQ(m.block_bytes(248), 256u);
    EXPECT_EQ(m.block_bytes(300), 312u);
    // Without classes and minimum: the header and the alignment alone.
    const HeapModel bare =
        HeapModel::from_json({{"header_bytes", 4}, {"alignment", 4}}, "bare.json");
    EXPECT_EQ(bare.name(), "bare.json");
    EXPECT_EQ(bare.block_bytes(0), 4u);
    EXPECT_EQ(bare.block_bytes(5), 12u);
}

// Every refusal names the file and the field.
TEST(HeapModel, ModelFileRefusals) {
    const json good = {{"header_bytes", 8}, {"alignment", 8}};
    auto refusal = [](const json& model) {
        try {
            HeapModel::from_json(model, "m.json");
        } catch (const HeapModelError& e) {
            return std::string(e.what());
        }
        return std::string("(accepted)");
    };
    auto with = [&good](const char* key, const json& value) {
        json m = good;
        m[key] = value;
        return m;
    };
    EXPECT_EQ(refusal({{"header_bytes", 8}}), "m.json: alignment: missing (a number of bytes)");
    EXPECT_EQ(refusal(with("alignment", 12)),
              "m.json: alignment: must be a power of two, 1 or more (got 12)");
    EXPECT_EQ(refusal(with("alignment", 0)),
              "m.json: alignment: must be a power of two, 1 or more (got 0)");
    EXPECT_EQ(refusal(with("header_bytes", -8)),
              "m.json: header_bytes: must be a whole number of bytes, 0 or more (got -8)");
    EXPECT_EQ(refusal(with("min_block", "16")),
              "m.json: min_block: must be a whole number of bytes, 0 or more (got \"16\")");
    EXPECT_EQ(refusal(with("headr_bytes", 8)),
              "m.json: headr_bytes: unknown key (known: name, header_bytes, alignment, min_block, "
              "size_classes)");
    EXPECT_EQ(refusal(with("size_classes", json::array({32, 16}))),
              "m.json: size_classes[1]: must be larger than the class before it (32); list the "
              "classes in ascending "
              "order");
    EXPECT_EQ(refusal(with("size_classes", json::array())),
              "m.json: size_classes: must be a non-empty array of block sizes (got [])");
    EXPECT_EQ(refusal(with("size_classes", json::array({16, 0}))),
              "m.json: size_classes[1]: must be a whole number of bytes, 1 or more (got 0)");
    EXPECT_EQ(refusal(with("name", 3)), "m.json: name: must be a non-empty string (got 3)");
    EXPECT_EQ(refusal(json::array({1})), "m.json: not a JSON object (an allocator model)");
}

TEST(HeapModel, HeapSizes) {
    EXPECT_EQ(parse_heap_size("307200"), 307200u);
    EXPECT_EQ(parse_heap_size("300K"), 307200u);
    EXPECT_EQ(parse_heap_size("300KiB"), 307200u);
    // KB is allocprof's own unit (1 KB = 1024 B in everything it prints), so it reads back.
    EXPECT_EQ(parse_heap_size("300KB"), 307200u);
    EXPECT_EQ(parse_heap_size("300 KB"), 307200u);
    EXPECT_EQ(parse_heap_size("300k"), 307200u);
    EXPECT_EQ(parse_heap_size("1M"), 1048576u);
    EXPECT_EQ(parse_heap_size("1MiB"), 1048576u);
    EXPECT_EQ(parse_heap_size("2G"), 2147483648u);
    EXPECT_EQ(parse_heap_size("512B"), 512u);
    for (const char* bad : {"", "K", "300X", "1.5M", "-1", "0", "0K", "300  K", " 300", "300K ",
                            "3e5", "99999999999999999999", "17179869184G"})
        EXPECT_THROW(parse_heap_size(bad), HeapModelError) << "'" << bad << "'";
}

}  // namespace
}  // namespace allocprof::analyzers
