// source_remediation.cpp — see source_remediation.h.
#include "analyzers/source_remediation.h"

#include <algorithm>
#include <string>

namespace allocprof::analyzers {
namespace {

using source::SourceConstruct;

bool growth_without_reserve(const SourceConstruct& c) {
    return c.kind == "container_growth" && c.loop_depth > 0 && !c.reserve_in_scope &&
           source::has_capacity(c.container_type);
}

bool is_callable(const SourceConstruct& c) { return c.kind == "std_function" || c.kind == "closure"; }

// One allocation per element, whatever the capacity: std::map/set, std::unordered_* nodes.
bool is_node_container(const SourceConstruct& c) { return c.kind == "node_container"; }

// Kinds the construct explains better than the dynamic evidence that triggered them.
std::vector<RemediationKind> explained_away(const SourceConstruct& c) {
    using K = RemediationKind;
    if (growth_without_reserve(c)) return {K::SizeTiers, K::Hoist};
    if (is_callable(c)) return {K::Hoist, K::Pool, K::SizeTiers};
    if (c.kind == "string_concat") return {K::Reserve, K::Hoist, K::Pool, K::SizeTiers};
    // reserve does not remove a node container's per-element allocation (a hash table's
    // reserve sizes its buckets only); a static or a per-op hoist does not fit a container.
    if (is_node_container(c)) return {K::Reserve, K::Hoist, K::SizeTiers, K::StaticOrCached};
    return {};
}

std::vector<RemediationKind> added(const SourceConstruct& c) {
    if (growth_without_reserve(c)) return {RemediationKind::Reserve};
    if (is_callable(c)) return {RemediationKind::Closure};
    if (c.kind == "string_concat") return {RemediationKind::StringBuilder};
    if (is_node_container(c)) return {RemediationKind::Pool};
    return {};
}

// Names in the wording are `code spans` (the plan's texts may hold them, see
// reports/report_model.h): types like std::vector<Value> must not read as markup.
std::string code(const std::string& name) { return "`" + name + "`"; }
std::string type_of(const SourceConstruct& c) { return code(source::display_name(c.type)); }
std::string in_function(const SourceConstruct& c) {
    return c.function.empty() ? "" : " in " + code(source::display_name(c.function));
}

std::string reserve_change(const SourceConstruct& c) {
    const std::string container = code(source::display_name(c.container_type));
    if (c.reserve_in_scope)
        return "reserve the final size of the " + container + in_function(c) +
               " before it grows (its reserve/resize there does not cover the " + code(c.method) + " calls)";
    if (c.loop_depth == 0)
        return "call reserve on the " + container + in_function(c) + " with its final size before it grows by " +
               code(c.method);
    return "call reserve on the " + container + in_function(c) + " before the loop that grows it by " +
           code(c.method);
}

std::string closure_change(const SourceConstruct& c) {
    const std::string what = c.kind == "closure" ? "converting a lambda into a " + type_of(c) + " for a call"
                                                 : "building a " + type_of(c) + " from a lambda";
    return "take the callable as a template parameter or a function pointer instead of " + what +
           in_function(c);
}

std::string string_builder_change(const SourceConstruct& c) {
    return "reserve one " + type_of(c) + " and append the pieces into it instead of concatenating with operator+" +
           (c.loop_depth > 0 ? " in the loop" : "") + in_function(c);
}

// "" when the construct gives no better words for a pool than the dynamic ones.
std::string pool_change(const SourceConstruct& c) {
    const std::string t = type_of(c);
    const std::string plain = source::display_name(c.type);
    if (c.kind == "new")
        return "use a pool or free list for the " + t + " objects" + in_function(c) + ", or keep each " + t +
               " by value instead of " + code("new " + plain);
    if (c.kind == "make_shared")
        return "reuse the " + t + " objects" + in_function(c) + " or hold them by value instead of " +
               code("std::make_shared<" + plain + ">") + " per call (or `std::allocate_shared` with a pooling allocator)";
    if (is_node_container(c))
        return "give the " + code(c.container_type) + in_function(c) +
               " a node pool (`std::pmr::unsynchronized_pool_resource`) or use a flat container (a sorted "
               "`std::vector`, an open-addressing hash table): it allocates one node per element";
    if (c.kind == "make_unique")
        return "hold the " + t + " by value (on the stack or in its owner) instead of " +
               code("std::make_unique<" + plain + ">") + in_function(c) + ", or pool them";
    return "";
}

std::string specific_change(RemediationKind kind, const SourceConstruct& c) {
    switch (kind) {
    case RemediationKind::Reserve: return c.kind == "container_growth" ? reserve_change(c) : "";
    case RemediationKind::Closure: return is_callable(c) ? closure_change(c) : "";
    case RemediationKind::StringBuilder: return c.kind == "string_concat" ? string_builder_change(c) : "";
    case RemediationKind::Pool: return pool_change(c);
    default: return "";
    }
}

}  // namespace

bool has_construct(const SourceConstruct& c) { return !c.kind.empty() && c.kind != "unknown"; }

std::vector<RemediationKind> refine_kinds(std::vector<RemediationKind> kinds, const SourceConstruct& c) {
    if (!has_construct(c)) return kinds;
    const std::vector<RemediationKind> drop = explained_away(c);
    std::erase_if(kinds, [&](RemediationKind k) { return std::find(drop.begin(), drop.end(), k) != drop.end(); });
    for (RemediationKind k : added(c))
        if (std::find(kinds.begin(), kinds.end(), k) == kinds.end()) kinds.push_back(k);
    return kinds;
}

Risk refined_risk(RemediationKind kind, const SourceConstruct& c) {
    if (kind == RemediationKind::StringBuilder && c.kind == "string_concat" && c.loop_depth > 0) return Risk::Low;
    return risk_of(kind);
}

void refine_wording(PlanItem& item, const SourceConstruct& c) {
    if (!has_construct(c)) return;
    const std::string description = c.description.empty() ? source::describe(c) : c.description;
    const std::string specific = specific_change(item.kind, c);
    item.change = specific.empty() ? item.change + " (" + code(description) + ")" : specific;
    // A construct read from the site's stack (stack_construct.h) says so itself.
    const bool from_stack = description.ends_with("(from the stack)");
    item.evidence += (item.evidence.empty() ? "" : "; ") + std::string(from_stack ? "stack: " : "source: ") + code(description);
}

}  // namespace allocprof::analyzers
