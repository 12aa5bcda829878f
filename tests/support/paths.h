// paths.h — where the build put the things the end-to-end tests run. The paths are
// compiled in by tests/support/CMakeLists.txt from the CMake targets.
#pragma once

#include <filesystem>
#include <string_view>

namespace allocprof::test_support {

std::filesystem::path allocprof_binary();   // build/bin/allocprof
std::filesystem::path preload_library();    // build/lib/allocprof/liballocprof_preload.so
std::filesystem::path sample_binary(std::string_view name);  // a program built from samples/
std::filesystem::path plugin_library();     // samples' libsample_plugin.so
std::filesystem::path samples_source_dir(); // the source tree's samples/ (scripts)

}  // namespace allocprof::test_support
