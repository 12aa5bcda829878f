// output_files_test.cpp — what allocprof writes never replaces or deletes a file of the
// user's: an earlier database is kept as FILE.old, then FILE.old.1, ... (a user's own
// FILE.old is left alone); a symbolic link, a FIFO, a directory or a file that is not an
// allocprof database is refused before the command runs; `suite` leaves a directory of
// the user's named like its work area alone.
#include <sys/stat.h>

#include <fstream>

#include "e2e/e2e_test.h"

namespace allocprof::e2e {
namespace {

namespace fs = std::filesystem;

class OutputFiles : public E2eTest {
protected:
    static std::string read_file(const fs::path& file) {
        std::ifstream in(file, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }
    static bool is_allocprof_database(const fs::path& file) {
        try {
            return RunDatabase(file).scalar("SELECT count(*) FROM runs") >= 0;
        } catch (const std::exception&) {
            return false;
        }
    }
    // `allocprof record -o FILE -- sh -c 'echo ran > MARK'`: whether the command ran.
    Recording record_marking(const fs::path& output) {
        return record(output, {"sh", "-c", "echo ran > " + (dir_ / "ran").string()});
    }
};

TEST_F(OutputFiles, EarlierDatabasesAreNumberedAndAUsersOldFileIsLeftAlone) {
    const fs::path out = dir_ / "run.db";
    std::ofstream(dir_ / "run.db.old") << "the user's own notes\n";
    for (int i = 0; i < 3; ++i) {
        Recording rec = record(out, {"true"});
        ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
        if (i == 1) {
            EXPECT_NE(rec.process.err.find("kept the previous " + out.string() + " as " + out.string() + ".old.1"),
                      std::string::npos)
                << rec.process.err;
        }
    }
    EXPECT_EQ(read_file(dir_ / "run.db.old"), "the user's own notes\n");
    EXPECT_TRUE(is_allocprof_database(dir_ / "run.db.old.1"));
    EXPECT_TRUE(is_allocprof_database(dir_ / "run.db.old.2"));
    EXPECT_TRUE(is_allocprof_database(out));
    EXPECT_FALSE(fs::exists(dir_ / "run.db.old.3"));
}

TEST_F(OutputFiles, LinksFifosDirectoriesAndOtherFilesAreRefusedBeforeTheCommandRuns) {
    std::ofstream(dir_ / "notes.txt") << "keep me\n";
    fs::create_symlink(dir_ / "notes.txt", dir_ / "link.db");
    ASSERT_EQ(mkfifo((dir_ / "fifo.db").c_str(), 0600), 0);
    fs::create_directory(dir_ / "dir.db");
    const struct {
        const char* name;
        const char* says;
    } cases[] = {{"link.db", "is a symbolic link"},
                 {"fifo.db", "exists and is not a regular file"},
                 {"dir.db", "exists and is not a regular file"},
                 {"notes.txt", "exists and is not an allocprof database"}};
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        Recording rec = record_marking(dir_ / c.name);
        EXPECT_TRUE(rec.process.exited_with(125)) << rec.process.describe();
        EXPECT_NE(rec.process.err.find((dir_ / c.name).string() + " " + c.says), std::string::npos)
            << rec.process.err;
        EXPECT_FALSE(fs::exists(dir_ / "ran")) << "the command ran";
    }
    EXPECT_EQ(read_file(dir_ / "notes.txt"), "keep me\n");
    EXPECT_TRUE(fs::is_symlink(dir_ / "link.db"));
    // Nothing else appeared (no temporary directory left beside the destinations).
    size_t entries = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_.path())) ++entries;
    EXPECT_EQ(entries, 4u);
}

TEST_F(OutputFiles, SuiteLeavesADirectoryOfTheUsersNamedLikeItsWorkAreaAlone) {
    fs::create_directories(dir_ / "out.db.tmp");
    std::ofstream(dir_ / "out.db.tmp" / "keep.txt") << "mine\n";
    const fs::path suite = dir_ / "suite.json";
    std::ofstream(suite) << json{{"scenarios", {{{"name", "t"}, {"command", {"true"}}}}}}.dump();
    ProcessResult p = run_process({allocprof_binary().string(), "suite", suite.string(), "-o", (dir_ / "out.db").string()});
    EXPECT_TRUE(p.exited_with(0)) << p.describe();
    EXPECT_EQ(read_file(dir_ / "out.db.tmp" / "keep.txt"), "mine\n");
    EXPECT_TRUE(is_allocprof_database(dir_ / "out.db"));
    for (const auto& e : fs::directory_iterator(dir_.path()))
        EXPECT_EQ(e.path().filename().string().find("out.db.runs-"), std::string::npos) << "work area left behind";
}

}  // namespace
}  // namespace allocprof::e2e
