// symbol_prefetcher.cpp — see symbol_prefetcher.h.
#include "symbolize/symbol_prefetcher.h"

#include <chrono>

#include "symbolize/debug_coverage.h"

namespace allocprof::symbolize {

SymbolPrefetcher::SymbolPrefetcher() : thread_([this] { run(); }) {}

SymbolPrefetcher::~SymbolPrefetcher() { finish(); }

void SymbolPrefetcher::add(const std::string& module_path, const std::string& build_id,
                           uint64_t rel_pc) {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    // Consecutive frames mostly come from the same module: keep one copy of its strings.
    if (!last_path_ || *last_path_ != module_path || *last_build_id_ != build_id) {
        last_path_ = &strings_.emplace_back(module_path);
        last_build_id_ = &strings_.emplace_back(build_id);
    }
    queue_.push_back({last_path_, last_build_id_, rel_pc});
    if (queue_.size() == 1) wake_.notify_one();
}

void SymbolPrefetcher::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        // The modules without DWARF get a fix line naming their Debian package. One dpkg
        // query takes about half a second whatever it asks, so they are asked together:
        // once the queue has been idle a while, or at the end.
        const bool woken = wake_.wait_for(lock, std::chrono::milliseconds(200),
                                          [&] { return !queue_.empty() || stopping_; });
        if (queue_.empty() && !owners_wanted_.empty()) {
            lock.unlock();
            debian_owners(owners_wanted_);  // remembered for the coverage written at the end
            owners_wanted_.clear();
            lock.lock();
            continue;
        }
        if (!woken) continue;
        if (queue_.empty()) return;  // stopping, and nothing left
        Request r = queue_.front();
        queue_.pop_front();
        lock.unlock();
        // Not thrown for bad input: a missing or foreign file is just Unknown.
        ModuleHandle module = symbolizer_.open_module(*r.path, *r.build_id);
        symbolizer_.symbolize(module, r.rel_pc);
        if (module_seen_.insert(module.index).second &&
            symbolizer_.module_info(module).status != ModuleStatus::Dwarf)
            owners_wanted_.push_back(*r.path);
        lock.lock();
    }
}

Symbolizer& SymbolPrefetcher::finish() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
    return symbolizer_;
}

}  // namespace allocprof::symbolize
