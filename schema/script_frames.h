// script_frames.h — reading script frames (Lua, Python) in a run's stacks: trace nodes whose
// ip is a script frame (interpose/wire_format.h, script_frame_ip; schema: script_functions)
// are the innermost nodes of a stack, and every reader merges them in at the same place:
// under the innermost native frame of an eval function, so that a stack read from the root
// goes main -> ... -> eval -> script frames -> what the script called.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace allocprof::schema {

// Native functions that run script code.
inline bool is_eval_function(std::string_view function) {
    for (std::string_view eval : {"luaV_execute", "_PyEval_EvalFrameDefault", "_PyEval_EvalFrame",
                                  "PyEval_EvalFrameEx"})
        if (function == eval) return true;
    return false;
}

// Where, in native frames listed innermost first, the script frames (innermost first) go:
// before the innermost eval function's frame, or after every native frame without one.
template <typename Frame, typename FunctionOf>
size_t script_insertion_point(const std::vector<Frame>& native, FunctionOf function_of) {
    for (size_t i = 0; i < native.size(); ++i)
        if (is_eval_function(function_of(native[i]))) return i;
    return native.size();
}

}  // namespace allocprof::schema
