#!/usr/bin/env python3
"""Checks that includes between stages run one way only (README.md, "How it works").

Every include of a project header names its stage ("record/run_ingestor.h"). A stage may
include its own headers and those of the stages before it that it reads; anything else is a
dependency running backwards and is reported with its file and line. Exit 1 when one is
found, 0 otherwise. Run by CTest (StageIncludes) and by hand: scripts/check_stage_includes.py.
"""
import os
import re
import sys

# The stages each stage may include, besides itself. interpose/ (inside the target) and
# record/ share only wire/; nothing after record/ sees the wire format.
ALLOWED = {
    "wire": set(),
    "interpose": {"wire"},
    "schema": set(),
    "record": {"wire", "schema"},
    "symbolize": {"schema"},
    "analyzers": {"schema", "symbolize"},
    "compare": {"schema", "analyzers"},
    "suite": {"schema", "symbolize", "analyzers", "compare", "reports"},  # the suite document renders like a report
    "reports": {"schema", "analyzers"},
    "export": {"schema", "symbolize"},
    "cli": {"schema", "record", "symbolize", "analyzers", "compare", "suite", "reports", "export"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def main(root):
    problems = []
    for stage, allowed in ALLOWED.items():
        for folder, _, files in os.walk(os.path.join(root, stage)):
            for name in files:
                if not name.endswith((".h", ".cpp", ".c", ".def", ".in")):
                    continue
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as f:
                    for number, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        target = m.group(1).split("/")[0]
                        if "/" not in m.group(1):
                            problems.append(f"{os.path.relpath(path, root)}:{number}: include "
                                            f'"{m.group(1)}" does not name its stage')
                        elif target in ALLOWED and target != stage and target not in allowed:
                            problems.append(f"{os.path.relpath(path, root)}:{number}: {stage}/ includes "
                                            f"{m.group(1)} ({target}/ is not a stage {stage}/ may depend on)")
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} include(s) against the direction of the pipeline")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")))
