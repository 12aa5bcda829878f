// record_exit_codes_test.cpp — `allocprof record`'s own exit codes, the convention of env
// and timeout: 127 when the command does not exist, 126 when it cannot be executed, each
// with an "allocprof: error: ..." message.
#include <sys/stat.h>

#include <fstream>

#include "e2e/e2e_test.h"

namespace allocprof::e2e {
namespace {

class RecordExitCodes : public E2eTest {};

TEST_F(RecordExitCodes, CommandNotFoundIs127) {
    for (const std::string& command :
         {std::string("/nonexistent/allocprof-no-such-program"),
          std::string("allocprof-no-such-program-on-path")}) {
        SCOPED_TRACE(command);
        Recording rec = record_to_db({command, "arg"});
        EXPECT_TRUE(rec.process.exited_with(127)) << rec.process.describe();
        EXPECT_EQ(rec.process.err.rfind("allocprof: error:", 0), 0u)
            << "stderr: <<" << rec.process.err << ">>";
    }
}

TEST_F(RecordExitCodes, FileNotExecutableIs126) {
    const std::filesystem::path script = dir_ / "not_executable.sh";
    std::ofstream(script) << "#!/bin/sh\nexit 0\n";
    ASSERT_EQ(::chmod(script.c_str(), 0644), 0);
    Recording rec = record_to_db({script.string()});
    EXPECT_TRUE(rec.process.exited_with(126)) << rec.process.describe();
    EXPECT_EQ(rec.process.err.rfind("allocprof: error:", 0), 0u)
        << "stderr: <<" << rec.process.err << ">>";
}

}  // namespace
}  // namespace allocprof::e2e
