// leak_slope.h — the leak slope (docs/definitions.md): growth of live bytes per op.
//
// Definition: after every Ops event the run (or window) is sampled: x = the ops counted so
// far (cumulative, from Ops events), y = the bytes live right then. The leak slope is the
// least-squares slope of y over x, in bytes per op:
//     slope = (n*Sxy - Sx*Sy) / (n*Sxx - Sx*Sx)
// It needs at least two samples with different x; otherwise it is undefined (a run with
// only --ops N and no Ops events has none). A flat series gives exactly 0: the sums are
// kept in 128-bit integers, so no rounding makes a constant look like growth.
//
// Per site the same samples are used with y = that site's live bytes. Sampling every site
// at every Ops event would cost sites x ops, so a site's sums are brought up to date only
// when its live bytes change (LazySlope): between two changes y is constant, so its
// contribution is y times (samples since) and y times (sum of x since).
#pragma once

#include <cstdint>
#include <optional>

namespace allocprof::analyzers {

__extension__ typedef __int128 Int128;  // GCC and Clang; -Wpedantic-clean

struct SlopeSums {
    Int128 n = 0, sx = 0, sy = 0, sxy = 0, sxx = 0;

    void add(uint64_t x, uint64_t y) {
        n += 1;
        sx += x;
        sy += y;
        sxy += static_cast<Int128>(x) * y;
        sxx += static_cast<Int128>(x) * x;
    }
    // Bytes per op; nullopt with fewer than two distinct x.
    std::optional<double> slope() const {
        Int128 den = n * sxx - sx * sx;
        if (n < 2 || den <= 0) return std::nullopt;
        Int128 num = n * sxy - sx * sy;
        return static_cast<double>(static_cast<long double>(num) / static_cast<long double>(den));
    }
};

// The x side shared by every site: samples taken so far and their sums.
struct OpsSamples {
    uint64_t n = 0;
    Int128 sx = 0, sxx = 0;

    void add(uint64_t x) {
        ++n;
        sx += x;
        sxx += static_cast<Int128>(x) * x;
    }
};

class LazySlope {
public:
    // The value is about to change (or the run ends): account the samples taken since
    // the last change with the value held through them.
    void catch_up(const OpsSamples& samples) {
        uint64_t dn = samples.n - n_mark_;
        if (dn != 0) {
            sy_ += static_cast<Int128>(y_) * dn;
            sxy_ += static_cast<Int128>(y_) * (samples.sx - sx_mark_);
            n_mark_ = samples.n;
            sx_mark_ = samples.sx;
        }
    }
    // Call catch_up() first.
    void set(uint64_t y) { y_ = y; }

    // Call catch_up() with the final samples first.
    std::optional<double> slope(const OpsSamples& samples) const {
        SlopeSums s;
        s.n = samples.n;
        s.sx = samples.sx;
        s.sxx = samples.sxx;
        s.sy = sy_;
        s.sxy = sxy_;
        return s.slope();
    }

private:
    uint64_t y_ = 0;
    uint64_t n_mark_ = 0;
    Int128 sx_mark_ = 0;
    Int128 sy_ = 0, sxy_ = 0;
};

}  // namespace allocprof::analyzers
