/* report.js — the script of allocprof's HTML report (reports/html_report.h), inlined into
   every page. It draws the flame graph and the memory chart from the JSON in
   <script id="report-data"> and makes the tables sortable. No library, no network.

   Contract with the tests (tests/e2e/report_html_test.cpp): any error is written into
   the pre#errors element, and document.body.dataset.ready is set to "1" only once everything has
   been drawn without one. */
"use strict";
(function () {
  function showError(text) {
    const pre = document.getElementById("errors");
    if (!pre) return;
    pre.hidden = false;
    pre.textContent += text + "\n";
  }
  window.onerror = function (message, source, line, column, error) {
    showError("error: " + message + (line ? " (line " + line + ":" + column + ")" : "") +
              (error && error.stack ? "\n" + error.stack : ""));
    return false;
  };
  window.addEventListener("unhandledrejection", function (e) { showError("unhandled rejection: " + e.reason); });

  const SVGNS = "http://www.w3.org/2000/svg";
  const $ = function (id) { return document.getElementById(id); };

  // ---- formatting (the units of the markdown report: 1 KB = 1024 B) --------------------

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  const UNITS = ["B", "KB", "MB", "GB", "TB"];
  function fmtBytes(v) {
    if (!v) return "0 B";
    let x = Math.abs(v), u = 0;
    while (x >= 1024 && u < UNITS.length - 1) { x /= 1024; ++u; }
    const s = u === 0 ? String(Math.round(x)) : x >= 100 ? x.toFixed(0) : x.toFixed(1);
    return (v < 0 ? "-" : "") + s.replace(/\.0$/, "") + " " + UNITS[u];
  }
  function fmtCount(n) { return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
  function fmtPct(f) {
    if (!(f > 0)) return "0 %";
    if (f < 0.001) return "< 0.1 %";
    return (f >= 0.1 ? (f * 100).toFixed(0) : (f * 100).toFixed(1)) + " %";
  }
  function fmtTime(ns) {
    if (ns === 0) return "0";
    if (ns < 1e6) return (ns / 1e3).toFixed(ns < 1e4 ? 1 : 0) + " µs";
    if (ns < 1e9) return (ns / 1e6).toFixed(ns < 1e7 ? 1 : 0) + " ms";
    return (ns / 1e9).toFixed(ns < 1e10 ? 2 : 1) + " s";
  }
  // About `count` round ticks from 0 to at least max; `base` 1024 gives byte-friendly steps.
  function ticks(max, count, base) {
    if (!(max > 0)) return [0];
    let unit = 1;
    if (base === 1024) while (max / unit >= 1024) unit *= 1024;
    const m = max / unit;
    const raw = m / count, p = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = (raw / p <= 1 ? 1 : raw / p <= 2 ? 2 : raw / p <= 5 ? 5 : 10) * p;
    const out = [0];
    for (let i = 1; out[out.length - 1] < max && i < 1000; ++i) out.push(i * step * unit);
    return out;
  }
  function el(name, attrs, parent) {
    const e = document.createElementNS(SVGNS, name);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function width(container, fallback) {
    const w = container.clientWidth;
    return w > 100 ? w : fallback;
  }

  // ---- tooltip ----------------------------------------------------------------------------

  const tip = $("tooltip");
  function showTip(html, ev) {
    tip.innerHTML = html;
    tip.hidden = false;
    const r = tip.getBoundingClientRect();
    let x = ev.clientX + 14, y = ev.clientY + 14;
    if (x + r.width > window.innerWidth - 8) x = Math.max(8, ev.clientX - r.width - 14);
    if (y + r.height > window.innerHeight - 8) y = Math.max(8, ev.clientY - r.height - 14);
    tip.style.left = x + "px";
    tip.style.top = y + "px";
  }
  function hideTip() { tip.hidden = true; }

  // ---- sortable tables --------------------------------------------------------------------

  function makeSortable(table) {
    const head = table.tHead && table.tHead.rows[0];
    if (!head) return;
    Array.prototype.forEach.call(head.cells, function (th, col) {
      const go = function () { sortTable(table, col, th); };
      th.addEventListener("click", go);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); go(); } });
    });
  }
  function sortTable(table, col, th) {
    const body = table.tBodies[0];
    const rows = Array.prototype.slice.call(body.rows);
    const numeric = rows.length > 0 && rows.every(function (r) { return r.cells[col] && r.cells[col].dataset.v !== undefined; });
    const now = th.getAttribute("aria-sort");
    const dir = now === "descending" ? "ascending" : now === "ascending" ? "descending"
              : th.dataset.type === "num" ? "descending" : "ascending";
    Array.prototype.forEach.call(th.parentNode.cells, function (c) { c.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir);
    const sign = dir === "ascending" ? 1 : -1;
    const keyed = rows.map(function (r, i) {
      const c = r.cells[col];
      return { r: r, i: i, k: numeric ? parseFloat(c.dataset.v) : (c ? c.textContent.trim().toLowerCase() : "") };
    });
    keyed.sort(function (a, b) {
      if (a.k < b.k) return -sign;
      if (a.k > b.k) return sign;
      return a.i - b.i;
    });
    keyed.forEach(function (k) { body.appendChild(k.r); });
  }

  // ---- flame graph ------------------------------------------------------------------------

  // The metrics, in the order of the data's value arrays (html_report.cpp, view_data).
  // `of` ends the search status ("95 % of bytes"); `empty` is the empty state's reason.
  const METRICS = [
    { id: "count", bytes: false, noun: "allocations", of: "allocations",
      empty: "the run made no allocation" },
    { id: "bytes", bytes: true, noun: "allocated", of: "bytes",
      empty: "the run allocated no bytes" },
    { id: "peak", bytes: true, noun: "live at the peak", of: "bytes live at the peak",
      empty: "no block was live when the heap peaked" },
    { id: "unfreed", bytes: true, noun: "unfreed at exit", of: "bytes unfreed at exit",
      empty: "every block was freed before the run ended" },
    { id: "temporary", bytes: false, noun: "temporary allocations", of: "temporary allocations",
      empty: "no allocation was temporary (freed before its thread allocated again)" },
  ];
  // Frame flags (html_report.cpp): what the toggles hide.
  const PLUMBING = 1, INTERPRETER = 2, STARTUP = 4, SCRIPT = 8;

  const ROW = 18;
  function Flame(data) {
    this.data = data;
    this.metric = 1;        // index into METRICS: bytes allocated
    this.inverted = false;  // allocation points first: the innermost frame under the root
    this.hide = { plumbing: false, interpreter: false, startup: false };
    this.thread = null;     // index into data.threads: only that thread's allocations; null: all
    this.phase = null;      // index into data.phases: only what was allocated in that phase
    this.zoom = null;       // the frame drawn full width; null: the root
    this.query = null;      // RegExp of the search box
    const F = data;
    const flags = function (st, bit) { return st[1].some(function (fi) { return F.frames[fi][5] & bit; }); };
    // What each toggle could hide in this run (a toggle with nothing to hide is disabled).
    this.can = {
      plumbing: F.stacks.some(function (st) { return flags(st, PLUMBING); }),
      interpreter: F.stacks.some(function (st) { return flags(st, SCRIPT) && flags(st, INTERPRETER); }),
      startup: F.stacks.some(function (st) { return flags(st, STARTUP); }),
    };
    this.svg = $("flame-svg");
    this.box = $("flame-chart");
    this.build();
  }
  Flame.prototype.node = function (parent, name, module, key) {
    const n = { id: this.nodes.length, parent: parent, name: name, module: module, key: key,
                kids: new Map(), list: [], v: 0, locs: [], moreLocs: false, inlined: false, omitted: false };
    this.nodes.push(n);
    return n;
  };
  // The frames of a stack the toggles leave, root first (hidden frames' children go to
  // their parent, so every stack keeps its whole value): plumbing frames; the interpreter's
  // native frames of a stack that runs a script; the start-up function and all it calls.
  Flame.prototype.path = function (st) {
    const F = this.data, hide = this.hide;
    const scripted = hide.interpreter && st[1].some(function (fi) { return F.frames[fi][5] & SCRIPT; });
    const out = [];
    for (const fi of st[1]) {
      const fl = F.frames[fi][5];
      if (hide.startup && (fl & STARTUP)) break;
      if (hide.plumbing && (fl & PLUMBING)) continue;
      if (scripted && (fl & INTERPRETER)) continue;
      out.push(fi);
    }
    return this.inverted ? out.reverse() : out;
  };
  // A stack's (or the omitted stacks') value of the chosen metric under the thread and
  // phase filters: the sum of its slices that pass them (html_report.cpp, view_data).
  Flame.prototype.valueOf = function (values, slices) {
    const m = this.metric;
    if (this.thread === null && this.phase === null) return values[m];
    let v = 0;
    for (const sl of slices || []) {
      if ((this.thread === null || sl[0] === this.thread) && (this.phase === null || sl[1] === this.phase)) v += sl[2][m];
    }
    return v;
  };
  // What the filters leave, in words: "" (the whole run), "thread 2", "phase compile", both.
  Flame.prototype.scope = function () {
    const F = this.data, parts = [];
    if (this.thread !== null) parts.push("thread " + F.threads[this.thread]);
    if (this.phase !== null) parts.push(F.phases[this.phase] === "" ? "outside any phase" : "phase " + F.phases[this.phase]);
    return parts.join(", ");
  };
  // Merges the stacks that have some of the chosen metric into a tree of frames, one node
  // per (module, function) under a given parent; children in name order, so the layout
  // does not depend on weight. A stack with none of the metric is not in its tree.
  Flame.prototype.build = function () {
    const F = this.data, m = this.metric;
    this.nodes = [];
    this.zoom = null;
    const root = this.node(null, "all", "", "");
    for (const st of F.stacks) {
      const v = this.valueOf(st[0], st[2]);
      if (!(v > 0)) continue;
      let n = root;
      n.v += v;
      for (const fi of this.path(st)) {
        const f = F.frames[fi], key = f[0] + "\u0000" + f[1];
        let c = n.kids.get(key);
        if (!c) { c = this.node(n, f[1], f[0], key); n.kids.set(key, c); }
        c.v += v;
        if (f[4]) c.inlined = true;
        const loc = f[2] ? f[2] + ":" + f[3] : "";
        if (loc && c.locs.indexOf(loc) < 0) { if (c.locs.length < 6) c.locs.push(loc); else c.moreLocs = true; }
        n = c;
      }
    }
    const omitted = F.omitted.stacks > 0 ? this.valueOf(F.omitted.values, F.omitted.slices) : 0;
    if (omitted > 0) {
      const o = this.node(root, "[" + fmtCount(F.omitted.stacks) + " lighter stacks not drawn]", "", "\u0001");
      o.omitted = true; o.v = omitted;
      root.v += o.v;
      root.kids.set(o.key, o);
    }
    for (const n of this.nodes) {
      n.list = Array.from(n.kids.values()).sort(function (x, y) {
        if (x.omitted !== y.omitted) return x.omitted ? 1 : -1;
        return x.name < y.name ? -1 : x.name > y.name ? 1 : x.module < y.module ? -1 : x.module > y.module ? 1 : 0;
      });
      n.kids = null;
    }
    this.root = root;
  };
  // A value in the chosen metric's units: "23.1 KB allocated", "300 allocations".
  Flame.prototype.value = function (v) {
    const M = METRICS[this.metric];
    return M.bytes ? fmtBytes(v) + " " + M.noun : fmtCount(v) + " " + M.noun;
  };
  function hash(s) {
    let h = 2166136261;
    for (let i = 0; i < s.length; ++i) { h ^= s.charCodeAt(i); h = Math.imul(h, 16777619); }
    return h >>> 0;
  }
  // Warm colours for the program's own code, cool ones for shared libraries, grey for the
  // unnamed (module+0xoffset) and the root.
  Flame.prototype.color = function (n) {
    if (n === this.root) return "#c3cad2";
    const h = hash(n.name);
    if (/\+0x[0-9a-f]+$/.test(n.name)) return "hsl(210,10%," + (72 + (h % 10)) + "%)";
    const lib = /\.so(\.|$)/.test(n.module) || n.module.charAt(0) === "[";
    const hue = lib ? 190 + (h % 35) : 10 + (h % 40);
    const light = (lib ? 68 : 60) + ((h >>> 8) % 12);
    return "hsl(" + hue + "," + (lib ? 42 : 78) + "%," + light + "%)";
  };
  Flame.prototype.matches = function (n) {
    return this.query !== null && n !== this.root && !n.omitted && this.query.test(n.name);
  };
  Flame.prototype.frame = function (g, n, x, w, depth, cls) {
    const m = this.matches(n);
    const f = el("g", { "class": "frame" + (cls ? " " + cls : "") + (m ? " match" : "") + (n.omitted ? " omitted" : ""),
                        "data-id": n.id }, g);
    el("rect", { x: x.toFixed(2), y: depth * ROW, width: Math.max(w, 0.5).toFixed(2), height: ROW - 1,
                 fill: this.color(n) }, f);
    if (w > 24) {
      // The label only: the tooltip has the full name. The root says the total.
      const name = n === this.root ? "all: " + this.value(n.v) : n.name.replace(/\(anonymous namespace\)::/g, "");
      const chars = Math.floor((w - 6) / 6.7);
      const label = name.length > chars ? name.slice(0, Math.max(chars - 1, 1)) + "…" : name;
      const t = el("text", { x: (x + 3).toFixed(2), y: depth * ROW + 12.5 }, f);
      t.textContent = label;
    }
  };
  Flame.prototype.render = function () {
    const svg = this.svg, W = width(this.box, 1200), M = METRICS[this.metric];
    clear(svg);
    svg.dataset.metric = M.id;
    svg.dataset.inverted = this.inverted ? "1" : "0";
    svg.dataset.total = String(this.root.v);
    svg.dataset.scope = this.scope();
    const empty = $("flame-empty");
    if (!(this.root.v > 0)) {
      // Nothing of this metric: say so, draw nothing (never the previous metric's graph).
      const scope = this.scope();
      empty.textContent = scope ? "Nothing to draw by " + M.of + " for " + scope + ": it has none of them."
                                : "Nothing to draw by " + M.of + ": " + M.empty + ".";
      empty.hidden = false;
      this.box.hidden = true;
      svg.setAttribute("width", 0);
      svg.setAttribute("height", 0);
      svg.dataset.frames = "0";
      this.status();
      return;
    }
    empty.hidden = true;
    this.box.hidden = false;
    const g = el("g", {}, svg);
    const z = this.zoom || this.root;
    const chain = [];
    for (let p = z.parent; p; p = p.parent) chain.unshift(p);
    chain.forEach(function (n, i) { this.frame(g, n, 0, W, i, "ancestor"); }, this);
    let maxDepth = chain.length;
    let drawn = 0;
    const self = this;
    const scale = z.v > 0 ? W / z.v : 0;
    (function walk(n, x, w, depth) {
      self.frame(g, n, x, w, depth, "");
      ++drawn;
      if (depth > maxDepth) maxDepth = depth;
      let cx = x;
      for (const c of n.list) {
        const cw = c.v * scale;
        if (cw >= 0.5) walk(c, cx, cw, depth + 1);
        cx += cw;
      }
    })(z, 0, W, chain.length);
    const H = (maxDepth + 1) * ROW + 1;
    svg.setAttribute("width", W);
    svg.setAttribute("height", H);
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    svg.dataset.frames = String(drawn);
    this.status();
  };
  // The share the matching frames hold (outermost matches only, so nothing counts twice).
  Flame.prototype.status = function () {
    const parts = [];
    const total = this.root.v;
    if (!(total > 0)) { $("flame-status").textContent = ""; return; }
    if (this.zoom) parts.push("zoomed into " + this.zoom.name + " (" + fmtPct(this.zoom.v / total) + ")");
    if (this.query !== null) {
      let sum = 0, count = 0;
      const stack = [this.root];
      while (stack.length) {
        const n = stack.pop();
        if (this.matches(n)) { sum += n.v; ++count; continue; }
        for (const c of n.list) stack.push(c);
      }
      parts.push(count ? "matched " + fmtCount(count) + (count === 1 ? " frame, " : " frames, ") + fmtPct(sum / total) + " of " +
                 METRICS[this.metric].of : "no frame matches");
    }
    $("flame-status").textContent = parts.join(" · ");
  };
  Flame.prototype.tooltip = function (n, ev) {
    const total = this.root.v;
    let html = "<div class='t-fn'><b>" + esc(n.name) + "</b></div>";
    if (n !== this.root && !n.omitted) {
      html += "<div>" + (n.locs.length ? esc(n.locs.join(", ")) + (n.moreLocs ? ", …" : "")
                                        : "<span class='t-dim'>no source line</span>") + "</div>";
      html += "<div class='t-dim'>" + esc(n.module || "?") + (n.inlined ? " · inlined" : "") + "</div>";
    }
    html += "<div class='t-v'>" + esc(this.value(n.v)) + (METRICS[this.metric].bytes ? " (" + fmtCount(n.v) + " B)" : "") +
            ", " + fmtPct(total ? n.v / total : 0) + " of " + (this.scope() ? "what " + this.scope() + " holds" : "the run's") + "</div>";
    if (this.zoom && n !== this.zoom && this.zoom.v > 0 && n.v <= this.zoom.v)
      html += "<div class='t-dim'>" + fmtPct(n.v / this.zoom.v) + " of the zoomed frame</div>";
    html += "<div class='t-dim'>" + (n === (this.zoom || this.root) ? "" : "click to zoom") + "</div>";
    showTip(html, ev);
  };
  Flame.prototype.setQuery = function (text) {
    text = text.trim();
    this.query = null;
    if (text) {
      const re = /^\/(.+)\/([a-z]*)$/.exec(text);
      try {
        this.query = re ? new RegExp(re[1], re[2].replace(/g/g, "")) :
                          new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "i");
      } catch (e) {
        this.query = null;
        this.render();
        $("flame-status").textContent = "not a regular expression: " + text;
        return;
      }
    }
    this.render();
  };
  // The controls' state as the page shows it (pressed buttons, hint text).
  Flame.prototype.controls = function () {
    const self = this;
    METRICS.forEach(function (M, i) {
      const b = $("flame-by-" + M.id);
      b.classList.toggle("on", i === self.metric);
      b.setAttribute("aria-pressed", i === self.metric ? "true" : "false");
    });
    const inv = $("flame-invert");
    inv.classList.toggle("on", this.inverted);
    inv.setAttribute("aria-pressed", this.inverted ? "true" : "false");
    $("flame-hint-order").textContent = this.inverted
      ? "Inverted: the allocating frames at the top, their callers below them"
      : "Root at the top, callers above callees";
    $("flame-hint-metric").textContent = METRICS[this.metric].of + (this.scope() ? " (" + this.scope() + " only)" : "");
  };
  Flame.prototype.rebuild = function () {
    this.build();
    this.controls();
    this.render();
  };
  Flame.prototype.wire = function () {
    const self = this;
    const byId = function (ev) {
      const g = ev.target.closest ? ev.target.closest("g.frame") : null;
      return g ? self.nodes[+g.getAttribute("data-id")] : null;
    };
    this.svg.addEventListener("mousemove", function (ev) { const n = byId(ev); if (n) self.tooltip(n, ev); else hideTip(); });
    this.svg.addEventListener("mouseleave", hideTip);
    this.svg.addEventListener("click", function (ev) {
      const n = byId(ev);
      if (!n) return;
      self.zoom = n === self.root ? null : n;
      hideTip();
      self.render();
    });
    METRICS.forEach(function (M, i) {
      $("flame-by-" + M.id).addEventListener("click", function () { self.metric = i; self.rebuild(); });
    });
    $("flame-invert").addEventListener("click", function () { self.inverted = !self.inverted; self.rebuild(); });
    ["plumbing", "interpreter", "startup"].forEach(function (what) {
      const box = $("flame-hide-" + what);
      box.disabled = !self.can[what];
      if (!self.can[what]) box.parentNode.title = "nothing of this kind in this run's stacks";
      box.addEventListener("change", function () { self.hide[what] = box.checked; self.rebuild(); });
    });
    [["thread", "flame-thread"], ["phase", "flame-phase"]].forEach(function (pair) {
      const select = $(pair[1]);
      select.addEventListener("change", function () {
        self[pair[0]] = select.value === "" ? null : +select.value;
        self.rebuild();
      });
    });
    $("flame-reset").addEventListener("click", function () { self.zoom = null; self.render(); });
    $("flame-search").addEventListener("input", function (ev) { self.setQuery(ev.target.value); });
    document.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape" && self.zoom) { self.zoom = null; self.render(); }
    });
    Array.prototype.forEach.call(document.querySelectorAll("a.find"), function (a) {
      a.addEventListener("click", function () {
        const text = a.getAttribute("data-find");
        $("flame-search").value = text;
        self.setQuery(text);
      });
    });
    this.controls();
  };

  // ---- memory over time ---------------------------------------------------------------------

  const BANDS = [[99, 132, 255], [46, 160, 67], [232, 150, 40], [170, 90, 200], [0, 160, 170], [200, 70, 90]];
  function Memory(data) {
    this.data = data;
    this.svg = $("memory-svg");
    this.box = $("memory-chart");
    const s = data.samples;
    // By time when the series has a few samples over a time span; a short run has one or
    // two, and then the event index (which the phases have exactly) is the better axis.
    this.axis = s.length >= 3 && s[s.length - 1][0] > s[0][0] ? "time" : "events";
  }
  Memory.prototype.render = function () {
    const D = this.data, svg = this.svg, W = width(this.box, 1200), H = 340;
    const L = 72, R = 72, T = 34, B = 34;
    const time = this.axis === "time";
    const X = time ? 0 : 1;
    clear(svg);
    svg.setAttribute("width", W);
    svg.setAttribute("height", H);
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    $("mem-by-time").classList.toggle("on", time);
    $("mem-by-events").classList.toggle("on", !time);

    const pts = D.samples.slice();
    // Nothing is live before the first event: the live line starts at zero.
    if (pts.length === 0 || (pts[0][0] > 0 && pts[0][1] > 0)) pts.unshift([0, 0, 0, 0, null]);
    const peakX = time ? D.peak.ns : D.peak.event;
    let xmax = 1, live = 1, rss = 1;
    for (const p of pts) { xmax = Math.max(xmax, p[X]); live = Math.max(live, p[2]); if (p[4] !== null) rss = Math.max(rss, p[4]); }
    for (const ph of D.phases) xmax = Math.max(xmax, time ? ph[2] : ph[4]);
    if (peakX !== null) { xmax = Math.max(xmax, peakX); live = Math.max(live, D.peak.bytes); }
    const liveTicks = ticks(live * 1.04, 5, 1024), rssTicks = ticks(rss * 1.04, 5, 1024), xTicks = ticks(xmax, 8, 10);
    const liveTop = liveTicks[liveTicks.length - 1] || 1, rssTop = rssTicks[rssTicks.length - 1] || 1;
    const xTop = Math.max(xmax, 1);
    const pw = W - L - R, ph = H - T - B;
    const sx = function (v) { return L + (v / xTop) * pw; };
    const sl = function (v) { return T + ph - (v / liveTop) * ph; };
    const sr = function (v) { return T + ph - (v / rssTop) * ph; };

    // Grid and axes.
    const grid = el("g", { "class": "grid" }, svg);
    for (const v of liveTicks) el("line", { x1: L, x2: L + pw, y1: sl(v), y2: sl(v) }, grid);
    const axis = el("g", { "class": "axis" }, svg);
    el("path", { d: "M" + L + "," + T + "V" + (T + ph) + "H" + (L + pw) + "V" + T }, axis);
    for (const v of liveTicks) {
      const t = el("text", { x: L - 6, y: sl(v) + 4, "text-anchor": "end", fill: "#2360b5" }, axis);
      t.textContent = fmtBytes(v);
    }
    for (const v of rssTicks) {
      const t = el("text", { x: L + pw + 6, y: sr(v) + 4, "text-anchor": "start", fill: "#b9691a" }, axis);
      t.textContent = fmtBytes(v);
    }
    for (const v of xTicks) {
      if (v > xTop) break;
      el("line", { x1: sx(v), x2: sx(v), y1: T + ph, y2: T + ph + 4 }, axis);
      const t = el("text", { x: sx(v), y: T + ph + 16, "text-anchor": "middle" }, axis);
      t.textContent = time ? fmtTime(v) : fmtCount(v);
    }
    const xl = el("text", { x: L + pw, y: H - 4, "text-anchor": "end" }, axis);
    xl.textContent = time ? "time since tracking started" : "events recorded";

    // Phases: shaded bands, names above the plot (alternating rows so neighbours do not collide).
    const names = [];
    const bands = el("g", { "class": "phases" }, svg);
    D.phases.forEach(function (p, i) {
      let k = names.indexOf(p[0]);
      if (k < 0) { k = names.length; names.push(p[0]); }
      const c = BANDS[k % BANDS.length];
      const x0 = sx(time ? p[1] : p[3]), x1 = sx(time ? p[2] : p[4]);
      const g = el("g", { "class": "phase-band", "data-phase": p[0] }, bands);
      el("rect", { x: x0.toFixed(2), y: T, width: Math.max(x1 - x0, 1).toFixed(2), height: ph,
                   fill: "rgba(" + c.join(",") + ",.16)", stroke: "rgba(" + c.join(",") + ",.55)" }, g);
      const label = el("text", { x: (x0 + 2).toFixed(2), y: i % 2 ? T - 6 : T - 19 }, g);
      label.textContent = p[0];
    });

    // Lines: live heap (with a light area) and RSS.
    let liveD = "", rssD = "";
    for (const p of pts) {
      liveD += (liveD ? "L" : "M") + sx(p[X]).toFixed(2) + "," + sl(p[2]).toFixed(2);
      if (p[4] !== null) rssD += (rssD ? "L" : "M") + sx(p[X]).toFixed(2) + "," + sr(p[4]).toFixed(2);
    }
    if (pts.length) {
      const last = pts[pts.length - 1], first = pts[0];
      el("path", { "class": "mem-area live", d: liveD + "L" + sx(last[X]).toFixed(2) + "," + (T + ph) + "L" +
                   sx(first[X]).toFixed(2) + "," + (T + ph) + "Z" }, svg);
    }
    if (rssD) el("path", { "class": "mem-line rss", d: rssD }, svg);
    el("path", { "class": "mem-line live", d: liveD }, svg);

    if (peakX !== null && D.peak.bytes > 0) {
      const g = el("g", { "class": "peak-mark" }, svg);
      const px = sx(peakX), py = sl(D.peak.bytes);
      el("circle", { cx: px.toFixed(2), cy: py.toFixed(2), r: 4.5 }, g);
      const t = el("text", { x: (px + (px > L + pw - 140 ? -8 : 8)).toFixed(2), y: (py + (py < T + 14 ? 14 : -6)).toFixed(2),
                             "text-anchor": px > L + pw - 140 ? "end" : "start" }, g);
      t.textContent = "peak live " + fmtBytes(D.peak.bytes);
    }

    // Hover: the nearest sample and the phases at that point.
    const cursor = el("g", { "class": "cursor", visibility: "hidden" }, svg);
    const cline = el("line", { y1: T, y2: T + ph }, cursor);
    const hit = el("rect", { x: L, y: T, width: pw, height: ph, fill: "transparent" }, svg);
    hit.addEventListener("mousemove", function (ev) {
      const box = svg.getBoundingClientRect();
      const v = ((ev.clientX - box.left) - L) / pw * xTop;
      let best = pts[0];
      for (const p of pts) if (Math.abs(p[X] - v) < Math.abs(best[X] - v)) best = p;
      cline.setAttribute("x1", sx(best[X]));
      cline.setAttribute("x2", sx(best[X]));
      cursor.setAttribute("visibility", "visible");
      const inPhases = D.phases.filter(function (p) { return time ? p[1] <= v && v <= p[2] : p[3] <= v && v < p[4]; })
                               .map(function (p) { return p[0]; });
      let html = "<div><b>" + (time ? fmtTime(best[0]) : "event " + fmtCount(best[1])) + "</b> <span class='t-dim'>" +
                 (time ? "event " + fmtCount(best[1]) : fmtTime(best[0])) + "</span></div>";
      html += "<div>live heap " + esc(fmtBytes(best[2])) + " in " + fmtCount(best[3]) + " blocks</div>";
      html += "<div>RSS " + (best[4] === null ? "-" : esc(fmtBytes(best[4]))) + "</div>";
      if (inPhases.length) html += "<div class='t-dim'>phase " + esc(inPhases.join(", ")) + "</div>";
      showTip(html, ev);
    });
    hit.addEventListener("mouseleave", function () { cursor.setAttribute("visibility", "hidden"); hideTip(); });

    let note = fmtCount(D.recorded_samples) + (D.recorded_samples === 1 ? " memory sample" : " memory samples") +
               " (about one per 10 ms)";
    if (D.samples.length < D.recorded_samples) note += ", " + fmtCount(D.samples.length) + " drawn (the highest of each stretch)";
    note += "; " + fmtCount(D.phases.length) + " phase" + (D.phases.length === 1 ? "" : "s") + " marked";
    if (D.peak_rss !== null) note += "; peak RSS " + fmtBytes(D.peak_rss);
    if (D.samples.length < 3) note += ". A short run has few samples: the peak marker shows the true maximum (t-gmax).";
    $("memory-note").textContent = note;
  };
  Memory.prototype.wire = function () {
    const self = this;
    $("mem-by-time").addEventListener("click", function () { self.axis = "time"; self.render(); });
    $("mem-by-events").addEventListener("click", function () { self.axis = "events"; self.render(); });
  };

  // ---- start ----------------------------------------------------------------------------

  function init() {
    const data = JSON.parse($("report-data").textContent);
    Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), makeSortable);
    const flame = new Flame(data.flame);
    flame.wire();
    flame.render();
    const memory = new Memory(data.memory);
    memory.wire();
    memory.render();
    let pending = 0;
    window.addEventListener("resize", function () {
      clearTimeout(pending);
      pending = setTimeout(function () { flame.render(); memory.render(); }, 150);
    });
    document.body.dataset.ready = "1";
  }
  try {
    init();
  } catch (e) {
    showError("error: " + (e && e.stack ? e.stack : e));
  }
})();
