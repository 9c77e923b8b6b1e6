"""Hostile and broken files (tests/hostile/builders.py): the expected issue or records, never a crash, a hang
or unbounded memory; a refused file leaves the store as it was, and so does an import killed halfway."""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import selectors
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, func, select, text

from figures.fmt import csv_bytes, neutralise_formulas, xlsx_bytes
from loaders import import_files
from loaders.reference import ROOT
from store.db import data_version, get_engine
from store.schema import batches, facts
from tests.hostile.builders import (
    FORMULA_NAMING_DISTRICT,
    FORMULA_TEXTS,
    UNKNOWN_ROWS,
    HostileCase,
    build,
    large_template,
    plan,
    template_xlsx,
)

CASES = plan(Path("/hostile-corpus"))  # names and expectations only: the corpus fixture writes the files
BY_NAME = {c.name: c for c in CASES}
FILE_LEVEL = {"unreadable_file", "password_protected", "empty_file", "unsupported_type"}
PEAK_LIMIT_KB = 1_000_000  # 1 GB for the whole corpus, read in one process
BIG_FILES = {"csv_50mb_field", "csv_50mb_fields"}  # written at build time; every other file is small on disk

# One child process reads the files in turn and prints a JSON line per file, so that a crash, a hang
# (the timeout) and the memory used (the peak RSS, growing file after file) are all seen.
_CHILD = r"""
import json, math, resource, sys, time
from loaders import inspect_file

def peak_kb():
    # VmHWM starts afresh at exec; ru_maxrss keeps the parent's size from before the fork
    try:
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

for item in json.load(open(sys.argv[1], encoding="utf-8")):
    print(json.dumps({"start": item["name"]}), flush=True)
    t0 = time.perf_counter()
    rep = inspect_file(item["path"])
    seconds = time.perf_counter() - t0
    texts = [i.message for i in rep.issues] + [str(v) for r in rep.records for v in r]
    print(json.dumps({
        "name": item["name"], "seconds": seconds, "records": len(rep.records),
        "issues": [[i.severity.value, i.code, i.sheet, i.cell, i.message] for i in rep.issues],
        "not_finite": [r.cell for r in rep.records if not math.isfinite(r.value)],
        "as_of": sorted({r.as_of.isoformat() for r in rep.records}),
        "forbidden": [f for f in item["forbidden"] if any(f in t for t in texts)],
        "peak_kb": peak_kb(),
    }), flush=True)
"""


def _marks(case: HostileCase) -> list[pytest.MarkDecorator]:
    return [pytest.mark.xfail(reason=f"loader weakness: {case.weakness}", strict=True)] if case.weakness else []


def _read_in_child(cases: list[HostileCase], workdir: Path, *, timeout: float,
                   memory_limit: int | None = None) -> tuple[dict[str, Any], list[str], subprocess.CompletedProcess]:
    """inspect_file over the cases in one child: (results by name, names started, the process)."""
    manifest = workdir / f"manifest_{cases[0].name}.json"
    manifest.write_text(json.dumps([{"name": c.name, "path": str(c.path), "forbidden": list(c.forbidden)}
                                    for c in cases]), encoding="utf-8")

    def limit_memory() -> None:  # an allocation that fails early beats a machine swapping
        assert memory_limit is not None
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))

    proc = subprocess.run([sys.executable, "-c", _CHILD, str(manifest)], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, preexec_fn=limit_memory if memory_limit else None)
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    return {d["name"]: d for d in lines if "name" in d}, [d["start"] for d in lines if "start" in d], proc


def _check(case: HostileCase, got: dict[str, Any]) -> None:
    """What every file must give, then what this case expects (see builders.py)."""
    issues = got["issues"]
    summary = [(severity, code, cell) for severity, code, _sheet, cell, _message in issues][:8]
    for severity, code, _sheet, _cell, message in issues:
        assert severity in ("error", "warning") and code and len(message) >= 8, (code, message)
        assert "Traceback" not in message, message
    assert got["not_finite"] == [], f"inf or NaN read into records at {got['not_finite']}"
    assert got["forbidden"] == [], f"{got['forbidden']} leaked into a record or a message"
    if case.as_of is not None:
        assert set(got["as_of"]) <= {case.as_of.isoformat()}, f"a wrong date was read: {got['as_of']}"
    if case.max_seconds is not None:
        assert got["seconds"] < case.max_seconds
    errors = [(code, cell) for severity, code, _sheet, cell, _message in issues if severity == "error"]
    if case.code is None:
        assert errors == [], summary
        if case.records is not None:
            assert got["records"] == case.records, summary
        if case.cell is not None:
            assert case.cell in {cell for _s, _c, _sh, cell, _m in issues}, summary
    elif case.code in FILE_LEVEL:
        assert [(severity, code) for severity, code, *_ in issues] == [("error", case.code)], summary
        assert got["records"] == 0
    elif case.code == "no_table":
        assert [code for code, _cell in errors] == ["no_table"], summary
        assert got["records"] == 0
    else:
        assert errors and {code for code, _cell in errors} == {case.code}, summary
        if case.cell is not None:
            assert case.cell in {cell for code, cell in errors}, summary


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, HostileCase]:
    return {c.name: c for c in build(plan(tmp_path_factory.mktemp("hostile")))}


@pytest.fixture(scope="module")
def results(corpus: dict[str, HostileCase], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    cases = [c for c in corpus.values() if not c.isolated]
    t0 = time.perf_counter()
    got, started, proc = _read_in_child(cases, tmp_path_factory.mktemp("child"), timeout=240)
    last = started[-1] if started else "?"
    assert proc.returncode == 0, f"the child died (exit {proc.returncode}) reading {last}: {proc.stderr[-3000:]}"
    got["_seconds"] = time.perf_counter() - t0
    return got


def test_corpus_is_large_and_small_on_disk(corpus: dict[str, HostileCase]) -> None:
    assert len(corpus) >= 30
    for case in corpus.values():
        if case.path.is_file() and case.name not in BIG_FILES:
            assert case.path.stat().st_size < 2 << 20, case.name
    with zipfile.ZipFile(corpus["zip_bomb"].path) as zf:
        assert sum(i.file_size for i in zf.infolist()) > 300 << 20  # inflates 250-fold


@pytest.mark.parametrize("name", [pytest.param(c.name, marks=_marks(c)) for c in CASES if not c.isolated])
def test_each_file_gives_what_it_must(name: str, corpus: dict[str, HostileCase], results: dict[str, Any]) -> None:
    _check(corpus[name], results[name])


def test_memory_and_time_stay_bounded(results: dict[str, Any]) -> None:
    peaks = {name: got["peak_kb"] for name, got in results.items() if not name.startswith("_")}
    assert max(peaks.values()) < PEAK_LIMIT_KB, sorted(peaks.items(), key=lambda kv: kv[1])[-3:]
    assert results["_seconds"] < 120


def test_ten_thousand_unknown_districts_are_each_named_quickly(results: dict[str, Any]) -> None:
    got = results["unknown_districts_10000"]
    named = {cell for _s, code, _sh, cell, _m in got["issues"] if code == "unknown_district"}
    assert len(named) == UNKNOWN_ROWS and got["seconds"] < 20


@pytest.mark.parametrize("name", [pytest.param(c.name, marks=_marks(c)) for c in CASES if c.isolated])
def test_isolated_file_neither_crashes_nor_exhausts_memory(name: str, corpus: dict[str, HostileCase],
                                                          tmp_path: Path) -> None:
    got, _started, proc = _read_in_child([corpus[name]], tmp_path, timeout=120, memory_limit=3 << 30)
    assert proc.returncode == 0, f"the child died (exit {proc.returncode}): {proc.stderr.strip()[:300]}"
    _check(corpus[name], got[name])
    assert got[name]["peak_kb"] < PEAK_LIMIT_KB


def test_formula_texts_are_neutralised_in_exports(results: dict[str, Any]) -> None:
    """The texts reach the reader (they are named in its issues) and the Data page's downloads defuse them."""
    payloads = [*FORMULA_TEXTS, FORMULA_NAMING_DISTRICT]
    messages = " ".join(m for *_, m in results["formula_text_districts_xlsx"]["issues"])
    assert all(p in messages for p in FORMULA_TEXTS)
    frame = pd.DataFrame({"district": payloads, "sheet": payloads, "file_name": [f"{p}.xlsx" for p in payloads],
                          "value": [1.0] * len(payloads)})
    neutral = neutralise_formulas(frame)
    for column in ("district", "sheet", "file_name"):
        assert all(v == "'" + p for v, p in zip(neutral[column], frame[column]))
    rows = list(csv.reader(io.StringIO(csv_bytes(frame).decode("utf-8-sig"))))[1:]
    assert all(cell.startswith("'") for row in rows for cell in row[:3])
    ws = load_workbook(io.BytesIO(xlsx_bytes(frame))).active
    assert ws is not None
    cells = [c for row in ws.iter_rows(min_row=2, max_col=3) for c in row]
    assert cells and all(c.data_type == "s" and str(c.value).startswith("'") for c in cells)


# --- the store ---------------------------------------------------------------------------------------------

IMPORT_CASES = ("zip_bomb", "far_corners", "png_as_xlsx", "truncated_xlsx", "encrypted_crafted", "empty_csv",
                "billion_laughs_shared_strings", "formula_text_districts_xlsx", "date_today", "csv_latin1",
                "number_nan_text")


def _state(engine: Engine) -> tuple[Any, ...]:
    """Everything an import could change: facts (id, value, current), batches, data_version."""
    with engine.connect() as conn:
        rows = sorted(tuple(r) for r in conn.execute(select(facts.c.id, facts.c.value, facts.c.current)))
        n_batches = conn.execute(select(func.count()).select_from(batches)).scalar_one()
    return rows, n_batches, data_version(engine)


@pytest.mark.parametrize("name", [pytest.param(n, marks=_marks(BY_NAME[n])) for n in IMPORT_CASES])
def test_refused_file_leaves_the_store_unchanged(name: str, engine: Engine, tmp_path: Path) -> None:
    import_files([template_xlsx(tmp_path / "earlier.xlsx")], engine, user="analyst")
    before = _state(engine)
    assert len(before[0]) == 2
    (case,) = build(c for c in plan(tmp_path / "bad") if c.name == name)
    reports, written = import_files([case.path], engine, user="analyst")
    assert not reports[0].ok and written == []
    assert _state(engine) == before


_IMPORT_CHILD = r"""
import sys
from loaders import inspect_file
from store.db import get_engine
from store.writes import write_reports
report = inspect_file(sys.argv[1])
assert report.ok, report.issues[:3]
engine = get_engine(sys.argv[2])
print("inspected", len(report.records), flush=True)
write_reports(engine, [report], user="killed")
print("written", flush=True)
"""


def _readline(proc: subprocess.Popen, timeout: float) -> str:
    assert proc.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout):
            return ""
    return proc.stdout.readline()


def test_killed_import_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    big = tmp_path / "large.xlsx"
    large_template(big, 60_000)
    db = tmp_path / "store.sqlite"
    url = f"sqlite:///{db}"
    engine = get_engine(url)
    import_files([template_xlsx(tmp_path / "earlier.xlsx")], engine, user="analyst")
    before = _state(engine)
    engine.dispose()  # the last connection closes: SQLite checkpoints and removes the -wal file
    wal = Path(f"{db}-wal")

    def wal_size() -> int:
        return wal.stat().st_size if wal.exists() else 0

    proc = subprocess.Popen([sys.executable, "-c", _IMPORT_CHILD, str(big), url], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = _readline(proc, timeout=120)
        assert line.startswith("inspected 120000"), (line, proc.poll())
        start, deadline = wal_size(), time.monotonic() + 60
        # The write transaction has begun once pages spill into the -wal file; it commits only at the end.
        while wal_size() <= start:
            assert proc.poll() is None, "the import finished before it could be killed"
            assert time.monotonic() < deadline, "the import never started writing"
            time.sleep(0.002)
        os.kill(proc.pid, signal.SIGKILL)
        out, _err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == -signal.SIGKILL and "written" not in out
    assert wal_size() > 0  # uncommitted frames were left behind
    engine = get_engine(url)
    try:
        assert _state(engine) == before
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
            current = conn.execute(select(facts.c.cell).where(facts.c.current.is_(True))).scalars().all()
        assert sorted(current) == ["F4", "G4"]  # the fact imported earlier is still the current one
    finally:
        engine.dispose()
