"""``./dev baseline [CASE ...]``: (re)write tests/baseline/<case>.json from
the current code. Only this writes the baseline; the test only reads it."""
from __future__ import annotations

import json
import sys

from tests.baseline.cases import CASES, HERE, differences, run_case


def main(argv: list[str]) -> int:
    unknown = [c for c in argv if c not in CASES]
    if unknown:
        print(f"error: unknown baseline case {unknown[0]!r}; allowed: {', '.join(CASES)}", file=sys.stderr)
        return 2
    for case in argv or list(CASES):
        path = HERE / f"{case}.json"
        new = run_case(case)
        old = json.loads(path.read_text()) if path.exists() else None
        moved = differences(old, new) if old is not None else ["new baseline"]
        path.write_text(json.dumps(new, indent=1, sort_keys=True) + "\n")
        print(f"{case}: " + ("unchanged" if not moved else f"{len(moved)} change(s)"))
        for line in moved:
            print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
