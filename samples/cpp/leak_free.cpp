// leak_free.cpp — a C++ program that frees everything it allocates: containers, strings, a
// std::function, an exception thrown and caught, and stdio output. What is still live at
// exit is the runtime's own: libstdc++'s emergency exception pool and, after printf, libc's
// stdout buffer. allocprof must keep those out of the tiers and the plan and report 0 B
// unfreed in the program's own sites (tests/e2e/runtime_sites_test.cpp).
// Arguments: [rounds] (default 200). Exit 0.
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

long work(int round) {
    std::vector<int> numbers;
    for (int i = 0; i < 100; ++i) numbers.push_back(i * round);
    std::map<int, std::string> names;
    for (int i = 0; i < 20; ++i) names[i] = "name number " + std::to_string(i + round);
    std::unordered_map<std::string, long> counts;
    for (const auto& [key, name] : names) counts[name] += key;
    std::function<long(long)> scale = [round, numbers](long v) { return v * round + numbers[3]; };
    long total = 0;
    for (const auto& [name, count] : counts) total += scale(count) + static_cast<long>(name.size());
    try {
        if (round % 10 == 0) throw std::runtime_error("round " + std::to_string(round));
    } catch (const std::exception& e) {
        total += static_cast<long>(std::string(e.what()).size());
    }
    return total;
}

}  // namespace

int main(int argc, char** argv) {
    const int rounds = argc > 1 ? std::atoi(argv[1]) : 200;
    long total = 0;
    for (int round = 0; round < rounds; ++round) total += work(round);
    std::printf("rounds=%d total=%ld\n", rounds, total);
    return 0;
}
