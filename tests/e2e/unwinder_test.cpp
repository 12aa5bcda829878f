// unwinder_test.cpp — the fast stack walker (interpose/fast_unwinder.h) must record exactly
// the stacks libunwind records: every sample is recorded twice, once with each walker
// (ALLOCPROF_UNWIND=libunwind), and the multisets of stacks must be equal. A stack is
// compared as its chain of (module file name, ELF address) from leaf to root, so address
// space layout does not matter.
#include <map>

#include "e2e/e2e_test.h"

namespace allocprof::e2e {
namespace {

using Chain = std::vector<std::pair<std::string, int64_t>>;

std::map<Chain, int64_t> stacks(const std::filesystem::path& db_path) {
    RunDatabase db(db_path);
    std::map<int64_t, std::string> modules;
    for (const auto& r : db.query("SELECT module_id, path FROM modules"))
        modules[r.int64(0)] = std::filesystem::path(r.text(1)).filename().string();
    struct Node {
        int64_t parent;
        std::string module;
        int64_t address;
    };
    std::map<int64_t, Node> nodes;
    for (const auto& r : db.query("SELECT node_id, parent_id, ip, module_id, rel_pc FROM trace_nodes"))
        nodes[r.int64(0)] = Node{r.int64(1), r.is_null(3) ? "?" : modules[r.int64(3)],
                                 r.is_null(4) ? r.int64(2) : r.int64(4)};
    std::map<Chain, int64_t> result;
    for (const auto& r : db.query("SELECT node_id, allocations FROM stack_stats")) {
        Chain chain;
        for (int64_t n = r.int64(0); n != 0; n = nodes.at(n).parent)
            chain.emplace_back(nodes.at(n).module, nodes.at(n).address);
        result[chain] += r.int64(1);
    }
    return result;
}

class Unwinders : public E2eTest, public ::testing::WithParamInterface<std::vector<std::string>> {};

TEST_P(Unwinders, FastWalkerRecordsTheSameStacksAsLibunwind) {
    std::vector<std::string> command = GetParam();
    if (command[0].find('/') == std::string::npos) {
        command[0] = sample_binary(command[0]).string();
    }
    for (auto& arg : command)
        if (arg.rfind("samples/", 0) == 0) arg = (samples_source_dir() / arg.substr(8)).string();
    auto fast = record(dir_ / "fast.db", command);
    ASSERT_EQ(fast.process.exit_code, 0) << fast.process.describe();
    ProcessOptions with_libunwind;
    with_libunwind.set_env = {{"ALLOCPROF_UNWIND", "libunwind"}};
    auto slow = record(dir_ / "libunwind.db", command, {}, with_libunwind);
    ASSERT_EQ(slow.process.exit_code, 0) << slow.process.describe();

    auto a = stacks(dir_ / "fast.db");
    auto b = stacks(dir_ / "libunwind.db");
    ASSERT_FALSE(a.empty());
    EXPECT_EQ(a.size(), b.size());
    size_t differing = 0;
    for (const auto& [chain, count] : a) {
        auto it = b.find(chain);
        if (it == b.end() || it->second != count) ++differing;
    }
    EXPECT_EQ(differing, 0u) << "stacks recorded differently by the two walkers";
    // The libunwind run says which walker it used; the fast run used the fast one.
    json fast_run = single_run(dir_ / "fast.db");
    json slow_run = single_run(dir_ / "libunwind.db");
    EXPECT_NE(slow_run["notes"].dump().find("libunwind only"), std::string::npos);
    EXPECT_EQ(fast_run["notes"].dump().find("libunwind only"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Samples, Unwinders,
    ::testing::Values(std::vector<std::string>{"word_index", "10"},
                      std::vector<std::string>{"new_delete"},
                      std::vector<std::string>{"threads_exchange"},
                      std::vector<std::string>{"signal_during_alloc"},
                      std::vector<std::string>{"/usr/bin/lua5.4", "samples/lua/churn.lua", "200"}),
    [](const auto& param_info) {
        std::string name = std::filesystem::path(param_info.param[0]).filename().string();
        for (auto& c : name)
            if (!isalnum(static_cast<unsigned char>(c))) c = '_';
        return name;
    });

}  // namespace
}  // namespace allocprof::e2e
