// new_delete.cpp — C++ allocation through operator new/delete, new[]/delete[], aligned
// and nothrow new, std::vector growth and std::string. libstdc++'s operators reach malloc
// (aligned new reaches aligned_alloc), so every one of them must be recorded.
//
// Pattern planted (sizeof(Widget) = 48, no array cookie since Widget is trivial):
//   section                               allocs  bytes                      K0  K1
//   kept Widget, never deleted            1       48                         0   0
//   20 x new Widget + delete at once      20      960                        20  20
//   5 x new char[1000] held, delete[]     5       5000                       1   2
//   vector<int> 100 push_backs            8       4*(1+2+...+128) = 1020     1   8
//     (capacity 1,2,4,..,128; each old buffer freed after the next one was allocated)
//   std::string(100, 'x')                 1       101                        1   1
//   new Aligned (alignas 64, 256 bytes)   1       256                        1   1
//   new (nothrow) Widget[4]               1       192                        1   1
//   unique_ptr<Widget[]>(new Widget[10])  1       480                        1   1
//   total                                 38      8057                       26  34
//   frees = 37; unfreed = 1 block / 48 bytes; peak live = 48 + 5000 = 5048.
// On top of this comes what libstdc++ allocates at startup (its emergency exception pool,
// one block never freed). Run with --baseline to do nothing but that startup: the test
// measures it with valgrind and adds it.
// No iostream (its initialization could allocate); output through write(2). Exit 0.
#include <unistd.h>

#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

namespace {

struct Widget {
    long values[6];
};
static_assert(sizeof(Widget) == 48);

struct alignas(64) Aligned {
    char data[256];
};

// Makes a pointer escape so the compiler cannot drop a new/delete pair.
void use(const void* p) { __asm__ volatile("" : : "r"(p) : "memory"); }

Widget* kept_widget;

void widgets_one_by_one() {
    for (int i = 0; i < 20; ++i) {
        Widget* w = new Widget{};
        use(w);
        delete w;
    }
}

void char_arrays_held() {
    char* arrays[5];
    for (auto& a : arrays) {
        a = new char[1000];
        std::memset(a, 1, 1000);
        use(a);
    }
    for (auto* a : arrays) delete[] a;
}

void vector_growth() {
    std::vector<int> values;
    for (int i = 0; i < 100; ++i) values.push_back(i);
    use(values.data());
}

void string_temporary() {
    std::string s(100, 'x');
    use(s.data());
}

void aligned_new() {
    auto* a = new Aligned{};
    use(a);
    delete a;
}

void nothrow_array() {
    Widget* w = new (std::nothrow) Widget[4];
    if (w == nullptr) _exit(1);
    use(w);
    delete[] w;
}

void unique_array() {
    std::unique_ptr<Widget[]> widgets(new Widget[10]);
    use(widgets.get());
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::strcmp(argv[1], "--baseline") == 0) return 0;

    kept_widget = new Widget{};
    use(kept_widget);
    widgets_one_by_one();
    char_arrays_held();
    vector_growth();
    string_temporary();
    aligned_new();
    nothrow_array();
    unique_array();
    const char done[] = "done\n";
    if (write(1, done, sizeof done - 1) < 0) return 1;
    return 0;
}
