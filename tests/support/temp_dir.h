// temp_dir.h — a fresh directory per test, removed with everything in it afterwards
// (kept when ALLOCPROF_KEEP_TEST_DIRS=1, to look at a failing test's run.db).
#pragma once

#include <filesystem>

namespace allocprof::test_support {

class TempDir {
public:
    TempDir();  // creates $TMPDIR/allocprof-e2e-XXXXXX (or under /tmp)
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir();

    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::filesystem::path& name) const {
        return path_ / name;
    }

private:
    std::filesystem::path path_;
};

}  // namespace allocprof::test_support
