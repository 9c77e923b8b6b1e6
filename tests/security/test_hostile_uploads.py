"""Security 1: a small .xlsx whose one shared string is huge and fills many cells (calamine copies the string into
each: 106 KB asks for 100 GB) is refused in bounded time, and the server process does not grow; every
spreadsheet is read in a memory-limited child, so no upload can take the server down."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from loaders import workbook
from loaders._zip_check import _overlong_string
from loaders.errors import UnreadableFile
from loaders.i18n import t
from loaders.reference import ROOT
from loaders.workbook import read_grids
from tests.hostile.builders import inline, raw_xlsx, shared_string_bomb, shared_string_cells, sheet_xml

GROWTH_LIMIT_KB = 100 << 10  # what reading one hostile file may add to the server process's peak memory
SECONDS = 30

# inspect_file in a fresh process (the server's part of the work): its answer, time and peak memory growth
_CHILD = r"""
import json, sys, time
from loaders import inspect_file

def peak_kb():
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))

before = peak_kb()
t0 = time.perf_counter()
report = inspect_file(sys.argv[1])
print(json.dumps({"seconds": time.perf_counter() - t0, "grew_kb": peak_kb() - before, "records": len(report.records),
                  "issues": [[i.code, i.message] for i in report.issues]}))
"""


def inspect_in_a_process(path: Path) -> dict[str, Any]:
    """What inspect_file makes of a file, read in its own process (3 GB at most, so that old code fails fast)."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

    proc = subprocess.run([sys.executable, "-c", _CHILD, str(path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, preexec_fn=limit, check=False)
    assert proc.returncode == 0, f"the process reading {path.name} died (exit {proc.returncode}): {proc.stderr[-500:]}"
    return dict(json.loads(proc.stdout.splitlines()[-1]))


def _refused_quickly_and_lightly(got: dict[str, Any], key: str, **params: str) -> None:
    assert [code for code, _message in got["issues"]] == ["unreadable_file"], got["issues"]
    assert got["issues"][0][1] == t(f"issue.{key}", "vi", **params)
    assert got["records"] == 0
    assert got["seconds"] < SECONDS
    assert got["grew_kb"] < GROWTH_LIMIT_KB, f"the server's process grew by {got['grew_kb'] >> 10} MB"


@pytest.mark.parametrize("megabytes, cells", [(100, 1000), (10, 200)], ids=["106KB_100MBx1000", "12KB_10MBx200"])
def test_one_huge_shared_string_in_many_cells_is_refused(tmp_path: Path, megabytes: int, cells: int) -> None:
    path = shared_string_bomb(tmp_path / "bomb.xlsx", megabytes, cells)
    assert path.stat().st_size < 120_000
    chars = f"{megabytes << 20:,}".replace(",", ".")
    _refused_quickly_and_lightly(inspect_in_a_process(path), "cell_text_too_long", chars=chars, limit="32.767")


def test_a_cell_longer_than_excel_allows_is_refused(tmp_path: Path) -> None:
    path = raw_xlsx(tmp_path / "long.xlsx", {"Sheet1": sheet_xml(b'<row r="1">' + inline("A1", "x" * 40_000) + b"</row>")})
    _refused_quickly_and_lightly(inspect_in_a_process(path), "cell_text_too_long", chars="40.000", limit="32.767")


def test_too_much_text_in_all_is_refused_before_it_reaches_the_server(tmp_path: Path) -> None:
    # each string within Excel's limit, 60 million characters in all: refused in the child, after reading
    path = shared_string_cells(tmp_path / "text.xlsx", b"y" * 30_000, 2_000)
    _refused_quickly_and_lightly(inspect_in_a_process(path), "too_much_text", chars="60.000.000", limit="50.000.000")


def _merged_with_formula(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Biểu 01"
    ws["A1"] = "BÁO CÁO"
    ws.merge_cells("A1:C1")
    ws["B3"] = 5
    ws["C3"] = "=B3*2"  # openpyxl writes no computed value
    wb.save(path)
    return path


def test_xlsx_is_read_in_the_memory_limited_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _merged_with_formula(tmp_path / "book.xlsx")
    (grid,) = read_grids(path)  # merged ranges and formulas without a value survive the trip from the child
    assert grid.merged == [((0, 0), (0, 2))] and grid.formulas_without_value == {"C3"}
    assert grid.rows[0][0] == "BÁO CÁO" and grid.rows[2][1] == 5.0
    # with too little memory for the child the file is refused: it is read there, not in this process
    monkeypatch.setattr(workbook, "CHILD_MEMORY_BYTES", 16 << 20)
    with pytest.raises(UnreadableFile) as refused:
        read_grids(path)
    assert refused.value.code == "unreadable_file" and "more memory than any report" in str(refused.value)


def _rich(runs: int, run_chars: int = 10) -> bytes:
    run = b"<r><rPr><b/><sz val=\"11\"/></rPr><t>" + b"x" * run_chars + b"</t></r>"
    return b"<sst><si><t>a</t></si><si>" + run * runs + b"</si><si><t>&amp;b</t></si></sst>"


@pytest.mark.parametrize("xml, chars", [
    (_rich(3_000), 0),  # 30,000 characters in 170 KB of markup: within Excel's limit
    (_rich(3_300), 33_000),
    (b"<sst>" + b"<si><t>&#x1F600;</t></si>" * 40_000 + b"</sst>", 0),  # entities: fewer characters than bytes
    (b"<x:sst><x:si><x:t>" + b"z" * 40_000 + b"</x:t></x:si></x:sst>", 40_000),  # prefixed tags
])
def test_the_longest_shared_string_is_found_without_reading_them_all(xml: bytes, chars: int) -> None:
    assert _overlong_string(xml, 32_767) == chars


def test_many_short_shared_strings_are_checked_quickly() -> None:
    xml = b"<sst>" + b"".join(b"<si><t>chu\xe1\xbb\x97i %d</t></si>" % i for i in range(2_000_000)) + b"</sst>"
    t0 = time.perf_counter()
    assert _overlong_string(xml, 32_767) == 0
    assert time.perf_counter() - t0 < 1.0  # 52 MB, a search in each of 3,200 windows
