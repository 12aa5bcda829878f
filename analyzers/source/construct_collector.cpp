// construct_collector.cpp — the libclang walk behind ConstructCollector (rules in the header).
#include "analyzers/source/construct_collector.h"

#include <clang-c/Index.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <set>

namespace allocprof::analyzers::source {

namespace {

std::string take(CXString s) {
    const char* c = clang_getCString(s);
    std::string out = c != nullptr ? c : "";
    clang_disposeString(s);
    return out;
}

std::string spelling(CXCursor c) { return take(clang_getCursorSpelling(c)); }
std::string type_spelling(CXType t) { return take(clang_getTypeSpelling(t)); }

struct Position {
    unsigned line = 0;
    unsigned column = 0;
    unsigned offset = 0;
};

Position expansion(CXSourceLocation location) {
    Position p;
    clang_getExpansionLocation(location, nullptr, &p.line, &p.column, &p.offset);
    return p;
}

std::vector<CXCursor> children(CXCursor c) {
    std::vector<CXCursor> out;
    clang_visitChildren(
        c,
        [](CXCursor child, CXCursor, CXClientData data) {
            static_cast<std::vector<CXCursor>*>(data)->push_back(child);
            return CXChildVisit_Continue;
        },
        &out);
    return out;
}

std::vector<std::string> tokens(CXTranslationUnit tu, CXSourceRange range) {
    CXToken* list = nullptr;
    unsigned n = 0;
    clang_tokenize(tu, range, &list, &n);
    std::vector<std::string> out;
    out.reserve(n);
    for (unsigned i = 0; i < n; ++i) out.push_back(take(clang_getTokenSpelling(tu, list[i])));
    if (list != nullptr) clang_disposeTokens(tu, list, n);
    return out;
}

// Tokens joined back into a type as people write it: "std :: vector < int >" -> "std::vector<int>".
std::string join_tokens(const std::vector<std::string>& t, size_t begin, size_t end) {
    std::string out;
    for (size_t i = begin; i < end && i < t.size(); ++i) {
        const bool tight = out.empty() || t[i] == "::" || t[i] == "<" || t[i] == ">" ||
                           t[i] == "," || t[i] == "*" || t[i] == "&" || t[i] == ")" ||
                           t[i] == "(" || t[i] == "[" || t[i] == "]" || out.back() == ':' ||
                           out.back() == '<' || out.back() == '(';
        if (!tight) out += ' ';
        out += t[i];
        if (t[i] == ",") out += ' ';
    }
    return out;
}

bool is_function_kind(CXCursorKind k) {
    return k == CXCursor_FunctionDecl || k == CXCursor_CXXMethod || k == CXCursor_Constructor ||
           k == CXCursor_Destructor || k == CXCursor_ConversionFunction ||
           k == CXCursor_FunctionTemplate;
}

bool is_record_kind(CXCursorKind k) {
    return k == CXCursor_ClassDecl || k == CXCursor_StructDecl || k == CXCursor_UnionDecl ||
           k == CXCursor_ClassTemplate || k == CXCursor_ClassTemplatePartialSpecialization;
}

bool is_loop_kind(CXCursorKind k) {
    return k == CXCursor_ForStmt || k == CXCursor_WhileStmt || k == CXCursor_DoStmt ||
           k == CXCursor_CXXForRangeStmt;
}

// Qualified name of a declaration: namespaces and classes, "(anonymous namespace)" for an
// unnamed one (as the demangler writes it), linkage specs skipped.
std::string qualified_name(CXCursor c) {
    std::string name = spelling(c);
    for (CXCursor p = clang_getCursorSemanticParent(c);
         !clang_Cursor_isNull(p) && !clang_isTranslationUnit(clang_getCursorKind(p)) &&
         !clang_isInvalid(clang_getCursorKind(p));
         p = clang_getCursorSemanticParent(p)) {
        const CXCursorKind k = clang_getCursorKind(p);
        if (k == CXCursor_Namespace) {
            const std::string n = spelling(p);
            name = (n.empty() ? std::string("(anonymous namespace)") : n) + "::" + name;
        } else if (is_record_kind(k) || is_function_kind(k)) {
            name = spelling(p) + "::" + name;
        }
    }
    return name;
}

// std::__cxx11::basic_string -> std::basic_string: the library's inline namespaces.
std::string without_inline_namespaces(std::string name) {
    for (const std::string ns : {"__cxx11::", "__1::", "__debug::"})
        for (size_t at = name.find(ns); at != std::string::npos; at = name.find(ns))
            name.erase(at, ns.size());
    return name;
}

std::string strip_type(std::string t) {
    t = display_name(std::move(t));
    for (const std::string prefix : {"const ", "volatile ", "struct ", "class ", "union "})
        while (t.rfind(prefix, 0) == 0) t.erase(0, prefix.size());
    while (!t.empty() && (t.back() == '&' || t.back() == ' ')) t.pop_back();
    return t;
}

// The qualified name of the class a type names ("std::vector"), "" if not a class.
std::string class_of_type(CXType t) {
    if (t.kind == CXType_Pointer || t.kind == CXType_LValueReference ||
        t.kind == CXType_RValueReference)
        t = clang_getPointeeType(t);
    CXCursor decl = clang_getTypeDeclaration(clang_getCanonicalType(t));
    if (clang_Cursor_isNull(decl) || clang_isInvalid(clang_getCursorKind(decl))) return "";
    return without_inline_namespaces(qualified_name(decl));
}

// Looks through implicit conversions and parentheses to the expression as written.
CXCursor unwrap(CXCursor c) {
    for (;;) {
        const CXCursorKind k = clang_getCursorKind(c);
        if (k != CXCursor_UnexposedExpr && k != CXCursor_ParenExpr) return c;
        const std::vector<CXCursor> kids = children(c);
        if (kids.size() != 1) return c;
        c = kids[0];
    }
}

bool contains_lambda(CXCursor c) {
    c = unwrap(c);
    const CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_LambdaExpr) return true;
    if (k == CXCursor_CallExpr ||
        k == CXCursor_CXXFunctionalCastExpr) {  // a copy/move of a lambda temporary
        for (CXCursor kid : children(c))
            if (clang_getCursorKind(unwrap(kid)) == CXCursor_LambdaExpr) return true;
    }
    return false;
}

const std::set<std::string> kGrowthMethods = {
    "push_back", "emplace_back", "push_front", "emplace_front", "emplace",         "emplace_hint",
    "insert",    "append",       "operator+=", "try_emplace",   "insert_or_assign"};
const std::set<std::string> kContainers = {"std::vector",
                                           "std::basic_string",
                                           "std::deque",
                                           "std::list",
                                           "std::forward_list",
                                           "std::map",
                                           "std::multimap",
                                           "std::set",
                                           "std::multiset",
                                           "std::unordered_map",
                                           "std::unordered_multimap",
                                           "std::unordered_set",
                                           "std::unordered_multiset"};
const std::set<std::string> kMallocs = {"malloc",   "calloc",  "realloc",       "reallocarray",
                                        "strdup",   "strndup", "aligned_alloc", "posix_memalign",
                                        "memalign", "valloc"};

bool is_container(const std::string& qualified_class) {
    return kContainers.count(qualified_class) != 0 ||
           qualified_class.find("SmallVector") != std::string::npos;
}

bool is_map(const std::string& qualified_class) {
    return qualified_class.find("map") != std::string::npos;
}

struct FunctionScope {
    std::string function;
    std::string class_name;
    Position begin;
    Position end;
    std::vector<size_t> constructs;                      // indices into Walker::constructs
    std::vector<std::pair<size_t, std::string>> growth;  // construct index, container identity
    std::set<std::string> reserved;                      // container identities
};

class Walker {
  public:
    explicit Walker(CXTranslationUnit tu) : tu_(tu) {}

    void walk_translation_unit() {
        for (CXCursor c : children(clang_getTranslationUnitCursor(tu_)))
            if (clang_Location_isFromMainFile(clang_getCursorLocation(c))) walk(c, 0);
    }

    std::vector<SourceConstruct> constructs;
    std::vector<FunctionInventory> functions;

  private:
    void walk(CXCursor c, int loop_depth) {
        const CXCursorKind k = clang_getCursorKind(c);
        const bool function = is_function_kind(k) && clang_isCursorDefinition(c);
        if (function) open_function(c);
        if (clang_isExpression(k)) classify(c, loop_depth);
        ancestors_.push_back(k);
        const std::vector<CXCursor> kids = children(c);
        for (size_t i = 0; i < kids.size(); ++i)
            walk(kids[i], loop_depth + (in_loop_body(c, k, kids, i) ? 1 : 0));
        ancestors_.pop_back();
        if (function) close_function();
    }

    // Whether child i of `c` runs once per iteration of `c` (c a loop statement).
    bool in_loop_body(CXCursor c, CXCursorKind k, const std::vector<CXCursor>& kids, size_t i) {
        if (!is_loop_kind(k)) return false;
        if (k == CXCursor_CXXForRangeStmt)  // the range expression runs once; the body, the loop
                                            // variable per iteration
            return i + 1 == kids.size() || !clang_isExpression(clang_getCursorKind(kids[i]));
        if (k == CXCursor_ForStmt &&
            i == 0) {  // the init statement: starts before the header's first ';'
            const Position kid = expansion(clang_getRangeStart(clang_getCursorExtent(kids[0])));
            return kid.offset > first_semicolon_offset(c);
        }
        return true;
    }

    // Offset of the first ';' of a for statement's header (the end of its init statement).
    unsigned first_semicolon_offset(CXCursor for_statement) {
        CXToken* list = nullptr;
        unsigned n = 0;
        clang_tokenize(tu_, clang_getCursorExtent(for_statement), &list, &n);
        unsigned offset = ~0u;
        for (unsigned i = 0; i < n; ++i) {
            if (clang_getTokenKind(list[i]) == CXToken_Punctuation &&
                take(clang_getTokenSpelling(tu_, list[i])) == ";") {
                offset = expansion(clang_getTokenLocation(tu_, list[i])).offset;
                break;
            }
        }
        if (list != nullptr) clang_disposeTokens(tu_, list, n);
        return offset;
    }

    void open_function(CXCursor c) {
        FunctionScope s;
        s.function = qualified_name(c);
        CXCursor parent = clang_getCursorSemanticParent(c);
        if (!clang_Cursor_isNull(parent) && is_record_kind(clang_getCursorKind(parent)))
            s.class_name = qualified_name(parent);
        const CXSourceRange extent = clang_getCursorExtent(c);
        s.begin = expansion(clang_getRangeStart(extent));
        s.end = expansion(clang_getRangeEnd(extent));
        scopes_.push_back(std::move(s));
    }

    void close_function() {
        FunctionScope s = std::move(scopes_.back());
        scopes_.pop_back();
        for (const auto& [index, identity] : s.growth) {
            SourceConstruct& g = constructs[index];
            g.reserve_in_scope = !identity.empty() && s.reserved.count(identity) != 0;
            g.description = describe(g);
        }
        if (s.constructs.empty()) return;
        FunctionInventory f;
        f.function = s.function;
        f.class_name = s.class_name;
        f.line_begin = s.begin.line;
        f.line_end = s.end.line;
        for (size_t index : s.constructs) {
            const SourceConstruct& g = constructs[index];
            ++f.constructs;
            if (g.loop_depth > 0) ++f.in_loops;
            if (std::find(f.kinds.begin(), f.kinds.end(), g.kind) == f.kinds.end())
                f.kinds.push_back(g.kind);
        }
        functions.push_back(std::move(f));
    }

    // The object a member call works on: the base of `obj.f()` / `obj->f()`, or the first
    // operand of a member operator call.
    static CXCursor object_of(const std::vector<CXCursor>& kids) {
        if (kids.empty()) return clang_getNullCursor();
        CXCursor first = kids[0];
        if (clang_getCursorKind(first) == CXCursor_MemberRefExpr) {
            const std::vector<CXCursor> base = children(first);
            return base.empty() ? clang_getNullCursor() : unwrap(base[0]);
        }
        return unwrap(first);
    }

    // A stable name for the variable or member an expression names ("" if none).
    static std::string identity_of(CXCursor object) {
        if (clang_Cursor_isNull(object)) return "";
        const CXCursorKind k = clang_getCursorKind(object);
        if (k != CXCursor_DeclRefExpr && k != CXCursor_MemberRefExpr) return "";
        return take(clang_getCursorUSR(clang_getCursorReferenced(object)));
    }

    static std::string object_type(CXCursor object) {
        CXType t = clang_getCursorType(object);
        if (t.kind == CXType_Pointer) t = clang_getPointeeType(t);
        return strip_type(type_spelling(t));
    }

    // The nearest ancestor that is not an implicit conversion or parenthesis.
    CXCursorKind written_parent() const {
        for (auto it = ancestors_.rbegin(); it != ancestors_.rend(); ++it)
            if (*it != CXCursor_UnexposedExpr && *it != CXCursor_ParenExpr) return *it;
        return CXCursor_InvalidCode;
    }

    void classify(CXCursor c, int loop_depth) {
        const CXCursorKind k = clang_getCursorKind(c);
        if (k == CXCursor_CXXNewExpr) return classify_new(c, loop_depth);
        if (k != CXCursor_CallExpr) return;
        const std::vector<CXCursor> kids = children(c);
        const CXCursor ref = clang_getCursorReferenced(c);
        const CXCursorKind ref_kind =
            clang_Cursor_isNull(ref) ? CXCursor_InvalidCode : clang_getCursorKind(ref);
        const std::string name = clang_Cursor_isNull(ref) ? spelling(c) : spelling(ref);

        if (ref_kind == CXCursor_Constructor) {
            const std::string cls =
                without_inline_namespaces(qualified_name(clang_getCursorSemanticParent(ref)));
            if (cls != "std::function") return;
            if (std::none_of(kids.begin(), kids.end(), contains_lambda)) return;
            // Written as std::function<...>(...), or a variable's initializer: explicit; else
            // the lambda converts implicitly (an argument, a return value): a closure.
            const CXCursorKind parent = written_parent();
            const bool explicit_construction =
                parent == CXCursor_CXXFunctionalCastExpr || parent == CXCursor_VarDecl ||
                parent == CXCursor_CXXNewExpr || parent == CXCursor_CStyleCastExpr ||
                parent == CXCursor_CXXStaticCastExpr;
            SourceConstruct s =
                base(c, loop_depth, explicit_construction ? "std_function" : "closure");
            s.type = strip_type(type_spelling(clang_getCursorType(c)));
            return add(std::move(s));
        }

        if (ref_kind == CXCursor_CXXMethod || clang_Cursor_isNull(ref)) {
            const CXCursor object = object_of(kids);
            if (clang_Cursor_isNull(object)) return;
            const std::string cls =
                clang_Cursor_isNull(ref)
                    ? class_of_type(clang_getCursorType(object))
                    : without_inline_namespaces(qualified_name(clang_getCursorSemanticParent(ref)));
            if ((name == "reserve" || name == "resize") && !scopes_.empty()) {
                const std::string id = identity_of(object);
                if (!id.empty()) scopes_.back().reserved.insert(id);
                return;
            }
            if (cls == "std::function" && name == "operator=") {
                if (std::none_of(kids.begin() + 1, kids.end(), contains_lambda)) return;
                SourceConstruct s = base(c, loop_depth, "std_function");
                s.type = object_type(object);
                return add(std::move(s));
            }
            const bool growth =
                kGrowthMethods.count(name) != 0 || (name == "operator[]" && is_map(cls));
            if (!growth || !is_container(cls)) return;
            SourceConstruct s = base(c, loop_depth, "container_growth");
            s.method = name;
            s.container_type = object_type(object);
            if (cls != "std::basic_string") {
                CXType t = clang_getCursorType(object);
                if (t.kind == CXType_Pointer) t = clang_getPointeeType(t);
                const CXType element =
                    clang_Type_getTemplateArgumentAsType(clang_getCanonicalType(t), 0);
                if (element.kind != CXType_Invalid) s.type = strip_type(type_spelling(element));
            }
            const std::string id = identity_of(object);
            if (!scopes_.empty()) scopes_.back().growth.emplace_back(constructs.size(), id);
            return add(std::move(s));
        }

        if (ref_kind == CXCursor_FunctionDecl || ref_kind == CXCursor_FunctionTemplate) {
            const std::string qualified = without_inline_namespaces(qualified_name(ref));
            if (name == "operator+") {
                if (class_of_type(clang_getCursorType(c)) != "std::basic_string") return;
                SourceConstruct s = base(c, loop_depth, "string_concat");
                s.type = "std::string";
                for (CXCursor kid : kids) {
                    const CXCursor operand = unwrap(kid);
                    if (class_of_type(clang_getCursorType(operand)) == "std::basic_string") {
                        s.type = object_type(operand);
                        break;
                    }
                }
                return add(std::move(s));
            }
            for (const char* maker : {"make_shared", "allocate_shared", "make_unique",
                                      "make_shared_for_overwrite", "make_unique_for_overwrite"}) {
                if (qualified != std::string("std::") + maker) continue;
                SourceConstruct s =
                    base(c, loop_depth,
                         name.rfind("make_unique", 0) == 0 ? "make_unique" : "make_shared");
                s.type = template_argument(c, ref, name);
                return add(std::move(s));
            }
            const std::string plain =
                qualified.rfind("std::", 0) == 0 ? qualified.substr(5) : qualified;
            if (kMallocs.count(plain) != 0) {
                SourceConstruct s = base(c, loop_depth, "malloc");
                s.method = plain;
                s.type = sizeof_type(c);
                return add(std::move(s));
            }
        }
    }

    void classify_new(CXCursor c, int loop_depth) {
        const std::vector<std::string> t = tokens(tu_, clang_getCursorExtent(c));
        size_t i = 0;
        while (i < t.size() && t[i] != "new") ++i;
        ++i;
        if (i < t.size() && t[i] == "(") i = skip_balanced(t, i);  // placement arguments
        bool array = false;
        int angle = 0;
        for (; i < t.size(); ++i) {
            if (t[i] == "<")
                ++angle;
            else if (t[i] == ">")
                --angle;
            else if (t[i] == ">>")
                angle -= 2;
            else if (angle <= 0 && (t[i] == "(" || t[i] == "{"))
                break;
            else if (angle <= 0 && t[i] == "[") {
                array = true;
                break;
            }
        }
        SourceConstruct s = base(c, loop_depth, array ? "new_array" : "new");
        s.type = strip_type(type_spelling(clang_getPointeeType(clang_getCursorType(c))));
        add(std::move(s));
    }

    static size_t skip_balanced(const std::vector<std::string>& t, size_t open) {
        int depth = 0;
        for (size_t i = open; i < t.size(); ++i) {
            if (t[i] == "(")
                ++depth;
            else if (t[i] == ")" && --depth == 0)
                return i + 1;
        }
        return t.size();
    }

    // T of make_shared<T>(...): as written between the angle brackets, else libclang's.
    std::string template_argument(CXCursor call, CXCursor ref, const std::string& name) {
        const std::vector<std::string> t = tokens(tu_, clang_getCursorExtent(call));
        for (size_t i = 0; i + 1 < t.size(); ++i) {
            if (t[i] != name || t[i + 1] != "<") continue;
            int depth = 0;
            for (size_t j = i + 1; j < t.size(); ++j) {
                if (t[j] == "<")
                    ++depth;
                else if (t[j] == ">")
                    --depth;
                else if (t[j] == ">>")
                    depth -= 2;
                if (depth <= 0) return strip_type(join_tokens(t, i + 2, depth < 0 ? j : j));
            }
        }
        if (clang_Cursor_getNumTemplateArguments(ref) > 0)
            return strip_type(type_spelling(clang_Cursor_getTemplateArgumentType(ref, 0)));
        return "";
    }

    // The operand of the first sizeof among the call's arguments, "" if none.
    std::string sizeof_type(CXCursor call) {
        std::string found;
        find_sizeof(call, found);
        return found;
    }

    void find_sizeof(CXCursor c, std::string& found) {
        for (CXCursor kid : children(c)) {
            if (!found.empty()) return;
            if (clang_getCursorKind(kid) == CXCursor_UnaryExpr) {
                const std::vector<std::string> t = tokens(tu_, clang_getCursorExtent(kid));
                if (!t.empty() && t[0] == "sizeof") {
                    const std::vector<CXCursor> operand = children(kid);
                    if (!operand.empty() && clang_isExpression(clang_getCursorKind(operand[0]))) {
                        found = strip_type(type_spelling(clang_getCursorType(operand[0])));
                    } else if (t.size() >= 4 && t[1] == "(") {
                        found = join_tokens(t, 2, t.size() - 1);  // sizeof ( type ) as written
                    }
                    if (!found.empty()) found = display_name(found);
                    continue;
                }
            }
            find_sizeof(kid, found);
        }
    }

    SourceConstruct base(CXCursor c, int loop_depth, const char* kind) const {
        SourceConstruct s;
        s.kind = kind;
        if (!scopes_.empty()) {
            s.function = scopes_.back().function;
            s.class_name = scopes_.back().class_name;
        }
        s.loop_depth = loop_depth;
        const Position p = expansion(clang_getCursorLocation(c));
        s.line = p.line;
        s.column = p.column;
        s.end_line = std::max(p.line, expansion(clang_getRangeEnd(clang_getCursorExtent(c))).line);
        return s;
    }

    void add(SourceConstruct s) {
        s.description = describe(s);
        if (!scopes_.empty()) scopes_.back().constructs.push_back(constructs.size());
        constructs.push_back(std::move(s));
    }

    CXTranslationUnit tu_;
    std::vector<FunctionScope> scopes_;
    std::vector<CXCursorKind> ancestors_;
};

std::string first_error(CXTranslationUnit tu) {
    const unsigned n = clang_getNumDiagnostics(tu);
    for (unsigned i = 0; i < n; ++i) {
        CXDiagnostic d = clang_getDiagnostic(tu, i);
        std::string text;
        if (clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error)
            text = take(clang_formatDiagnostic(
                d, CXDiagnostic_DisplaySourceLocation | CXDiagnostic_DisplayColumn));
        clang_disposeDiagnostic(d);
        if (!text.empty()) return text;
    }
    return "";
}

// The options the driver rejected ("unknown argument: '-fno-allocation-dce'"): GCC-only
// options of a GCC build's compile_commands.json, which do not change what the code means.
std::vector<std::string> unknown_arguments(CXTranslationUnit tu) {
    static const std::string kPrefix = "unknown argument: '";
    std::vector<std::string> out;
    const unsigned n = clang_getNumDiagnostics(tu);
    for (unsigned i = 0; i < n; ++i) {
        CXDiagnostic d = clang_getDiagnostic(tu, i);
        const std::string text = take(clang_getDiagnosticSpelling(d));
        clang_disposeDiagnostic(d);
        if (text.rfind(kPrefix, 0) == 0 && text.back() == '\'')
            out.push_back(text.substr(kPrefix.size(), text.size() - kPrefix.size() - 1));
    }
    return out;
}

// `flags` without the arguments in `drop`; nullopt when none of them is there.
std::optional<std::vector<std::string>> without(const std::vector<std::string>& flags,
                                                const std::vector<std::string>& drop) {
    std::vector<std::string> out;
    for (const std::string& f : flags)
        if (std::find(drop.begin(), drop.end(), f) == drop.end()) out.push_back(f);
    if (out.size() == flags.size()) return std::nullopt;
    return out;
}

const char* error_code_text(CXErrorCode e) {
    switch (e) {
        case CXError_Success:
            return "success";
        case CXError_Failure:
            return "libclang failed to parse the file";
        case CXError_Crashed:
            return "libclang crashed while parsing the file";
        case CXError_InvalidArguments:
            return "libclang rejected the arguments";
        case CXError_ASTReadError:
            return "libclang could not read the AST";
    }
    return "libclang failed";
}

// libclang 14 applies "-working-directory DIR" (compilation_database.h adds it) to the whole
// process: it changes the current directory. Every parse puts the caller's back.
class WorkingDirectoryGuard {
  public:
    WorkingDirectoryGuard() : saved_(std::filesystem::current_path(error_)) {}
    ~WorkingDirectoryGuard() {
        if (!error_) std::filesystem::current_path(saved_, error_);
    }
    WorkingDirectoryGuard(const WorkingDirectoryGuard&) = delete;
    WorkingDirectoryGuard& operator=(const WorkingDirectoryGuard&) = delete;

  private:
    std::error_code error_;  // declared first: initialised before saved_
    std::filesystem::path saved_;
};

// Parses `file`; once more without the options the driver does not know, if it named any.
CXErrorCode parse_unit(CXIndex index, const std::string& file, const std::vector<std::string>& flags,
                       CXTranslationUnit* tu) {
    const WorkingDirectoryGuard keep_working_directory;
    std::vector<const char*> argv;
    argv.reserve(flags.size());
    for (const std::string& f : flags) argv.push_back(f.c_str());
    *tu = nullptr;
    const CXErrorCode error =
        clang_parseTranslationUnit2(index, file.c_str(), argv.data(), static_cast<int>(argv.size()),
                                    nullptr, 0, CXTranslationUnit_None, tu);
    if (error != CXError_Success || *tu == nullptr) return error;
    if (std::optional<std::vector<std::string>> fewer = without(flags, unknown_arguments(*tu))) {
        clang_disposeTranslationUnit(*tu);
        return parse_unit(index, file, *fewer, tu);
    }
    return error;
}

struct InclusionState {
    CXTranslationUnit tu;
    std::set<std::string> files;
};

}  // namespace

ConstructCollector::ConstructCollector()
    : index_(clang_createIndex(/*excludeDeclarationsFromPCH=*/0, /*displayDiagnostics=*/0)) {}

ConstructCollector::~ConstructCollector() { clang_disposeIndex(static_cast<CXIndex>(index_)); }

std::string ConstructCollector::clang_version() { return take(clang_getClangVersion()); }

bool ConstructCollector::available() { return true; }

ParsedFile ConstructCollector::parse(const std::string& file,
                                     const std::vector<std::string>& flags) {
    ParsedFile out;
    out.analysis.file = file;
    out.analysis.flags = flags;
    CXTranslationUnit tu = nullptr;
    const CXErrorCode error = parse_unit(static_cast<CXIndex>(index_), file, flags, &tu);
    if (error != CXError_Success || tu == nullptr) {
        out.analysis.status = ParseStatus::ParseError;
        out.analysis.reason = file + ": " + error_code_text(error);
        return out;
    }
    out.analysis.reason = first_error(tu);
    if (!out.analysis.reason.empty()) {
        out.analysis.status = ParseStatus::ParseError;
    } else {
        Walker walker(tu);
        walker.walk_translation_unit();
        out.analysis.constructs = std::move(walker.constructs);
        out.analysis.functions = std::move(walker.functions);
        std::sort(out.analysis.functions.begin(), out.analysis.functions.end(),
                  [](const FunctionInventory& a, const FunctionInventory& b) {
                      return a.line_begin < b.line_begin;
                  });
    }
    InclusionState inclusions{tu, {}};
    clang_getInclusions(
        tu,
        [](CXFile included, CXSourceLocation*, unsigned, CXClientData data) {
            auto* state = static_cast<InclusionState*>(data);
            if (clang_Location_isInSystemHeader(clang_getLocationForOffset(state->tu, included, 0)))
                return;
            std::string path = take(clang_File_tryGetRealPathName(included));
            if (path.empty()) path = take(clang_getFileName(included));
            state->files.insert(path);
        },
        &inclusions);
    inclusions.files.erase(file);
    out.dependencies.assign(inclusions.files.begin(), inclusions.files.end());
    clang_disposeTranslationUnit(tu);
    return out;
}

}  // namespace allocprof::analyzers::source
