"""Finished meeting reports kept in memory: each built once per data version, however many ask at once.

A PDF report takes seconds (kaleido draws its charts in Chromium) and before a meeting several
people click the same download within a minute; building it for each of them made them all wait
several times as long, and kept two cores busy. Here a report is keyed by what makes it (store
and data version, kind, province, year, reporting date, district, language): the first request
builds it while the others asking for the same key wait for that one result; other keys build
side by side. The data version (``store.db.data_version``) changes at every import and undo, so
a new import gives new reports without anything being cleared. The cache is process-wide and
bounded (entries and bytes), least recently used out first. No Streamlit here: pages call
``report_bytes`` from their download buttons; the command line builds its file fresh.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from enum import StrEnum

import pandas as pd
from sqlalchemy import Engine

from loaders.reference import DEFAULT_PROVINCE
from store import queries
from store.db import data_version

MAX_ENTRIES = 16  # a year's reports in both languages for a few dates: a meeting's worth
MAX_BYTES = 200 * 2**20  # a PDF report is about 1 MB; this bounds the worst case, not the usual one


class ReportKind(StrEnum):
    """The meeting reports the pages offer for download."""

    EXCEL = "xlsx"
    PDF = "pdf"
    DISTRICT_PDF = "district_pdf"


@dataclass(frozen=True)
class ReportKey:
    """What makes two requests the same report file."""

    kind: ReportKind
    store: str  # the store's URL (password hidden): one process may serve several stores (tests, tools)
    data_version: int
    province: str
    year: int
    as_of: dt.date | None  # None: the year's latest reporting date
    district_code: str | None
    language: str


class _Flight:
    """One key's build: its lock, how many requests hold or wait for it, and the bytes once built."""

    __slots__ = ("lock", "requests", "result")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests = 0
        self.result: bytes | None = None


class ReportCache:
    """A bounded LRU of report bytes; concurrent requests for one key build it once, other keys independently."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._nbytes = 0
        self._flights: dict[Hashable, _Flight] = {}
        self._lock = threading.Lock()  # guards the three fields above; never held while a report builds

    def get_or_build(self, key: Hashable, build: Callable[[], bytes],
                     keep: Callable[[bytes], bool] = lambda data: True) -> bytes:
        """The bytes kept for ``key``, else ``build()``'s, kept when ``keep`` says so.

        Requests that arrive while the key builds wait for that build and share its bytes (kept
        or not). When it raises, the exception goes to its own caller and the next waiting
        request builds in turn: a failure is not remembered.
        """
        with self._lock:
            data = self._hit(key)
            if data is not None:
                return data
            flight = self._flights.setdefault(key, _Flight())
            flight.requests += 1
        try:
            with flight.lock:  # the first request builds; the others queue here for its result
                if flight.result is None:
                    data = build()
                    if keep(data):
                        with self._lock:
                            self._keep(key, data)
                    flight.result = data
                return flight.result
        finally:
            with self._lock:
                flight.requests -= 1
                if not flight.requests:
                    del self._flights[key]

    def pending(self, key: Hashable) -> int:
        """How many requests are building or waiting for ``key`` now."""
        with self._lock:
            flight = self._flights.get(key)
            return flight.requests if flight else 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._entries

    @property
    def nbytes(self) -> int:
        """The size of the reports kept."""
        with self._lock:
            return self._nbytes

    def clear(self) -> None:
        """Forget every report kept (builds under way finish and are kept)."""
        with self._lock:
            self._entries.clear()
            self._nbytes = 0

    def _hit(self, key: Hashable) -> bytes | None:
        data = self._entries.get(key)
        if data is not None:
            self._entries.move_to_end(key)
        return data

    def _keep(self, key: Hashable, data: bytes) -> None:
        if len(data) > self.max_bytes:  # larger than the whole cache: served, never kept
            return
        if key in self._entries:
            self._nbytes -= len(self._entries.pop(key))
        self._entries[key] = data
        self._nbytes += len(data)
        while len(self._entries) > self.max_entries or self._nbytes > self.max_bytes:
            _, old = self._entries.popitem(last=False)
            self._nbytes -= len(old)


REPORTS = ReportCache()  # the process's reports, shared by every session of a Streamlit server


def store_name(engine: Engine) -> str:
    """The store's URL with its password hidden: part of every report key."""
    return engine.url.render_as_string(hide_password=True)


def report_key(engine: Engine, kind: ReportKind, year: int, as_of: dt.date | None = None, language: str = "vi", *,
               province: str = DEFAULT_PROVINCE, district_code: str | None = None) -> ReportKey:
    """The key of a report on the store as it is now (its data version is read here)."""
    if (kind is ReportKind.DISTRICT_PDF) != (district_code is not None):
        raise ValueError(f"a district code goes with the district profile and only with it: {kind}, {district_code}")
    return ReportKey(kind, store_name(engine), data_version(engine), province, year, as_of, district_code, language)


def build_report(facts: pd.DataFrame, key: ReportKey) -> bytes:
    """The report ``key`` names, built from ``facts`` (one province's current facts)."""
    # imported here: only a download needs fpdf, kaleido and openpyxl's writer
    from . import excel_report, pdf_report

    if key.kind is ReportKind.EXCEL:
        return excel_report.build_excel_report(facts, key.year, key.as_of, key.language)
    if key.kind is ReportKind.PDF:
        return pdf_report.build_pdf_report(facts, key.year, key.as_of, key.language)
    assert key.district_code is not None  # report_key makes sure
    return pdf_report.build_district_pdf(facts, key.district_code, key.year, key.language, key.as_of)


_IMAGE = re.compile(rb"/Subtype\s*/Image")


def complete(key: ReportKey, data: bytes) -> bool:
    """False for a PDF whose charts could not be drawn (no browser, a timeout under load): serve it, don't keep it.

    Kept, such a file would stand for the whole data version; not kept, the next click tries
    the charts again. fpdf2 writes image objects' dictionaries uncompressed.
    """
    return key.kind is ReportKind.EXCEL or _IMAGE.search(data) is not None


def report_bytes(engine: Engine, kind: ReportKind, year: int, as_of: dt.date | None = None, language: str = "vi", *,
                 province: str = DEFAULT_PROVINCE, district_code: str | None = None,
                 cache: ReportCache = REPORTS) -> bytes:
    """A meeting report from the store's current facts, built once per data version and kept in ``cache``."""
    key = report_key(engine, kind, year, as_of, language, province=province, district_code=district_code)
    # The version is read before the facts: should an import land in between, this entry holds the
    # newer facts under the older version, which no request made after the import asks for.
    return cache.get_or_build(key, lambda: build_report(queries.current_facts(engine, province=province), key),
                              keep=lambda data: complete(key, data))
