// chromium.h — headless Chromium (Debian's `chromium`, installed by scripts/setup.sh) for the
// HTML pages' tests: the browser, and a page's DOM after its scripts ran.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "support/process.h"

namespace allocprof::test_support {

// /usr/bin/chromium, else chromium on PATH; none when it is not installed.
std::optional<std::filesystem::path> chromium();

// Loads `page` from disk with a fresh profile in `profile_dir` (no state, no lock; 5 s of
// virtual time for its scripts) and returns the browser's run: the DOM on stdout.
ProcessResult chromium_dom(const std::filesystem::path& browser, const std::filesystem::path& page,
                           const std::filesystem::path& profile_dir);

}  // namespace allocprof::test_support
