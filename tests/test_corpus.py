"""The corpus of hand-made district reports: expected totals, issues at the right cells, and meta."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from loaders import inspect_file
from tests.corpus.builders import ALL_CASES, Case, CaseUnavailable


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("corpus")


def _build(builder, out_dir: Path) -> Case:  # type: ignore[no-untyped-def]
    try:
        return builder(out_dir)
    except CaseUnavailable as exc:
        pytest.skip(str(exc))


@pytest.mark.parametrize("builder", ALL_CASES, ids=[b.__name__.removeprefix("build_") for b in ALL_CASES])
def test_case(builder, corpus_dir: Path) -> None:  # type: ignore[no-untyped-def]
    case = _build(builder, corpus_dir)
    report = inspect_file(case.path)
    totals: dict[tuple[str, str, str], float] = defaultdict(float)
    for rec in report.records:
        totals[(rec.dataset.value, rec.district_code, rec.measure)] += rec.value
    assert dict(totals) == pytest.approx(case.expected_totals, abs=1e-6), case.description
    got = {(i.severity.value, i.code, i.sheet, i.cell) for i in report.issues}
    missing = [e for e in case.expected_issues if e not in got]
    assert missing == [], sorted(got)
    meta = dict(case.expected_meta)
    per_sheet = meta.pop("sheets", {})
    for layout in report.sheets:
        if layout["kind"] == "skipped":
            continue
        want = {**meta, **per_sheet.get(layout["sheet"], {})}
        have = {k: layout.get(k) for k in want}
        assert have == want, layout["sheet"]


def test_no_total_is_counted_twice(corpus_dir: Path) -> None:
    """Total rows, group rows and 'Tổng số' columns are reported as such and stored as nothing."""
    case = _build(ALL_CASES[0], corpus_dir)
    report = inspect_file(case.path)
    layout = report.sheets[0]
    assert layout["total_rows"] and all(c["kind"] != "value" or c["source"] for c in layout["columns"])
    stored = {r.cell for r in report.records}
    total_cells = {f"{c['column']}{row}" for row in layout["total_rows"] for c in layout["columns"]}
    assert not stored & total_cells
