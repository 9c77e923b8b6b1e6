"""Loader speed and memory against a bare ``pandas.read_excel(engine="openpyxl")``, on one generated workbook.

Run: ``python benchmarks/bench_loader.py [--rows 108000] [--json]``. Each contender runs in
its own child process so that its peak memory (ru_maxrss) is its own; the ratio is
measured in this one run. The loader reads the workbook in a child of its own (loaders/_read_child.py,
memory-limited): its peak is reported apart, and the CPU time counts both. Figures are recorded in the README.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[3])
kind, path = sys.argv[1], sys.argv[2]
import pandas as pd  # imports are not timed, for either contender
from loaders import inspect_file
t0 = time.perf_counter()
if kind == "pandas":
    frames = pd.read_excel(path, sheet_name=None, engine="openpyxl")
    n = sum(len(f) for f in frames.values())
else:
    rep = inspect_file(path)
    assert rep.ok, [i.to_dict() for i in rep.issues[:5]]
    n = len(rep.records)
seconds = time.perf_counter() - t0
# VmHWM is this process's own peak; ru_maxrss would carry over the parent's peak across exec.
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime  # imports included, for both contenders
print(json.dumps({"seconds": seconds, "items": n, "peak_mb": hwm / 1024, "reader_peak_mb": children.ru_maxrss / 1024,
                  "cpu_seconds": cpu}))
"""


def build_workbook(path: Path, rows: int) -> int:
    """A template workbook whose funding sheet holds at least ``rows`` rows (unique keys)."""
    from loaders.reference import districts, leaf_components, leaf_sources
    from loaders.template import build_workbook as build

    comps = [c for c, comp in leaf_components().items() if comp.applies_lai_chau]
    out = []
    for year in range(2016, 2021):
        for day in range(0, 365):
            as_of = dt.date(year, 1, 1) + dt.timedelta(days=day)
            for d in districts():
                for c in comps:
                    for s in list(leaf_sources())[:3]:
                        plan = 1000.0 + zlib.crc32(f"{d}{c}{s}".encode()) % 997  # the same plan all year
                        out.append(dict(district_code=d, year=year, as_of=as_of, component=c, source=s,
                                        plan=plan, disbursed=round(plan * day / 365, 1)))
                        if len(out) >= rows:
                            build(funding=out).save(path)
                            return len(out)
    build(funding=out).save(path)
    return len(out)


def run(kind: str, path: Path) -> dict:
    proc = subprocess.run([sys.executable, "-c", _CHILD, kind, str(path), str(ROOT)], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=108_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.xlsx"
        t0 = time.perf_counter()
        rows = build_workbook(path, args.rows)
        built = time.perf_counter() - t0
        loader = run("loader", path)
        pandas = run("pandas", path)
    result = {
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}, Python {platform.python_version()}",
        "data_rows": rows,
        "file_mb": None,
        "build_seconds": round(built, 1),
        "loader": {k: round(v, 2) for k, v in loader.items()},
        "pandas_openpyxl": {k: round(v, 2) for k, v in pandas.items()},
        "speedup": round(pandas["seconds"] / loader["seconds"], 2),
        "memory_ratio": round(loader["peak_mb"] / pandas["peak_mb"], 2),
        "target_speedup": 5.0,
    }
    result.pop("file_mb")
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print(f"{rows:,} data rows ({result['machine']})")
        print(f"  loader (inspect_file, {loader['items']:,.0f} records): {loader['seconds']:.2f} s, peak {loader['peak_mb']:.0f} MB"
              f" (its reading child: {loader['reader_peak_mb']:.0f} MB)")
        print(f"  pandas.read_excel(engine='openpyxl'):  {pandas['seconds']:.2f} s, peak {pandas['peak_mb']:.0f} MB")
        print(f"  speed-up {result['speedup']}× (target ≥ 5×), memory ratio {result['memory_ratio']}")


if __name__ == "__main__":
    main()
