// lua_frames.cpp — Lua 5.4 script frames and GC cycles.
//
// How the state is found: `allocprof record` sets LUA_INIT_5_4 so that the standalone
// interpreter, before it runs the script, calls allocprof_lua_open through
// package.loadlib (the library is already loaded: dlopen returns it, nothing runs twice).
// allocprof_lua_open installs a call/return hook with lua_sethook (coroutines created
// later inherit it), plants a GC sentinel, and returns the Lua-side marker module
// (`require "allocprof"`). The Lua API is resolved with dlsym at that moment: the library
// itself never links Lua, and loads into any program.
//
// Shadow stacks: one per lua_State (a coroutine is a lua_State), kept per OS thread, fed
// by the hook. Every entry remembers its CallInfo, so the stack repairs itself against the
// interpreter: a call event drops entries above the caller's CallInfo (frames left by an
// error or a yield get no return event), and a stack that does not know the caller is
// rebuilt from lua_getstack. Coroutines: a call of coroutine.resume (or of a wrap
// function) remembers the resuming state, so a coroutine's frames sit on top of its
// resumer's.
//
// At an allocation the provider copies the frames and asks the interpreter for the current
// line of the innermost Lua function, only if that function is the running CallInfo
// (lua_getstack level 0): then the CallInfo is live and the line is read from it. The VM
// keeps that line exact only while a count hook is set (kNeverCount below). Lua 5.4.6 and
// later move the stack to offsets while it is reallocated, so there the line of the
// innermost frame is the one it last called from.
//
// Private layout used: CallInfo::previous at offset 16 (two 8-byte stack slots first in
// every Lua 5.4 release) and lua_Debug::i_ci. Checked: lua_version() must be 504.
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <atomic>

#include "allocprof/allocprof.h"
#include "interpose/internal_memory.h"
#include "interpose/real_functions.h"
#include "interpose/script_frames.h"
#include "interpose/tracker.h"
#include "interpose/utf8_cut.h"

struct lua_State;

namespace allocprof::interpose {
namespace {

using wire::ScriptLanguage;

constexpr int kLuaIdSize = 60;
struct LuaDebug {  // lua_Debug of Lua 5.4
    int event;
    const char* name;
    const char* namewhat;
    const char* what;
    const char* source;
    size_t srclen;
    int currentline;
    int linedefined;
    int lastlinedefined;
    unsigned char nups;
    unsigned char nparams;
    char isvararg;
    char istailcall;
    unsigned short ftransfer;
    unsigned short ntransfer;
    char short_src[kLuaIdSize];
    const void* i_ci;  // private: the CallInfo
};

using LuaHook = void (*)(lua_State*, LuaDebug*);
using LuaCFunction = int (*)(lua_State*);
constexpr int kMaskCall = 1, kMaskReturn = 2, kMaskCount = 8;
constexpr int kHookCall = 0, kHookReturn = 1, kHookTailCall = 4;
// A count hook that never fires keeps the VM saving its pc before every instruction
// (luaG_traceexec), so the line read at an allocation is the allocating instruction's,
// not that of the last call (the VM saves it only before instructions that may call).
constexpr int kNeverCount = 1 << 30;
constexpr int kRegistryIndex = -1000000 - 1000;

struct LuaApi {
    double (*version)(lua_State*);
    void (*sethook)(lua_State*, LuaHook, int, int);
    LuaHook (*gethook)(lua_State*);
    int (*getstack)(lua_State*, int, LuaDebug*);
    int (*getinfo)(lua_State*, const char*, LuaDebug*);
    void* (*newuserdatauv)(lua_State*, size_t, int);
    void (*createtable)(lua_State*, int, int);
    void (*pushcclosure)(lua_State*, LuaCFunction, int);
    void (*setfield)(lua_State*, int, const char*);
    int (*getfield)(lua_State*, int, const char*);
    int (*getglobal)(lua_State*, const char*);
    int (*setmetatable)(lua_State*, int);
    const char* (*tolstring)(lua_State*, int, size_t*);
    long long (*tointegerx)(lua_State*, int, int*);
    int (*gettop)(lua_State*);
    void (*settop)(lua_State*, int);
    LuaCFunction (*tocfunction)(lua_State*, int);
    void (*callk)(lua_State*, int, int, intptr_t, void*);
    void (*pushboolean)(lua_State*, int);
    void (*pushinteger)(lua_State*, long long);
};
LuaApi g_lua;
bool g_hooked = false;      // the hook is installed (on the first state opened)
bool g_leaf_lines = false;  // the innermost line may be read at an allocation (before 5.4.6)
std::atomic<lua_State*> g_closing{nullptr};  // a state lua_close is freeing
LuaCFunction g_resume = nullptr;   // coroutine.resume
LuaCFunction g_auxwrap = nullptr;  // what coroutine.wrap returns

bool resolve_api() {
    LuaApi& a = g_lua;
    return resolve_global(a.version, "lua_version") && resolve_global(a.sethook, "lua_sethook") &&
           resolve_global(a.gethook, "lua_gethook") &&
           resolve_global(a.getstack, "lua_getstack") && resolve_global(a.getinfo, "lua_getinfo") &&
           resolve_global(a.newuserdatauv, "lua_newuserdatauv") && resolve_global(a.createtable, "lua_createtable") &&
           resolve_global(a.pushcclosure, "lua_pushcclosure") && resolve_global(a.setfield, "lua_setfield") &&
           resolve_global(a.getfield, "lua_getfield") && resolve_global(a.getglobal, "lua_getglobal") &&
           resolve_global(a.setmetatable, "lua_setmetatable") && resolve_global(a.tolstring, "lua_tolstring") &&
           resolve_global(a.tointegerx, "lua_tointegerx") && resolve_global(a.gettop, "lua_gettop") &&
           resolve_global(a.settop, "lua_settop") && resolve_global(a.tocfunction, "lua_tocfunction") &&
           resolve_global(a.callk, "lua_callk") && resolve_global(a.pushboolean, "lua_pushboolean") &&
           resolve_global(a.pushinteger, "lua_pushinteger");
}

// ---- shadow stacks ----------------------------------------------------------------------

enum : uint8_t { kLua = 1, kVisible = 2, kResume = 4 };

struct Entry {
    const void* ci;
    uint32_t function;
    uint32_t line;  // the line it is at (for an outer frame: where it called the next one)
    uint8_t flags;
};

constexpr int kEntries = 256;  // deeper frames of one state are not recorded
struct Shadow {
    lua_State* state;
    uint64_t last_use;
    int depth;
    Entry* entries;  // kEntries, mapped on first use
};

constexpr int kShadows = 64;  // states per thread; the least recently used one is reused
constexpr int kResumers = 32;

// Function ids by what lua_getinfo returned, so a call interns nothing: the pointers are
// the function's own strings (alive while it runs), the name is compared too in case a
// string was freed and its address reused.
constexpr int kFunctionCache = 256;
constexpr size_t kCachedName = 40;
struct CachedFunction {
    const char* source;
    const char* name;
    int linedefined;
    uint32_t id;
    char name_copy[kCachedName];
};

struct LuaThread {
    lua_State* current;  // the state of the last hook event; null outside Lua
    uint64_t clock;
    Shadow* last;
    int resumer_count;
    lua_State* resumers[kResumers];  // states that resumed the current one, outermost first
    Shadow shadows[kShadows];
    CachedFunction functions[kFunctionCache];
};

__attribute__((tls_model("initial-exec"))) thread_local LuaThread* t_lua;
pthread_key_t g_thread_key;

void release_thread(void* t) {
    auto* thread = static_cast<LuaThread*>(t);
    for (Shadow& s : thread->shadows)
        if (s.entries) internal_unmap(s.entries, sizeof(Entry) * kEntries);
    internal_unmap(thread, sizeof(LuaThread));
    t_lua = nullptr;
}

LuaThread* lua_thread() {
    if (t_lua) return t_lua;
    auto* t = static_cast<LuaThread*>(internal_map(sizeof(LuaThread)));
    if (!t) return nullptr;
    t_lua = t;
    pthread_setspecific(g_thread_key, t);
    return t;
}

Shadow* find_shadow(LuaThread& t, lua_State* L) {
    if (t.last && t.last->state == L) return t.last;
    for (Shadow& s : t.shadows)
        if (s.state == L) return &s;
    return nullptr;
}

Shadow* shadow_for(LuaThread& t, lua_State* L) {
    Shadow* s = find_shadow(t, L);
    if (!s) {
        s = &t.shadows[0];
        for (Shadow& candidate : t.shadows)
            if (candidate.last_use < s->last_use) s = &candidate;
        if (!s->entries) s->entries = static_cast<Entry*>(internal_map(sizeof(Entry) * kEntries));
        if (!s->entries) return nullptr;
        s->state = L;
        s->depth = 0;
    }
    s->last_use = ++t.clock;
    t.last = s;
    return s;
}

const void* previous_ci(const void* ci) {
    const void* previous;
    memcpy(&previous, static_cast<const char*>(ci) + 16, sizeof(previous));
    return previous;
}

// The script's file: the whole path of a file chunk ("@path"; Lua's short_src would cut
// a long one to "...tail"), else the chunk name as Lua's messages give it.
struct ChunkName {
    const char* text;
    size_t length;
};
ChunkName chunk_name(const LuaDebug& d) {
    if (d.source && d.source[0] == '@' && d.srclen > 1) return {d.source + 1, d.srclen - 1};
    return {d.short_src, strnlen(d.short_src, kLuaIdSize)};
}

// The function's id: its name as Lua's tracebacks give it ("main chunk", or
// "function <file:line>" when the caller did not name it), its file and first line.
uint32_t function_id(const LuaDebug& d, bool lua) {
    const char* name = d.name;
    const ChunkName file = lua ? chunk_name(d) : ChunkName{"[C]", 3};
    char anonymous[wire::kMaxNameLength + 1];
    if (!name && d.what && d.what[0] == 'm') name = "main chunk";
    if (!name && lua) {
        // The tail of a long path, so that "function <…/file.lua:12>" fits a name.
        const size_t room = sizeof(anonymous) - 10 - 16;
        const size_t start = file.length < room ? 0 : utf8_suffix_start(file.text, file.length, room);
        const size_t n = file.length - start;
        memcpy(anonymous, "function <", 10);
        memcpy(anonymous + 10, file.text + start, n);
        size_t at = 10 + n;
        anonymous[at++] = ':';
        char digits[12];
        int k = 0;
        unsigned line = d.linedefined > 0 ? unsigned(d.linedefined) : 0;
        do digits[k++] = char('0' + line % 10), line /= 10;
        while (line && k < 11);
        while (k) anonymous[at++] = digits[--k];
        anonymous[at++] = '>';
        anonymous[at] = '\0';
        name = anonymous;
    }
    if (!name) name = "?";
    return script::intern_function(ScriptLanguage::Lua, file.text, file.length, name, strlen(name),
                                   d.linedefined > 0 ? uint32_t(d.linedefined) : 0);
}

// The entry for the function described by `d` (after lua_getinfo "Sn").
Entry describe(LuaThread& t, const LuaDebug& d) {
    const bool lua = d.what && d.what[0] != 'C';
    Entry e{nullptr, 0, d.currentline > 0 ? uint32_t(d.currentline) : 0,
            uint8_t((lua ? kLua : 0) | (lua || d.name ? kVisible : 0))};
    const size_t name_length = d.name ? strnlen(d.name, kCachedName) : 0;
    if (name_length == kCachedName) {  // too long to cache
        e.function = function_id(d, lua);
        return e;
    }
    uintptr_t key = reinterpret_cast<uintptr_t>(d.source) ^ reinterpret_cast<uintptr_t>(d.name) * 31 ^
                    uintptr_t(d.linedefined) * 0x9E3779B9u;
    CachedFunction& c = t.functions[(uint64_t(key) * 0x9E3779B97F4A7C15ull) >> 56];
    if (c.id && c.source == d.source && c.name == d.name && c.linedefined == d.linedefined &&
        (!d.name || memcmp(c.name_copy, d.name, name_length + 1) == 0)) {
        e.function = c.id;
        return e;
    }
    e.function = function_id(d, lua);
    c = {d.source, d.name, d.linedefined, e.function, {}};
    if (d.name) memcpy(c.name_copy, d.name, name_length + 1);
    return e;
}

// Rebuilds the stack below the running function from the interpreter.
void resync(LuaThread& t, Shadow& s, lua_State* L) {
    int levels = 1;
    LuaDebug d;
    while (levels <= kEntries - 1 && g_lua.getstack(L, levels, &d)) ++levels;
    s.depth = 0;
    for (int level = levels - 1; level >= 1; --level) {
        if (!g_lua.getstack(L, level, &d) || !g_lua.getinfo(L, "Sln", &d)) break;
        Entry e = describe(t, d);
        e.ci = d.i_ci;
        s.entries[s.depth++] = e;
    }
}

// Drops entries above `ci`; false if `ci` is not on the stack.
bool truncate_above(Shadow& s, const void* ci) {
    for (int i = s.depth - 1; i >= 0; --i) {
        if (s.entries[i].ci == ci) {
            s.depth = i + 1;
            return true;
        }
    }
    return false;
}

void enter_state(LuaThread& t, lua_State* L) {
    // A state that resumed the current one runs again: what it resumed has returned
    // (or failed) whether or not a return event said so.
    for (int i = 0; i < t.resumer_count; ++i) {
        if (t.resumers[i] == L) {
            t.resumer_count = i;
            break;
        }
    }
    t.current = L;
}

bool is_resume(lua_State* L, const LuaDebug& d) {
    if (!d.what || d.what[0] != 'C' || !(g_resume || g_auxwrap)) return false;
    LuaDebug f = d;
    if (!g_lua.getinfo(L, "f", &f)) return false;
    LuaCFunction fn = g_lua.tocfunction(L, -1);
    g_lua.settop(L, -2);
    return fn && (fn == g_resume || fn == g_auxwrap);
}

void on_call(LuaThread& t, Shadow& s, lua_State* L, LuaDebug* ar) {
    const void* ci = ar->i_ci;
    if (!truncate_above(s, previous_ci(ci))) resync(t, s, L);
    if (s.depth > 0 && (s.entries[s.depth - 1].flags & kLua)) {
        LuaDebug caller;
        caller.i_ci = s.entries[s.depth - 1].ci;
        if (g_lua.getinfo(L, "l", &caller) && caller.currentline > 0)
            s.entries[s.depth - 1].line = uint32_t(caller.currentline);
    }
    if (s.depth >= kEntries || !g_lua.getinfo(L, "Sn", ar)) return;
    Entry e = describe(t, *ar);
    e.ci = ci;
    if (is_resume(L, *ar)) {
        e.flags |= kResume;
        if (t.resumer_count < kResumers) t.resumers[t.resumer_count++] = L;
    }
    s.entries[s.depth++] = e;
}

void on_return(LuaThread& t, Shadow& s, const void* ci) {
    if (!truncate_above(s, ci)) return;
    --s.depth;
    if (s.entries[s.depth].flags & kResume) enter_state(t, s.state);
    if (s.depth == 0 && t.resumer_count == 0) t.current = nullptr;
}

// A forked child is never traced: its hook returns at once, so it never takes the function
// table's lock, which the fork may have copied held.
std::atomic<bool> g_forked_child{false};
void stop_in_forked_child() { g_forked_child.store(true, std::memory_order_relaxed); }

void on_hook(lua_State* L, LuaDebug* ar) {
    if (g_forked_child.load(std::memory_order_relaxed)) return;
    LuaThread* t = lua_thread();
    if (!t) return;
    Shadow* s = shadow_for(*t, L);
    if (!s) return;
    enter_state(*t, L);
    if (ar->event == kHookReturn) {
        on_return(*t, *s, ar->i_ci);
    } else if (ar->event == kHookCall || ar->event == kHookTailCall) {
        on_call(*t, *s, L, ar);  // a tail call reuses its CallInfo
    }
}

// Copies the visible frames of `s` after `out[n]`, innermost kept when there is no room.
int copy_frames(const Shadow& s, script::Frame* out, int n, int max) {
    for (int i = 0; i < s.depth; ++i) {
        const Entry& e = s.entries[i];
        if (!(e.flags & kVisible)) continue;
        if (n == max) {  // full: shift out the outermost frame
            memmove(out, out + 1, sizeof(script::Frame) * size_t(max - 1));
            --n;
        }
        out[n++] = {e.function, e.line};
    }
    return n;
}

int lua_provider(script::Frame* out, int max) {
    LuaThread* t = t_lua;
    if (!t || !t->current || t->current == g_closing.load(std::memory_order_acquire)) return 0;
    // A script that replaced the hook (debug.sethook) left the shadow stack stale.
    if (g_lua.gethook(t->current) != on_hook) return 0;
    int n = 0;
    for (int i = 0; i < t->resumer_count; ++i)
        if (const Shadow* s = find_shadow(*t, t->resumers[i])) n = copy_frames(*s, out, n, max);
    const Shadow* s = find_shadow(*t, t->current);
    if (!s || s->depth == 0) return n;
    n = copy_frames(*s, out, n, max);
    const Entry& top = s->entries[s->depth - 1];
    if (g_leaf_lines && (top.flags & kLua) && n > 0) {
        LuaDebug d;
        if (g_lua.getstack(t->current, 0, &d) && d.i_ci == top.ci &&
            g_lua.getinfo(t->current, "l", &d) && d.currentline > 0)
            out[n - 1].line = uint32_t(d.currentline);
    }
    return n;
}

// ---- GC cycles --------------------------------------------------------------------------

int plant_sentinel(lua_State* L);

// The sentinel's finalizer: one collection finished. A new sentinel waits for the next.
// Finalizers also run when the state closes (nothing below this one on its stack): that
// is not a collection, and from then on the state must not be read at an allocation (it
// is being freed, whether or not a hook event says so again).
int on_sentinel_collected(lua_State* L) {
    LuaDebug d;
    if (!g_lua.getstack(L, 1, &d)) {
        g_closing.store(L, std::memory_order_release);
        return 0;
    }
    {
        HookScope scope;
        if (scope.recording()) record_gc_cycle(ScriptLanguage::Lua, 0);
    }
    LeaveOutScope sentinels_are_allocprofs;
    plant_sentinel(L);
    return 0;
}

int plant_sentinel(lua_State* L) {
    g_lua.newuserdatauv(L, 0, 0);
    g_lua.getfield(L, kRegistryIndex, "allocprof.gc");
    g_lua.setmetatable(L, -2);
    g_lua.settop(L, -2);
    return 0;
}

void install_sentinel(lua_State* L) {
    g_lua.createtable(L, 0, 1);
    g_lua.pushcclosure(L, on_sentinel_collected, 0);
    g_lua.setfield(L, -2, "__gc");
    g_lua.setfield(L, kRegistryIndex, "allocprof.gc");
    plant_sentinel(L);
}

// ---- the Lua module ---------------------------------------------------------------------

int module_ops(lua_State* L) {
    int ok = 0;
    long long n = g_lua.tointegerx(L, 1, &ok);
    if (ok && n > 0) allocprof_ops(uint64_t(n));
    return 0;
}

int module_phase(lua_State* L) {
    const char* name = g_lua.tolstring(L, 1, nullptr);
    allocprof_phase_begin(name ? name : "");
    return 0;
}

int module_phase_end(lua_State*) {
    allocprof_phase_end();
    return 0;
}

// The calling thread's counts (allocprof_thread_allocations/bytes): pushing an integer
// allocates nothing, so a delta around code that allocates nothing is exactly 0.
int module_allocations(lua_State* L) {
    g_lua.pushinteger(L, static_cast<long long>(allocprof_thread_allocations()));
    return 1;
}

int module_bytes(lua_State* L) {
    g_lua.pushinteger(L, static_cast<long long>(allocprof_thread_bytes()));
    return 1;
}

int noop(lua_State*) { return 0; }

// The C functions behind coroutine.resume and coroutine.wrap's closures.
void find_coroutine_functions(lua_State* L) {
    int top = g_lua.gettop(L);
    if (g_lua.getglobal(L, "coroutine") == 5 /* LUA_TTABLE */) {
        g_lua.getfield(L, -1, "resume");
        g_resume = g_lua.tocfunction(L, -1);
        g_lua.settop(L, -2);
        if (g_lua.getfield(L, -1, "wrap") == 6 /* LUA_TFUNCTION */) {
            g_lua.pushcclosure(L, noop, 0);
            g_lua.callk(L, 1, 1, 0, nullptr);
            g_auxwrap = g_lua.tocfunction(L, -1);
        }
    }
    g_lua.settop(L, top);
}

void push_module(lua_State* L, bool tracing) {
    g_lua.createtable(L, 0, 6);
    const struct {
        const char* name;
        LuaCFunction fn;
    } functions[] = {{"ops", module_ops},
                     {"phase", module_phase},
                     {"phase_end", module_phase_end},
                     {"allocations", module_allocations},
                     {"bytes", module_bytes}};
    for (const auto& f : functions) {
        g_lua.pushcclosure(L, f.fn, 0);
        g_lua.setfield(L, -2, f.name);
    }
    g_lua.pushboolean(L, tracing);
    g_lua.setfield(L, -2, "tracing");
}

}  // namespace

}  // namespace allocprof::interpose

using namespace allocprof::interpose;

// package.loadlib entry point (LUA_INIT_5_4 set by allocprof record): hooks the state and
// returns the marker module. In a process that is not traced, the module's functions do
// nothing and no hook is installed.
extern "C" __attribute__((visibility("default"))) int allocprof_lua_open(lua_State* L) {
    if (!resolve_api() || g_lua.version(L) != 504) return 0;  // returns nothing: not Lua 5.4
    const bool tracing = real_functions_ready() && recording_now();
    LeaveOutScope allocprofs_own_objects;  // the module, the sentinel: not the script's
    if (tracing && !g_hooked) {
        g_hooked = true;
        LuaCFunction closethread = nullptr;
        g_leaf_lines = !resolve_global(closethread, "lua_closethread");  // before 5.4.6
        pthread_key_create(&g_thread_key, release_thread);
        pthread_atfork(nullptr, nullptr, stop_in_forked_child);
        find_coroutine_functions(L);
        script::register_provider(lua_provider);
        g_lua.sethook(L, on_hook, kMaskCall | kMaskReturn | kMaskCount, kNeverCount);
        install_sentinel(L);
    }
    push_module(L, tracing);
    return 1;
}
