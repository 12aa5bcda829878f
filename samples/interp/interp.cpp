// interp.cpp — the ground-truth sample of the analyzers: a small bytecode interpreter with
// one planted allocation pattern per remediation kind (docs/definitions.md, "The plan").
// Checked by tests/e2e/interpreter_analysis_test.cpp.
//
// Usage: interpreter [ops] (default 10000, at least 2). Prints one line of counts; exit 0.
// Deterministic: the same ops give the same allocations in the same order and sizes. No
// stdio (output goes through write(2)), so libc adds nothing of its own.
//
// The program: interns 12 constants (startup, no phase); phase "compile": lexes kSource
// into a static token array, parses it into an AST (the only allocations of the compiler),
// generates bytecode into static arrays and frees the AST; phase "run": N ops, each one call
// of bench(6) followed by ALLOCPROF_OPS(1); after op N/2, one heap snapshot. bench(6) runs 6
// rounds of sq, add, lerp, poly, mix (frames of 1, 2, 5, 8, 6 slots), then the natives
// list(32), concat(8), memo(total), each(total). Every +, - and * result is boxed.
//
// Planted patterns (one function each, so each is its own site), per op unless noted:
//   #  function            pattern -> kind             allocs/op  B/op  sizes
//   1  alloc_frame         new Value[frame_size] per      31      2160  6 x (16, 32, 80, 128, 96)
//                          call -> size_tiers                           + 48 (bench's 3 slots)
//   2  build_list          vector push_back x 32, no       6      1008  16, 32, ..., 512 (capacity
//                          reserve -> reserve                           1..32, inferred chain)
//   3  make_callback       std::function, 24-byte          1        24
//                          capture -> closure (*)
//   4  concat_names        s = s + piece, 8 x 8 chars     13       691  31; then per step the copy
//                          -> string_builder (*)                        of s (8k+1) and its growth
//                                                                       (16k+1), k = 2..7 (libstdc++
//                                                                       12: copy exact, grow x2)
//   5  new_ast_node        131 AST nodes of 56 B in "compile", freed together before its end
//                          -> arena (phase-scoped)        131 allocations, 7336 B, once
//   6  intern_constant     12 constants of 32 B at startup, never freed -> static
//                          (process-lifetime, one size)   12 allocations, 384 B, once
//   7  cache_result        one 32 B entry per op,          1        32  never freed: leak slope
//                          never trimmed -> fix_leak                    +32 B/op exactly
//   8  box_result          one 16 B Box per arithmetic   130      2080  16 (21 per round x 6 + 4)
//                          result, freed at once -> pool
//   9  take_heap_snapshot  1 MiB, once after op N/2, freed at once -> reduce_peak
//                          (t-gmax: 1 MiB + N/2 cache entries + constants + libstdc++'s pool)
// (*) closure and string builder need the source construct (`allocprof analyze
//     --source-root samples/interp`); on dynamic evidence alone: make_callback gets hoist
//     (one buffer inside each op), concat_names gets reserve (inferred chains) and size_tiers
//     (many sizes, short-lived).
// Coverage gap (source analysis): trace_calls, the native "trace", allocates (a vector of
// strings grown in a loop) but the built-in program never calls it: it never runs, adds no
// allocation, and the analysis lists it as "allocates, but no scenario runs it".
// Checked by tests/e2e/source_analysis_test.cpp.
//
// Window "run" (N ops): 182 N + 1 allocations, 5995 N + 1,048,576 bytes, so allocs/op =
// 182 + 1/N and B/op = 5995 + 1,048,576/N (N = 10000: 182.0001 and 6099.8576). Nursery
// bytes 5995 N (the snapshot is >= L = 85,000 B and skips it): Gen0*/1k = 1000 x 5995 / B0 =
// 0.71466 with B0 = 8 MiB, and at N = 10000 7 collections (59.95 MB / 8 MiB), Gen0/1k 0.7.
// Frees: all but the N cache entries. Window "compile": 0 ops, 131 allocations, 7336 B.
// Whole run: the above, the 12 constants and libstdc++'s startup pool (one block).
//
// Tiers at N = 10000 (impact = largest share of allocs/op, B/op, Gen0*; sum of impacts
// S ~ 1.39; cumulative shares before each site in brackets):
//   box_result     71 % of allocs/op                  [0]     critical
//   alloc_frame    36 % of Gen0*  (>= 20 %)           [.52]   critical
//   build_list     17 % of Gen0*                      [.77]   high     -> critical (>= 90 %
//                                                                          temporaries, >= 1/op)
//   concat_names   12 % of Gen0*                      [.90]   medium   -> high (same)
//   snapshot, cache_result, make_callback, libstdc++'s pool, new_ast_node, intern_constant
//                  < 2 % each                         [> .97] low; cache_result -> medium (leak
//                                                              slope), make_callback -> medium
//                                                              (temporaries at 1/op)
// The nearest band edge is build_list's .775 against .80: keep that in mind when changing
// counts (the libstdc++ pool, the only part not fixed here, moves it by about .001).
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "allocprof/allocprof.h"

namespace {

// ---- output without stdio (stdio would allocate a buffer inside the measured window) ----

void write_text(int fd, const char* s) {
    size_t n = std::strlen(s);
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w <= 0) return;
        s += w;
        n -= static_cast<size_t>(w);
    }
}

void write_number(int fd, int64_t value) {
    char digits[24];
    int i = static_cast<int>(sizeof digits);
    digits[--i] = '\0';
    const bool negative = value < 0;
    uint64_t v = negative ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
    do {
        digits[--i] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0 && i > 1);
    if (negative) digits[--i] = '-';
    write_text(fd, digits + i);
}

[[noreturn]] void fail(const char* what) {
    write_text(2, "interp: ");
    write_text(2, what);
    write_text(2, "\n");
    _exit(1);
}

volatile uintptr_t sink;  // makes blocks escape, so no allocation can be proven dead

// ---- values, boxes, frames ----------------------------------------------------------------

// A slot of a call frame: 16 bytes, trivially destructible (so new Value[n] has no cookie
// and allocates exactly 16 * n bytes).
struct Value {
    int64_t tag;
    int64_t number;
};
static_assert(sizeof(Value) == 16);

// A boxed arithmetic result, as a naive VM makes one for every value it computes.
struct Box {
    int64_t number;
    int64_t refs;
};
static_assert(sizeof(Box) == 16);

// Pattern 8 (pool): one Box per arithmetic result, freed as soon as it is unboxed.
__attribute__((noinline)) Box* box_result(int64_t number) {
    Box* box = new Box{number, 1};
    sink = sink + reinterpret_cast<uintptr_t>(box);
    return box;
}

int64_t unbox(Box* box) {
    const int64_t n = box->number;
    delete box;
    return n;
}

// ---- constants (pattern 6, static) --------------------------------------------------------

struct Constant {
    char name[24];
    int64_t value;
};
static_assert(sizeof(Constant) == 32);

constexpr int kConstants = 12;
Constant* g_constants[kConstants];

// Pattern 6 (static): each constant interned once at startup, never freed.
__attribute__((noinline)) Constant* intern_constant(const char* name, int64_t value) {
    Constant* c = new Constant{};
    std::strncpy(c->name, name, sizeof c->name - 1);
    c->value = value;
    return c;
}

void intern_constants() {
    static const char* const names[kConstants] = {"ZERO", "ONE",   "TWO",  "THREE", "TEN",   "HUNDRED",
                                                  "KILO", "MEGA",  "BYTE", "WORD",  "LINE",  "PAGE"};
    static const int64_t values[kConstants] = {0, 1, 2, 3, 10, 100, 1000, 1000000, 8, 64, 64, 4096};
    for (int i = 0; i < kConstants; ++i) g_constants[i] = intern_constant(names[i], values[i]);
}

int64_t constant_value(const char* name, size_t len) {
    for (Constant* c : g_constants)
        if (std::strlen(c->name) == len && std::strncmp(c->name, name, len) == 0) return c->value;
    fail("unknown constant");
}

// ---- the program ----------------------------------------------------------------------------

// The built-in program. bench(n) is one op: n rounds of five calls whose frames have 1, 2,
// 5, 8 and 6 slots, then the four natives.
const char kSource[] =
    "fn sq(x) { return x * x; }\n"
    "fn add(a, b) { return a + b; }\n"
    "fn lerp(a, b, t) { let d = b - a; let e = d * t; return a + e; }\n"
    "fn poly(x) { let a = x * THREE; let b = a + 7; let c = b * x; let d = c - a;\n"
    "             let e = d + b; let f = e * TWO; let g = f - c; return g; }\n"
    "fn mix(a, b, c) { let s = a + b; let t = s * c; let u = t - a; return u; }\n"
    "fn bench(n) {\n"
    "  let total = ZERO;\n"
    "  let i = ZERO;\n"
    "  while (i < n) {\n"
    "    total = total + sq(i) + add(i, ONE) + lerp(i, TEN, TWO) + poly(i) + mix(i, TWO, THREE);\n"
    "    i = i + ONE;\n"
    "  }\n"
    "  total = total + list(32) + concat(8) + memo(total) + each(total);\n"
    "  return total;\n"
    "}\n";

// ---- lexer (tokens in a static array: the compiler allocates only AST nodes) ----------------

enum class Tok { End, Name, Number, Fn, Let, While, Return, LParen, RParen, LBrace, RBrace, Comma, Semi,
                 Assign, Plus, Minus, Star, Less };

struct Token {
    Tok kind;
    int pos;
    int len;
    int64_t number;
};

constexpr int kMaxTokens = 1024;
Token g_tokens[kMaxTokens];
int g_token_count;

bool is_name_char(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

void lex() {
    int p = 0;
    auto add = [](Tok kind, int pos, int len, int64_t number) {
        if (g_token_count == kMaxTokens) fail("too many tokens");
        g_tokens[g_token_count++] = Token{kind, pos, len, number};
    };
    while (kSource[p] != '\0') {
        const char c = kSource[p];
        if (c == ' ' || c == '\n') {
            ++p;
        } else if (is_name_char(c)) {
            int q = p;
            while (is_name_char(kSource[q]) || is_digit(kSource[q])) ++q;
            Tok kind = Tok::Name;
            auto is = [&](const char* word) {
                return static_cast<int>(std::strlen(word)) == q - p && std::strncmp(kSource + p, word, q - p) == 0;
            };
            if (is("fn")) kind = Tok::Fn;
            else if (is("let")) kind = Tok::Let;
            else if (is("while")) kind = Tok::While;
            else if (is("return")) kind = Tok::Return;
            add(kind, p, q - p, 0);
            p = q;
        } else if (is_digit(c)) {
            int64_t n = 0;
            int q = p;
            while (is_digit(kSource[q])) n = n * 10 + (kSource[q++] - '0');
            add(Tok::Number, p, q - p, n);
            p = q;
        } else {
            Tok kind;
            switch (c) {
            case '(': kind = Tok::LParen; break;
            case ')': kind = Tok::RParen; break;
            case '{': kind = Tok::LBrace; break;
            case '}': kind = Tok::RBrace; break;
            case ',': kind = Tok::Comma; break;
            case ';': kind = Tok::Semi; break;
            case '=': kind = Tok::Assign; break;
            case '+': kind = Tok::Plus; break;
            case '-': kind = Tok::Minus; break;
            case '*': kind = Tok::Star; break;
            case '<': kind = Tok::Less; break;
            default: fail("bad character in source");
            }
            add(kind, p, 1, 0);
            ++p;
        }
    }
    add(Tok::End, p, 0, 0);
}

// ---- AST (pattern 5, arena) -----------------------------------------------------------------

enum class NodeKind { Function, Let, Assign, While, Return, ExprStmt, Number, Name, Call, Binary };

struct Node {
    NodeKind kind;
    Tok op;              // Binary: Plus, Minus, Star, Less
    int name_pos;        // Function, Let, Assign, Name, Call: the name in kSource
    int name_len;
    int64_t number;      // Number
    Node* a;             // Let/Assign/Return/ExprStmt: the expression; While: condition;
                         // Binary: left; Function: first parameter
    Node* b;             // Binary: right; While, Function: first statement; Call: first argument
    Node* next;          // the next statement, parameter or argument
    Node* all_next;      // every node of the compilation, newest first (to free them together)
};
static_assert(sizeof(Node) == 56);

Node* g_all_nodes;
int64_t g_ast_nodes;

// Pattern 5 (arena): every AST node is its own allocation; all are freed together when
// compilation ends (free_ast).
__attribute__((noinline)) Node* new_ast_node(NodeKind kind) {
    Node* n = new Node{};
    n->kind = kind;
    n->all_next = g_all_nodes;
    g_all_nodes = n;
    ++g_ast_nodes;
    return n;
}

void free_ast() {
    while (g_all_nodes != nullptr) {
        Node* next = g_all_nodes->all_next;
        delete g_all_nodes;
        g_all_nodes = next;
    }
}

// ---- parser ---------------------------------------------------------------------------------

int g_tok;  // the current token

const Token& peek() { return g_tokens[g_tok]; }
const Token& expect(Tok kind, const char* what) {
    if (g_tokens[g_tok].kind != kind) fail(what);
    return g_tokens[g_tok++];
}
bool accept(Tok kind) {
    if (g_tokens[g_tok].kind != kind) return false;
    ++g_tok;
    return true;
}

Node* parse_expression();

Node* named(NodeKind kind, const Token& t) {
    Node* n = new_ast_node(kind);
    n->name_pos = t.pos;
    n->name_len = t.len;
    return n;
}

// primary: number | NAME | NAME '(' args ')' | '(' expression ')'
Node* parse_primary() {
    if (peek().kind == Tok::Number) {
        Node* n = new_ast_node(NodeKind::Number);
        n->number = g_tokens[g_tok++].number;
        return n;
    }
    if (accept(Tok::LParen)) {
        Node* e = parse_expression();
        expect(Tok::RParen, "expected )");
        return e;
    }
    const Token& name = expect(Tok::Name, "expected a name");
    if (!accept(Tok::LParen)) return named(NodeKind::Name, name);
    Node* call = named(NodeKind::Call, name);
    Node** tail = &call->b;
    if (!accept(Tok::RParen)) {
        do {
            *tail = parse_expression();
            tail = &(*tail)->next;
        } while (accept(Tok::Comma));
        expect(Tok::RParen, "expected ) after arguments");
    }
    return call;
}

Node* binary(Tok op, Node* left, Node* right) {
    Node* n = new_ast_node(NodeKind::Binary);
    n->op = op;
    n->a = left;
    n->b = right;
    return n;
}

Node* parse_term() {
    Node* left = parse_primary();
    while (accept(Tok::Star)) left = binary(Tok::Star, left, parse_primary());
    return left;
}

Node* parse_sum() {
    Node* left = parse_term();
    for (;;) {
        if (accept(Tok::Plus)) left = binary(Tok::Plus, left, parse_term());
        else if (accept(Tok::Minus)) left = binary(Tok::Minus, left, parse_term());
        else return left;
    }
}

Node* parse_expression() {
    Node* left = parse_sum();
    if (accept(Tok::Less)) left = binary(Tok::Less, left, parse_sum());
    return left;
}

Node* parse_block();

Node* parse_statement() {
    if (accept(Tok::Let)) {
        Node* n = named(NodeKind::Let, expect(Tok::Name, "expected a name after let"));
        expect(Tok::Assign, "expected =");
        n->a = parse_expression();
        expect(Tok::Semi, "expected ;");
        return n;
    }
    if (accept(Tok::While)) {
        Node* n = new_ast_node(NodeKind::While);
        expect(Tok::LParen, "expected ( after while");
        n->a = parse_expression();
        expect(Tok::RParen, "expected )");
        n->b = parse_block();
        return n;
    }
    if (accept(Tok::Return)) {
        Node* n = new_ast_node(NodeKind::Return);
        n->a = parse_expression();
        expect(Tok::Semi, "expected ;");
        return n;
    }
    if (peek().kind == Tok::Name && g_tokens[g_tok + 1].kind == Tok::Assign) {
        Node* n = named(NodeKind::Assign, g_tokens[g_tok]);
        g_tok += 2;
        n->a = parse_expression();
        expect(Tok::Semi, "expected ;");
        return n;
    }
    Node* n = new_ast_node(NodeKind::ExprStmt);
    n->a = parse_expression();
    expect(Tok::Semi, "expected ;");
    return n;
}

// '{' statement* '}': the first statement, linked by next.
Node* parse_block() {
    expect(Tok::LBrace, "expected {");
    Node* first = nullptr;
    Node** tail = &first;
    while (!accept(Tok::RBrace)) {
        *tail = parse_statement();
        tail = &(*tail)->next;
    }
    return first;
}

// fn NAME '(' params ')' block
Node* parse_function() {
    expect(Tok::Fn, "expected fn");
    Node* fn = named(NodeKind::Function, expect(Tok::Name, "expected a function name"));
    expect(Tok::LParen, "expected (");
    Node** tail = &fn->a;
    if (!accept(Tok::RParen)) {
        do {
            *tail = named(NodeKind::Name, expect(Tok::Name, "expected a parameter"));
            tail = &(*tail)->next;
        } while (accept(Tok::Comma));
        expect(Tok::RParen, "expected )");
    }
    fn->b = parse_block();
    return fn;
}

// ---- bytecode and code generation -----------------------------------------------------------

enum Op : int32_t { kPush, kLoad, kStore, kAdd, kSub, kMul, kLess, kJump, kJumpIfFalse, kCall, kNative, kReturn,
                    kPop };

enum Native : int32_t { kList, kConcat, kMemo, kEach, kTrace };

struct Function {
    int name_pos;
    int name_len;
    int params;
    int frame_size;  // slots: parameters, then locals
    int code;        // first instruction
};

constexpr int kMaxFunctions = 16;
constexpr int kMaxSlots = 16;
constexpr int kMaxCode = 4096;
Function g_functions[kMaxFunctions];
int g_function_count;
int32_t g_code[kMaxCode];
int g_code_size;

// The function being generated: its slot names.
struct Scope {
    int pos[kMaxSlots];
    int len[kMaxSlots];
    int count;
} g_scope;

bool same_name(int pos_a, int len_a, int pos_b, int len_b) {
    return len_a == len_b && std::strncmp(kSource + pos_a, kSource + pos_b, len_a) == 0;
}
bool name_is(int pos, int len, const char* word) {
    return static_cast<int>(std::strlen(word)) == len && std::strncmp(kSource + pos, word, len) == 0;
}

void emit(int32_t v) {
    if (g_code_size == kMaxCode) fail("code too long");
    g_code[g_code_size++] = v;
}

int slot_of(int pos, int len) {
    for (int i = 0; i < g_scope.count; ++i)
        if (same_name(g_scope.pos[i], g_scope.len[i], pos, len)) return i;
    return -1;
}

int declare(int pos, int len) {
    if (slot_of(pos, len) >= 0) fail("name declared twice");
    if (g_scope.count == kMaxSlots) fail("too many slots");
    g_scope.pos[g_scope.count] = pos;
    g_scope.len[g_scope.count] = len;
    return g_scope.count++;
}

int function_index(int pos, int len) {
    for (int i = 0; i < g_function_count; ++i)
        if (same_name(g_functions[i].name_pos, g_functions[i].name_len, pos, len)) return i;
    return -1;
}

void gen_expression(const Node* n) {
    switch (n->kind) {
    case NodeKind::Number:
        emit(kPush);
        emit(static_cast<int32_t>(n->number));
        return;
    case NodeKind::Name: {
        const int slot = slot_of(n->name_pos, n->name_len);
        if (slot >= 0) {
            emit(kLoad);
            emit(slot);
        } else {  // an interned constant, folded into the code
            emit(kPush);
            emit(static_cast<int32_t>(constant_value(kSource + n->name_pos, static_cast<size_t>(n->name_len))));
        }
        return;
    }
    case NodeKind::Binary:
        gen_expression(n->a);
        gen_expression(n->b);
        emit(n->op == Tok::Plus ? kAdd : n->op == Tok::Minus ? kSub : n->op == Tok::Star ? kMul : kLess);
        return;
    case NodeKind::Call: {
        int argc = 0;
        for (const Node* arg = n->b; arg != nullptr; arg = arg->next, ++argc) gen_expression(arg);
        const int fn = function_index(n->name_pos, n->name_len);
        if (fn >= 0) {
            if (argc != g_functions[fn].params) fail("wrong number of arguments");
            emit(kCall);
            emit(fn);
            return;
        }
        if (argc != 1) fail("natives take one argument");
        emit(kNative);
        if (name_is(n->name_pos, n->name_len, "list")) emit(kList);
        else if (name_is(n->name_pos, n->name_len, "concat")) emit(kConcat);
        else if (name_is(n->name_pos, n->name_len, "memo")) emit(kMemo);
        else if (name_is(n->name_pos, n->name_len, "each")) emit(kEach);
        else if (name_is(n->name_pos, n->name_len, "trace")) emit(kTrace);
        else fail("unknown function");
        return;
    }
    default: fail("not an expression");
    }
}

void gen_block(const Node* statement) {
    for (; statement != nullptr; statement = statement->next) {
        switch (statement->kind) {
        case NodeKind::Let:
            gen_expression(statement->a);
            emit(kStore);
            emit(declare(statement->name_pos, statement->name_len));
            break;
        case NodeKind::Assign: {
            const int slot = slot_of(statement->name_pos, statement->name_len);
            if (slot < 0) fail("assignment to an undeclared name");
            gen_expression(statement->a);
            emit(kStore);
            emit(slot);
            break;
        }
        case NodeKind::While: {
            const int top = g_code_size;
            gen_expression(statement->a);
            emit(kJumpIfFalse);
            const int patch = g_code_size;
            emit(0);
            gen_block(statement->b);
            emit(kJump);
            emit(top);
            g_code[patch] = g_code_size;
            break;
        }
        case NodeKind::Return:
            gen_expression(statement->a);
            emit(kReturn);
            break;
        case NodeKind::ExprStmt:
            gen_expression(statement->a);
            emit(kPop);
            break;
        default: fail("not a statement");
        }
    }
}

void gen_function(const Node* fn) {
    if (g_function_count == kMaxFunctions) fail("too many functions");
    Function& f = g_functions[g_function_count++];
    f.name_pos = fn->name_pos;
    f.name_len = fn->name_len;
    f.code = g_code_size;
    g_scope.count = 0;
    for (const Node* p = fn->a; p != nullptr; p = p->next) declare(p->name_pos, p->name_len);
    f.params = g_scope.count;
    gen_block(fn->b);
    emit(kPush);  // falling off the end returns 0
    emit(0);
    emit(kReturn);
    f.frame_size = g_scope.count;
}

// Parses the whole source into an AST, generates the bytecode, frees the AST.
void compile() {
    lex();
    Node* functions = nullptr;
    Node** tail = &functions;
    while (peek().kind != Tok::End) {
        *tail = parse_function();
        tail = &(*tail)->next;
    }
    for (const Node* fn = functions; fn != nullptr; fn = fn->next) gen_function(fn);
    free_ast();
}

// ---- natives (patterns 2, 3, 4, 7) ----------------------------------------------------------

// Pattern 2 (reserve): a list built by push_back without reserve, once per op.
__attribute__((noinline)) int64_t build_list(int64_t n) {
    std::vector<Value> list;
    for (int64_t i = 0; i < n; ++i) list.push_back(Value{0, i});
    int64_t sum = 0;
    for (const Value& v : list) sum += v.number;
    return sum;
}

// Pattern 3 (closure): a std::function per op whose capture (24 bytes) is too large for
// libstdc++'s 16-byte local storage, so constructing it allocates.
__attribute__((noinline)) std::function<int64_t(int64_t)> make_callback(int64_t base, int64_t scale, int64_t bias) {
    return std::function<int64_t(int64_t)>([base, scale, bias](int64_t x) { return base + x * scale + bias; });
}

// Pattern 4 (string builder): a name built by concatenation in a loop.
__attribute__((noinline)) int64_t concat_names(int64_t pieces) {
    const std::string piece = "segment_";  // 8 characters, in the small-string buffer
    std::string s;
    for (int64_t i = 0; i < pieces; ++i) s = s + piece;
    return static_cast<int64_t>(s.size());
}

// Pattern 7 (fix leak): a memo cache that gains one entry per op and is never trimmed.
struct CacheEntry {
    int64_t key;
    Value value;
    CacheEntry* next;
};
static_assert(sizeof(CacheEntry) == 32);

CacheEntry* g_cache;
int64_t g_cache_entries;

__attribute__((noinline)) int64_t cache_result(int64_t key) {
    CacheEntry* e = new CacheEntry{key, Value{1, key % 7}, g_cache};
    g_cache = e;
    ++g_cache_entries;
    return e->value.number;
}

// Coverage gap: the native "trace" (one line per frame), which kSource never calls.
__attribute__((noinline)) int64_t trace_calls(int64_t depth) {
    std::vector<std::string> lines;
    for (int64_t i = 0; i < depth; ++i) lines.push_back("frame " + std::to_string(i));
    return static_cast<int64_t>(lines.size());
}

int64_t call_native(int32_t native, int64_t arg) {
    switch (native) {
    case kList: return build_list(arg);
    case kConcat: return concat_names(arg);
    case kMemo: return cache_result(arg);
    case kTrace: return trace_calls(arg);
    case kEach: {
        std::function<int64_t(int64_t)> callback = make_callback(arg, 3, 1);
        return callback(2) % 1000;
    }
    }
    fail("unknown native");
}

// Pattern 9 (reduce peak): a 1 MiB snapshot buffer, made once in the middle of the run and
// freed right after: it alone defines the peak.
constexpr size_t kSnapshotBytes = 1 << 20;

__attribute__((noinline)) int64_t take_heap_snapshot() {
    char* buffer = new char[kSnapshotBytes];
    std::memset(buffer, 0, kSnapshotBytes);
    int64_t entries = 0;
    for (const CacheEntry* e = g_cache; e != nullptr; e = e->next) {
        std::memcpy(buffer + (entries * sizeof *e) % (kSnapshotBytes - sizeof *e), e, sizeof *e);
        ++entries;
    }
    sink = sink + static_cast<uintptr_t>(buffer[entries % kSnapshotBytes]);
    delete[] buffer;
    return entries;
}

// ---- the virtual machine (pattern 1, size tiers) --------------------------------------------

constexpr int kStackSize = 1024;
int64_t g_stack[kStackSize];
int g_sp;

void push(int64_t v) {
    if (g_sp == kStackSize) fail("stack overflow");
    g_stack[g_sp++] = v;
}
int64_t pop() { return g_stack[--g_sp]; }

// Pattern 1 (size tiers): every call allocates its frame, sized by the callee.
__attribute__((noinline)) Value* alloc_frame(const Function& callee) {
    Value* frame = new Value[callee.frame_size];
    for (int i = 0; i < callee.frame_size; ++i) frame[i] = Value{0, 0};
    return frame;
}

// Calls function `fn` with its arguments on the operand stack; leaves the result there.
int64_t execute(int fn) {
    const Function& f = g_functions[fn];
    Value* frame = alloc_frame(f);
    for (int i = f.params - 1; i >= 0; --i) frame[i] = Value{1, pop()};
    int pc = f.code;
    for (;;) {
        const int32_t op = g_code[pc++];
        switch (op) {
        case kPush: push(g_code[pc++]); break;
        case kLoad: push(frame[g_code[pc++]].number); break;
        case kStore: frame[g_code[pc++]] = Value{1, pop()}; break;
        case kAdd:
        case kSub:
        case kMul: {
            const int64_t b = pop();
            const int64_t a = pop();
            const int64_t r = op == kAdd ? a + b : op == kSub ? a - b : a * b;
            push(unbox(box_result(r % 1000003)));
            break;
        }
        case kLess: {
            const int64_t b = pop();
            const int64_t a = pop();
            push(a < b ? 1 : 0);
            break;
        }
        case kJump: pc = g_code[pc]; break;
        case kJumpIfFalse: {
            const int32_t target = g_code[pc++];
            if (pop() == 0) pc = target;
            break;
        }
        case kCall: execute(g_code[pc++]); break;
        case kNative: {
            const int32_t native = g_code[pc++];
            push(call_native(native, pop()));
            break;
        }
        case kPop: pop(); break;
        case kReturn: {
            const int64_t result = pop();
            delete[] frame;
            push(result);
            return result;
        }
        default: fail("bad opcode");
        }
    }
}

constexpr int64_t kRounds = 6;  // bench(n): the loop's rounds per op

// One op: bench(kRounds).
int64_t run_bench(int bench) {
    push(kRounds);
    execute(bench);
    return pop();
}

int64_t parse_ops(const char* text) {
    int64_t n = 0;
    for (const char* p = text; *p != '\0'; ++p) {
        if (!is_digit(*p) || n > 100000000) fail("usage: interp [ops]");
        n = n * 10 + (*p - '0');
    }
    if (n < 2) fail("ops must be at least 2");
    return n;
}

}  // namespace

int main(int argc, char** argv) {
    const int64_t ops = argc > 1 ? parse_ops(argv[1]) : 10000;

    intern_constants();  // startup: outside any phase

    ALLOCPROF_PHASE_BEGIN("compile");
    compile();
    ALLOCPROF_PHASE_END();

    int bench = -1;
    for (int i = 0; i < g_function_count; ++i)
        if (name_is(g_functions[i].name_pos, g_functions[i].name_len, "bench")) bench = i;
    if (bench < 0) fail("no bench function");

    ALLOCPROF_PHASE_BEGIN("run");
    int64_t checksum = 0;
    int64_t snapshot_entries = 0;
    for (int64_t op = 0; op < ops; ++op) {
        checksum = (checksum + run_bench(bench)) % 1000000007;
        ALLOCPROF_OPS(1);
        if (op == ops / 2 - 1) snapshot_entries = take_heap_snapshot();
    }
    ALLOCPROF_PHASE_END();

    write_text(1, "ops=");
    write_number(1, ops);
    write_text(1, " ast_nodes=");
    write_number(1, g_ast_nodes);
    write_text(1, " cache_entries=");
    write_number(1, g_cache_entries);
    write_text(1, " snapshot_entries=");
    write_number(1, snapshot_entries);
    write_text(1, " checksum=");
    write_number(1, checksum);
    write_text(1, "\n");
    return 0;
}
