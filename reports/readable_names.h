// readable_names.h — names and paths as a reader of the markdown and HTML reports wants them;
// the JSON report keeps them as stored.
//
// Types: C++ standard library names as gdb's and lldb's type printers show them.
// `std::__cxx11::` is `std::`; `std::basic_string<char, std::char_traits<char>,
// std::allocator<char> >` is `std::string` (likewise wstring, u8/u16/u32string and the
// string_views); a template's trailing arguments that only repeat the defaults — an
// allocator, `std::less<K>`, `std::hash<K>`, `std::equal_to<K>`, `std::char_traits<C>`,
// `std::default_delete<T>` — are dropped (`std::vector<std::vector<int>>`); `> >` is `>>`.
// Paths: the directory every program site's file shares is said once and left out of each
// site's location, in the plan's sentences, the next steps and the gaps (a single file keeps
// its own name).
#pragma once

#include <string>
#include <string_view>

#include "reports/report_model.h"

namespace allocprof::reports {

// `text` (a demangled name, or a sentence naming types) with its standard types shortened.
std::string readable_types(std::string_view text);

// The longest directory ("/a/b/", with its slash) that holds every absolute path given;
// '' when there is none or it is only "/".
std::string common_directory(const std::vector<std::string>& paths);

// The report with readable types in its site names, plan texts and source descriptions,
// and its program sites' paths relative to Report::path_prefix (set here).
Report readable(Report report);

}  // namespace allocprof::reports
