// temp_dir.cpp — see temp_dir.h.
#include "support/temp_dir.h"

#include <stdlib.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>

namespace allocprof::test_support {

TempDir::TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/allocprof-e2e-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr)
        throw std::runtime_error("mkdtemp failed for " + pattern);
    path_ = pattern;
}

TempDir::~TempDir() {
    const char* keep = std::getenv("ALLOCPROF_KEEP_TEST_DIRS");
    if (keep != nullptr && std::strcmp(keep, "1") == 0) return;
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

}  // namespace allocprof::test_support
