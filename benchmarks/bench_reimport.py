"""A million facts through the command line, then the same file again: how long does each take?

Run: ``python benchmarks/bench_reimport.py [--rows 500000] [--db URL] [--json]``.

Builds one template workbook whose funding sheet has ``--rows`` rows (plan and disbursed each: twice as many
facts; bench_loader.build_workbook), then times ``python -m loaders import FILE --db URL`` on a fresh store (the
whole path: start-up, read, checks, write) and the same command again, which finds the file's bytes stored
(its SHA-256) before reading it. Each command runs in its own process; wall-clock seconds. SQLite by default
(a fresh file); ``--db`` for another engine (its database must be empty).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_loader  # noqa: E402
import bench_national as national  # noqa: E402


def timed_import(path: Path, db: str) -> tuple[float, str]:
    """Seconds of ``python -m loaders import`` (its plain output: --json would print every record, which for a
    million facts takes longer than the import), and that output."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "loaders", "import", str(path), "--db", db],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, proc.stdout


def written(db: str) -> int:
    """Values the store's batches say they wrote (python -m loaders history)."""
    proc = subprocess.run([sys.executable, "-m", "loaders", "history", "--db", db, "--json"],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    return sum(b["facts_new"] for b in json.loads(proc.stdout)["batches"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000, help="funding rows (twice as many facts)")
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_reimport_") as tmp:
        path = Path(tmp) / "funding.xlsx"
        start = time.perf_counter()
        rows = bench_loader.build_workbook(path, args.rows)
        built = time.perf_counter() - start
        db = args.db or f"sqlite:///{Path(tmp) / 'store.sqlite'}"
        first, _ = timed_import(path, db)
        again, second = timed_import(path, db)
        facts = written(db)
    result = {"rows": rows, "facts": facts, "build_seconds": round(built, 1),
              "import_seconds": round(first, 2), "reimport_seconds": round(again, 2),
              "reimport_read": "already in batch" not in second, "machine": national.machine(None),
              "code": national.code_version()}
    if args.json:
        print(json.dumps(result, indent=1))
        return
    print(f"{facts:,} facts ({rows:,} rows) in one file, {'SQLite' if not args.db else args.db.split(':')[0]}:")
    print(f"  import:    {first:.2f} s")
    print(f"  re-import: {again:.2f} s ({'read again' if result['reimport_read'] else 'recognised by its SHA-256, not read'})")
    print("machine:", json.dumps(result["machine"]), "code", result["code"])


if __name__ == "__main__":
    main()
