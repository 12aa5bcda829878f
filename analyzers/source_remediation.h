// source_remediation.h — what the source construct at a site (analyzers/source/)
// changes in the site's plan items: the kinds it adds or explains away, their risk, and the
// wording. The dynamic triggers (remediation_planner.h) stay the evidence; the source only
// refines them, and a site without a construct (kind "unknown") keeps its plan unchanged.
//
//   construct (at the site's line)            adds              drops (the construct explains
//                                                               the dynamic pattern better)
//   container_growth inside a loop, no        reserve           size_tiers, hoist (the growth
//     reserve/resize in scope, on a                             steps are not per-call buffers)
//     container with capacity (vector,
//     string, unordered_*)
//   std_function, closure                     closure           hoist, pool, size_tiers
//   string_concat                             string_builder    reserve, hoist, pool, size_tiers
//   node_container (std::map/set,             pool              reserve (it sizes buckets, not
//     std::unordered_* nodes: from the                          nodes), hoist, size_tiers, static
//     stack, source/stack_construct.h)
// Without source analysis the construct comes from the site's stack (source/stack_construct.h),
// and a node container's stack wins over the source's container growth.
//
// Risk: the kind's own (risk_of), except string_builder for a concatenation inside a loop,
// low: appending into one reserved string is a rewrite of that loop alone.
// Wording: reserve, closure, string_builder and pool name the construct's types and function
// (call reserve on the `std::vector<Value>` in `build_list`, pool the `Box` objects, ...);
// the other kinds add the construct's description. The evidence of every item ends with
// "source: `<description>`". Names are `code spans`, so no format reads std::vector<Value>
// as markup.
#pragma once

#include <vector>

#include "analyzers/remediation_planner.h"
#include "analyzers/source/source_construct.h"

namespace allocprof::analyzers {

// Whether the construct says anything (a kind other than "unknown").
bool has_construct(const source::SourceConstruct& c);

// `dynamic`: the kinds the metrics triggered, in trigger order. Returns them refined by the
// construct: the dropped kinds removed, the added ones appended (each at most once).
std::vector<RemediationKind> refine_kinds(std::vector<RemediationKind> dynamic,
                                          const source::SourceConstruct& c);

// The risk of `kind` at a site with construct `c`.
Risk refined_risk(RemediationKind kind, const source::SourceConstruct& c);

// Rewrites item.change (and extends item.evidence) from the construct; the dynamic wording
// stays when the construct is unknown.
void refine_wording(PlanItem& item, const source::SourceConstruct& c);

}  // namespace allocprof::analyzers
