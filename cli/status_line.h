// status_line.h — what a long step is doing, on one line of stderr, on a terminal only:
// "allocprof: symbolizing run 1: 12,345 / 40,000 addresses (31 %)", redrawn at most ten
// times a second, first drawn once the step has taken 0.3 s (a quick step shows nothing),
// erased when the step ends, so the lines allocprof prints after it are where they were.
// Silent when stderr is not a terminal (a CI log, a pipe): nothing is written at all.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace allocprof::cli {

class StatusLine {
public:
    StatusLine();   // shown only when stderr is a terminal
    ~StatusLine();  // erases the line
    StatusLine(const StatusLine&) = delete;
    StatusLine& operator=(const StatusLine&) = delete;

    // `what` done of `total` `unit`s (total 0: not known, only the count is shown; both 0:
    // a step without a count, only `what`).
    void show(const std::string& what, uint64_t done, uint64_t total, const std::string& unit);
    // The same with a rate since the first call: "1,234,567 events (410,000/s)".
    void show_rate(const std::string& what, uint64_t done, const std::string& unit);
    // Erases the line now (the next show draws it again).
    void clear();

private:
    bool due(const std::string& what);
    void draw(const std::string& text);

    bool enabled_ = false;
    bool drawn_ = false;
    std::string what_;  // the step drawn last
    std::chrono::steady_clock::time_point started_, last_;
    bool counting_ = false;  // show_rate: the first call's count and time
    uint64_t first_done_ = 0;
    std::chrono::steady_clock::time_point first_at_;
};

}  // namespace allocprof::cli
