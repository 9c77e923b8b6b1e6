"""Write every corpus case to a folder, to try them in the Upload page: python -m tests.corpus OUT_DIR.

``--round-two`` writes the round-two cases (round_two.py) instead, ``--all`` both."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from .builders import ALL_CASES, Case, CaseUnavailable, case_name
from .round_two import ROUND_TWO_CASES

USAGE = "usage: python -m tests.corpus [--round-two | --all] OUT_DIR"


def main(argv: list[str] | None = None) -> int:
    """Build each case into OUT_DIR and print its name, file and description, one per line."""
    args = sys.argv[1:] if argv is None else argv
    builders: list[Callable[[Path], Case]] = list(ALL_CASES)
    if args and args[0] in ("--round-two", "--all"):
        builders = list(ROUND_TWO_CASES) if args[0] == "--round-two" else [*ALL_CASES, *ROUND_TWO_CASES]
        args = args[1:]
    if len(args) != 1 or args[0].startswith("-"):
        print(USAGE, file=sys.stderr)
        return 2
    out_dir = Path(args[0])
    for build in builders:
        try:
            case = build(out_dir)
        except CaseUnavailable as exc:
            print(f"{case_name(build)}\t-\tskipped: {exc}")
            continue
        print(f"{case.name}\t{case.path}\t{case.description}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
