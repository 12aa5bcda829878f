// symbols_sample.cpp — planted code shapes for the symbolizer's unit tests: a plain
// function, a static function, an inlined helper, a lambda, a template instantiation, a
// member function, and (in libsymbols_lib.so) an exported and a static library function.
// Each calls symbols_probe(), which prints the site's name, module and rel_pc; the test
// symbolizes those addresses and checks function, file and line.
//
// The `// site:NAME` comments mark the line of each probe call (and, for the inlined
// helper, of the call to it); the tests read them, so keep each on the line of its call.
// Built with -g -O1 like the other samples; noinline / always_inline make the shapes
// independent of the optimizer's mood.
#include "symbols_lib.h"

namespace {

volatile int sink;

}  // namespace

__attribute__((noinline)) void plain_function() {
    sink = sink + symbols_probe("plain");  // site:plain
}

static __attribute__((noinline)) void static_function() {
    sink = sink + symbols_probe("static");  // site:static
}

static inline __attribute__((always_inline)) void inlined_helper() {
    sink = sink + symbols_probe("inlined");  // site:inlined_helper
}

__attribute__((noinline)) void calls_inlined_helper() {
    inlined_helper();  // site:inlined_call
    sink = sink + 1;
}

__attribute__((noinline)) void run_lambda() {
    auto lambda = [](int x) __attribute__((noinline)) {
        sink = sink + symbols_probe("lambda") + x;  // site:lambda
    };
    lambda(1);
}

template <typename T>
__attribute__((noinline)) T twice(T value) {
    sink = sink + symbols_probe("template");  // site:template
    return value + value;
}

namespace samples {

struct Widget {
    __attribute__((noinline)) void method();
};

void Widget::method() {
    sink = sink + symbols_probe("method");  // site:method
}

}  // namespace samples

int main() {
    plain_function();
    static_function();
    calls_inlined_helper();
    run_lambda();
    sink = sink + static_cast<int>(twice<long>(21));
    samples::Widget widget;
    widget.method();
    sink = sink + symlib::exported_function(1);
    return 0;
}
