// stream_reader.cpp — see stream_reader.h.
#include "stream_reader.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>

namespace allocprof::profiler {
namespace {
constexpr size_t kBlockSize = 1 << 20;
constexpr size_t kMaxQueuedBlocks = 64;  // at most 64 MiB waiting for ingest
}  // namespace

StreamReader::StreamReader(TargetProcess& target) : target_(target) {
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

void StreamReader::run() {
    const int fd = target_.stream_fd();
    bool target_gone = false;
    unsigned reads_since_check = 0;
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (done_) return;
        }
        if (!target_gone) {
            pollfd p{fd, POLLIN, 0};
            int r = poll(&p, 1, 50);
            bool check = r == 0 || ++reads_since_check >= 64;
            if (check) {
                reads_since_check = 0;
                if (target_.try_reap()) {
                    // Whatever the target sent is in the socket now; read it without
                    // waiting for an end of file that a surviving descendant may delay.
                    target_gone = true;
                    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
                }
            }
            if (r < 0 && errno != EINTR) break;
            if (r == 0 && !target_gone) continue;
        }
        StreamBlock block = take_free_block();
        ssize_t n = read(fd, block.data.get(), kBlockSize);
        if (n > 0) {
            block.size = static_cast<size_t>(n);
            push(std::move(block));
        } else if (n == 0) {
            break;  // every writer closed its end
        } else if (errno == EINTR) {
            continue;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (target_gone) break;
        } else {
            break;
        }
    }
    target_.reap();
    std::lock_guard lock(mutex_);
    done_ = true;
    not_empty_.notify_all();
}

}  // namespace allocprof::profiler
