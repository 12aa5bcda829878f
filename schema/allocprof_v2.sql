-- allocprof run database, schema version 2.
--
-- One SQLite file holds one or more recorded runs (a suite stores one run per scenario
-- and repetition). `PRAGMA application_id` is 0x41505246 ("APRF") and
-- `PRAGMA user_version` is the schema version; every allocprof command checks both and
-- refuses a file that does not match, so a newer or foreign file is never misread.
--
-- Units: sizes in bytes, times in nanoseconds unless a column says otherwise.
-- "Written by" names the pipeline stage that fills the table (README.md, "Pipeline").
-- Identifiers that must not mix have their own column names: node_id (a stack trie node),
-- module_id, phase_id, chunk_index, site_id.
--
-- Every statement is idempotent (IF NOT EXISTS): a table a later stage writes (symbols,
-- sites, analysis) is created, if the file lacks it, by the first command that writes it,
-- through schema::Database::add_missing_tables(). A file of another schema version is
-- refused (version 1 files: record them again).

-- Key/value facts about the file itself.  Written by: record/.
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,  -- 'application' = 'allocprof', 'created_by' = tool version
    value TEXT NOT NULL
);

-- One row per recorded run.  Written by: record/; the counters are computed
-- during ingest from the event stream, so they are available without any analysis.
CREATE TABLE IF NOT EXISTS runs (
    run_id                    INTEGER PRIMARY KEY,
    scenario                  TEXT,             -- --scenario NAME, NULL when not given
    command                   TEXT NOT NULL,    -- JSON array of the argv that was run
    cwd                       TEXT NOT NULL,    -- working directory of the target
    hostname                  TEXT NOT NULL,
    tool_version              TEXT NOT NULL,    -- allocprof version that recorded the run
    wire_version              INTEGER NOT NULL, -- version of the target->profiler stream; 0: imported
                                                -- (allocprof import: another profiler's file, see notes)
    pid                       INTEGER NOT NULL, -- pid of the target process
    start_unix_ns             INTEGER NOT NULL, -- wall clock at launch (ns since the epoch)
    end_unix_ns               INTEGER,          -- wall clock when the target was reaped
    duration_s                REAL,             -- launch to reap, seconds
    exit_status               INTEGER,          -- the target's exit code; NULL if killed
    term_signal               INTEGER,          -- signal that killed the target; NULL if it exited
    truncated                 INTEGER NOT NULL DEFAULT 1, -- 1 unless the target's clean end record arrived
    complete                  INTEGER NOT NULL DEFAULT 0, -- 1 once the recorder finished writing this run
    traced                    INTEGER NOT NULL DEFAULT 0, -- 1 if the preload library reported in
    ops                       INTEGER,          -- operations: --ops N, else the sum of allocprof_ops(); NULL if neither
    ops_source                TEXT,             -- 'command-line', 'markers' or NULL
    allocations               INTEGER NOT NULL DEFAULT 0, -- successful allocating calls (realloc(p,n>0) counts once)
    frees                     INTEGER NOT NULL DEFAULT 0, -- blocks released: free(p!=NULL), realloc moving or resizing p, realloc(p,0)
    reallocs                  INTEGER NOT NULL DEFAULT 0, -- realloc/reallocarray calls with p != NULL and n > 0
    bytes_allocated           INTEGER NOT NULL DEFAULT 0, -- sum of requested sizes of all allocations
    peak_live_bytes           INTEGER NOT NULL DEFAULT 0, -- largest sum of live requested bytes after any event (t-gmax)
    peak_live_event           INTEGER,          -- event index at which the peak was first reached
    peak_live_ns              INTEGER,          -- time of the peak since the run's start
    unfreed_blocks            INTEGER NOT NULL DEFAULT 0, -- live blocks when the recording ended
    unfreed_bytes             INTEGER NOT NULL DEFAULT 0, -- their requested bytes
    temporary_allocations     INTEGER NOT NULL DEFAULT 0, -- temp_K with K=0: freed on the allocating thread with no allocation on that thread in between
    temporary_allocations_k1  INTEGER NOT NULL DEFAULT 0, -- temp_K with K=1: at most one other allocation on that thread in between
    temporary_heaptrack       INTEGER NOT NULL DEFAULT 0, -- heaptrack 1.4's "temporary memory allocations": frees whose
                                                          -- previous record (all threads) allocated the same size from the
                                                          -- same native stack (record/heaptrack_temporaries.h)
    unmatched_frees           INTEGER NOT NULL DEFAULT 0, -- frees of addresses not live in the stream (should be 0)
    mmap_calls                INTEGER NOT NULL DEFAULT 0, -- anonymous mmap calls by the target (outside heap metrics)
    mmap_bytes                INTEGER NOT NULL DEFAULT 0, -- bytes mapped by them
    munmap_calls              INTEGER NOT NULL DEFAULT 0,
    threads                   INTEGER NOT NULL DEFAULT 0, -- threads that made at least one event
    peak_rss_bytes            INTEGER,          -- the target's peak resident set: the largest VmHWM an image reported at exit, else the largest RSS sample (not the child's ru_maxrss, which holds the forked profiler's own peak)
    target_user_s             REAL,             -- CPU time the target spent in user mode, seconds
    target_system_s           REAL,             -- CPU time the target spent in the kernel, seconds
    events_stored             INTEGER NOT NULL DEFAULT 1, -- 0 when recorded with --no-events
    event_count               INTEGER NOT NULL DEFAULT 0, -- normalized events in event_chunks
    max_frames                INTEGER,          -- record --max-frames: the deepest native stack taken; NULL if
                                                -- not known (imported, or recorded before the option existed)
    truncated_stacks          INTEGER NOT NULL DEFAULT 0, -- allocating stacks deeper than max_frames (stack_stats.truncated)
    truncated_allocations     INTEGER NOT NULL DEFAULT 0, -- their allocations
    notes                     TEXT NOT NULL DEFAULT '[]'  -- JSON array of strings: what the user should know about this run
);

-- Calls per hooked function that reached the profiler.  Written by: record/.
CREATE TABLE IF NOT EXISTS function_calls (
    run_id    INTEGER NOT NULL REFERENCES runs(run_id),
    function  TEXT NOT NULL,     -- 'malloc', 'calloc', ..., 'mmap', 'munmap', 'mremap'
    calls     INTEGER NOT NULL,  -- successful calls recorded
    bytes     INTEGER NOT NULL,  -- requested bytes (0 for frees)
    PRIMARY KEY (run_id, function)
);

-- Loaded objects of the target (executable, shared libraries, the vDSO).  One row per
-- distinct (path, load address); a module unloaded by dlclose keeps its row.
-- Written by: record/, from the module maps the target sends at start and after dlopen/dlclose.
CREATE TABLE IF NOT EXISTS modules (
    run_id       INTEGER NOT NULL REFERENCES runs(run_id),
    module_id    INTEGER NOT NULL,  -- 0-based, in order of first appearance
    path         TEXT NOT NULL,     -- absolute path as the dynamic loader saw it
    build_id     TEXT,              -- GNU build-id, lowercase hex; NULL if the object has none
    load_bias    INTEGER NOT NULL,  -- address = load_bias + ELF virtual address
    text_start   INTEGER NOT NULL,  -- lowest address of its executable segments
    text_end     INTEGER NOT NULL,  -- one past the highest
    PRIMARY KEY (run_id, module_id)
);

-- The stack trie: a node is one frame under its parent; a stack is the path from a node
-- up to the root (node 0, implicit, not stored).  A node is a native frame (a code
-- address) or a script frame (a line of a Lua or Python function, script_function_id not
-- NULL). Script frames are the innermost nodes of a stack, on top of its native leaf;
-- readers merge them in at the interpreter's eval function (schema/stored_stacks.h).
-- A stack with more native frames than runs.max_frames keeps its innermost max_frames
-- frames under one more node, directly under the root: the truncation node
-- (truncated_beyond not NULL, ip 0, no module), which readers show as the frame
-- "[truncated: more than N frames]". Stacks that differ only in their frames beyond the
-- limit cannot be told apart and share one node: that stack is marked, never taken for a
-- whole one.
-- Written by: record/, from the edges the target sends once each.
CREATE TABLE IF NOT EXISTS trace_nodes (
    run_id              INTEGER NOT NULL REFERENCES runs(run_id),
    node_id             INTEGER NOT NULL,  -- >= 1
    parent_id           INTEGER NOT NULL,  -- 0 for a frame directly under the root (the outermost frame)
    ip                  INTEGER NOT NULL,  -- return address minus one (points into the call
                                           -- instruction); 0 for a script frame
    module_id           INTEGER,           -- module whose executable segment holds ip; NULL if none
                                           -- (JIT, perf-map) and for script frames
    rel_pc              INTEGER,           -- ip - load_bias of that module (the ELF address to symbolize)
    script_function_id  INTEGER,           -- script frame: its function (script_functions); else NULL
    script_line         INTEGER,           -- script frame: the line running (0 if unknown); else NULL
    truncated_beyond    INTEGER,           -- the truncation node: the limit N its stacks were cut at; else NULL
    PRIMARY KEY (run_id, node_id)
);

-- Per-stack aggregates computed during ingest, one row per leaf node that allocated
-- (the node of the innermost frame of the allocating call).  Written by: record/.
CREATE TABLE IF NOT EXISTS stack_stats (
    run_id               INTEGER NOT NULL REFERENCES runs(run_id),
    node_id              INTEGER NOT NULL,
    allocations          INTEGER NOT NULL,  -- allocating calls with this stack
    bytes_allocated      INTEGER NOT NULL,
    frees                INTEGER NOT NULL,  -- of blocks allocated with this stack (wherever freed)
    reallocs             INTEGER NOT NULL,  -- allocations that were realloc(p != NULL, n > 0)
    live_end_blocks      INTEGER NOT NULL,  -- still live when the recording ended
    live_end_bytes       INTEGER NOT NULL,
    live_at_peak_bytes   INTEGER NOT NULL,  -- live when the process-wide peak was reached (t-gmax)
    max_live_bytes       INTEGER NOT NULL,  -- the largest this stack alone ever held live
    temporary_k0         INTEGER NOT NULL,  -- temp_K, K=0 (see runs.temporary_allocations)
    temporary_k1         INTEGER NOT NULL,  -- temp_K, K=1
    min_size             INTEGER NOT NULL,
    max_size             INTEGER NOT NULL,
    truncated            INTEGER NOT NULL DEFAULT 0,  -- 1: the stack is deeper than runs.max_frames (its
                                                      -- root is a truncation node, see trace_nodes)
    PRIMARY KEY (run_id, node_id)
);

-- Size histogram per allocating stack, power-of-two buckets: bucket 0 holds size 0,
-- bucket b >= 1 holds sizes in [2^(b-1), 2^b).  Written by: record/.
CREATE TABLE IF NOT EXISTS stack_size_histogram (
    run_id   INTEGER NOT NULL REFERENCES runs(run_id),
    node_id  INTEGER NOT NULL,
    bucket   INTEGER NOT NULL,
    count    INTEGER NOT NULL,
    bytes    INTEGER NOT NULL,
    PRIMARY KEY (run_id, node_id, bucket)
);

-- Memory over time: one row about every 10 ms of the target's life (its tick records) and
-- one at its end, plus one at each phase boundary and one at the peak of live heap bytes
-- (those carry the resident set of the latest tick before them), so that the curve reaches
-- the reported peak and shows each phase however short. Written by: record/.
CREATE TABLE IF NOT EXISTS memory_series (
    run_id       INTEGER NOT NULL REFERENCES runs(run_id),
    t_ns         INTEGER NOT NULL,  -- since the target's tracking started
    event_index  INTEGER NOT NULL,  -- events recorded before this sample
    live_bytes   INTEGER NOT NULL,  -- live requested heap bytes
    live_blocks  INTEGER NOT NULL,
    rss_bytes    INTEGER NOT NULL,  -- resident set of the target (from /proc/self/statm)
    PRIMARY KEY (run_id, t_ns, event_index)
);

-- Phases marked with allocprof_phase_begin/end.  A phase left open ends with the run.
-- Written by: record/.
CREATE TABLE IF NOT EXISTS phases (
    run_id           INTEGER NOT NULL REFERENCES runs(run_id),
    phase_id         INTEGER NOT NULL,  -- 0-based, in order of beginning
    name             TEXT NOT NULL,
    begin_event      INTEGER NOT NULL,  -- index of the first event inside the phase
    end_event        INTEGER NOT NULL,  -- index one past the last event inside it
    begin_ns         INTEGER NOT NULL,
    end_ns           INTEGER NOT NULL,
    ops              INTEGER NOT NULL,  -- allocprof_ops() counted while the phase was open
    allocations      INTEGER NOT NULL,
    bytes_allocated  INTEGER NOT NULL,
    PRIMARY KEY (run_id, phase_id)
);

-- Script functions (Lua, Python) that script frames (trace_nodes.script_function_id) name.
-- Written by: record/, from the interpreter hooks of the preload library.
CREATE TABLE IF NOT EXISTS script_functions (
    run_id       INTEGER NOT NULL REFERENCES runs(run_id),
    function_id  INTEGER NOT NULL,  -- >= 1
    language     TEXT NOT NULL,     -- 'lua' or 'python'
    name         TEXT NOT NULL,     -- Lua: as a traceback names it ('fill', 'main chunk',
                                    -- 'function <file:line>'); Python: the code's qualified name
    file         TEXT NOT NULL,     -- the script ('[C]' for a Lua C function)
    first_line   INTEGER NOT NULL,  -- where the function is defined; 0 if unknown
    PRIMARY KEY (run_id, function_id)
);

-- Garbage collections the interpreter finished, one row each (Lua: a cycle, seen by a
-- finalizer sentinel — incremental cycles, or young and full collections in generational
-- mode; Python: gc.callbacks 'stop', per generation).  Written by: record/.
CREATE TABLE IF NOT EXISTS gc_cycles (
    run_id       INTEGER NOT NULL REFERENCES runs(run_id),
    cycle        INTEGER NOT NULL,  -- 0-based, in order
    language     TEXT NOT NULL,     -- 'lua' or 'python'
    generation   INTEGER NOT NULL,  -- Python: 0, 1 or 2; Lua: 0
    thread       INTEGER NOT NULL,
    t_ns         INTEGER NOT NULL,
    event_index  INTEGER NOT NULL,  -- events recorded before it
    ops_before   INTEGER NOT NULL,  -- operations counted before it
    phase_id     INTEGER,           -- the phase open when it finished (phases.phase_id), or NULL
    PRIMARY KEY (run_id, cycle)
);

-- The full normalized event stream, zstd-compressed in chunks that decode independently,
-- so analyses can be recomputed with other parameters without recording again.  The
-- encoding is defined in schema/event_codec.h.  Empty when recorded with --no-events.
-- Written by: record/, while the target runs.
CREATE TABLE IF NOT EXISTS event_chunks (
    run_id         INTEGER NOT NULL REFERENCES runs(run_id),
    chunk_index    INTEGER NOT NULL,  -- 0-based, in stream order
    first_event    INTEGER NOT NULL,  -- index of the chunk's first event in the run
    first_block    INTEGER NOT NULL,  -- block id the chunk's first allocation receives
    event_count    INTEGER NOT NULL,
    raw_bytes      INTEGER NOT NULL,  -- size of the encoded events before compression
    data           BLOB NOT NULL,     -- zstd frame
    PRIMARY KEY (run_id, chunk_index)
);

-- ---- Symbols and sites --------------------------------------------------------------------
-- Filled after the target ended: at the end of `allocprof record`, and again by
-- `allocprof symbolize` (after installing -dbgsym packages, or with another site config).

-- One row per symbolized run: when, by which tool, with which site config.
-- Written by: symbolize/. A run without a row here was never symbolized.
CREATE TABLE IF NOT EXISTS symbolization (
    run_id              INTEGER PRIMARY KEY REFERENCES runs(run_id),
    symbolized_unix_ns  INTEGER NOT NULL,  -- wall clock when it finished (ns since the epoch)
    tool_version        TEXT NOT NULL,     -- allocprof version that symbolized the run
    duration_s          REAL NOT NULL,     -- time spent symbolizing and attributing, seconds
    addresses           INTEGER NOT NULL,  -- distinct (module, rel_pc) addresses of the run's trace nodes
    addresses_resolved  INTEGER NOT NULL,  -- of them, newly symbolized (the rest were already in symbol_frames)
    site_config         TEXT NOT NULL      -- JSON: {"source": "built-in" or the config file's path,
                                           --   "presets": [...], "wrappers": [...]}: the wrapper
                                           --   lists the sites below were attributed with
);

-- Symbolized frames of code addresses, shared by every run of the file: keyed by module
-- identity and address, so a module seen in several runs is looked up once. One address
-- gives one row per source frame (more than one inside inlined code), innermost first;
-- an address nothing is known of has a single row with quality 'unknown' and NULL names.
-- Written by: symbolize/, from elfutils libdwfl (DWARF, .symtab, .dynsym) or
-- from the run's perf map.
CREATE TABLE IF NOT EXISTS symbol_frames (
    module_key   TEXT NOT NULL,     -- the module's GNU build-id (lowercase hex); 'path:'||path when
                                    -- it has none; 'perf-map:'||run_id for perf-map frames
    rel_pc       INTEGER NOT NULL,  -- trace_nodes.rel_pc (ELF virtual address); for perf-map frames trace_nodes.ip
    frame_index  INTEGER NOT NULL,  -- 0 = innermost; higher = callers it was inlined into
    function     TEXT,              -- demangled function name; NULL if unknown
    file         TEXT,              -- source file as in DWARF (usually absolute); NULL without DWARF
    line         INTEGER,           -- source line, 1-based; NULL without DWARF
    inlined      INTEGER NOT NULL,  -- 1 if this frame was inlined into the next one (frame_index + 1)
    quality      TEXT NOT NULL,     -- of the whole address: 'file_line' (innermost frame has file
                                    -- and line), 'symbol_only' (a name from a symbol table or perf
                                    -- map), 'unknown'
    PRIMARY KEY (module_key, rel_pc, frame_index)
);

-- Debug-info coverage per run and module: how the frames of that module resolved, why,
-- and the one-line fix. "Frames" are the run's distinct trace nodes in the module.
-- Pseudo-modules: '[perf-map]' (nodes outside any file-backed mapping, named from the
-- perf map) and '[no module]' (such nodes the perf map does not name, or no perf map).
-- Written by: symbolize/.
CREATE TABLE IF NOT EXISTS debug_coverage (
    run_id              INTEGER NOT NULL REFERENCES runs(run_id),
    module_key          TEXT NOT NULL,     -- as in symbol_frames; 'none' for '[no module]'
    path                TEXT NOT NULL,     -- modules.path, or the pseudo-module's name
    status              TEXT NOT NULL,     -- what the file offers now: 'dwarf', 'symbol_table',
                                           -- 'no_symbols', 'build_id_mismatch' (rebuilt since the run),
                                           -- 'not_elf', 'missing' (no file at the path), 'perf_map', 'none'
    dwarf_source        TEXT NOT NULL,     -- 'in_file', 'build_id_dir' (/usr/lib/debug/.build-id),
                                           -- 'debuglink', 'none'
    debug_file          TEXT,              -- the file the DWARF came from; NULL without DWARF
    symbol_table        TEXT,              -- '.symtab' or '.dynsym' (where names come from); NULL if none
    package             TEXT,              -- Debian package owning the file (dpkg-query -S); NULL if none or not asked
    frames_file_line    INTEGER NOT NULL,  -- frames resolved to function, file and line
    frames_symbol_only  INTEGER NOT NULL,  -- frames with a function name only
    frames_unknown      INTEGER NOT NULL,  -- frames shown as module+0xoffset
    fix                 TEXT NOT NULL,     -- one line: what gives file:line here; '' when nothing is missing
    PRIMARY KEY (run_id, module_key)
);

-- The perf map the target wrote (/tmp/perf-PID.map: JIT-compiled or interpreter code,
-- e.g. node --perf-basic-prof, python3.12 -X perf), as it was when the run ended.
-- Written by: record/.
CREATE TABLE IF NOT EXISTS perf_map (
    run_id  INTEGER NOT NULL REFERENCES runs(run_id),
    start   INTEGER NOT NULL,  -- first address of the code (absolute, in the target)
    size    INTEGER NOT NULL,  -- bytes of code
    name    TEXT NOT NULL,     -- the name the map gives it
    PRIMARY KEY (run_id, start)
);

-- Allocation sites: the first source-level frame of a stack, from the leaf, that is not
-- allocator plumbing (see symbolize/site_attribution.h: libc's malloc family and string
-- duplicators, operator new, std:: and __gnu_cxx:: internals, configured wrappers).
-- The figures are sums of stack_stats over the stacks attributed to the site.
-- Pairing across runs and builds (allocprof compare): first, sites with the same site_key
-- pair; then the sites left unpaired on both sides (their exact key is absent on the other
-- side) pair by function_key, in order of line when a function has several (an edit that
-- moves lines keeps their order). The rest are new or gone.
-- Written by: symbolize/.
CREATE TABLE IF NOT EXISTS sites (
    run_id              INTEGER NOT NULL REFERENCES runs(run_id),
    site_id             INTEGER NOT NULL,  -- 1-based, by allocations, descending (ties by site_key)
    module              TEXT NOT NULL,     -- file name of the module ('libc.so.6'), '[perf-map]', '[no module]'
    function            TEXT NOT NULL,     -- demangled; 'module+0xoffset' when nothing names the code
    file                TEXT NOT NULL,     -- source file ('./' stripped); '' without DWARF
    line                INTEGER NOT NULL,  -- 0 without DWARF
    site_key            TEXT NOT NULL,     -- JSON [module, function, file, line]: symbolic, never an address
                                           -- (except the module+0xoffset of unknown code)
    function_key        TEXT NOT NULL,     -- JSON [module, function]: survives edits that move lines
    allocations         INTEGER NOT NULL,
    bytes_allocated     INTEGER NOT NULL,
    frees               INTEGER NOT NULL,
    reallocs            INTEGER NOT NULL,
    live_end_blocks     INTEGER NOT NULL,  -- unfreed at the end of the run
    live_end_bytes      INTEGER NOT NULL,
    live_at_peak_bytes  INTEGER NOT NULL,  -- live when the process-wide peak was reached (t-gmax)
    temporary_k0        INTEGER NOT NULL,  -- see runs.temporary_allocations
    temporary_k1        INTEGER NOT NULL,
    top_node            INTEGER NOT NULL,  -- the leaf node (stack) contributing most allocations
    PRIMARY KEY (run_id, site_id)
);

-- Which site each allocating stack (stack_stats leaf node) is attributed to.
-- Written by: symbolize/.
CREATE TABLE IF NOT EXISTS stack_sites (
    run_id   INTEGER NOT NULL REFERENCES runs(run_id),
    node_id  INTEGER NOT NULL,  -- a node of stack_stats
    site_id  INTEGER NOT NULL,
    PRIMARY KEY (run_id, node_id)
);

-- The same stacks grouped by script location: the innermost script frame of each stack
-- (module '[lua]' or '[python]', the script function, its file and the line), or one row
-- with function '(no script frame)' and module '' for the stacks that run no script.
-- Columns as in sites; the figures of all rows add up to the run's.  Written by: symbolize/.
CREATE TABLE IF NOT EXISTS script_sites (
    run_id              INTEGER NOT NULL REFERENCES runs(run_id),
    site_id             INTEGER NOT NULL,
    module              TEXT NOT NULL,
    function            TEXT NOT NULL,
    file                TEXT NOT NULL,
    line                INTEGER NOT NULL,
    site_key            TEXT NOT NULL,
    function_key        TEXT NOT NULL,
    allocations         INTEGER NOT NULL,
    bytes_allocated     INTEGER NOT NULL,
    frees               INTEGER NOT NULL,
    reallocs            INTEGER NOT NULL,
    live_end_blocks     INTEGER NOT NULL,
    live_end_bytes      INTEGER NOT NULL,
    live_at_peak_bytes  INTEGER NOT NULL,
    temporary_k0        INTEGER NOT NULL,
    temporary_k1        INTEGER NOT NULL,
    top_node            INTEGER NOT NULL,
    PRIMARY KEY (run_id, site_id)
);

CREATE TABLE IF NOT EXISTS stack_script_sites (
    run_id   INTEGER NOT NULL REFERENCES runs(run_id),
    node_id  INTEGER NOT NULL,
    site_id  INTEGER NOT NULL,  -- a script_sites row
    PRIMARY KEY (run_id, node_id)
);

-- ---- Analysis (allocprof analyze) ---------------------------------------------------------
-- Every number below is defined in docs/definitions.md and in the header of the analyzers/
-- file that computes it. Re-analysing a run replaces its rows.

-- The interpreter's real garbage collections per analysis window, next to the simulated
-- Gen0 of analysis_windows: one row per window, language and generation that collected.
-- Written by: analyzers/, from gc_cycles.
CREATE TABLE IF NOT EXISTS analysis_gc (
    run_id      INTEGER NOT NULL REFERENCES runs(run_id),
    window      TEXT NOT NULL,     -- as analysis_windows.window
    language    TEXT NOT NULL,     -- 'lua' or 'python'
    generation  INTEGER NOT NULL,  -- Python 0..2; Lua 0
    cycles      INTEGER NOT NULL,  -- collections finished while the window was open
    per_1k_ops  REAL NOT NULL,     -- 1000 * cycles / ops (per run when the window has no ops)
    PRIMARY KEY (run_id, window, language, generation)
);

-- What each site allocated in each phase window (the whole run's figures are in
-- analysis_sites): a scenario's measured phase, or the warm-up it leaves out, per site.
-- Written by: analyzers/.
CREATE TABLE IF NOT EXISTS analysis_window_sites (
    run_id           INTEGER NOT NULL REFERENCES runs(run_id),
    window           TEXT NOT NULL,     -- a phase name, as analysis_windows.window (never '')
    site_id          INTEGER NOT NULL,  -- sites.site_id; only sites that allocated in the window
    allocations      INTEGER NOT NULL,  -- allocations born while the window was open
    bytes_allocated  INTEGER NOT NULL,
    nursery_bytes    INTEGER NOT NULL,  -- of them, bytes of allocations below L
    PRIMARY KEY (run_id, window, site_id)
);

-- The arena each phase's phase-scoped sites would need (analyzers/arena_sizes.h): per
-- occurrence of the phase, the high-water mark of the bytes those sites hold live that were
-- allocated in that occurrence; their p50 and p99 (nearest rank) and maximum. Only phases
-- where a phase-scoped site allocated; rows in order of first occurrence.
-- Written by: analyzers/.
CREATE TABLE IF NOT EXISTS analysis_phase_arenas (
    run_id          INTEGER NOT NULL REFERENCES runs(run_id),
    window          TEXT NOT NULL,     -- the phase name
    occurrences     INTEGER NOT NULL,
    sites           INTEGER NOT NULL,  -- phase-scoped sites that allocated in it
    high_water_p50  INTEGER NOT NULL,
    high_water_p99  INTEGER NOT NULL,
    high_water_max  INTEGER NOT NULL,
    high_water      TEXT NOT NULL,     -- JSON array: the high-water mark of each occurrence, in order
    PRIMARY KEY (run_id, window)
);

-- Per lifetime class (analysis_sites.lifetime), its allocating sites together: the size
-- of an arena for that class is the high-water mark of the bytes they hold live at once.
-- Written by: analyzers/.
CREATE TABLE IF NOT EXISTS analysis_lifetime_arenas (
    run_id             INTEGER NOT NULL REFERENCES runs(run_id),
    lifetime           TEXT NOT NULL,     -- 'mixed', 'process-lifetime', 'phase-scoped', 'short-lived'
    sites              INTEGER NOT NULL,
    allocations        INTEGER NOT NULL,
    bytes_allocated    INTEGER NOT NULL,
    high_water_bytes   INTEGER NOT NULL,  -- the most the class's sites held live at once
    high_water_blocks  INTEGER NOT NULL,  -- their blocks then
    PRIMARY KEY (run_id, lifetime)
);

-- Each allocating stack's figures split by the thread that allocated and the phase open
-- when it did (analyzers/stack_slices.h): what the HTML flame graph's thread and phase
-- filters draw. A stack's slices add up to its stack_stats row. Written only when the split
-- says more than stack_stats (more than one allocating thread, or a phase); the analysis
-- row counts them. Written by: analyzers/.
CREATE TABLE IF NOT EXISTS analysis_stack_slices (
    run_id              INTEGER NOT NULL REFERENCES runs(run_id),
    node_id             INTEGER NOT NULL,  -- the leaf node of stack_stats
    thread              INTEGER NOT NULL,  -- the allocating thread, numbered as the events do
    phase               TEXT NOT NULL,     -- the phase open at the allocation; '' outside any
    allocations         INTEGER NOT NULL,  -- allocating calls (a realloc is one)
    bytes_allocated     INTEGER NOT NULL,
    live_at_peak_bytes  INTEGER NOT NULL,  -- of its blocks, live at the run's peak (t-gmax)
    live_end_bytes      INTEGER NOT NULL,  -- of its blocks, never released
    temporary_k0        INTEGER NOT NULL,  -- of its blocks, temp_K with K = 0
    PRIMARY KEY (run_id, node_id, thread, phase)
);

-- One row per analysed run.  Written by: analyzers/.
CREATE TABLE IF NOT EXISTS analysis (
    run_id            INTEGER PRIMARY KEY REFERENCES runs(run_id),
    analyzed_unix_ns  INTEGER NOT NULL,  -- wall clock when it finished
    tool_version      TEXT NOT NULL,
    params            TEXT NOT NULL,     -- JSON: every parameter (B0 and its rule, L, K, tiers, ...)
    site_config       TEXT NOT NULL,     -- JSON: the wrapper lists the sites were attributed with
    ops               INTEGER NOT NULL,  -- ops the whole-run per-op values divide by (0 = per run)
    ops_source        TEXT NOT NULL,     -- 'command-line', 'markers' or 'none'
    unmatched_frees   INTEGER NOT NULL,  -- frees of blocks not live in the stream (should be 0)
    negligible_items  INTEGER NOT NULL DEFAULT 0, -- sites whose plan item would save under
                                         -- planner.negligible_share of every metric: counted, not listed
    stack_slices      INTEGER NOT NULL DEFAULT -1, -- rows of analysis_stack_slices (0: one
                                         -- allocating thread and no phase); -1: analysed before they were kept
    seconds           REAL NOT NULL      -- time the analysis took
);

-- The whole run (window '') and each phase name (all occurrences of that name together).
-- Written by: analyzers/.
CREATE TABLE IF NOT EXISTS analysis_windows (
    run_id            INTEGER NOT NULL REFERENCES runs(run_id),
    window            TEXT NOT NULL,     -- '' for the whole run, else the phase name
    occurrences       INTEGER NOT NULL,  -- phases of that name (1 for the run)
    begin_event       INTEGER NOT NULL,  -- first event of the first occurrence
    end_event         INTEGER NOT NULL,  -- one past the last event of the last occurrence
    ops               INTEGER NOT NULL,
    per_run           INTEGER NOT NULL,  -- 1: no ops, per-op columns are per run (and "per 1k" ones too)
    allocations       INTEGER NOT NULL,  -- DHAT rule: a realloc is one allocation
    reallocs          INTEGER NOT NULL,
    frees             INTEGER NOT NULL,  -- of blocks born in the window
    bytes_allocated   INTEGER NOT NULL,
    allocs_per_op     REAL NOT NULL,
    bytes_per_op      REAL NOT NULL,     -- B/op
    collections       INTEGER NOT NULL,  -- simulated Gen0 collections triggered in the window
    gen0_per_1k       REAL NOT NULL,     -- 1000 * collections / ops
    nursery_bytes     INTEGER NOT NULL,  -- bytes of allocations below L
    gen0_star_per_1k  REAL NOT NULL,     -- 1000 * nursery_bytes / (ops * B0)
    survived_bytes    INTEGER NOT NULL,  -- live at the collection that ended their epoch
    collected_bytes   INTEGER NOT NULL,  -- nursery bytes of collected epochs
    survival_rate     REAL,              -- survived / collected; NULL without a collection
    dies_young        INTEGER NOT NULL,  -- freed before the next collection after birth
    temporary_k0      INTEGER NOT NULL,  -- temp_K, K=0
    temporary_k1      INTEGER NOT NULL,  -- temp_K, K=1
    peak_live_bytes   INTEGER NOT NULL,  -- largest process-wide live bytes while the window was open
    peak_live_event   INTEGER NOT NULL,  -- event index where it was first reached
    unfreed_blocks    INTEGER,           -- whole run only (NULL for phases); the program's own sites:
                                         -- runtime sites' (tier 'runtime') are left out, the runs
                                         -- row keeps every block
    unfreed_bytes     INTEGER,
    leak_slope        REAL,              -- bytes per op (least squares over Ops events); NULL with < 2
    size_p50          INTEGER NOT NULL,  -- requested bytes, nearest rank
    size_p90          INTEGER NOT NULL,
    size_p99          INTEGER NOT NULL,
    size_max          INTEGER NOT NULL,
    ops_of_run        INTEGER NOT NULL DEFAULT 0,  -- 1: a phase without ops of its own; ops are the run's
    peak_live_blocks  INTEGER NOT NULL DEFAULT 0,  -- blocks live at peak_live_event (process-wide)
    PRIMARY KEY (run_id, window)
);

-- Per site (site_id as in sites).  Written by: analyzers/.
CREATE TABLE IF NOT EXISTS analysis_sites (
    run_id              INTEGER NOT NULL REFERENCES runs(run_id),
    site_id             INTEGER NOT NULL,  -- sites.site_id
    allocs_per_op       REAL NOT NULL,
    bytes_per_op        REAL NOT NULL,
    nursery_bytes       INTEGER NOT NULL,
    gen0_star_per_1k    REAL NOT NULL,     -- additive: the sites' values sum to the run's
    survival_rate       REAL,              -- NULL without a collected epoch
    dies_young          INTEGER NOT NULL,
    freed_within_op     INTEGER NOT NULL,  -- freed before the next Ops event after birth
    live_at_peak_bytes  INTEGER NOT NULL,  -- at the global t-gmax
    max_live_bytes      INTEGER NOT NULL,  -- the site's own maximum
    unfreed_bytes       INTEGER NOT NULL,
    leak_slope          REAL,              -- bytes per op; NULL without Ops samples
    size_p50            INTEGER NOT NULL,
    size_p90            INTEGER NOT NULL,
    size_p99            INTEGER NOT NULL,
    size_max            INTEGER NOT NULL,
    sizes_exact         INTEGER NOT NULL,  -- 0 once folded into log-linear buckets
    lifetime            TEXT NOT NULL,     -- 'process-lifetime', 'phase-scoped', 'short-lived', 'mixed'
    chains              INTEGER NOT NULL,  -- realloc and inferred chains with >= 1 link
    inferred_chains     INTEGER NOT NULL,
    chain_pattern       TEXT,              -- longest chain: 'geometric', 'additive', 'irregular', 'none'; NULL if none
    chain_description   TEXT,              -- in words, with the sizes
    copied_bytes        INTEGER NOT NULL,  -- copied by reallocs that moved their block
    avoidable_bytes     INTEGER NOT NULL,  -- allocated by chains minus their largest sizes
    impact              REAL NOT NULL,     -- largest share of allocs/op, B/op, Gen0*
    impact_metric       TEXT NOT NULL,     -- which of the three
    position            INTEGER NOT NULL,  -- 1-based impact order
    tier                TEXT NOT NULL,     -- 'critical', 'high', 'medium', 'low' (after promotion), or 'runtime'
                                           -- (the runtime's own code: outside the tiers and the plan)
    base_tier           TEXT NOT NULL,     -- before promotion
    rule                TEXT NOT NULL,     -- why this tier, in words
    live_at_peak_blocks INTEGER NOT NULL DEFAULT 0,  -- its blocks live at the global t-gmax
    PRIMARY KEY (run_id, site_id)
);

-- The phased remediation plan.  Written by: analyzers/.
CREATE TABLE IF NOT EXISTS plan_items (
    run_id               INTEGER NOT NULL REFERENCES runs(run_id),
    item_index           INTEGER NOT NULL,  -- 0-based, plan order = priority order
    priority             TEXT NOT NULL,     -- 'P1.1': P1 = phase 2, P2 = phase 3, P3 = phase 4; within a
                                            -- phase by the largest share of the run's allocs/op, B/op,
                                            -- Gen0* and peak bytes the saving removes
    saving_share         REAL NOT NULL,     -- that share
    site_id              INTEGER NOT NULL,  -- one item per target: its best-ranked site
    also_sites           TEXT NOT NULL DEFAULT '[]', -- JSON array of site ids: the other sites of the
                                            -- same function with the same change, folded into this item
    phase                INTEGER NOT NULL,  -- 2 (immediate), 3 or 4
    kind                 TEXT NOT NULL,     -- 'reserve', 'hoist', 'static', 'pool', 'size_tiers',
                                            -- 'closure', 'string_builder', 'arena', 'fix_leak', 'reduce_peak',
                                            -- 'name_code' (unnamed native code: how to name it; saves nothing)
    risk                 TEXT NOT NULL,     -- 'low', 'medium', 'high'
    tier                 TEXT NOT NULL,
    change               TEXT NOT NULL,     -- what to do
    evidence             TEXT NOT NULL,     -- what triggered it, with numbers
    alternatives         TEXT NOT NULL DEFAULT '[]', -- JSON [{"kind", "change"}]: the site's other
                                            -- triggered changes, alternatives to this one (no saving of their own)
    tier_sizes           TEXT NOT NULL,     -- JSON array of bytes (size_tiers), else '[]'
    saving_allocs_per_op REAL NOT NULL,     -- by kind (analyzers/remediation_planner.h): the site's
                                            -- allocs/op; reserve: its chains' links; 0 for fix_leak, reduce_peak
    saving_bytes_per_op  REAL NOT NULL,     -- likewise; reserve: the avoidable bytes
    saving_gen0_star_1k  REAL NOT NULL,
    saving_gen0_1k       REAL,              -- simulated collections removed per 1000 ops, marginal (with the
                                            -- earlier items' sites already out); NULL if not re-simulated
    saving_peak_bytes    INTEGER NOT NULL DEFAULT 0, -- bytes live at t-gmax removed (fix_leak, reduce_peak)
    cumulative_allocs_per_op REAL NOT NULL DEFAULT 0, -- this item's saving plus every earlier item's:
    cumulative_bytes_per_op  REAL NOT NULL DEFAULT 0, -- never more than the run's own figure
    cumulative_gen0_star_1k  REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, item_index)
);

-- ---- Source-aware analysis (allocprof analyze --source-root) -------------------------------
-- What the source says each site does, and which allocating functions no recorded stack
-- ran, from libclang (analyzers/source/). Present only for runs analysed with a source root;
-- re-analysing a run replaces its rows (and removes them when no source root is given).

-- One row per run analysed with a source root.  Written by: analyzers/.
CREATE TABLE IF NOT EXISTS source_analysis (
    run_id            INTEGER PRIMARY KEY REFERENCES runs(run_id),
    source_root       TEXT NOT NULL,     -- absolute path of the source tree
    compile_commands  TEXT,              -- the compile_commands.json used; NULL: default flags
    cache_dir         TEXT NOT NULL,     -- parse cache directory; '' when caching was off
    translation_units INTEGER NOT NULL,  -- files analysed: the sites' files and the inventory's
    parsed            INTEGER NOT NULL,  -- of them, parsed with libclang (cache misses)
    reused            INTEGER NOT NULL,  -- of them, read from the parse cache
    failed            INTEGER NOT NULL,  -- of them, missing or not parsed (see failures)
    seconds           REAL NOT NULL,     -- time spent analysing sources (wall clock)
    failures          TEXT NOT NULL      -- JSON array of {"file", "status", "reason"}, by file
);

-- Per site (site_id as in sites): the allocating construct at its line.
-- Written by: analyzers/.
CREATE TABLE IF NOT EXISTS site_sources (
    run_id            INTEGER NOT NULL REFERENCES runs(run_id),
    site_id           INTEGER NOT NULL,  -- sites.site_id
    status            TEXT NOT NULL,     -- 'ok', 'missing_file' (not readable), 'parse_error',
                                         -- 'outside_root' (no file, or not under the root)
    reason            TEXT NOT NULL,     -- why, when status is not 'ok' (libclang's first error, ...);
                                         -- for 'ok', how the construct was found when the line holds
                                         -- none (the function's only allocating construct)
    source_file       TEXT NOT NULL,     -- the file analysed (absolute); '' when outside the root
    kind              TEXT NOT NULL,     -- 'new', 'new_array', 'container_growth', 'make_shared',
                                         -- 'make_unique', 'std_function', 'closure', 'string_concat',
                                         -- 'malloc', 'unknown' (analyzers/source/source_construct.h)
    type              TEXT NOT NULL,     -- the allocated type as spelled; '' if none
    container_type    TEXT NOT NULL,     -- container_growth: the container's type
    method            TEXT NOT NULL,     -- container_growth: push_back, ...; malloc: malloc, calloc, ...
    function          TEXT NOT NULL,     -- enclosing function, qualified as the symbolizer names it
    class_name        TEXT NOT NULL,     -- its class; '' if none
    loop_depth        INTEGER NOT NULL,  -- loops around the construct inside its function
    reserve_in_scope  INTEGER NOT NULL,  -- 1: reserve/resize on the same container in the function
    description       TEXT NOT NULL,     -- one line: what this site does; '' unless status is 'ok'
    PRIMARY KEY (run_id, site_id)
);

-- Coverage gaps: functions of the source tree that hold allocating constructs but appear in
-- no recorded stack of the run ("allocates, but no scenario runs it"), ranked.
-- Written by: analyzers/.
CREATE TABLE IF NOT EXISTS source_coverage_gaps (
    run_id      INTEGER NOT NULL REFERENCES runs(run_id),
    rank        INTEGER NOT NULL,  -- 1-based: most constructs in loops, then most constructs
    file        TEXT NOT NULL,     -- absolute path
    function    TEXT NOT NULL,     -- qualified, no parameters
    class_name  TEXT NOT NULL,
    line_begin  INTEGER NOT NULL,  -- the definition's extent
    line_end    INTEGER NOT NULL,
    constructs  INTEGER NOT NULL,  -- allocating constructs in its body
    in_loops    INTEGER NOT NULL,  -- of them inside a loop
    kinds       TEXT NOT NULL,     -- JSON array of the distinct construct kinds
    PRIMARY KEY (run_id, rank)
);
