// stack_construct.h — what a site's own stack says it allocates, without the sources.
//
// Site attribution (symbolize/site_attribution.h) skips the C++ library frames between
// the allocator and the program's line; those frames name the construct. From the leaf
// outwards, the first of these decides:
//   std::function's manager or constructor (_Function_base::_Base_manager, function<...>::
//     function<F>)                                   -> std_function, type = std::function<...>
//   std::operator+ of strings anywhere among them     -> string_concat, type = std::string
//   std::basic_string's _M_append/_M_mutate (append, +=) -> container_growth of the string
//   a hash table's node (_Hashtable_alloc::_M_allocate_node) or a tree's node
//     (_Rb_tree::_M_create_node/_M_get_node)         -> node_container, container_type =
//                                                       std::unordered container / std::map or set
//   a hash table's bucket array (_M_allocate_buckets) -> container_growth of its buckets
//   a vector's regrowth (_M_realloc_insert, _M_realloc_append, _M_default_append)
//                                                    -> container_growth, container_type =
//                                                       the std::vector<...>, method push_back
//   std::make_shared / allocate_shared (_Sp_counted_ptr_inplace)
//                                                    -> make_shared, type = T
// Nothing matching -> kind "unknown". The construct's `description` says it came from the
// stack, so a report never passes it off as read from the source.
#pragma once

#include <span>
#include <string_view>

#include "analyzers/source/source_construct.h"

namespace allocprof::analyzers {

// `plumbing`: the demangled function names of the frames from the allocating call to the
// site's frame (excluded), leaf first.
source::SourceConstruct construct_from_stack(std::span<const std::string_view> plumbing);

// Readable C++ library names: std::__cxx11::basic_string<char, std::char_traits<char>,
// std::allocator<char> > -> std::string, allocators dropped from container arguments
// ("std::vector<int, std::allocator<int> >" -> "std::vector<int>"), "> >" -> ">>".
std::string readable_type(std::string_view type);

}  // namespace allocprof::analyzers
