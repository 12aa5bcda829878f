// stream_reader.h — a thread that drains the shared ring into a bounded queue of byte
// blocks (so the target waits only when ingest falls far behind), reaps the target, and
// then drains whatever the target published before it ended, however it ended.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <span>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "record/shared_ring.h"
#include "record/target_launcher.h"

namespace allocprof::record {

// A piece of the stream as read from the socket. Blocks are recycled: no allocation and
// no zeroing per read.
struct StreamBlock {
    std::unique_ptr<unsigned char[]> data;
    size_t size = 0;
    std::span<const unsigned char> bytes() const { return {data.get(), size}; }
};

class StreamReader {
public:
    StreamReader(TargetProcess& target, SharedRing& ring);
    ~StreamReader();
    StreamReader(const StreamReader&) = delete;
    StreamReader& operator=(const StreamReader&) = delete;

    // Next block of bytes, in stream order; std::nullopt when the stream has ended
    // (end of file, or the target was reaped and everything it sent has been read).
    std::optional<StreamBlock> next();
    // Gives a block obtained from next() back for reuse.
    void recycle(StreamBlock block);
    // Once next() has returned std::nullopt: why the stream ended before the target's last
    // record ("" when it was read to its end). The target has been told to carry on
    // untraced, and was reaped all the same.
    std::string failure();

private:
    void run();
    void push(StreamBlock block);
    StreamBlock take_free_block();

    TargetProcess& target_;
    SharedRing& ring_;
    std::mutex mutex_;
    std::condition_variable not_empty_, not_full_;
    std::deque<StreamBlock> queue_;
    std::vector<StreamBlock> free_blocks_;
    bool done_ = false;
    std::string failure_;
    std::thread thread_;
};

}  // namespace allocprof::record
