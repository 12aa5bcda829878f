-- allocprof run database, schema version 1.
--
-- One SQLite file holds one or more recorded runs (a suite stores one run per scenario
-- and repetition). `PRAGMA application_id` is 0x41505246 ("APRF") and
-- `PRAGMA user_version` is the schema version; every allocprof command checks both and
-- refuses a file that does not match, so a newer or foreign file is never misread.
--
-- Units: sizes in bytes, times in nanoseconds unless a column says otherwise.
-- "Written by" names the pipeline stage that fills the table (README.md, "Pipeline").
-- Identifiers that must not mix have their own column names: node_id (a stack trie node),
-- module_id, phase_id, chunk_index.

-- Key/value facts about the file itself.  Written by: profiler (record).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,  -- 'application' = 'allocprof', 'created_by' = tool version
    value TEXT NOT NULL
);

-- One row per recorded run.  Written by: profiler (record); the counters are computed
-- during ingest from the event stream, so they are available without any analysis.
CREATE TABLE runs (
    run_id                    INTEGER PRIMARY KEY,
    scenario                  TEXT,             -- --scenario NAME, NULL when not given
    command                   TEXT NOT NULL,    -- JSON array of the argv that was run
    cwd                       TEXT NOT NULL,    -- working directory of the target
    hostname                  TEXT NOT NULL,
    tool_version              TEXT NOT NULL,    -- allocprof version that recorded the run
    wire_version              INTEGER NOT NULL, -- version of the target->profiler stream
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
    unmatched_frees           INTEGER NOT NULL DEFAULT 0, -- frees of addresses not live in the stream (should be 0)
    mmap_calls                INTEGER NOT NULL DEFAULT 0, -- anonymous mmap calls by the target (outside heap metrics)
    mmap_bytes                INTEGER NOT NULL DEFAULT 0, -- bytes mapped by them
    munmap_calls              INTEGER NOT NULL DEFAULT 0,
    threads                   INTEGER NOT NULL DEFAULT 0, -- threads that made at least one event
    peak_rss_bytes            INTEGER,          -- the target's maximum resident set (getrusage of the child)
    target_user_s             REAL,             -- CPU time the target spent in user mode, seconds
    target_system_s           REAL,             -- CPU time the target spent in the kernel, seconds
    events_stored             INTEGER NOT NULL DEFAULT 1, -- 0 when recorded with --no-events
    event_count               INTEGER NOT NULL DEFAULT 0, -- normalized events in event_chunks
    notes                     TEXT NOT NULL DEFAULT '[]'  -- JSON array of strings: what the user should know about this run
);

-- Calls per hooked function that reached the profiler.  Written by: profiler.
CREATE TABLE function_calls (
    run_id    INTEGER NOT NULL REFERENCES runs(run_id),
    function  TEXT NOT NULL,     -- 'malloc', 'calloc', ..., 'mmap', 'munmap', 'mremap'
    calls     INTEGER NOT NULL,  -- successful calls recorded
    bytes     INTEGER NOT NULL,  -- requested bytes (0 for frees)
    PRIMARY KEY (run_id, function)
);

-- Loaded objects of the target (executable, shared libraries, the vDSO).  One row per
-- distinct (path, load address); a module unloaded by dlclose keeps its row.
-- Written by: profiler, from the module maps the target sends at start and after dlopen/dlclose.
CREATE TABLE modules (
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
-- up to the root (node 0, implicit, not stored).  Written by: profiler, from the edges the
-- target sends once each.
CREATE TABLE trace_nodes (
    run_id     INTEGER NOT NULL REFERENCES runs(run_id),
    node_id    INTEGER NOT NULL,  -- >= 1
    parent_id  INTEGER NOT NULL,  -- 0 for a frame directly under the root (the outermost frame)
    ip         INTEGER NOT NULL,  -- return address minus one (points into the call instruction)
    module_id  INTEGER,           -- module whose executable segment holds ip; NULL if none (JIT, perf-map)
    rel_pc     INTEGER,           -- ip - load_bias of that module (the ELF address to symbolize)
    PRIMARY KEY (run_id, node_id)
);

-- Per-stack aggregates computed during ingest, one row per leaf node that allocated
-- (the node of the innermost frame of the allocating call).  Written by: profiler.
CREATE TABLE stack_stats (
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
    PRIMARY KEY (run_id, node_id)
);

-- Size histogram per allocating stack, power-of-two buckets: bucket 0 holds size 0,
-- bucket b >= 1 holds sizes in [2^(b-1), 2^b).  Written by: profiler.
CREATE TABLE stack_size_histogram (
    run_id   INTEGER NOT NULL REFERENCES runs(run_id),
    node_id  INTEGER NOT NULL,
    bucket   INTEGER NOT NULL,
    count    INTEGER NOT NULL,
    bytes    INTEGER NOT NULL,
    PRIMARY KEY (run_id, node_id, bucket)
);

-- Memory over time, one row about every 10 ms of the target's life (and one at its end).
-- Written by: profiler, from the target's tick records.
CREATE TABLE memory_series (
    run_id       INTEGER NOT NULL REFERENCES runs(run_id),
    t_ns         INTEGER NOT NULL,  -- since the target's tracking started
    event_index  INTEGER NOT NULL,  -- events recorded before this sample
    live_bytes   INTEGER NOT NULL,  -- live requested heap bytes
    live_blocks  INTEGER NOT NULL,
    rss_bytes    INTEGER NOT NULL,  -- resident set of the target (from /proc/self/statm)
    PRIMARY KEY (run_id, t_ns, event_index)
);

-- Phases marked with allocprof_phase_begin/end.  A phase left open ends with the run.
-- Written by: profiler.
CREATE TABLE phases (
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

-- The full normalized event stream, zstd-compressed in chunks that decode independently,
-- so analyses can be recomputed with other parameters without recording again.  The
-- encoding is defined in schema/event_codec.h.  Empty when recorded with --no-events.
-- Written by: profiler, while the target runs.
CREATE TABLE event_chunks (
    run_id         INTEGER NOT NULL REFERENCES runs(run_id),
    chunk_index    INTEGER NOT NULL,  -- 0-based, in stream order
    first_event    INTEGER NOT NULL,  -- index of the chunk's first event in the run
    first_block    INTEGER NOT NULL,  -- block id the chunk's first allocation receives
    event_count    INTEGER NOT NULL,
    raw_bytes      INTEGER NOT NULL,  -- size of the encoded events before compression
    data           BLOB NOT NULL,     -- zstd frame
    PRIMARY KEY (run_id, chunk_index)
);
