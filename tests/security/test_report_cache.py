"""Meeting reports are built once per data version and shared (security issue: a PDF per click, 4 at once 21.7 s).

The cache itself (figures/report_cache.py) with stub builders: four requests at once build once,
other keys build side by side, failures are not remembered, the bound evicts the least recently
used. Through the store: a new import (or an undo) gives a new file, languages, dates and kinds
are files of their own. Through the overview and district pages (AppTest, the download buttons'
deferred callables clicked from threads): before the fix every click built the report anew.
No timing is asserted; waits have generous deadlines only so that a bug fails instead of hanging.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from figures import excel_report, pdf_report
from figures.report_cache import ReportCache, ReportKind, report_bytes, report_key
from loaders.records import Dataset, FileReport, Record
from loaders.reference import districts
from store.db import data_version, get_engine
from store.history import undo
from store.writes import write_reports

DEADLINE = 30.0  # seconds: only so that a broken cache fails the test instead of hanging it
PDF_WITH_CHARTS = b"%PDF-1.4 << /Type /XObject /Subtype /Image >> %%EOF"


def wait_until(condition: Callable[[], bool]) -> None:
    """Poll until ``condition`` holds; fail after DEADLINE."""
    end = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > end:
            pytest.fail("condition not reached in time")
        time.sleep(0.005)


def in_threads(n: int, request: Callable[[], bytes]) -> tuple[list[threading.Thread], list[Any]]:
    """Start ``n`` threads each making ``request``; their results (or exceptions) land in the list."""
    results: list[Any] = []

    def run() -> None:
        try:
            results.append(request())
        except Exception as exc:  # noqa: BLE001 - the test looks at what each request got
            results.append(exc)

    threads = [threading.Thread(target=run, daemon=True) for _ in range(n)]
    for thread in threads:
        thread.start()
    return threads, results


def join(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.join(DEADLINE)
        assert not thread.is_alive(), "a request never returned"


class StubBuilder:
    """Counts its builds; each build waits for ``release`` (set from the start unless ``hold``)."""

    def __init__(self, data: bytes = PDF_WITH_CHARTS, hold: bool = False, fail_first: bool = False) -> None:
        self.data, self.fail_first, self.calls = data, fail_first, 0
        self.started, self.release = threading.Event(), threading.Event()
        if not hold:
            self.release.set()

    def __call__(self) -> bytes:
        self.calls += 1
        self.started.set()
        assert self.release.wait(DEADLINE)
        if self.fail_first and self.calls == 1:
            raise RuntimeError("kaleido crashed")
        return self.data


# --- the cache -------------------------------------------------------------

def test_four_requests_at_once_build_the_report_once() -> None:
    cache, build = ReportCache(), StubBuilder(hold=True)
    threads, results = in_threads(4, lambda: cache.get_or_build("pdf", build))
    wait_until(lambda: cache.pending("pdf") == 4)  # one builds, three wait for it
    build.release.set()
    join(threads)
    assert build.calls == 1
    assert results == [PDF_WITH_CHARTS] * 4 and all(r is results[0] for r in results)
    assert cache.pending("pdf") == 0 and "pdf" in cache
    assert cache.get_or_build("pdf", build) is results[0] and build.calls == 1  # a later click: kept


def test_other_reports_build_while_one_is_building() -> None:
    cache, slow, quick = ReportCache(), StubBuilder(hold=True), StubBuilder(b"xlsx")
    threads, results = in_threads(1, lambda: cache.get_or_build("pdf", slow))
    assert slow.started.wait(DEADLINE)
    assert cache.get_or_build("xlsx", quick) == b"xlsx"  # not held up by the PDF (it would hang here)
    assert not results
    slow.release.set()
    join(threads)
    assert results == [PDF_WITH_CHARTS] and (slow.calls, quick.calls) == (1, 1)


def test_a_failed_build_goes_to_its_caller_and_the_next_waiting_request_builds() -> None:
    cache, build = ReportCache(), StubBuilder(hold=True, fail_first=True)
    threads, results = in_threads(2, lambda: cache.get_or_build("pdf", build))
    wait_until(lambda: cache.pending("pdf") == 2)
    build.release.set()
    join(threads)
    assert build.calls == 2
    assert sorted(map(type, results), key=str) == sorted([RuntimeError, bytes], key=str)
    assert cache.get_or_build("pdf", build) == PDF_WITH_CHARTS and build.calls == 2


def test_a_report_not_to_keep_is_shared_by_the_waiting_requests_then_built_again() -> None:
    cache, build = ReportCache(), StubBuilder(b"%PDF without charts", hold=True)
    threads, results = in_threads(3, lambda: cache.get_or_build("pdf", build, keep=lambda data: False))
    wait_until(lambda: cache.pending("pdf") == 3)
    build.release.set()
    join(threads)
    assert build.calls == 1 and results == [b"%PDF without charts"] * 3
    assert "pdf" not in cache
    cache.get_or_build("pdf", build, keep=lambda data: False)
    assert build.calls == 2


@pytest.mark.parametrize(("max_entries", "max_bytes", "requests", "kept"), [
    (2, 10**6, ["a", "b", "c"], {"b", "c"}),  # the oldest goes
    (2, 10**6, ["a", "b", "a", "c"], {"a", "c"}),  # least recently used, not least recently built
    (16, 25, ["a", "b", "c"], {"b", "c"}),  # 10 bytes each: the third would pass 25 bytes
    (16, 25, ["a", "big", "b"], {"a", "b"}),  # 30 bytes: larger than the cache, served but never kept
])
def test_the_cache_evicts_beyond_its_bound(max_entries: int, max_bytes: int, requests: list[str],
                                           kept: set[str]) -> None:
    cache = ReportCache(max_entries=max_entries, max_bytes=max_bytes)
    for key in requests:
        data = key.encode().ljust(30 if key == "big" else 10)
        assert cache.get_or_build(key, lambda: data) == data  # noqa: B023 - called before the loop goes on
    assert {k for k in ("a", "b", "c", "big") if k in cache} == kept
    assert len(cache) == len(kept) and cache.nbytes == 10 * len(kept) <= max_bytes


# --- through the store -----------------------------------------------------

def funding_file(name: str, value: float) -> FileReport:
    """A small import for Lai Châu: plan and disbursement of one component for every district."""
    as_of = dt.date(2017, 10, 31)
    records = [Record(Dataset.FUNDING, code, 2017, as_of, "1.1", "central_investment", measure, value + i, "S", f"C{i}")
               for i, code in enumerate(districts("12")) for measure in ("plan", "disbursed")]
    return FileReport(path=f"{name}.xlsx", records=records, sha256=hashlib.sha256(name.encode()).hexdigest())


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Engine]:
    engine = get_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
    write_reports(engine, [funding_file("first", 1000.0)], user="tester")
    yield engine
    engine.dispose()


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[tuple[Any, ...]]]:
    """Stub report builders (no kaleido): the arguments of every build, by kind."""
    calls: dict[str, list[tuple[Any, ...]]] = {"xlsx": [], "pdf": [], "district_pdf": []}

    def stub(kind: str) -> Callable[..., bytes]:
        def build(facts: Any, *args: Any) -> bytes:
            calls[kind].append((len(facts), *args))
            return PDF_WITH_CHARTS + repr(args).encode()
        return build

    monkeypatch.setattr(excel_report, "build_excel_report", stub("xlsx"))
    monkeypatch.setattr(pdf_report, "build_pdf_report", stub("pdf"))
    monkeypatch.setattr(pdf_report, "build_district_pdf", stub("district_pdf"))
    return calls


def test_a_new_import_or_an_undo_builds_the_report_anew(store: Engine, builds: dict[str, list[Any]]) -> None:
    cache = ReportCache()

    def pdf() -> bytes:
        return report_bytes(store, ReportKind.PDF, 2017, None, "vi", cache=cache)

    first = pdf()
    assert pdf() is first and len(builds["pdf"]) == 1
    version = data_version(store)
    batch = write_reports(store, [funding_file("second", 2000.0)], user="tester")[0].batch_id
    assert data_version(store) > version
    assert pdf() is not first and len(builds["pdf"]) == 2
    pdf()
    assert len(builds["pdf"]) == 2
    assert batch is not None
    undo(store, batch, user="tester")
    pdf()
    assert len(builds["pdf"]) == 3


def test_four_clicks_at_once_on_the_store_build_once(store: Engine, builds: dict[str, list[Any]]) -> None:
    cache = ReportCache()
    threads, results = in_threads(4, lambda: report_bytes(store, ReportKind.PDF, 2017, None, "en", cache=cache))
    join(threads)
    assert len(builds["pdf"]) == 1 and len(set(results)) == 1
    assert builds["pdf"][0][1:] == (2017, None, "en")


REQUESTS: list[dict[str, Any]] = [
    dict(kind=ReportKind.PDF, year=2017, as_of=None, language="vi"),
    dict(kind=ReportKind.PDF, year=2017, as_of=None, language="en"),
    dict(kind=ReportKind.PDF, year=2017, as_of=dt.date(2017, 10, 31), language="vi"),
    dict(kind=ReportKind.PDF, year=2018, as_of=None, language="vi"),
    dict(kind=ReportKind.EXCEL, year=2017, as_of=None, language="vi"),
    dict(kind=ReportKind.DISTRICT_PDF, year=2017, as_of=None, language="vi", district_code="107"),
    dict(kind=ReportKind.DISTRICT_PDF, year=2017, as_of=None, language="vi", district_code="105"),
]


def test_languages_dates_years_kinds_and_districts_are_reports_of_their_own(
        store: Engine, builds: dict[str, list[Any]]) -> None:
    cache = ReportCache()
    files = [report_bytes(store, **request, cache=cache) for request in REQUESTS]
    assert len(cache) == len(REQUESTS) and sum(map(len, builds.values())) == len(REQUESTS)
    assert [report_bytes(store, **request, cache=cache) for request in REQUESTS] == files  # all kept
    assert sum(map(len, builds.values())) == len(REQUESTS)
    assert [call[1:] for call in builds["district_pdf"]] == [("107", 2017, "vi", None), ("105", 2017, "vi", None)]


def test_the_district_profile_is_a_file_per_reporting_date(store: Engine, builds: dict[str, list[Any]]) -> None:
    dates = (None, dt.date(2017, 10, 31), dt.date(2017, 6, 30))
    keys = {report_key(store, ReportKind.DISTRICT_PDF, 2017, as_of, district_code="107") for as_of in dates}
    assert len(keys) == len(dates)
    report_bytes(store, ReportKind.DISTRICT_PDF, 2017, dt.date(2017, 10, 31), district_code="107", cache=ReportCache())
    assert [call[1:] for call in builds["district_pdf"]] == [("107", 2017, "vi", dt.date(2017, 10, 31))]
    with pytest.raises(ValueError):
        report_key(store, ReportKind.PDF, 2017, district_code="107")


def test_two_stores_at_the_same_data_version_are_not_confused(store: Engine, tmp_path: Path,
                                                              builds: dict[str, list[Any]]) -> None:
    other = get_engine(f"sqlite:///{tmp_path / 'other.sqlite'}")
    write_reports(other, [funding_file("other", 5000.0)], user="tester")
    assert data_version(other) == data_version(store)
    cache = ReportCache()
    for engine in (store, other, store, other):
        report_bytes(engine, ReportKind.EXCEL, 2017, cache=cache)
    assert len(builds["xlsx"]) == 2
    other.dispose()


@pytest.mark.parametrize(("kind", "data", "kept"), [
    (ReportKind.PDF, PDF_WITH_CHARTS, True),
    (ReportKind.PDF, b"%PDF-1.4 charts unavailable: no browser %%EOF", False),  # tried again at the next click
    (ReportKind.EXCEL, b"PK\x03\x04 a workbook has no images", True),
])
def test_a_pdf_whose_charts_failed_is_served_but_not_kept(store: Engine, monkeypatch: pytest.MonkeyPatch,
                                                          kind: ReportKind, data: bytes, kept: bool) -> None:
    calls: list[ReportKind] = []

    def build(facts: Any, key: Any) -> bytes:
        calls.append(key.kind)
        return data

    monkeypatch.setattr("figures.report_cache.build_report", build)
    cache = ReportCache()
    assert report_bytes(store, kind, 2017, cache=cache) == data
    assert report_bytes(store, kind, 2017, cache=cache) == data
    assert len(calls) == (1 if kept else 2)


# --- through the pages -----------------------------------------------------

@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite store holding the illustrative samples, built once for this module."""
    from store.bootstrap import load_samples_if_empty

    url = f"sqlite:///{tmp_path_factory.mktemp('report_cache') / 'samples.sqlite'}"
    engine = get_engine(url)
    load_samples_if_empty(engine)
    engine.dispose()
    return url


@pytest.fixture
def downloads(sample_store: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Callable[[], Any]]]:
    """The deferred callables of the download buttons the pages draw, by file name (what a click runs)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    from figures.report_cache import REPORTS

    monkeypatch.setenv("DASHBOARD_DATABASE_URL", sample_store)
    monkeypatch.setenv("DASHBOARD_LOAD_SAMPLES", "0")
    REPORTS.clear()
    found: dict[str, Callable[[], Any]] = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self: MediaFileManager, data_callable: Callable[[], Any], *args: Any, **kwargs: Any) -> str:
        found[kwargs["file_name"]] = data_callable
        return original(self, data_callable, *args, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    yield found
    REPORTS.clear()


def open_page(page: str) -> Any:
    from streamlit.testing.v1 import AppTest

    from loaders.reference import ROOT

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    if page == "overview":
        at.run()  # the second run goes through the entry file's navigation, as in tests/test_pages.py
    else:
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_four_clicks_at_once_on_the_overview_pdf_build_it_once(downloads: dict[str, Callable[[], Any]],
                                                               builds: dict[str, list[Any]], sample_store: str) -> None:
    open_page("overview")
    pdf = next(f for name, f in downloads.items() if name.endswith(".pdf"))
    threads, results = in_threads(4, pdf)
    join(threads)
    assert len(builds["pdf"]) == 1 and len(set(results)) == 1, builds["pdf"]
    xlsx = next(f for name, f in downloads.items() if name.endswith(".xlsx"))
    xlsx(), xlsx()
    assert len(builds["xlsx"]) == 1

    engine = get_engine(sample_store)  # an import: the same button, clicked again, builds from the new figures
    write_reports(engine, [funding_file("late report", 3000.0)], user="tester")
    engine.dispose()
    pdf(), pdf()
    assert len(builds["pdf"]) == 2


def test_the_district_profile_is_built_once_for_repeated_clicks(downloads: dict[str, Callable[[], Any]],
                                                                builds: dict[str, list[Any]]) -> None:
    open_page("district_profile")
    profile = next(f for name, f in downloads.items() if name.startswith("ho_so_"))
    first = profile()
    assert profile() is first and profile() is first
    assert len(builds["district_pdf"]) == 1
