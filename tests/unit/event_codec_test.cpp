// Round trips of the normalized event stream (schema/event_codec.h), in memory and
// through event_chunks split into many small chunks.
#include "schema/event_codec.h"

#include <gtest/gtest.h>

#include "test_database.h"

using namespace allocprof::schema;

namespace {

std::vector<Event> sample_events() {
    std::vector<Event> v;
    v.push_back({.kind = EventKind::Tick, .time_ns = 10'000'000, .rss_bytes = 4096});
    v.push_back({.kind = EventKind::PhaseBegin, .name = "compile"});
    v.push_back({.kind = EventKind::Alloc, .fn = 1, .thread = 1, .node = 7, .size = 100, .block = 0});
    v.push_back({.kind = EventKind::Alloc, .fn = 2, .thread = 2, .node = 9, .size = 0, .block = 1});
    v.push_back({.kind = EventKind::Realloc, .fn = 3, .thread = 1, .node = 8, .size = 200, .block = 2, .old_block = 0, .moved = true});
    v.push_back({.kind = EventKind::Free, .fn = 5, .thread = 2, .block = 1});
    v.push_back({.kind = EventKind::Ops, .count = 1'000'000});
    v.push_back({.kind = EventKind::Mmap, .fn = 13, .thread = 1, .node = 3, .addr = 0x7f0000000000, .length = 1 << 20});
    v.push_back({.kind = EventKind::Mremap, .fn = 15, .thread = 1, .addr = 0x7f0000000000, .length = 1 << 20,
                 .new_addr = 0x7f1000000000, .new_length = 2 << 20});
    v.push_back({.kind = EventKind::Munmap, .fn = 14, .thread = 1, .addr = 0x7f1000000000, .length = 2 << 20});
    v.push_back({.kind = EventKind::PhaseEnd});
    v.push_back({.kind = EventKind::Tick, .time_ns = 20'000'000, .rss_bytes = 8192});
    v.push_back({.kind = EventKind::Free, .fn = 5, .thread = 1, .block = 2});
    return v;
}

void expect_same(const Event& a, const Event& b) {
    EXPECT_EQ(a.kind, b.kind);
    EXPECT_EQ(a.fn, b.fn);
    EXPECT_EQ(a.thread, b.thread);
    EXPECT_EQ(a.node, b.node);
    EXPECT_EQ(a.size, b.size);
    EXPECT_EQ(a.old_block, b.old_block);
    EXPECT_EQ(a.moved, b.moved);
    EXPECT_EQ(a.addr, b.addr);
    EXPECT_EQ(a.length, b.length);
    EXPECT_EQ(a.new_addr, b.new_addr);
    EXPECT_EQ(a.new_length, b.new_length);
    EXPECT_EQ(a.time_ns, b.time_ns);
    EXPECT_EQ(a.rss_bytes, b.rss_bytes);
    EXPECT_EQ(a.count, b.count);
    EXPECT_EQ(a.name, b.name);
}

}  // namespace

TEST(EventCodec, RoundTripsEveryKindAndAssignsBlockIds) {
    // The chunk starts at block id 40: shift the sample's block ids and references (0, 1, 2).
    auto events = sample_events();
    for (auto& e : events) {
        if (e.kind != EventKind::Tick && e.kind != EventKind::Ops) e.block += 40;
        if (e.kind == EventKind::Realloc) e.old_block += 40;
    }
    std::vector<unsigned char> bytes;
    uint64_t next_block = 40, last_tick = 0;
    for (const auto& e : events) encode_event(e, next_block, last_tick, bytes);
    EXPECT_EQ(next_block, 43u);  // three Alloc/Realloc events

    std::vector<Event> decoded;
    ASSERT_TRUE(decode_events(bytes.data(), bytes.size(), 40, [&](const Event& e) { decoded.push_back(e); }));
    ASSERT_EQ(decoded.size(), events.size());
    for (size_t i = 0; i < events.size(); ++i) expect_same(decoded[i], events[i]);
    EXPECT_EQ(decoded[2].block, 40u);
    EXPECT_EQ(decoded[3].block, 41u);
    EXPECT_EQ(decoded[4].block, 42u);
    EXPECT_EQ(decoded[4].old_block, 40u);
    EXPECT_EQ(decoded[5].block, 41u);
    EXPECT_EQ(decoded[12].block, 42u);
}

TEST(EventCodec, RefusesABlockIdOutOfOrder) {
    std::vector<unsigned char> bytes;
    uint64_t next_block = 5, last_tick = 0;
    EXPECT_THROW(encode_event({.kind = EventKind::Alloc, .thread = 1, .size = 8, .block = 4}, next_block, last_tick, bytes),
                 std::logic_error);
    EXPECT_THROW(encode_event({.kind = EventKind::Realloc, .thread = 1, .size = 8, .block = 6}, next_block, last_tick, bytes),
                 std::logic_error);
    encode_event({.kind = EventKind::Alloc, .thread = 1, .size = 8, .block = 5}, next_block, last_tick, bytes);
    EXPECT_EQ(next_block, 6u);
}

TEST(EventCodec, RejectsTruncatedInput) {
    std::vector<unsigned char> bytes;
    uint64_t next_block = 0, last_tick = 0;
    encode_event({.kind = EventKind::Alloc, .thread = 1, .node = 300, .size = 1 << 30}, next_block, last_tick, bytes);
    bytes.pop_back();
    EXPECT_FALSE(decode_events(bytes.data(), bytes.size(), 0, [](const Event&) {}));
    unsigned char unknown_kind = 0x0f;
    EXPECT_FALSE(decode_events(&unknown_kind, 1, 0, [](const Event&) {}));
}

TEST(EventCodec, ChunksDecodeInOrderAcrossManySmallChunks) {
    allocprof::test::TempDir dir;
    int64_t run_id = 0;
    auto db = allocprof::test::make_run_database(dir.file("run.db"), run_id);
    EventChunkWriter writer(db, run_id, /*chunk_raw_bytes=*/16);
    std::vector<Event> written;
    for (int i = 0; i < 1000; ++i) {
        Event a{.kind = EventKind::Alloc, .fn = 1, .thread = uint32_t(1 + i % 3), .node = uint32_t(i % 17),
                .size = uint64_t(i), .block = uint64_t(i)};  // block ids 0, 1, 2, ... in order
        writer.append(a);
        written.push_back(a);
        if (i % 10 == 0) {
            Event t{.kind = EventKind::Tick, .time_ns = uint64_t(i) * 1000, .rss_bytes = 1};
            writer.append(t);
            written.push_back(t);
        }
    }
    writer.flush();
    EXPECT_EQ(writer.event_count(), written.size());
    auto chunks = db.prepare("SELECT count(*) FROM event_chunks WHERE run_id = ?");
    chunks.bind(1, run_id);
    ASSERT_TRUE(chunks.step());
    EXPECT_GT(chunks.int64(0), 100);

    size_t i = 0;
    uint64_t expected_block = 0;
    for_each_event(db, run_id, [&](const Event& e) {
        ASSERT_LT(i, written.size());
        expect_same(e, written[i]);
        if (e.kind == EventKind::Alloc) {
            EXPECT_EQ(e.block, expected_block++);
        }
        ++i;
    });
    EXPECT_EQ(i, written.size());
}

TEST(EventCodec, DamagedChunkIsReportedNotMisread) {
    allocprof::test::TempDir dir;
    int64_t run_id = 0;
    auto db = allocprof::test::make_run_database(dir.file("run.db"), run_id);
    EventChunkWriter writer(db, run_id);
    writer.append({.kind = EventKind::Alloc, .thread = 1, .node = 1, .size = 8, .block = 0});
    writer.flush();
    db.exec("UPDATE event_chunks SET data = x'00112233'");
    EXPECT_THROW(for_each_event(db, run_id, [](const Event&) {}), DatabaseError);
}
