"""Write every corpus case to a folder, to try them in the Upload page: python -m tests.corpus OUT_DIR."""

from __future__ import annotations

import sys
from pathlib import Path

from .builders import ALL_CASES, CaseUnavailable, case_name


def main(argv: list[str] | None = None) -> int:
    """Build each case into OUT_DIR and print its name, file and description, one per line."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0].startswith("-"):
        print("usage: python -m tests.corpus OUT_DIR", file=sys.stderr)
        return 2
    out_dir = Path(args[0])
    for build in ALL_CASES:
        try:
            case = build(out_dir)
        except CaseUnavailable as exc:
            print(f"{case_name(build)}\t-\tskipped: {exc}")
            continue
        print(f"{case.name}\t{case.path}\t{case.description}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
