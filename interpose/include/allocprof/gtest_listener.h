// gtest_listener.h — a GoogleTest event listener that makes every test a phase of the
// allocprof run and reports what the test body allocated on the test's thread. Header-only;
// include it only in a program that uses GoogleTest.
//
//   int main(int argc, char** argv) {
//       ::testing::InitGoogleTest(&argc, argv);
//       ::testing::UnitTest::GetInstance()->listeners().Append(new allocprof::GTestListener);
//       return RUN_ALL_TESTS();
//   }
//
// Under `allocprof record -- ./tests` each test is the phase "Suite.Test" (so the
// database and `allocprof check` see every test's figures), and each test records the
// properties allocprof_allocations and allocprof_bytes (in --gtest_output=xml) and prints
// one line `[ allocprof ] Suite.Test: N allocations, B bytes`. The counts are the thread's
// (ALLOCPROF_THREAD_ALLOCATIONS): from the start of the test to its end, fixture set-up and
// tear-down included, other threads not. Without allocprof nothing is printed or recorded.
#ifndef ALLOCPROF_GTEST_LISTENER_H
#define ALLOCPROF_GTEST_LISTENER_H

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "allocprof/allocprof.h"

namespace allocprof {

class GTestListener : public ::testing::EmptyTestEventListener {
public:
    void OnTestStart(const ::testing::TestInfo& info) override {
        if (!active()) return;
        name_ = std::string(info.test_suite_name()) + "." + info.name();
        if (name_.size() > 255) name_.resize(255);  // the library keeps 255 bytes of a name
        ALLOCPROF_PHASE_BEGIN(name_.c_str());
        // Last: the name's own allocation is not the test's.
        allocations_ = ALLOCPROF_THREAD_ALLOCATIONS();
        bytes_ = ALLOCPROF_THREAD_BYTES();
    }

    void OnTestEnd(const ::testing::TestInfo&) override {
        if (!active()) return;
        const uint64_t allocations = ALLOCPROF_THREAD_ALLOCATIONS() - allocations_;
        const uint64_t bytes = ALLOCPROF_THREAD_BYTES() - bytes_;
        ALLOCPROF_PHASE_END();
        ::testing::Test::RecordProperty("allocprof_allocations", std::to_string(allocations));
        ::testing::Test::RecordProperty("allocprof_bytes", std::to_string(bytes));
        std::printf("[ allocprof ] %s: %llu allocations, %llu bytes\n", name_.c_str(),
                    static_cast<unsigned long long>(allocations), static_cast<unsigned long long>(bytes));
        std::fflush(stdout);
    }

private:
    // allocprof is loaded (its thread counts exist) in this process.
    static bool active() { return &allocprof_thread_allocations != nullptr; }

    std::string name_;
    uint64_t allocations_ = 0;
    uint64_t bytes_ = 0;
};

}  // namespace allocprof

#endif  // ALLOCPROF_GTEST_LISTENER_H
