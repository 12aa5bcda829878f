// paths.cpp — see paths.h.
#include "support/paths.h"

#include <string>

namespace allocprof::test_support {

std::filesystem::path allocprof_binary() { return ALLOCPROF_TEST_ALLOCPROF_BIN; }
std::filesystem::path preload_library() { return ALLOCPROF_TEST_PRELOAD_LIB; }
std::filesystem::path sample_binary(std::string_view name) {
    return std::filesystem::path(ALLOCPROF_TEST_SAMPLES_BIN_DIR) / std::string(name);
}
std::filesystem::path plugin_library() { return ALLOCPROF_TEST_PLUGIN_LIB; }
std::filesystem::path samples_source_dir() { return ALLOCPROF_TEST_SAMPLES_SOURCE_DIR; }

}  // namespace allocprof::test_support
