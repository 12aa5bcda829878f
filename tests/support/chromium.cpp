// chromium.cpp — see chromium.h.
#include "support/chromium.h"

namespace allocprof::test_support {

std::optional<std::filesystem::path> chromium() {
    if (std::filesystem::exists("/usr/bin/chromium")) return std::filesystem::path("/usr/bin/chromium");
    return find_on_path("chromium");
}

ProcessResult chromium_dom(const std::filesystem::path& browser, const std::filesystem::path& page,
                           const std::filesystem::path& profile_dir) {
    ProcessOptions options;
    options.timeout = std::chrono::seconds(120);
    return run_process({browser.string(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--no-first-run", "--disable-background-networking", "--disable-component-update",
                        "--disable-sync", "--user-data-dir=" + profile_dir.string(), "--window-size=1400,1800",
                        "--virtual-time-budget=5000", "--dump-dom", "file://" + page.string()},
                       options);
}

}  // namespace allocprof::test_support
