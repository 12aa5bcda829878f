// python_frames.cpp — CPython script frames and GC cycles.
//
// How the interpreter is found: `allocprof record` puts interpose/python/ first on
// PYTHONPATH, so CPython's start-up imports our sitecustomize.py, which calls
// allocprof_python_attach through ctypes.PyDLL(None) (the preload library is in the global
// scope; PyDLL keeps the GIL). The Python C API is resolved with dlsym at that moment: the
// library itself never links libpython, and loads into any program.
//
// Frames come from the profiling API (PyEval_SetProfile; 3.12 and later implement it on
// sys.monitoring). It is per thread: sitecustomize attaches the main thread, and
// threading.setprofile a Python hook that attaches each new thread on its first event
// (allocprof/__init__.py). The profile object of a thread is a capsule owned by that
// thread's state: when anything replaces our profile function (sys.setprofile, cProfile
// in 3.11) or the thread state is cleared, CPython drops the capsule and its destructor
// detaches the thread, so a shadow stack that stopped receiving events is never read again.
//
// Shadow stacks: one per OS thread, in internal_map memory, entries {frame object, function
// id, line}. A call pushes (after checking that the caller, PyFrame_GetBack, is the top
// entry: otherwise the stack is cut back to the caller or rebuilt from the interpreter's
// frame chain), a return pops through the matching frame (an unknown frame is ignored).
// Generators and coroutines: CPython reports a resume as a call and a yield as a return
// (3.11: the frame object lives in the generator; 3.12: PY_RESUME/PY_YIELD), so a
// generator's frames sit on top of whoever resumed it. C functions called from Python
// (PyTrace_C_CALL: builtins and methods of built-in types) are frames too, named like
// "list.append" in file "[C]", so that list_resize under `xs.append(x)` says so; the line of
// the Python frame below them is where it called them.
//
// Frame objects are live while on the stack: CPython reports a return before it clears a
// frame, so a frame whose return was seen is never read. The provider (at an allocation)
// copies the entries and reads the innermost line with PyFrame_GetLineNumber of the top
// frame, this thread's running frame: that reads the frame and its code object's line
// table, and neither allocates, locks nor runs Python code (3.9 to 3.13).
//
// Function ids are cached per thread by code-object address. A code object can be freed
// (exec'd or compiled code) and its address reused by another one; so the cache holds a
// strong reference to each code object it names (released when the entry is evicted or the
// thread detaches), and a cached address can never belong to a different code object. The
// price: up to kCodeCache code objects per thread live a little longer than they would.
// C functions are keyed by their C function pointer (PyCFunction_GetFunction), which is
// static code and never reused.
//
// The profiling hook's own allocations are left out. With a profile function set, CPython
// allocates only because of it: 3.11's call_trace materializes a frame object for every
// traced call (and its line table once per code object) and trace_call_function binds a
// method of a built-in type before reporting its call; 3.12 and 3.13 do the same in the
// legacy-profile handlers on sys.monitoring (PyEval_GetFrame, the descriptor's tp_descr_get);
// and our callback's own calls into Python allocate (naming a function). A run without
// script frames has none of them, so the tracker's filter (set_alloc_filter) leaves them out.
// Which code is that machinery is learnt at run time, without symbols (Debian's python3.11 is
// stripped of static functions): the callback's return address lies in the function that
// called it (call_trace; 3.12+: call_profile_func or the handler it is inlined in), whose
// extent comes from its FDE (function_extent); that function's caller is learnt too (one
// unwind per new return address). An allocation is left out when one of its first
// kMachineryFrames native frames is in a called-from function ("whole" span), or in a
// caller's function at a call of a method binder (PyCMethod_New, PyCFunction_NewEx, the
// method descriptor's tp_descr_get): 3.11's trace_call_function also makes the real call,
// whose allocations are the program's; where that is inlined into _PyEval_EvalFrameDefault
// (pyenv's 3.11), the loop is such a caller. A whole span never holds
// _PyEval_EvalFrameDefault (nor our own code). Only threads whose profile function is ours leave anything out:
// where the program set its own (cProfile, sys.setprofile), the interpreter's work is the
// program's.
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include <atomic>

#include "interpose/fast_unwinder.h"
#include "interpose/internal_memory.h"
#include "interpose/real_functions.h"
#include "interpose/script_frames.h"
#include "interpose/tracker.h"
#include "interpose/utf8_cut.h"

struct PyObject;

namespace allocprof::interpose {
namespace {

using wire::ScriptLanguage;

// Include/cpython/pystate.h, the same values 3.9 to 3.13.
constexpr int kTraceCall = 0, kTraceReturn = 3, kTraceCCall = 4, kTraceCException = 5,
              kTraceCReturn = 6;
using TraceFunction = int (*)(PyObject* obj, PyObject* frame, int what, PyObject* arg);
using CapsuleDestructor = void (*)(PyObject*);
constexpr const char* kCapsuleName = "allocprof.python";

struct PythonApi {
    void (*set_profile)(TraceFunction, PyObject*);
    PyObject* (*frame_get_code)(PyObject*);  // new reference
    int (*frame_get_line_number)(PyObject*);
    PyObject* (*frame_get_back)(PyObject*);  // new reference or null
    PyObject* (*eval_get_frame)();           // borrowed
    PyObject* (*get_attr_string)(PyObject*, const char*);  // new reference
    const char* (*unicode_as_utf8)(PyObject*, long*);
    long (*long_as_long)(PyObject*);
    void (*incref)(PyObject*);
    void (*decref)(PyObject*);
    PyObject* (*capsule_new)(void*, const char*, CapsuleDestructor);
    void* (*capsule_get_pointer)(PyObject*, const char*);
    void* (*cfunction_get_function)(PyObject*);
    void (*err_clear)();
    void* (*type_get_slot)(PyObject*, int);
};
PythonApi g_py;
bool g_resolved = false;
bool g_started = false;  // provider registered, thread key created
bool g_c_frames = true;  // C functions called from Python are frames
// A forked child is never traced: its profile callbacks stop at once, so they never take
// the function table's lock, which the fork may have copied held.
std::atomic<bool> g_forked_child{false};
pthread_key_t g_thread_key;

bool resolve_api() {
    if (g_resolved) return true;
    PythonApi& a = g_py;
    g_resolved = resolve_global(a.set_profile, "PyEval_SetProfile") &&
                 resolve_global(a.frame_get_code, "PyFrame_GetCode") &&
                 resolve_global(a.frame_get_line_number, "PyFrame_GetLineNumber") &&
                 resolve_global(a.frame_get_back, "PyFrame_GetBack") &&
                 resolve_global(a.eval_get_frame, "PyEval_GetFrame") &&
                 resolve_global(a.get_attr_string, "PyObject_GetAttrString") &&
                 resolve_global(a.unicode_as_utf8, "PyUnicode_AsUTF8AndSize") &&
                 resolve_global(a.long_as_long, "PyLong_AsLong") && resolve_global(a.incref, "Py_IncRef") &&
                 resolve_global(a.decref, "Py_DecRef") && resolve_global(a.capsule_new, "PyCapsule_New") &&
                 resolve_global(a.capsule_get_pointer, "PyCapsule_GetPointer") &&
                 resolve_global(a.cfunction_get_function, "PyCFunction_GetFunction") &&
                 resolve_global(a.err_clear, "PyErr_Clear") &&
                 resolve_global(a.type_get_slot, "PyType_GetSlot");
    return g_resolved;
}

// ---- per-thread state -------------------------------------------------------------------

enum : uint8_t { kPython = 1, kC = 2 };

struct Entry {
    PyObject* frame;   // kC: the Python frame that called the C function
    uint32_t function;
    uint32_t line;     // Python: where it is (an outer frame: where it called the next one)
    uint8_t kind;
};

constexpr int kEntries = 1024;  // deeper frames are counted, not kept

constexpr int kCodeCache = 512;  // direct-mapped, power of two
struct CachedCode {
    PyObject* code;  // a strong reference while cached
    uint32_t id;
};
constexpr int kCCache = 256;
struct CachedC {
    void* function;
    uint32_t id;
};

struct PythonThread {
    // Set by the owner on attach, cleared by the capsule's destructor (any thread holding
    // the GIL). Read by the provider without the GIL.
    std::atomic<bool> attached;
    // One reference for the OS thread (dropped by the thread-key destructor), one for each
    // capsule still alive; the memory is unmapped by whoever drops the last.
    std::atomic<int> references;
    PyObject* capsule;  // the current profile object (GIL)
    int depth;          // may exceed kEntries
    Entry entries[kEntries];
    CachedCode codes[kCodeCache];
    CachedC c_functions[kCCache];
};

__attribute__((tls_model("initial-exec"))) thread_local PythonThread* t_python;

void drop_reference(PythonThread* t) {
    if (t->references.fetch_sub(1, std::memory_order_acq_rel) == 1)
        internal_unmap(t, sizeof(PythonThread));
}

void release_thread(void* t) {
    t_python = nullptr;
    drop_reference(static_cast<PythonThread*>(t));
}

PythonThread* python_thread() {
    if (t_python) return t_python;
    auto* t = static_cast<PythonThread*>(internal_map(sizeof(PythonThread)));
    if (!t) return nullptr;
    t->references.store(1, std::memory_order_relaxed);
    t_python = t;
    pthread_setspecific(g_thread_key, t);
    return t;
}

// With the GIL: forgets the cached code objects.
void release_codes(PythonThread& t) {
    for (CachedCode& c : t.codes) {
        if (c.code) g_py.decref(c.code);
        c = {nullptr, 0};
    }
}

// The capsule is dropped by CPython (GIL held, maybe on another thread) when our profile
// function is replaced or the thread state is cleared: this thread's events stop here.
void on_capsule_destroyed(PyObject* capsule) {
    auto* t = static_cast<PythonThread*>(g_py.capsule_get_pointer(capsule, kCapsuleName));
    if (!t) {
        g_py.err_clear();
        return;
    }
    if (t->capsule == capsule) {
        t->attached.store(false, std::memory_order_release);
        t->capsule = nullptr;
        release_codes(*t);
    }
    drop_reference(t);
}

// ---- function ids -----------------------------------------------------------------------

// The UTF-8 text of attribute `name` of `object` into `out` (truncated); its length.
size_t attribute_text(PyObject* object, const char* name, char* out, size_t capacity) {
    PyObject* value = g_py.get_attr_string(object, name);
    if (!value) {
        g_py.err_clear();
        return 0;
    }
    long length = 0;
    const char* text = g_py.unicode_as_utf8(value, &length);
    size_t n = 0;
    if (text) {
        n = size_t(length) <= capacity ? size_t(length) : utf8_prefix_length(text, capacity);
        memcpy(out, text, n);
    } else {
        g_py.err_clear();
    }
    g_py.decref(value);
    return n;
}

long attribute_long(PyObject* object, const char* name) {
    PyObject* value = g_py.get_attr_string(object, name);
    if (!value) {
        g_py.err_clear();
        return 0;
    }
    long n = g_py.long_as_long(value);
    g_py.decref(value);
    if (n < 0) {
        g_py.err_clear();
        return 0;
    }
    return n;
}

uint32_t code_function_id(PyObject* code) {
    char name[wire::kMaxNameLength];
    char file[wire::kMaxScriptFileLength];
    size_t name_length = attribute_text(code, "co_qualname", name, sizeof(name));  // 3.11+
    if (name_length == 0) name_length = attribute_text(code, "co_name", name, sizeof(name));
    size_t file_length = attribute_text(code, "co_filename", file, sizeof(file));
    const long first_line = attribute_long(code, "co_firstlineno");
    return script::intern_function(ScriptLanguage::Python, file, file_length, name, name_length,
                                   uint32_t(first_line));
}

// The id of the function running in `frame`, from the thread's cache.
uint32_t frame_function_id(PythonThread& t, PyObject* frame) {
    PyObject* code = g_py.frame_get_code(frame);  // new reference
    if (!code) {
        g_py.err_clear();
        return 0;
    }
    CachedCode& c = t.codes[(reinterpret_cast<uintptr_t>(code) * 0x9E3779B97F4A7C15ull) >>
                            (64 - 9)];
    static_assert(kCodeCache == 1 << 9);
    if (c.code == code) {
        g_py.decref(code);
        return c.id;
    }
    const uint32_t id = code_function_id(code);
    PyObject* evicted = c.code;
    c = {code, id};  // keeps the new reference
    if (evicted) g_py.decref(evicted);
    return id;
}

// The id of the C function `callable` (a builtin function or bound built-in method).
uint32_t c_function_id(PythonThread& t, PyObject* callable) {
    void* function = g_py.cfunction_get_function(callable);
    if (!function) {
        g_py.err_clear();
        return 0;
    }
    CachedC& c = t.c_functions[(reinterpret_cast<uintptr_t>(function) * 0x9E3779B97F4A7C15ull) >>
                               (64 - 8)];
    static_assert(kCCache == 1 << 8);
    if (c.function == function) return c.id;
    // "module.name" for a module's function (not builtins), "type.name" for a method.
    char name[wire::kMaxNameLength];
    size_t n = attribute_text(callable, "__module__", name, sizeof(name) - 1);
    if (n == 8 && memcmp(name, "builtins", 8) == 0) n = 0;
    if (n) name[n++] = '.';
    n += attribute_text(callable, "__qualname__", name + n, sizeof(name) - n);
    const uint32_t id = script::intern_function(ScriptLanguage::Python, "[C]", 3, name, n, 0);
    c = {function, id};
    return id;
}

// ---- the shadow stack -------------------------------------------------------------------
// Every call into Python (which may allocate, and so run the provider on this thread)
// happens before the stack is changed; an entry is complete before depth counts it.

void push(PythonThread& t, const Entry& e) {
    if (t.depth < kEntries) {
        t.entries[t.depth] = e;
        std::atomic_signal_fence(std::memory_order_release);
    }
    ++t.depth;
}

// The topmost stored entry of `frame` (its Python entry or a C function it called), or -1.
int find_frame(const PythonThread& t, PyObject* frame) {
    const int stored = t.depth < kEntries ? t.depth : kEntries;
    for (int i = stored - 1; i >= 0; --i)
        if (t.entries[i].frame == frame) return i;
    return -1;
}

// Replaces the stack with `frame` and the frames below it. The entries are written
// outermost first, each counted once complete (naming a function may allocate).
void rebuild(PythonThread& t, PyObject* frame) {
    PyObject* chain[kEntries];  // innermost first, new references
    int n = 0;
    if (frame) g_py.incref(frame);
    for (PyObject* f = frame; f;) {
        if (n == kEntries) {
            g_py.decref(f);
            break;
        }
        chain[n++] = f;
        f = g_py.frame_get_back(f);
    }
    t.depth = 0;
    // The frames stay alive while they run (they are this thread's stack): the entries
    // keep plain pointers.
    for (int i = n - 1; i >= 0; --i) {
        PyObject* f = chain[i];
        const int line = g_py.frame_get_line_number(f);
        push(t, {f, frame_function_id(t, f), line > 0 ? uint32_t(line) : 0, kPython});
    }
    for (int i = 0; i < n; ++i) g_py.decref(chain[i]);
}

// Makes `frame` (running Python code) the top of the stack, its line current.
void make_top(PythonThread& t, PyObject* frame) {
    const int line = frame ? g_py.frame_get_line_number(frame) : 0;
    int at = -1;
    if (t.depth <= kEntries) {
        at = find_frame(t, frame);
        while (at >= 0 && t.entries[at].kind != kPython) --at;  // C entries above it are done
        if (at >= 0 && t.entries[at].frame != frame) at = -1;
    } else if (frame) {
        return;  // too deep to check: trust the events
    }
    if (!frame) {
        t.depth = 0;
        return;
    }
    if (at < 0) {
        rebuild(t, frame);
        return;
    }
    t.depth = at + 1;
    if (line > 0) t.entries[at].line = uint32_t(line);
}

void on_call(PythonThread& t, PyObject* frame) {
    PyObject* back = g_py.frame_get_back(frame);
    const uint32_t id = frame_function_id(t, frame);
    const bool caller_on_top = t.depth > 0 && t.depth <= kEntries &&
                               t.entries[t.depth - 1].frame == back;
    if (!caller_on_top || t.entries[t.depth - 1].kind == kPython) make_top(t, back);
    if (back) g_py.decref(back);
    push(t, {frame, id, 0, kPython});
}

void on_return(PythonThread& t, PyObject* frame) {
    if (t.depth > kEntries) {
        --t.depth;
        return;
    }
    const int at = find_frame(t, frame);
    if (at >= 0 && t.entries[at].kind == kPython) t.depth = at;
}

void on_c_call(PythonThread& t, PyObject* frame, PyObject* callable) {
    const uint32_t id = c_function_id(t, callable);
    make_top(t, frame);
    push(t, {frame, id, 0, kC});
}

void on_c_return(PythonThread& t, PyObject* frame) {
    if (t.depth > kEntries) {
        --t.depth;
        return;
    }
    if (t.depth > 0 && t.entries[t.depth - 1].kind == kC && t.entries[t.depth - 1].frame == frame)
        --t.depth;
}

// ---- the profiling hook's own allocations ------------------------------------------------
// Written with the GIL held (in the profile callback), read by the tracker's filter on any
// thread: a span is complete before the count that publishes it.

struct Span {
    uint64_t start, end;
    bool contains(uint64_t ip) const { return ip >= start && ip < end; }
};
constexpr int kSpans = 8;
constexpr int kMachineryFrames = 16;     // how deep into an allocation's stack to look
constexpr uint64_t kMaxSpanBytes = 32768;  // larger: not one of the small hook functions
Span g_whole[kSpans];                    // every allocation under these is the hook's
std::atomic<int> g_whole_count{0};
Span g_callers[kSpans];                  // only their calls of a method binder are
std::atomic<int> g_caller_count{0};
Span g_binders[4];
int g_binder_count = 0;
std::atomic<uint64_t> g_low{~uint64_t(0)}, g_high{0};  // the spans' bounding box
// Callbacks learnt from (GIL), by return address and event: the same call_trace serves
// several callers (call_trace_protected, trace_call_function). Each is unwound the first 16
// times and then at every power of two, so a caller first seen late is learnt too.
constexpr int kSeen = 32;
struct Seen {
    uint64_t return_address;
    int what;
    uint32_t count;
};
Seen g_seen[kSeen];
int g_seen_count = 0;
bool g_learning_started = false;
uint64_t g_eval_frame = 0;  // _PyEval_EvalFrameDefault
Span g_eval_loop{0, 0};      // its extent

bool in_spans(const Span* spans, int n, uint64_t ip) {
    for (int i = 0; i < n; ++i)
        if (spans[i].contains(ip)) return true;
    return false;
}

// The tracker's filter: is this allocation the profiling hook's work on a thread we trace?
bool hook_allocation(const uint64_t* return_addresses, int depth) {
    const PythonThread* t = t_python;
    if (!t || !t->attached.load(std::memory_order_relaxed)) return false;
    const int whole = g_whole_count.load(std::memory_order_acquire);
    const int callers = g_caller_count.load(std::memory_order_acquire);
    const uint64_t low = g_low.load(std::memory_order_relaxed);  // stored before the counts
    const uint64_t high = g_high.load(std::memory_order_relaxed);
    const int n = depth < kMachineryFrames ? depth : kMachineryFrames;
    for (int i = 0; i < n; ++i) {
        const uint64_t ip = return_addresses[i] - 1;
        // The hook's work is called from the innermost interpreter loop, never further out:
        // most allocations are decided at their first loop frame.
        const bool loop = g_eval_loop.contains(ip);
        if (ip - low < high - low) {
            if (!loop && in_spans(g_whole, whole, ip)) return true;
            if (i > 0 && in_spans(g_callers, callers, ip) &&
                in_spans(g_binders, g_binder_count, return_addresses[i - 1] - 1))
                return true;
        }
        if (loop) return false;
    }
    return false;
}

// The extent of the function holding `ip`, if it is one we may take.
bool hook_span(uint64_t ip, Span* out) {
    uint64_t start = 0, end = 0;
    if (!function_extent(ip, &start, &end) || end - start > kMaxSpanBytes) return false;
    *out = {start, end};
    const auto own = reinterpret_cast<uint64_t>(&hook_allocation);
    return !out->contains(g_eval_frame) && !out->contains(own);
}

void add_span(Span* spans, std::atomic<int>& count, const Span& span) {
    const int n = count.load(std::memory_order_relaxed);
    if (n == kSpans) return;
    for (int i = 0; i < n; ++i)
        if (spans[i].start == span.start) return;
    spans[n] = span;
    if (span.start < g_low.load(std::memory_order_relaxed))
        g_low.store(span.start, std::memory_order_release);
    if (span.end > g_high.load(std::memory_order_relaxed))
        g_high.store(span.end, std::memory_order_release);
    count.store(n + 1, std::memory_order_release);
}

// Once: the binders, the interpreter loop, and the filter.
void start_learning() {
    BootstrapScope loader_state_stays_ours;
    g_eval_frame = reinterpret_cast<uint64_t>(dlsym(RTLD_DEFAULT, "_PyEval_EvalFrameDefault"));
    void* binders[4] = {dlsym(RTLD_DEFAULT, "PyCMethod_New"),
                        dlsym(RTLD_DEFAULT, "PyCFunction_NewEx"),
                        dlsym(RTLD_DEFAULT, "PyCFunction_New"), nullptr};
    if (auto* descriptor_type = static_cast<PyObject*>(dlsym(RTLD_DEFAULT, "PyMethodDescr_Type"))) {
        constexpr int kTpDescrGet = 54;  // Py_tp_descr_get, Include/typeslots.h
        binders[3] = g_py.type_get_slot(descriptor_type, kTpDescrGet);
        if (!binders[3]) g_py.err_clear();
    }
    if (g_eval_frame) function_extent(g_eval_frame, &g_eval_loop.start, &g_eval_loop.end);
    for (void* b : binders) {
        uint64_t start = 0, end = 0;
        if (b && function_extent(reinterpret_cast<uint64_t>(b), &start, &end))
            g_binders[g_binder_count++] = {start, end};
    }
    // ALLOCPROF_PYTHON_HOOK_ALLOCATIONS=1 records them after all (to see what they cost).
    const char* keep = getenv("ALLOCPROF_PYTHON_HOOK_ALLOCATIONS");
    if (!keep || strcmp(keep, "1") != 0) set_alloc_filter(hook_allocation);
}

// In the profile callback (GIL held): learns the hook's code from `return_address`, the
// callback's, the first time it is seen.
void learn_hook_code(uint64_t return_address, int what) {
    Seen* seen = nullptr;
    for (int i = 0; i < g_seen_count && !seen; ++i)
        if (g_seen[i].return_address == return_address && g_seen[i].what == what) seen = &g_seen[i];
    if (!seen) {
        if (g_seen_count == kSeen) return;
        seen = &g_seen[g_seen_count++];
        *seen = {return_address, what, 0};
    }
    const uint32_t count = ++seen->count;
    if (count > 16 && (count & (count - 1)) != 0) return;
    OwnWorkScope unrecorded;  // dlsym and libunwind may allocate: that is ours, not the target's
    if (!g_learning_started) {
        g_learning_started = true;
        start_learning();
    }
    Span span;
    if (hook_span(return_address - 1, &span)) add_span(g_whole, g_whole_count, span);
    // The caller's caller, by one unwind: only its calls of a binder are the hook's. It may
    // be the interpreter loop (3.11 inlines trace_call_function there).
    uint64_t frames[32];
    const int n = unw_backtrace(reinterpret_cast<void**>(frames), 32);
    const auto own = reinterpret_cast<uint64_t>(&hook_allocation);
    for (int i = 0; i + 1 < n; ++i)
        if (frames[i] == return_address) {
            if (function_extent(frames[i + 1] - 1, &span.start, &span.end) && !span.contains(own))
                add_span(g_callers, g_caller_count, span);
            break;
        }
}

int profile(PyObject*, PyObject* frame, int what, PyObject* arg) {
    PythonThread* t = t_python;
    if (!t || !t->attached.load(std::memory_order_relaxed) || !frame ||
        g_forked_child.load(std::memory_order_relaxed))
        return 0;
    learn_hook_code(reinterpret_cast<uint64_t>(__builtin_return_address(0)), what);
    switch (what) {
        case kTraceCall: on_call(*t, frame); break;
        case kTraceReturn: on_return(*t, frame); break;
        case kTraceCCall:
            if (g_c_frames && arg) on_c_call(*t, frame, arg);
            break;
        case kTraceCReturn:
        case kTraceCException:
            if (g_c_frames) on_c_return(*t, frame);
            break;
        default: break;
    }
    return 0;
}

// ---- the provider -----------------------------------------------------------------------

int python_provider(script::Frame* out, int max) {
    PythonThread* t = t_python;
    if (!t || !t->attached.load(std::memory_order_acquire)) return 0;
    const int depth = t->depth;
    const int stored = depth < kEntries ? depth : kEntries;
    if (stored <= 0 || max <= 0) return 0;
    const int first = stored > max ? stored - max : 0;  // keep the innermost
    int n = 0;
    for (int i = first; i < stored; ++i) out[n++] = {t->entries[i].function, t->entries[i].line};
    const Entry& top = t->entries[stored - 1];
    if (depth == stored && top.kind == kPython) {
        const int line = g_py.frame_get_line_number(top.frame);
        if (line > 0) out[n - 1].line = uint32_t(line);
    }
    return n;
}

}  // namespace
}  // namespace allocprof::interpose

using namespace allocprof::interpose;

// Called by allocprof/__init__.py through ctypes.PyDLL (so with the GIL held), once per
// thread: starts this thread's script frames from `frame` (the running frame whose events
// come next; null: PyEval_GetFrame()). `c_frames`: C functions called from Python become
// frames (the first call decides for the process). Returns 1 when the process is traced
// and the thread attached (or already was), 0 otherwise (then nothing was changed).
extern "C" __attribute__((visibility("default"))) int allocprof_python_attach(PyObject* frame,
                                                                             int c_frames) {
    if (!real_functions_ready() || !resolve_api() || !recording_now()) return 0;
    if (!g_started) {
        g_started = true;
        g_c_frames = c_frames != 0;
        pthread_key_create(&g_thread_key, release_thread);
        pthread_atfork(nullptr, nullptr, [] { g_forked_child.store(true, std::memory_order_relaxed); });
        script::register_provider(python_provider);
    }
    PythonThread* t = python_thread();
    if (!t) return 0;
    if (t->attached.load(std::memory_order_relaxed)) return 1;
    PyObject* capsule = g_py.capsule_new(t, kCapsuleName, on_capsule_destroyed);
    if (!capsule) {
        g_py.err_clear();
        return 0;
    }
    t->references.fetch_add(1, std::memory_order_relaxed);
    rebuild(*t, frame ? frame : g_py.eval_get_frame());
    t->capsule = capsule;
    t->attached.store(true, std::memory_order_release);
    g_py.set_profile(profile, capsule);  // takes its own reference; drops any previous one
    g_py.decref(capsule);
    return 1;
}

// gc.callbacks ("stop") of allocprof/__init__.py: one collection of `generation` finished.
extern "C" __attribute__((visibility("default"))) void allocprof_python_gc(int generation) {
    if (!real_functions_ready()) return;
    HookScope scope;
    if (scope.recording())
        record_gc_cycle(ScriptLanguage::Python, uint8_t(generation < 0 ? 0 : generation));
}
