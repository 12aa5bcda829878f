// stream_reader.cpp — see stream_reader.h.
#include "record/stream_reader.h"

#include <chrono>

namespace allocprof::record {
namespace {
constexpr size_t kBlockSize = 1 << 20;
constexpr size_t kMaxQueuedBlocks = 64;  // at most 64 MiB waiting for ingest
}  // namespace

StreamReader::StreamReader(TargetProcess& target, SharedRing& ring) : target_(target), ring_(ring) {
    thread_ = std::thread([this] { run(); });
}

StreamReader::~StreamReader() {
    {
        std::lock_guard lock(mutex_);
        done_ = true;
        queue_.clear();
    }
    not_full_.notify_all();
    if (thread_.joinable()) thread_.join();
}

StreamBlock StreamReader::take_free_block() {
    {
        std::lock_guard lock(mutex_);
        if (!free_blocks_.empty()) {
            StreamBlock b = std::move(free_blocks_.back());
            free_blocks_.pop_back();
            return b;
        }
    }
    return StreamBlock{std::make_unique_for_overwrite<unsigned char[]>(kBlockSize), 0};
}

void StreamReader::recycle(StreamBlock block) {
    std::lock_guard lock(mutex_);
    if (free_blocks_.size() < 8) free_blocks_.push_back(std::move(block));
}

void StreamReader::push(StreamBlock block) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return queue_.size() < kMaxQueuedBlocks || done_; });
    queue_.push_back(std::move(block));
    not_empty_.notify_one();
}

std::optional<StreamBlock> StreamReader::next() {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return !queue_.empty() || done_; });
    if (queue_.empty()) return std::nullopt;
    auto block = std::move(queue_.front());
    queue_.pop_front();
    not_full_.notify_one();
    return block;
}

std::string StreamReader::failure() {
    std::lock_guard lock(mutex_);
    return failure_;
}

void StreamReader::run() {
    bool target_gone = false;
    StreamBlock block = take_free_block();
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (done_) return;
        }
        size_t n = ring_.read(block.data.get(), kBlockSize);
        if (n > 0) {
            block.size = n;
            push(std::move(block));
            block = take_free_block();
            continue;
        }
        if (target_gone) break;  // reaped, and everything it published has been read
        if (!ring_.broken().empty()) {
            // Nothing after an impossible ring state can be trusted: no more reading. The
            // target is told to carry on untraced and is reaped when it ends.
            target_.close_liveness();
            target_.reap();
            std::lock_guard lock(mutex_);
            failure_ = ring_.broken();
            break;
        }
        // Nothing waiting: sleep a little, and see whether the target has ended.
        if (target_.try_reap()) {
            target_gone = true;  // read once more: what it published before dying is there
            continue;
        }
        std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    std::lock_guard lock(mutex_);
    done_ = true;
    not_empty_.notify_all();
}
}  // namespace allocprof::record
