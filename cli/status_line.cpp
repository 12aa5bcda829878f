#include "cli/status_line.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "schema/units.h"

namespace allocprof::cli {

using units::format_count;

namespace {
constexpr auto kFirstDraw = std::chrono::milliseconds(300);
constexpr auto kRedraw = std::chrono::milliseconds(100);
}  // namespace

StatusLine::StatusLine()
    : enabled_(isatty(STDERR_FILENO) != 0), started_(std::chrono::steady_clock::now()) {}

StatusLine::~StatusLine() { clear(); }

bool StatusLine::due(const std::string& what) {
    if (!enabled_) return false;
    const auto now = std::chrono::steady_clock::now();
    if (now - started_ < kFirstDraw) return false;
    // A new step is drawn at once; the same one at most every kRedraw.
    if (drawn_ && what == what_ && now - last_ < kRedraw) return false;
    last_ = now;
    what_ = what;
    return true;
}

void StatusLine::draw(const std::string& text) {
    // Carriage return, the text, erase to the end of the line: one line, redrawn in place.
    std::fprintf(stderr, "\rallocprof: %s\033[K", text.c_str());
    std::fflush(stderr);
    drawn_ = true;
}

void StatusLine::show(const std::string& what, uint64_t done, uint64_t total, const std::string& unit) {
    if (!due(what)) return;
    if (done == 0 && total == 0) return draw(what);  // a step without a count
    std::string text = what + ": " + format_count(done);
    if (total > 0) {
        text += " / " + format_count(total) + " " + unit;
        text += " (" + std::to_string(done >= total ? 100 : done * 100 / total) + " %)";
    } else {
        text += " " + unit;
    }
    draw(text);
}

void StatusLine::show_rate(const std::string& what, uint64_t done, const std::string& unit) {
    if (!counting_) {
        counting_ = true;
        first_done_ = done;
        first_at_ = std::chrono::steady_clock::now();
    }
    if (!due(what)) return;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - first_at_).count();
    const double more = static_cast<double>(done - std::min(done, first_done_));
    const auto rate = static_cast<uint64_t>(seconds > 0 ? more / seconds : 0);
    draw(what + ": " + format_count(done) + " " + unit + (seconds >= 0.1 ? " (" + format_count(rate) + "/s)" : ""));
}

void StatusLine::clear() {
    if (!drawn_) return;
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
    drawn_ = false;
}

}  // namespace allocprof::cli
