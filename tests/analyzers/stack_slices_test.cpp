// stack_slices_test.cpp — the split of each stack's figures by thread and phase
// (analyzers/stack_slices.h) on hand-built event streams whose slices are worked out in the
// comments; and where there is nothing to split.
#include "analyzers/stack_slices.h"

#include <gtest/gtest.h>

#include "event_builder.h"

namespace allocprof::analyzers {
namespace {

using test::EventBuilder;

StackSlices slice(const EventBuilder& b) {
    StackSlicer slicer;
    for (const schema::Event& e : b.events) slicer.on_event(e);
    return slicer.finish();
}

const StackSlice* find(const StackSlices& s, uint32_t node, uint32_t thread, const std::string& phase) {
    for (const StackSlice& x : s.slices)
        if (x.node == node && x.thread == thread && x.phase == phase) return &x;
    return nullptr;
}

// One thread, no phase: the split would repeat stack_stats, so there is none.
TEST(StackSlices, OneThreadWithoutPhasesIsNotSplit) {
    EventBuilder b;
    const uint64_t a = b.alloc(1, 100, 1);
    b.alloc(2, 50, 1);
    b.free(a, 1);
    const StackSlices s = slice(b);
    EXPECT_FALSE(s.split);
    EXPECT_TRUE(s.slices.empty());
}

// A phase that holds no allocation does not split either (nothing was allocated in it).
TEST(StackSlices, AnEmptyPhaseDoesNotSplit) {
    EventBuilder b;
    b.alloc(1, 100, 1);
    b.phase_begin("idle");
    b.phase_end();
    EXPECT_FALSE(slice(b).split);
}

// Node 1 allocates on threads 1 and 2:
//   e0 alloc n1 t1 100 (b0)   live 100, peak 100
//   e1 free b0 by t1          live 0     -> temporary (t1 allocated nothing in between)
//   e2 alloc n1 t2 200 (b1)   live 200, peak 200
//   e3 alloc n1 t2 100 (b2)   live 300, peak 300  <- the run's peak
//   e4 free b1 by t1          live 100   -> not temporary (freed on another thread)
//   e5 free b2 by t2          live 0     -> temporary (b2 is still t2's latest allocation)
//   e6 alloc n1 t2 50 (b3)    live 50, unfreed
TEST(StackSlices, ByThreadAddUpToTheStack) {
    EventBuilder b;
    const uint64_t b0 = b.alloc(1, 100, 1);
    b.free(b0, 1);
    const uint64_t b1 = b.alloc(1, 200, 2);
    const uint64_t b2 = b.alloc(1, 100, 2);
    b.free(b1, 1);
    b.free(b2, 2);
    b.alloc(1, 50, 2);
    const StackSlices s = slice(b);
    ASSERT_TRUE(s.split);
    ASSERT_EQ(s.slices.size(), 2u);
    const StackSlice* t1 = find(s, 1, 1, "");
    const StackSlice* t2 = find(s, 1, 2, "");
    ASSERT_TRUE(t1 && t2);
    EXPECT_EQ(*t1, (StackSlice{1, 1, "", 1, 100, 0, 0, 1}));
    EXPECT_EQ(*t2, (StackSlice{1, 2, "", 3, 350, 300, 50, 1}));
}

// Phases: what was allocated while "compile" was open belongs to it wherever it is freed;
// a realloc is one allocation of the phase it happens in and releases its old block.
//   e0 alloc n1 100 (b0) outside             live 100 (peak)
//   e1 begin compile
//   e2 alloc n2 400 (b1)                     live 500 (peak)
//   e3 realloc b0 -> n3 300 (b2)             live 700 (peak): b0 (outside) released
//   e4 end
//   e5 free b1                               live 300
//   e6 begin run
//   e7 alloc n2 10 (b3)                      live 310, unfreed
//   e8 end
// Live at the peak (e3): b1 400 (n2 compile), b2 300 (n3 compile); b0 was released by then.
TEST(StackSlices, ByPhaseFollowTheAllocation) {
    EventBuilder b;
    const uint64_t b0 = b.alloc(1, 100);
    b.phase_begin("compile");
    const uint64_t b1 = b.alloc(2, 400);
    b.realloc(b0, 3, 300);
    b.phase_end();
    b.free(b1);
    b.phase_begin("run");
    b.alloc(2, 10);
    b.phase_end();
    const StackSlices s = slice(b);
    ASSERT_TRUE(s.split);
    ASSERT_EQ(s.slices.size(), 4u);
    EXPECT_EQ(*find(s, 1, 0, ""), (StackSlice{1, 0, "", 1, 100, 0, 0, 0}));
    EXPECT_EQ(*find(s, 2, 0, "compile"), (StackSlice{2, 0, "compile", 1, 400, 400, 0, 0}));
    EXPECT_EQ(*find(s, 2, 0, "run"), (StackSlice{2, 0, "run", 1, 10, 0, 10, 0}));
    EXPECT_EQ(*find(s, 3, 0, "compile"), (StackSlice{3, 0, "compile", 1, 300, 300, 300, 0}));
    // By node, thread, phase name.
    EXPECT_EQ(s.slices[1].phase, "compile");
    EXPECT_EQ(s.slices[2].phase, "run");
}

// Two occurrences of one phase are one slice; the peak is the first event that reaches the
// maximum (a later equal level does not move it).
//   e1 alloc n1 64 (b0) in "step"   live 64 (peak)
//   e3 free b0                       live 0
//   e5 alloc n1 64 (b1) in "step"   live 64: equal, not a new peak
// At the peak b0 was live: 64. b1 is live at the end but was not at the peak.
TEST(StackSlices, OccurrencesOfAPhaseAreOneSliceAndTiesKeepTheFirstPeak) {
    EventBuilder b;
    b.phase_begin("step");
    const uint64_t b0 = b.alloc(1, 64);
    b.phase_end();
    b.free(b0);
    b.phase_begin("step");
    b.alloc(1, 64);
    b.phase_end();
    const StackSlices s = slice(b);
    ASSERT_EQ(s.slices.size(), 1u);
    EXPECT_EQ(s.slices[0], (StackSlice{1, 0, "step", 2, 128, 64, 64, 1}));
}

}  // namespace
}  // namespace allocprof::analyzers
