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
#include <map>
#include <optional>
#include <regex>
#include <set>
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

    // `html` with `script` appended to its body, opened in Chromium: what the script left in
    // <pre id="checks">{json}</pre>, or null (a failure recorded) when it left nothing.
    // `script` is the body of a function that fills the object `out`; what it throws is
    // out.error.
    json drive(std::string html, const char* script, const std::string& name);
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
// switch the memory axis) from a script appended to a copy of the page (ReportHtml::drive),
// which leaves what it saw in <pre id="checks">{json}</pre> (not an attribute of <body>:
// expect_ready's regex would have to step over it).
const char* const kInteractions = R"js(
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
)js";

std::string unescape_html(std::string text) {
    for (const auto& [from, to] : {std::pair<std::string, std::string>{"&quot;", "\""}, {"&lt;", "<"}, {"&gt;", ">"},
                                   {"&amp;", "&"}}) {
        for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
            text.replace(at, from.size(), to);
    }
    return text;
}

json ReportHtml::drive(std::string html, const char* script, const std::string& name) {
    const size_t end = html.rfind("</body>");
    EXPECT_NE(end, std::string::npos) << "no </body>";
    if (end == std::string::npos) return nullptr;
    html.insert(end, std::string("<script>\n(function () {\n  const out = {};\n  try {\n") + script +
                         "  } catch (e) {\n    out.error = String(e && e.stack ? e.stack : e);\n  }\n"
                         "  const checks = document.createElement(\"pre\");\n  checks.id = \"checks\";\n"
                         "  checks.textContent = JSON.stringify(out);\n  document.body.appendChild(checks);\n"
                         "})();\n</script>");
    std::ofstream(dir_ / (name + ".html"), std::ios::binary | std::ios::trunc) << html;
    const std::string dom = dump_dom(name);
    expect_ready(dom);
    // Found without std::regex, whose matching recurses once per character of a long text.
    const std::string open = "<pre id=\"checks\">";
    const size_t begin = dom.find(open);
    const size_t close = begin == std::string::npos ? begin : dom.find("</pre>", begin);
    EXPECT_NE(close, std::string::npos) << "the driving script did not run";
    if (close == std::string::npos) return nullptr;
    return json::parse(unescape_html(dom.substr(begin + open.size(), close - begin - open.size())));
}

TEST_F(ReportHtml, ZoomSearchWeightSortAndAxisWorkInChromium) {
    if (!chromium()) GTEST_SKIP() << kNoChromium;
    const json checks = drive(render(copy_of_golden(), "markers"), kInteractions, "driven");
    ASSERT_TRUE(checks.is_object());
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

// ---- metrics, inversion, hidden frames ----------------------------------------------------

// Drives the flame graph's controls in a fixed order and leaves (as kInteractions does), for
// each state, what is drawn: the metric and total the <svg> says, the frames drawn, each
// frame's name and module as its tooltip gives them with its row and span (the root apart:
// its label and tooltip value), and the empty state. Also which hide toggles are enabled, and the
// resources the page fetched (Resource Timing: scripts, styles, images, fonts, fetch/XHR).
const char* const kFlameViews = R"js(
    const $ = function (id) { return document.getElementById(id); };
    const svg = $("flame-svg"), tip = $("tooltip");
    const state = function () {
      const frames = [];
      let root = null;
      Array.from(svg.querySelectorAll("g.frame:not(.ancestor)")).forEach(function (g) {
        const rect = g.querySelector("rect"), box = rect.getBoundingClientRect();
        g.dispatchEvent(new MouseEvent("mousemove", { bubbles: true, clientX: box.left + 1, clientY: box.top + 1 }));
        const depth = Math.round(+rect.getAttribute("y") / 18);
        if (depth === 0) {
          const label = g.querySelector("text");
          root = { label: label ? label.textContent : "", value: tip.querySelector(".t-v").textContent };
          return;
        }
        // The tooltip: name, source lines, module, value, ... (the lighter-stacks frame has no module).
        const module = g.classList.contains("omitted") ? "" : tip.children[2].textContent.replace(/ · inlined$/, "");
        frames.push([tip.querySelector(".t-fn").textContent, module, depth, +rect.getAttribute("x"), +rect.getAttribute("width")]);
      });
      return { metric: svg.dataset.metric, total: Number(svg.dataset.total), frames: Number(svg.dataset.frames),
               drawn: svg.querySelectorAll("g.frame").length, frame_list: frames, root: root,
               empty: $("flame-empty").hidden ? null : $("flame-empty").textContent, chart_hidden: $("flame-chart").hidden };
    };
    const click = function (id) { $(id).click(); return state(); };
    out.enabled = {};
    ["plumbing", "interpreter", "startup"].forEach(function (w) { out.enabled[w] = !$("flame-hide-" + w).disabled; });
    out.bytes = state();
    out.count = click("flame-by-count");
    out.peak = click("flame-by-peak");
    out.unfreed = click("flame-by-unfreed");
    out.temporary = click("flame-by-temporary");
    out.bytes_again = click("flame-by-bytes");
    out.inverted = click("flame-invert");
    out.invert_pressed = $("flame-invert").getAttribute("aria-pressed");
    out.inverted_no_plumbing = click("flame-hide-plumbing");
    out.no_plumbing = click("flame-invert");
    $("flame-hide-plumbing").click();
    if (out.enabled.interpreter) out.no_interpreter = click("flame-hide-interpreter");
    if (out.enabled.startup) out.no_startup = click("flame-hide-startup");
    out.resources = performance.getEntriesByType("resource").map(function (e) { return e.name; });
)js";

// One drawn frame of a state of kFlameViews.
struct DrawnFrame {
    std::string name, module;
    int depth = 0;
    double x = 0, width = 0;
};

std::vector<DrawnFrame> frames_of(const json& state) {
    std::vector<DrawnFrame> out;
    for (const json& f : state.at("frame_list"))
        out.push_back({f[0].get<std::string>(), f[1].get<std::string>(), f[2].get<int>(), f[3].get<double>(),
                       f[4].get<double>()});
    return out;
}

// The distinct names drawn (at `depth` only, when given), sorted.
std::vector<std::string> names_of(const json& state, int depth = -1) {
    std::set<std::string> names;
    for (const DrawnFrame& f : frames_of(state))
        if (depth < 0 || f.depth == depth) names.insert(f.name);
    return {names.begin(), names.end()};
}

// Whether a frame whose name contains `function` is drawn.
bool drawn(const json& state, const std::string& function) {
    for (const std::string& n : names_of(state))
        if (n.find(function) != std::string::npos) return true;
    return false;
}

// The frames drawn below (inside the span of) a script frame, found by their geometry: a
// frame's parent is the frame one row up whose span holds its left edge.
std::vector<DrawnFrame> under_script_frames(const json& state) {
    const std::vector<DrawnFrame> frames = frames_of(state);
    auto parent = [&](const DrawnFrame& f) -> const DrawnFrame* {
        for (const DrawnFrame& p : frames)
            if (p.depth == f.depth - 1 && p.x <= f.x + 0.01 && f.x < p.x + p.width - 0.01) return &p;
        return nullptr;
    };
    std::vector<DrawnFrame> out;
    for (const DrawnFrame& f : frames)
        for (const DrawnFrame* p = parent(f); p; p = parent(*p))
            if (p->module == "[lua]" || p->module == "[python]") {
                out.push_back(f);
                break;
            }
    return out;
}

// The flame graph's metric ids and the stack_stats (and sites) column of each.
const std::map<std::string, std::string> kMetricColumns = {{"count", "allocations"},
                                                           {"bytes", "bytes_allocated"},
                                                           {"peak", "live_at_peak_bytes"},
                                                           {"unfreed", "live_end_bytes"},
                                                           {"temporary", "temporary_k0"}};

// The stack_stats sums of a run, by metric id.
std::map<std::string, int64_t> metric_totals(const fs::path& db) {
    RunDatabase run(db);
    std::map<std::string, int64_t> totals;
    for (const auto& [id, column] : kMetricColumns)
        totals[id] = run.scalar("SELECT coalesce(sum(" + column + "), 0) FROM stack_stats");
    return totals;
}

void expect_no_requests(const json& checks) {
    EXPECT_TRUE(checks.at("resources").empty()) << "the page fetched: " << checks["resources"].dump();
}

// The interpreter sample: its metrics differ (the cache and the constants stay unfreed, the
// boxes die at once, the snapshot makes the peak), and it allocates through operator new.
TEST_F(ReportHtml, MetricsInversionAndPlumbingChangeWhatIsDrawn) {
    auto rec = record_to_db({sample_binary("interpreter").string(), "300"});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    const std::string html = render(db(), "interp");
    expect_self_contained(html);
    if (!chromium()) GTEST_SKIP() << kNoChromium;
    const json c = drive(html, kFlameViews, "interp-views");
    ASSERT_TRUE(c.is_object());
    ASSERT_FALSE(c.contains("error")) << c.dump(2);
    expect_no_requests(c);

    // Each metric's root holds that metric's sum over the run's stacks, in its own units.
    const auto totals = metric_totals(db());
    for (const char* metric : {"count", "bytes", "peak", "unfreed", "temporary"}) {
        SCOPED_TRACE(metric);
        const json& state = c.at(metric);
        EXPECT_EQ(state["metric"], json(metric));
        EXPECT_EQ(state["total"].get<int64_t>(), totals.at(metric));
        ASSERT_GT(totals.at(metric), 0);
        EXPECT_EQ(state["empty"], json(nullptr));
        ASSERT_TRUE(state["root"].is_object()) << state.dump();
    }
    EXPECT_NE(c["count"]["root"]["value"].get<std::string>().find(" allocations"), std::string::npos) << c["count"].dump();
    EXPECT_EQ(c["count"]["root"]["value"].get<std::string>().find(" B"), std::string::npos) << c["count"].dump();
    EXPECT_NE(c["peak"]["root"]["label"].get<std::string>().find("live at the peak"), std::string::npos);
    EXPECT_NE(c["unfreed"]["root"]["value"].get<std::string>().find("B unfreed at exit"), std::string::npos)
        << c["unfreed"].dump();
    EXPECT_NE(c["temporary"]["root"]["value"].get<std::string>().find("temporary allocations"), std::string::npos);

    // A planted site is not drawn for a metric the database gives it none of, and drawn when
    // it holds 1 % of it or more (a frame narrower than half a pixel is never drawn).
    RunDatabase run(db());
    for (const char* planted : {"box_result", "cache_result", "intern_constant", "take_heap_snapshot", "new_ast_node"})
        for (const auto& [metric, column] : kMetricColumns) {
            SCOPED_TRACE(std::string(planted) + " by " + metric);
            const int64_t value = run.scalar("SELECT coalesce(sum(" + column + "), 0) FROM sites WHERE function LIKE '%" +
                                             planted + "(%'");
            if (value == 0) {
                EXPECT_FALSE(drawn(c[metric], planted)) << "none in the database; drawn: " << json(names_of(c[metric])).dump();
            } else if (value * 100 >= totals.at(metric)) {
                EXPECT_TRUE(drawn(c[metric], planted)) << value << " of " << totals.at(metric) << " in the database";
            }
        }
    // So the trees really differ: the boxes die young and the cache is never freed.
    EXPECT_TRUE(drawn(c["bytes"], "box_result"));
    EXPECT_FALSE(drawn(c["unfreed"], "box_result"));
    EXPECT_TRUE(drawn(c["unfreed"], "cache_result"));
    EXPECT_NE(names_of(c["bytes"]), names_of(c["unfreed"]));
    EXPECT_EQ(c["bytes_again"]["frame_list"], c["bytes"]["frame_list"]) << "back to bytes, the same graph";

    // Inverted: the allocating frames are the root's children (operator new here), main is not.
    EXPECT_EQ(c["invert_pressed"], json("true"));
    EXPECT_EQ(c["inverted"]["total"], c["bytes"]["total"]);
    const auto top = names_of(c["inverted"], 1);
    EXPECT_TRUE(std::any_of(top.begin(), top.end(), [](const std::string& n) { return n.rfind("operator new", 0) == 0; }))
        << json(top).dump();
    EXPECT_EQ(std::count(top.begin(), top.end(), "main"), 0) << json(top).dump();
    const auto outermost = names_of(c["bytes"], 1);
    EXPECT_EQ(std::count(outermost.begin(), outermost.end(), "_start"), 1) << "not inverted: the outermost frames under the root";
    EXPECT_FALSE(std::any_of(outermost.begin(), outermost.end(),
                             [](const std::string& n) { return n.rfind("operator new", 0) == 0; }))
        << json(outermost).dump();

    // Plumbing hidden: no operator new, no std::, the total kept; inverted, the root's
    // children are then the sites themselves.
    EXPECT_TRUE(c["enabled"]["plumbing"].get<bool>());
    for (const char* state : {"no_plumbing", "inverted_no_plumbing"}) {
        SCOPED_TRACE(state);
        EXPECT_EQ(c[state]["total"], c["bytes"]["total"]) << "hiding frames must not change the total";
        for (const std::string& n : names_of(c[state])) {
            EXPECT_NE(n.rfind("operator new", 0), 0u) << n;
            EXPECT_NE(n.rfind("std::", 0), 0u) << n;
        }
        EXPECT_TRUE(drawn(c[state], "box_result"));
    }
    EXPECT_TRUE(drawn(c["bytes"], "operator new"));
    std::set<std::string> sites;
    for (const Row& row : run.query("SELECT function FROM sites")) sites.insert(row.text(0));
    for (const std::string& n : names_of(c["inverted_no_plumbing"], 1))
        EXPECT_EQ(sites.count(n), 1u) << n << " is under the root of the inverted graph but is no site";
    // A C++ program: no script, no interpreter start-up to hide.
    EXPECT_FALSE(c["enabled"]["interpreter"].get<bool>());
    EXPECT_FALSE(c["enabled"]["startup"].get<bool>());
}

// A metric the run has none of shows an explicit empty state, never the previous graph;
// the next metric with data draws again. markers.db frees everything.
TEST_F(ReportHtml, MetricWithoutDataShowsAnEmptyState) {
    const fs::path db = copy_of_golden();
    const auto totals = metric_totals(db);
    ASSERT_EQ(totals.at("unfreed"), 0);
    if (!chromium()) GTEST_SKIP() << kNoChromium;
    const json c = drive(render(db, "markers"), kFlameViews, "markers-views");
    ASSERT_TRUE(c.is_object());
    ASSERT_FALSE(c.contains("error")) << c.dump(2);
    expect_no_requests(c);
    const json& unfreed = c["unfreed"];
    EXPECT_EQ(unfreed["total"], json(0));
    EXPECT_EQ(unfreed["drawn"], json(0)) << "a stale graph is left: " << unfreed.dump();
    EXPECT_EQ(unfreed["frames"], json(0));
    EXPECT_TRUE(unfreed["chart_hidden"].get<bool>());
    ASSERT_TRUE(unfreed["empty"].is_string()) << unfreed.dump();
    EXPECT_NE(unfreed["empty"].get<std::string>().find("unfreed at exit"), std::string::npos) << unfreed.dump();
    // Peak: the table (512 B) and the batch buffer (256 B) were live; the work buffers were not.
    EXPECT_EQ(c["peak"]["total"].get<int64_t>(), totals.at("peak"));
    EXPECT_EQ(totals.at("peak"), 768);
    EXPECT_FALSE(drawn(c["peak"], "one_op"));
    EXPECT_TRUE(drawn(c["bytes"], "one_op"));
    for (const char* metric : {"count", "temporary", "bytes_again"}) {
        SCOPED_TRACE(metric);
        EXPECT_EQ(c[metric]["empty"], json(nullptr));
        EXPECT_FALSE(c[metric]["chart_hidden"].get<bool>());
        EXPECT_GT(c[metric]["drawn"].get<int>(), 1);
    }
    EXPECT_EQ(c["bytes_again"]["frames"], json(6));
    // No operator new or malloc in these stacks: nothing to hide, the toggles say so.
    EXPECT_FALSE(c["enabled"]["plumbing"].get<bool>());
    EXPECT_FALSE(c["enabled"]["interpreter"].get<bool>());
}

// ---- thread and phase filters --------------------------------------------------------------

// Chooses thread and phase filters (by the options' text) and metrics, and leaves each
// state as kFlameViews does; also the filters' choices and whether they are enabled.
const char* const kFlameFilters = R"js(
    const $ = function (id) { return document.getElementById(id); };
    const svg = $("flame-svg"), tip = $("tooltip");
    const names = function () {
      const out = [];
      Array.from(svg.querySelectorAll("g.frame:not(.ancestor)")).forEach(function (g) {
        const rect = g.querySelector("rect"), box = rect.getBoundingClientRect();
        g.dispatchEvent(new MouseEvent("mousemove", { bubbles: true, clientX: box.left + 1, clientY: box.top + 1 }));
        out.push(tip.querySelector(".t-fn").textContent);
      });
      return out;
    };
    const state = function () {
      return { total: Number(svg.dataset.total), scope: svg.dataset.scope, names: names(),
               hint: $("flame-hint-metric").textContent,
               empty: $("flame-empty").hidden ? null : $("flame-empty").textContent };
    };
    const choose = function (id, text) {
      const select = $(id);
      const option = Array.from(select.options).find(function (o) { return o.textContent === text; });
      if (!option) throw new Error(id + " has no option " + text);
      select.value = option.value;
      select.dispatchEvent(new Event("change"));
    };
    out.threads = Array.from($("flame-thread").options).map(function (o) { return o.textContent; });
    out.phases = Array.from($("flame-phase").options).map(function (o) { return o.textContent; });
    out.enabled = !$("flame-thread").disabled && !$("flame-phase").disabled;
    out.all = state();
    choose("flame-thread", WORKER);
    out.worker = state();
    choose("flame-thread", "all threads");
    choose("flame-phase", "load");
    out.load = state();
    $("flame-by-unfreed").click();
    out.load_unfreed = state();
    choose("flame-phase", "work");
    choose("flame-thread", MAIN);
    out.work_main_unfreed = state();
    $("flame-by-bytes").click();
    out.work_main = state();
    choose("flame-phase", "outside any phase");
    choose("flame-thread", "all threads");
    out.outside = state();
    choose("flame-phase", "all phases");
    out.all_again = state();
)js";

// samples/c/thread_phases.c: each filter draws exactly its slice of the run, the planted
// sites where they allocated, and the split adds up to the stacks.
TEST_F(ReportHtml, ThreadAndPhaseFiltersDrawTheirSlice) {
    auto rec = record_to_db({sample_binary("thread_phases").string()});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    const std::string html = render(db(), "thread-phases");
    RunDatabase run(db());
    // Every stack's slices add up to its stack_stats row, metric by metric.
    EXPECT_EQ(run.scalar("SELECT count(*) FROM (SELECT s.node_id FROM stack_stats s LEFT JOIN "
                         "(SELECT node_id, sum(allocations) a, sum(bytes_allocated) b, sum(live_at_peak_bytes) p, "
                         "sum(live_end_bytes) e, sum(temporary_k0) t FROM analysis_stack_slices GROUP BY node_id) x "
                         "ON x.node_id = s.node_id WHERE x.a IS NOT s.allocations OR x.b IS NOT s.bytes_allocated OR "
                         "x.p IS NOT s.live_at_peak_bytes OR x.e IS NOT s.live_end_bytes OR x.t IS NOT s.temporary_k0)"),
              0);
    EXPECT_EQ(run.scalar("SELECT stack_slices FROM analysis"), run.scalar("SELECT count(*) FROM analysis_stack_slices"));
    // The planted sites' slices: (thread, phase, allocations, bytes, unfreed bytes).
    const auto slices_of = [&](const std::string& function) {
        return run.query("SELECT x.thread, x.phase, sum(x.allocations), sum(x.bytes_allocated), sum(x.live_end_bytes) "
                         "FROM analysis_stack_slices x JOIN stack_sites ss ON ss.node_id = x.node_id JOIN sites s ON "
                         "s.site_id = ss.site_id WHERE s.function LIKE '" + function + "%' GROUP BY x.thread, x.phase");
    };
    const auto outside = slices_of("outside_buffers"), load = slices_of("load_records"),
               worker = slices_of("worker_items"), kept = slices_of("keep_results");
    for (const auto* rows : {&outside, &load, &worker, &kept}) ASSERT_EQ(rows->size(), 1u);
    const int64_t main_thread = outside[0].int64(0), worker_thread = worker[0].int64(0);
    EXPECT_NE(main_thread, worker_thread);
    const auto expect_slice = [&](const std::vector<Row>& rows, int64_t thread, const std::string& phase,
                                  int64_t allocations, int64_t bytes, int64_t unfreed) {
        EXPECT_EQ(rows[0].int64(0), thread);
        EXPECT_EQ(rows[0].text(1), phase);
        EXPECT_EQ(rows[0].int64(2), allocations);
        EXPECT_EQ(rows[0].int64(3), bytes);
        EXPECT_EQ(rows[0].int64(4), unfreed);
    };
    expect_slice(outside, main_thread, "", 3, 192, 0);
    expect_slice(load, main_thread, "load", 10, 1000, 0);
    expect_slice(worker, worker_thread, "work", 20, 960, 0);
    expect_slice(kept, main_thread, "work", 5, 5000, 5000);
    if (!chromium()) GTEST_SKIP() << kNoChromium;

    const std::string main_label = "thread " + std::to_string(main_thread);
    const std::string worker_label = "thread " + std::to_string(worker_thread);
    const std::string script = "const MAIN = " + json(main_label).dump() + ", WORKER = " + json(worker_label).dump() +
                               ";\n" + kFlameFilters;
    const json c = drive(html, script.c_str(), "thread-phases-filters");
    ASSERT_TRUE(c.is_object());
    ASSERT_FALSE(c.contains("error")) << c.dump(2);
    EXPECT_TRUE(c["enabled"].get<bool>());
    EXPECT_EQ(c["threads"], json({"all threads", main_label, worker_label}));
    EXPECT_EQ(c["phases"], json({"all phases", "outside any phase", "load", "work"}));

    // Each state's total is the database's sum of its slices.
    const auto sum = [&](const std::string& column, const std::string& where) {
        return run.scalar("SELECT coalesce(sum(" + column + "), 0) FROM analysis_stack_slices WHERE " + where);
    };
    const std::string of_main = "thread = " + std::to_string(main_thread);
    const std::string of_worker = "thread = " + std::to_string(worker_thread);
    EXPECT_EQ(c["all"]["total"].get<int64_t>(), run.scalar("SELECT sum(bytes_allocated) FROM stack_stats"));
    EXPECT_EQ(c["all"]["scope"], json(""));
    EXPECT_EQ(c["worker"]["total"].get<int64_t>(), sum("bytes_allocated", of_worker));
    EXPECT_EQ(c["load"]["total"].get<int64_t>(), sum("bytes_allocated", "phase = 'load'"));
    EXPECT_EQ(c["work_main"]["total"].get<int64_t>(), sum("bytes_allocated", of_main + " AND phase = 'work'"));
    EXPECT_EQ(c["work_main_unfreed"]["total"].get<int64_t>(), sum("live_end_bytes", of_main + " AND phase = 'work'"));
    EXPECT_EQ(c["outside"]["total"].get<int64_t>(), sum("bytes_allocated", "phase = ''"));
    EXPECT_EQ(c["all_again"]["total"], c["all"]["total"]);
    EXPECT_GE(c["worker"]["total"].get<int64_t>(), 960);
    EXPECT_GE(c["work_main_unfreed"]["total"].get<int64_t>(), 5000);

    // What each filter draws, and what it must not.
    const auto has = [&](const char* state, const char* function) {
        for (const json& n : c[state]["names"])
            if (n.get<std::string>().find(function) != std::string::npos) return true;
        return false;
    };
    EXPECT_TRUE(has("worker", "worker_items"));
    for (const char* f : {"keep_results", "load_records", "outside_buffers"}) EXPECT_FALSE(has("worker", f)) << f;
    EXPECT_TRUE(has("load", "load_records"));
    for (const char* f : {"keep_results", "worker_items", "outside_buffers"}) EXPECT_FALSE(has("load", f)) << f;
    EXPECT_TRUE(has("work_main", "keep_results"));
    EXPECT_FALSE(has("work_main", "worker_items"));
    EXPECT_FALSE(has("work_main", "load_records"));
    EXPECT_TRUE(has("work_main_unfreed", "keep_results"));
    EXPECT_TRUE(has("outside", "outside_buffers"));
    EXPECT_FALSE(has("outside", "load_records"));
    for (const char* f : {"keep_results", "worker_items", "load_records", "outside_buffers"}) EXPECT_TRUE(has("all", f)) << f;
    EXPECT_EQ(c["worker"]["scope"], json(worker_label));
    EXPECT_EQ(c["work_main"]["scope"], json(main_label + ", phase work"));
    EXPECT_NE(c["work_main"]["hint"].get<std::string>().find("(" + main_label + ", phase work only)"), std::string::npos)
        << c["work_main"].dump();
    // Nothing allocated in "load" stayed: the filter's own empty state, not the run's.
    if (sum("live_end_bytes", "phase = 'load'") == 0) {
        ASSERT_TRUE(c["load_unfreed"]["empty"].is_string()) << c["load_unfreed"].dump();
        EXPECT_NE(c["load_unfreed"]["empty"].get<std::string>().find("for phase load"), std::string::npos);
    }
}

// One thread and no phase: nothing to filter, and the page says so; so does an analysis
// stored before the split was kept.
TEST_F(ReportHtml, FiltersAreOffWhenThereIsNothingToSplit) {
    auto rec = record_to_db({sample_binary("alloc_patterns").string()});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    std::string html = render(db(), "one-thread");
    {
        RunDatabase run(db());
        EXPECT_EQ(run.scalar("SELECT stack_slices FROM analysis"), 0);
        EXPECT_EQ(run.scalar("SELECT count(*) FROM analysis_stack_slices"), 0);
    }
    EXPECT_NE(html.find("<select id=\"flame-thread\" disabled title=\"one allocating thread and no phase in this run\">"),
              std::string::npos);
    EXPECT_NE(html.find("\"split\":false"), std::string::npos);
    execute_sql_file(db(), "UPDATE analysis SET stack_slices = -1");
    html = render(db(), "not-stored");
    EXPECT_NE(html.find("<select id=\"flame-phase\" disabled title=\"this run was analysed by an earlier allocprof: "
                        "run allocprof analyze again to filter by thread and phase\">"),
              std::string::npos);
}

// Debian's lua5.4 (stripped: its own frames are lua5.4+0x... under the script frames):
// hiding the interpreter leaves no frame of its module under a script frame, hiding the
// start-up removes luaL_openlibs, and neither changes the total.
TEST_F(ReportHtml, InterpreterInternalsAndStartUpCanBeHidden) {
    const auto lua = find_on_path("lua5.4");
    if (!lua) GTEST_SKIP() << "lua5.4 not installed";
    auto rec = record_to_db({lua->string(), (samples_source_dir() / "lua" / "churn.lua").string(), "50"});
    ASSERT_TRUE(rec.process.exited_with(0)) << rec.process.describe();
    const std::string html = render(db(), "lua");
    if (!chromium()) GTEST_SKIP() << kNoChromium;
    const json c = drive(html, kFlameViews, "lua-views");
    ASSERT_TRUE(c.is_object());
    ASSERT_FALSE(c.contains("error")) << c.dump(2);
    expect_no_requests(c);
    ASSERT_TRUE(c["enabled"]["interpreter"].get<bool>());
    ASSERT_TRUE(c["enabled"]["startup"].get<bool>());
    // The interpreter's module: where its start-up function is.
    std::string interpreter;
    for (const DrawnFrame& f : frames_of(c["bytes"]))
        if (f.name == "luaL_openlibs") interpreter = f.module;
    ASSERT_FALSE(interpreter.empty()) << "no luaL_openlibs frame drawn";
    auto of_interpreter = [&](const json& state) {
        int64_t n = 0;
        for (const DrawnFrame& f : under_script_frames(state)) n += f.module == interpreter;
        return n;
    };
    EXPECT_GT(of_interpreter(c["bytes"]), 0) << "no frame of " << interpreter << " under a script frame to hide";
    // The states: interpreter hidden, then the start-up hidden as well (plumbing shown).
    EXPECT_EQ(of_interpreter(c["no_interpreter"]), 0);
    EXPECT_FALSE(under_script_frames(c["no_interpreter"]).empty()) << "the script frames' callees are gone too";
    EXPECT_TRUE(drawn(c["no_interpreter"], "luaL_openlibs")) << "a start-up stack runs no script: kept";
    EXPECT_FALSE(drawn(c["no_startup"], "luaL_openlibs"));
    for (const char* state : {"no_interpreter", "no_startup"})
        EXPECT_EQ(c[state]["total"], c["bytes"]["total"]) << state << ": hiding frames must not change the total";
    EXPECT_EQ(c["bytes"]["total"].get<int64_t>(), metric_totals(db()).at("bytes"));
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
                     "INSERT INTO stack_stats(run_id, node_id, allocations, bytes_allocated, frees, reallocs, "
                     "live_end_blocks, live_end_bytes, live_at_peak_bytes, max_live_bytes, temporary_k0, "
                     "temporary_k1, min_size, max_size) SELECT 1, 100000 + i, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1 FROM n;");
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
