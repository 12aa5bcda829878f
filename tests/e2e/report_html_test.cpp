// report_html_test.cpp — `allocprof report --format html`: the page is self-contained,
// deterministic and escapes what the database says; and it really works in a browser:
// headless Chromium (Debian's `chromium`, installed by scripts/setup.sh) loads it from disk,
// runs its script and dumps the DOM, which must show the page ready (body data-ready="1"),
// no script error (<pre id="errors"> empty), a drawn flame graph, the memory chart with its
// phases, and the tables. Pages: the checked-in tests/golden/markers.db (known stacks: the
// flame graph has exactly six frames), a fresh recording of the interpreter sample, and
// doctored copies of markers.db (hostile names, more stacks than the cap).
//
// Without /usr/bin/chromium (or chromium on PATH) the browser checks are skipped with a
// message; the static checks run regardless. A screenshot of a page:
// scripts/screenshot-report.sh run.db out.png.
#include <algorithm>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>

#include "e2e/e2e_test.h"
#include "support/chromium.h"

namespace allocprof::e2e {
namespace {

namespace fs = std::filesystem;

fs::path golden_db() {
    return (samples_source_dir() / ".." / "tests" / "golden" / "markers.db").lexically_normal();
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

size_t count_of(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
    return n;
}


// The page fetches nothing: no external scripts, stylesheets, images or fonts. The only URL
// in it is the SVG namespace.
void expect_self_contained(const std::string& html) {
    for (const char* banned : {"<link", " src=", "url(", "@import", "@font-face"})
        EXPECT_EQ(html.find(banned), std::string::npos) << "the page refers to something outside it: " << banned;
    const std::string svg_ns = "http://www.w3.org/2000/svg";
    EXPECT_EQ(count_of(html, "http://") + count_of(html, "https://"), count_of(html, svg_ns))
        << "a URL other than the SVG namespace";
}

class ReportHtml : public E2eTest {
protected:
    // `allocprof report db --format html -o <dir>/<name>.html`; the page's text.
    std::string render(const fs::path& db, const std::string& name, ProcessResult* result = nullptr) {
        const fs::path out = dir_ / (name + ".html");
        ProcessResult p = run_process({allocprof_binary().string(), "report", db.string(), "--format", "html", "-o",
                                       out.string()});
        EXPECT_TRUE(p.exited_with(0)) << p.describe();
        EXPECT_TRUE(p.out.empty()) << p.out;
        if (result) *result = p;
        return read_file(out);
    }

    fs::path copy_of_golden(const std::string& name = "markers.db") {
        const fs::path copy = dir_ / name;
        fs::copy_file(golden_db(), copy);
        return copy;
    }

    // The DOM after the page's script ran, as headless Chromium dumps it; empty (and the
    // test skipped) without Chromium.
    std::string dump_dom(const std::string& name) {
        const auto browser = chromium();
        if (!browser) return {};
        const fs::path page = dir_ / (name + ".html");
        ProcessResult p = chromium_dom(*browser, page, dir_ / ("chromium-profile-" + name));
        EXPECT_TRUE(p.exited_with(0)) << p.describe();
        EXPECT_NE(p.out.find("</html>"), std::string::npos) << "no DOM dumped; chromium said: " << p.err;
        return p.out;
    }
};

const char* const kNoChromium =
    "chromium is not installed (/usr/bin/chromium; scripts/setup.sh installs it): the page was not opened "
    "in a browser";

// The script ran to its end without an error.
void expect_ready(const std::string& dom) {
    std::smatch m;
    ASSERT_TRUE(std::regex_search(dom, m, std::regex("<body[^>]*>"))) << dom.substr(0, 2000);
    EXPECT_NE(m.str().find("data-ready=\"1\""), std::string::npos) << "the page's script did not finish: " << m.str();
    std::smatch e;
    ASSERT_TRUE(std::regex_search(dom, e, std::regex("<pre id=\"errors\"[^>]*>([^<]*)</pre>")))
        << "no <pre id=\"errors\"> in the page";
    EXPECT_TRUE(e[1].str().empty()) << "script errors:\n" << e[1].str();
}

// data-frames of the flame graph's <svg>: frames drawn; -1 when absent.
int frames_drawn(const std::string& dom) {
    std::smatch m;
    if (!std::regex_search(dom, m, std::regex("<svg id=\"flame-svg\"[^>]*data-frames=\"([0-9]+)\""))) return -1;
    return std::stoi(m[1]);
}

// The labels of the flame graph's frames, in the order drawn.
std::vector<std::string> frame_labels(const std::string& dom) {
    std::vector<std::string> labels;
    const std::regex label("<g class=\"frame[^\"]*\" data-id=\"[0-9]+\"><rect[^>]*>(?:</rect>)?<text[^>]*>([^<]*)</text>");
    for (auto it = std::sregex_iterator(dom.begin(), dom.end(), label); it != std::sregex_iterator(); ++it)
        labels.push_back((*it)[1]);
    return labels;
}

bool any_contains(const std::vector<std::string>& labels, const std::string& what) {
    for (const auto& l : labels)
        if (l.find(what) != std::string::npos) return true;
    return false;
}

// The memory chart drew its lines (the live heap at least) and `phases` bands.
void expect_memory_chart(const std::string& dom, size_t phases) {
    EXPECT_NE(dom.find("<svg id=\"memory-svg\""), std::string::npos);
    EXPECT_NE(dom.find("class=\"mem-line live\""), std::string::npos) << "no live-heap line";
    EXPECT_EQ(count_of(dom, "class=\"phase-band\""), phases);
}

// ---- the golden database -------------------------------------------------------------------

TEST_F(ReportHtml, GoldenPageIsSelfContainedDeterministicAndComplete) {
    const fs::path db = copy_of_golden();
    const std::string html = render(db, "markers");
    ASSERT_FALSE(html.empty());
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
    expect_self_contained(html);
    EXPECT_EQ(render(db, "markers-again"), html) << "not deterministic";
    // The same title block and tables as the markdown.
    for (const char* part : {"<h1>Allocation report: markers</h1>", "id=\"summary\"", "id=\"baseline-table\"",
                             "id=\"tier-table\"", "id=\"plan-phase-2\"", "id=\"flame-svg\"", "id=\"memory-svg\"",
                             "id=\"gaps\"", "id=\"next\"", "<pre id=\"errors\" hidden></pre>"})
        EXPECT_NE(html.find(part), std::string::npos) << part;
    // Six sites in the tier table; the run and four phases in the baseline table.
    const size_t tier_table = html.find("id=\"tier-table\"");
    const size_t tier_end = html.find("</table>", tier_table);
    EXPECT_EQ(count_of(html.substr(tier_table, tier_end - tier_table), "<tr>"), 1u + 6u);
    EXPECT_NE(html.find("7 allocating stacks, all drawn."), std::string::npos);
}

TEST_F(ReportHtml, GoldenPageRendersInChromium) {
    if (!chromium()) GTEST_SKIP() << kNoChromium;
    render(copy_of_golden(), "markers");
    const std::string dom = dump_dom("markers");
    expect_ready(dom);
    // all > _start > __libc_start_main > __libc_start_call_main > main > one_op: the seven
    // stacks merge by function into six frames.
    EXPECT_EQ(frames_drawn(dom), 6);
    EXPECT_EQ(count_of(dom, "<g class=\"frame"), 6u);
    const auto labels = frame_labels(dom);
    EXPECT_TRUE(any_contains(labels, "one_op")) << "no frame labelled one_op";
    EXPECT_TRUE(any_contains(labels, "main"));
    expect_memory_chart(dom, 4);  // setup, work, batch, teardown
    EXPECT_NE(dom.find("class=\"peak-mark\""), std::string::npos) << "no peak marker";
    // The tables are there and sortable (the script leaves the headers clickable).
    EXPECT_NE(dom.find("id=\"tier-table\""), std::string::npos);
    EXPECT_NE(dom.find("id=\"plan-phase-2\""), std::string::npos);
}

// Drives the page like a user (click a frame, reset, search, switch to counts, sort a column,
// switch the memory axis) from a script appended to a copy of the page, which leaves what
// it saw in <body data-checks="{json}">.
const char* const kInteractions = R"js(<script>
(function () {
  const out = {};
  try {
    const svg = document.getElementById("flame-svg");
    const status = function () { return document.getElementById("flame-status").textContent; };
    const one = Array.from(svg.querySelectorAll("g.frame")).find(function (g) { return g.textContent === "one_op"; });
    one.dispatchEvent(new MouseEvent("click", { bubbles: true }));
    out.zoom_status = status();
    out.ancestors = svg.querySelectorAll("g.frame.ancestor").length;
    document.getElementById("flame-reset").click();
    out.ancestors_after_reset = svg.querySelectorAll("g.frame.ancestor").length;
    const search = document.getElementById("flame-search");
    search.value = "ONE_OP";
    search.dispatchEvent(new Event("input", { bubbles: true }));
    out.matches = svg.querySelectorAll("g.frame.match").length;
    out.search_status = status();
    document.getElementById("flame-by-count").click();
    out.by_count = document.getElementById("flame-by-count").classList.contains("on");
    out.count_status = status();
    const th = Array.from(document.querySelectorAll("#tier-table th")).find(function (h) { return h.textContent === "B/op"; });
    const column = function () {
      return Array.from(document.querySelectorAll("#tier-table tbody tr")).map(function (r) { return parseFloat(r.cells[6].dataset.v); });
    };
    th.click();
    out.sort = th.getAttribute("aria-sort");
    out.sorted = column();
    th.click();
    out.sort_again = th.getAttribute("aria-sort");
    out.sorted_again = column();
    document.getElementById("mem-by-time").click();
    out.time_axis = document.getElementById("mem-by-time").classList.contains("on");
    out.bands_by_time = document.querySelectorAll("#memory-svg .phase-band").length;
  } catch (e) {
    out.error = String(e && e.stack ? e.stack : e);
  }
  document.body.dataset.checks = JSON.stringify(out);
})();
</script>)js";

std::string unescape_attribute(std::string text) {
    for (const auto& [from, to] : {std::pair<std::string, std::string>{"&quot;", "\""}, {"&lt;", "<"}, {"&gt;", ">"},
                                   {"&amp;", "&"}}) {
        for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
            text.replace(at, from.size(), to);
    }
    return text;
}

TEST_F(ReportHtml, ZoomSearchWeightSortAndAxisWorkInChromium) {
    if (!chromium()) GTEST_SKIP() << kNoChromium;
    std::string html = render(copy_of_golden(), "markers");
    const size_t end = html.rfind("</body>");
    ASSERT_NE(end, std::string::npos);
    html.insert(end, kInteractions);
    std::ofstream(dir_ / "driven.html", std::ios::binary | std::ios::trunc) << html;
    const std::string dom = dump_dom("driven");
    expect_ready(dom);
    std::smatch m;
    ASSERT_TRUE(std::regex_search(dom, m, std::regex("data-checks=\"([^\"]*)\""))) << "the driving script did not run";
    const json checks = json::parse(unescape_attribute(m[1]));
    ASSERT_FALSE(checks.contains("error")) << checks.dump(2);
    // Zoomed into one_op: its five callers drawn greyed above it; reset: none.
    EXPECT_NE(checks["zoom_status"].get<std::string>().find("zoomed into one_op"), std::string::npos) << checks.dump(2);
    EXPECT_EQ(checks["ancestors"], json(5));
    EXPECT_EQ(checks["ancestors_after_reset"], json(0));
    // Case-insensitive search: one frame, 22,400 of the 23,700 bytes.
    EXPECT_EQ(checks["matches"], json(1));
    EXPECT_NE(checks["search_status"].get<std::string>().find("matched 1 frame, 95 % of bytes"), std::string::npos)
        << checks.dump(2);
    // By count: 300 of the 306 allocations.
    EXPECT_TRUE(checks["by_count"].get<bool>());
    EXPECT_NE(checks["count_status"].get<std::string>().find("98 % of allocations"), std::string::npos)
        << checks.dump(2);
    // A numeric column sorts descending first, then ascending.
    EXPECT_EQ(checks["sort"], json("descending"));
    EXPECT_EQ(checks["sort_again"], json("ascending"));
    auto sorted = checks["sorted"].get<std::vector<double>>();
    auto again = checks["sorted_again"].get<std::vector<double>>();
    EXPECT_EQ(sorted.size(), 6u);
    EXPECT_TRUE(std::is_sorted(sorted.rbegin(), sorted.rend())) << checks.dump();
    EXPECT_TRUE(std::is_sorted(again.begin(), again.end())) << checks.dump();
    EXPECT_TRUE(checks["time_axis"].get<bool>());
    EXPECT_EQ(checks["bands_by_time"], json(4));
}

// ---- a fresh recording ---------------------------------------------------------------------

TEST_F(ReportHtml, FreshInterpreterRecordingRendersInChromium) {
    auto rec = record_to_db({sample_binary("interpreter").string(), "2000"});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    ProcessResult p;
    const std::string html = render(db(), "interp", &p);  // analysed first
    EXPECT_NE(p.err.find("analysing it first"), std::string::npos) << p.err;
    expect_self_contained(html);
    if (!chromium()) GTEST_SKIP() << kNoChromium;
    const std::string dom = dump_dom("interp");
    expect_ready(dom);
    EXPECT_GT(frames_drawn(dom), 10);
    const auto labels = frame_labels(dom);
    for (const char* planted : {"main", "box_result", "alloc_frame"})
        EXPECT_TRUE(any_contains(labels, planted)) << "no frame labelled " << planted;
    expect_memory_chart(dom, 2);  // compile, run
    EXPECT_GE(count_of(dom, "<tr>"), 10u);
}

// ---- hostile text and big runs -------------------------------------------------------------

// Names with <, > and & (C++ templates, operators) are text, never markup.
TEST_F(ReportHtml, DatabaseTextIsEscaped) {
    const fs::path db = copy_of_golden();
    execute_sql_file(db,
                     "UPDATE sites SET function = 'one_op<script>window.pwned=1</script>&amp;' WHERE site_id = "
                     "(SELECT min(site_id) FROM sites);"
                     "UPDATE symbol_frames SET function = 'std::vector<int>::operator<<&' WHERE function = 'one_op';"
                     "UPDATE phases SET name = '<b>work</b>' WHERE name = 'work';");
    const std::string html = render(db, "hostile");
    EXPECT_EQ(html.find("<script>window.pwned"), std::string::npos) << "a site name became markup";
    EXPECT_NE(html.find("one_op&lt;script&gt;window.pwned=1&lt;/script&gt;&amp;amp;"), std::string::npos);
    EXPECT_EQ(html.find("<b>work</b>"), std::string::npos) << "a phase name became markup";
    EXPECT_EQ(count_of(html, "</script>"), 2u) << "only the data and the script close a <script>";
    if (!chromium()) GTEST_SKIP() << kNoChromium;
    const std::string dom = dump_dom("hostile");
    expect_ready(dom);
    EXPECT_TRUE(any_contains(frame_labels(dom), "std::vector&lt;int&gt;::operator&lt;&lt;&amp;"));
    EXPECT_EQ(dom.find("pwned=1</script>"), std::string::npos);
}

// More stacks than the cap: the heaviest 5000 are drawn, the rest are one frame and a note.
TEST_F(ReportHtml, StacksBeyondTheCapAreCountedNotDrawn) {
    const fs::path db = copy_of_golden();
    // 6000 one-allocation stacks on leaf nodes the trie does not have: frameless, light.
    execute_sql_file(db,
                     "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 6000) "
                     "INSERT INTO stack_stats SELECT 1, 100000 + i, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1 FROM n;");
    const std::string html = render(db, "capped");
    EXPECT_NE(html.find("6,007 allocating stacks; the 5,000 heaviest are drawn, 1,007 lighter ones (1,007 "
                        "allocations, 1007 B) are left out"),
              std::string::npos);
    if (!chromium()) GTEST_SKIP() << kNoChromium;
    const std::string dom = dump_dom("capped");
    expect_ready(dom);
    EXPECT_NE(dom.find("<g class=\"frame omitted\""), std::string::npos) << "no frame for the stacks left out";
    EXPECT_TRUE(any_contains(frame_labels(dom), "one_op"));
}

}  // namespace
}  // namespace allocprof::e2e
