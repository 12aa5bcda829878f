// symbol_prefetcher.cpp — see symbol_prefetcher.h.
#include "symbolize/symbol_prefetcher.h"

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
        wake_.wait(lock, [&] { return !queue_.empty() || stopping_; });
        if (queue_.empty()) return;  // stopping, and nothing left
        Request r = queue_.front();
        queue_.pop_front();
        lock.unlock();
        // Not thrown for bad input: a missing or foreign file is just Unknown.
        ModuleHandle module = symbolizer_.open_module(*r.path, *r.build_id);
        symbolizer_.symbolize(module, r.rel_pc);
        // A module without DWARF gets a fix line naming its Debian package: ask dpkg now.
        if (module_seen_.insert(module.index).second &&
            symbolizer_.module_info(module).status != ModuleStatus::Dwarf)
            debian_owners({*r.path});
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
