"""National-scale benchmark: import throughput, page run times and peak memory on SQLite and PostgreSQL.

Run: ``python benchmarks/bench_national.py [--engines sqlite,postgresql] [--scale 1.0] [--keep DIR] [--json]``.
``--scale 0.05`` is a quick run (about 5% of the districts, Lai Châu always included).

It generates, deterministically (numpy seeded per province and year, no clock), the facts a
national store would hold: every district of every province (``loaders.reference.all_districts()``
when it exists, else districts.csv, else about 700 codes synthesised in the 63 provinces listed
below, Lai Châu keeping its real codes), budget years 2016–2020 with a funding report at the end of
every month (plan and cumulative disbursement for each leaf component × funding source), the year's
disbursement targets by reporting date and poverty target, and the yearly poverty review (2015
baseline included). At full scale that is over 4 million facts. Records are built exactly as
``loaders/template_reader.py`` builds them from the template (sheets, cells, measures), which the
``file`` phase checks by writing one province-year as a template workbook and reading it back.

Each phase runs in its own child process, so its peak memory (VmHWM) is its own:

- ``generate``: build every province-year's records without writing (generator time and memory);
- ``import``: write them through ``store.writes.write_reports`` (one FileReport, so one transaction,
  per province and year; the 2015 baseline one per province) into a fresh store; facts/s over the
  whole store and the time the first 1,000,000 facts took (extrapolated below that size);
  ``--profile`` runs it under cProfile and prints the top costs;
- ``file``: one Lai Châu template workbook (2017), parsed by ``inspect_file`` and written to an
  empty store: the full path, reported separately;
- ``page``: each page through ``streamlit.testing.v1.AppTest`` as tests/test_pages.py opens it,
  for the whole country and for Lai Châu (``st.session_state["province"]``). The first run of a
  fresh process (imports, engine, overview) is reported as ``first``; then every Streamlit cache
  (data and resources, the engine included) is emptied and the page runs ``cold`` (as in a fresh
  server whose modules are imported), then ``warm`` (the next ``at.run()``).

PostgreSQL databases are created on the ``--pg-url`` server and dropped afterwards (kept with
``--keep``); after the import ``ANALYZE facts`` runs, as autovacuum would soon after a bulk load.
With ``--keep DIR`` the stores (and their import figures) are kept and reused by the next run
when they hold the expected number of facts, so pages can be timed again without importing
(the import figures shown are then those of the run that made the store, with its date; delete
DIR's ``import_*.json`` to import again). ``--pages`` and ``--scopes`` choose what to time
(``--pages ''`` for the import only); ``--pg-url`` names the PostgreSQL server.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import hashlib
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from loaders.records import Dataset, FileReport, Record  # noqa: E402

SEED = 20160902  # Decision 1722/QĐ-TTg, which set up the programme
YEARS = range(2016, 2021)
BASELINE_YEAR = 2015
LAI_CHAU = "12"
USER = "benchmark"
PAGES = ["overview", "districts", "district_profile", "poverty", "data", "history"]
SCOPES = {"country": "", "lai_chau": LAI_CHAU}  # st.session_state["province"]: '' is the whole country
MILLION = 1_000_000
TARGETS = {"page_warm_s": 0.3, "page_cold_s": 3.0, "import_1m_s": 20.0, "peak_mb": 1024.0}
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

# GSO province codes and their number of district-level units (about 2017), for synthesising the
# districts while the reference holds only Lai Châu's.
PROVINCES = (
    ("01", "Hà Nội", 30), ("02", "Hà Giang", 11), ("04", "Cao Bằng", 13), ("06", "Bắc Kạn", 8),
    ("08", "Tuyên Quang", 7), ("10", "Lào Cai", 9), ("11", "Điện Biên", 10), ("12", "Lai Châu", 8),
    ("14", "Sơn La", 12), ("15", "Yên Bái", 9), ("17", "Hòa Bình", 11), ("19", "Thái Nguyên", 9),
    ("20", "Lạng Sơn", 11), ("22", "Quảng Ninh", 14), ("24", "Bắc Giang", 10), ("25", "Phú Thọ", 13),
    ("26", "Vĩnh Phúc", 9), ("27", "Bắc Ninh", 8), ("30", "Hải Dương", 12), ("31", "Hải Phòng", 15),
    ("33", "Hưng Yên", 10), ("34", "Thái Bình", 8), ("35", "Hà Nam", 6), ("36", "Nam Định", 10),
    ("37", "Ninh Bình", 8), ("38", "Thanh Hóa", 27), ("40", "Nghệ An", 21), ("42", "Hà Tĩnh", 13),
    ("44", "Quảng Bình", 8), ("45", "Quảng Trị", 10), ("46", "Thừa Thiên Huế", 9), ("48", "Đà Nẵng", 8),
    ("49", "Quảng Nam", 18), ("51", "Quảng Ngãi", 14), ("52", "Bình Định", 11), ("54", "Phú Yên", 9),
    ("56", "Khánh Hòa", 9), ("58", "Ninh Thuận", 7), ("60", "Bình Thuận", 10), ("62", "Kon Tum", 10),
    ("64", "Gia Lai", 17), ("66", "Đắk Lắk", 15), ("67", "Đắk Nông", 8), ("68", "Lâm Đồng", 12),
    ("70", "Bình Phước", 11), ("72", "Tây Ninh", 9), ("74", "Bình Dương", 9), ("75", "Đồng Nai", 11),
    ("77", "Bà Rịa – Vũng Tàu", 8), ("79", "TP Hồ Chí Minh", 24), ("80", "Long An", 15), ("82", "Tiền Giang", 11),
    ("83", "Bến Tre", 9), ("84", "Trà Vinh", 9), ("86", "Vĩnh Long", 8), ("87", "Đồng Tháp", 12),
    ("89", "An Giang", 11), ("91", "Kiên Giang", 15), ("92", "Cần Thơ", 9), ("93", "Hậu Giang", 8),
    ("94", "Sóc Trăng", 11), ("95", "Bạc Liêu", 7), ("96", "Cà Mau", 9),
)

# --- magnitudes (million VND, households), loosely anchored to DOMAIN.md ----------------------
# The national budget, 48,397 billion VND over five years, is about 13,600 million per district
# and year, most of it in the 64 poor (30a) districts; Lai Châu's districts plan about 46,000.
PLAN_POOR = (30_000.0, 60_000.0)  # a 30a district's yearly plan, all components and sources
PLAN_OTHER_MEDIAN = 6_000.0
POOR_SHARE = 0.09  # of districts that are 30a poor districts where the reference does not say
YEAR_FACTOR = {2016: 0.85, 2017: 1.0, 2018: 1.06, 2019: 1.01, 2020: 0.96}  # the samples' plan trend
FINAL_DISBURSED_POOR, FINAL_DISBURSED_OTHER = (0.55, 0.92), (0.75, 0.99)  # share of plan by 31/12
# Disbursement is slow early in the year and fastest towards its end.
MONTH_PACE = np.array([0.3, 0.4, 0.6, 0.8, 0.9, 1.0, 1.0, 1.1, 1.2, 1.4, 1.6, 2.0])
TARGET_DISBURSEMENT = (5.0, 10.0, 15.0, 22.0, 28.0, 35.0, 42.0, 48.0, 55.0, 65.0, 75.0, 85.0)
TARGET_FALL_POOR, TARGET_FALL_OTHER, TARGET_FLOOR = 4.0, 1.5, 1.0  # points a year (Decision 1722)
SOURCE_FLOOR = 0.02  # a source a component does not usually draw on still reports a little
MINOR_COMPONENT = 0.3  # weight of 30a sub-projects outside 30a districts, of project 3 inside them


# --- districts -------------------------------------------------------------------------------

def _reference_districts() -> list[tuple[str, str]]:
    import csv

    from loaders import reference

    every = getattr(reference, "all_districts", None)
    if callable(every):
        found = every()
        items = found.values() if isinstance(found, dict) else found
        # districts only: a province's own level (its agencies, 'T12') is an org unit, not a district
        return sorted((d.code, d.province_code) for d in items if getattr(d, "level", "district") == "district")
    with open(reference.REFERENCE_DIR / "districts.csv", encoding="utf-8", newline="") as fh:
        return sorted((r["code"], r["province_code"]) for r in csv.DictReader(fh))


@lru_cache(maxsize=1)
def national_districts() -> tuple[tuple[tuple[str, str], ...], str]:
    """((district code, province code) …) of the whole country, and where they came from."""
    known = _reference_districts()
    if len({p for _, p in known}) >= 60 and len(known) >= 600:
        return tuple(known), "reference"
    # Synthesised: GSO-like three-digit codes in province order; Lai Châu keeps its real codes.
    lai_chau = [c for c, p in known if p == LAI_CHAU]
    taken, out, code = set(lai_chau), [], 0
    for province, _name, count in PROVINCES:
        if province == LAI_CHAU and lai_chau:
            out += [(c, province) for c in lai_chau]
            continue
        for _ in range(count):
            code += 1
            while f"{code:03d}" in taken:
                code += 1
            out.append((f"{code:03d}", province))
    return tuple(sorted(out)), "synthesised (reference has no national list yet)"


def selected_districts(scale: float) -> dict[str, list[str]]:
    """District codes by province for a scale: a stable fraction of districts, Lai Châu always whole."""
    out: dict[str, list[str]] = {}
    for code, province in national_districts()[0]:
        if scale >= 1 or province == LAI_CHAU or zlib.crc32(code.encode()) / 2**32 < scale:
            out.setdefault(province, []).append(code)
    return out


def month_ends(year: int) -> list[dt.date]:
    """The reporting dates of a budget year: the last day of each month."""
    return [dt.date(year, m, calendar.monthrange(year, m)[1]) for m in range(1, 13)]


def facts_per_district() -> int:
    """Facts a district contributes to the store, 2015 baseline included."""
    from loaders.reference import POVERTY_MEASURES, leaf_components, leaf_sources

    funding = 12 * len(leaf_components()) * len(leaf_sources()) * 2
    targets = 12 + 1
    return len(YEARS) * (funding + targets + len(POVERTY_MEASURES)) + 3  # baseline: no flows yet


def expected_facts(scale: float) -> int:
    """Facts in the store at a scale."""
    return sum(len(c) for c in selected_districts(scale).values()) * facts_per_district()


# --- generator -------------------------------------------------------------------------------

def _unit(key: str) -> float:
    """A stable number in [0, 1) for a key."""
    return zlib.crc32(f"{SEED}:{key}".encode()) / 2**32


def is_poor(code: str, year: int) -> bool:
    """A 30a poor district: the reference where it knows, else a stable ~9% of districts."""
    from loaders.reference import status_30a

    known = status_30a().get((code, year))
    return known if known is not None else _unit(f"30a:{code}") < POOR_SHARE


@cache
def poverty_path(code: str) -> dict[int, dict[str, float]]:
    """A district's yearly review 2015–2020: households, poor, near-poor and, from 2016, the flows."""
    rng = np.random.default_rng([SEED, 1, int(code)])
    poor_district = is_poor(code, 2016)
    households = float(rng.uniform(8_000, 20_000) if poor_district else rng.lognormal(np.log(30_000), 0.4))
    rate = float(rng.uniform(35, 65) if poor_district else np.clip(rng.lognormal(np.log(7), 0.7), 0.5, 35))
    fall = float(rng.uniform(3.5, 5.5) if poor_district else rng.uniform(0.08, 0.2) * rate)
    near_rate = float(rng.uniform(4, 12))
    out: dict[int, dict[str, float]] = {}
    previous: float | None = None
    for year in range(BASELINE_YEAR, YEARS[-1] + 1):
        if year > BASELINE_YEAR:
            households *= 1 + float(rng.uniform(0.012, 0.018))
            rate = max(0.3, rate - fall * float(rng.uniform(0.8, 1.2)))
        homes = round(households)
        poor = round(homes * rate / 100)
        row = {"households": float(homes), "poor_households": float(poor),
               "near_poor_households": float(round(homes * near_rate * float(rng.uniform(0.9, 1.1)) / 100))}
        if previous is not None:
            # Flows that reconcile: last year - escaped + newly poor + fallen back = this year.
            newly = round(previous * float(rng.uniform(0.03, 0.06)))
            fallen = round(previous * float(rng.uniform(0.005, 0.015)))
            row.update(escaped_poverty=float(previous - poor + newly + fallen), newly_poor=float(newly),
                       fallen_back=float(fallen))
        out[year] = row
        previous = poor
    return out


def _weights() -> tuple[list[str], list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Leaf components, sources, component weights (30a / other) and source shares per component."""
    from loaders.reference import leaf_components, leaf_sources
    from loaders.samples import SOURCE_SHARES, WEIGHTS_30A, WEIGHTS_OTHER

    comps, srcs = list(leaf_components()), list(leaf_sources())
    poor = np.array([WEIGHTS_30A.get(c, MINOR_COMPONENT) for c in comps])
    other = np.array([WEIGHTS_OTHER.get(c, MINOR_COMPONENT) for c in comps])
    shares = np.array([[SOURCE_SHARES.get(c, {}).get(s, SOURCE_FLOOR) or SOURCE_FLOOR for s in srcs] for c in comps])
    shares = np.maximum(shares, SOURCE_FLOOR)
    return comps, srcs, poor, other, shares / shares.sum(axis=1, keepdims=True)


def _letters() -> dict[str, dict[str, str]]:
    """Column letter of each field, per template sheet, as the reader addresses cells."""
    from openpyxl.utils import get_column_letter

    from loaders.template_spec import DATA_SHEETS

    return {spec.name: {c.field: get_column_letter(i) for i, c in enumerate(spec.columns, start=1)} for spec in DATA_SHEETS}


def province_year_report(province: str, codes: list[str], year: int) -> FileReport:
    """The records one province's template workbook for a budget year would give, in the reader's order."""
    from loaders.template import FIRST_DATA_ROW
    from loaders.template_spec import FUNDING, POVERTY, TARGETS

    comps, srcs, w_poor, w_other, shares = _weights()
    rng = np.random.default_rng([SEED, 2, int(province), year])
    n, nc, ns = len(codes), len(comps), len(srcs)
    poor = np.array([is_poor(c, year) for c in codes])
    size = np.array([_unit(f"size:{c}") for c in codes])
    totals = np.where(poor, PLAN_POOR[0] + size * (PLAN_POOR[1] - PLAN_POOR[0]),
                      PLAN_OTHER_MEDIAN * np.exp(1.2 * (size - 0.5))) * YEAR_FACTOR[year] * rng.uniform(0.9, 1.1, n)
    weights = np.where(poor[:, None], w_poor, w_other)[:, :, None] * shares[None] * rng.lognormal(0, 0.25, (n, nc, ns))
    plan = np.maximum(0.1, np.round(totals[:, None, None] * weights / weights.sum(axis=(1, 2), keepdims=True), 1))
    low, high = np.where(poor, FINAL_DISBURSED_POOR[0], FINAL_DISBURSED_OTHER[0]), np.where(
        poor, FINAL_DISBURSED_POOR[1], FINAL_DISBURSED_OTHER[1])
    final = low[:, None, None] + rng.random((n, nc, ns)) * (high - low)[:, None, None]
    pace = np.cumsum(MONTH_PACE * rng.gamma(2.0, 1.0, (n, nc, ns, 12)), axis=3)
    # floor to 0.1: cumulative, never above plan
    paid = np.floor(plan[..., None] * final[..., None] * pace / pace[..., -1:] * 10) / 10

    letters = _letters()
    plan_col, paid_col = letters[FUNDING.name]["plan"], letters[FUNDING.name]["disbursed"]
    funding, target = Dataset.FUNDING, Dataset.TARGET
    records: list[Record] = []
    append = records.append
    dates = month_ends(year)
    row = FIRST_DATA_ROW
    plans, paids = plan.tolist(), paid.tolist()
    for m, as_of in enumerate(dates):  # rows by date, district, component, source, as the samples
        for i, code in enumerate(codes):
            plan_i, paid_i = plans[i], paids[i]
            for c, comp in enumerate(comps):
                for s, src in enumerate(srcs):
                    cell = str(row)
                    append(Record(funding, code, year, as_of, comp, src, "plan", plan_i[c][s], FUNDING.name, plan_col + cell))
                    append(Record(funding, code, year, as_of, comp, src, "disbursed", paid_i[c][s][m], FUNDING.name,
                                  paid_col + cell))
                    row += 1

    review = dt.date(year, 12, 31)
    records += _poverty_records(codes, year, letters[POVERTY.name])
    value_col, row = letters[TARGETS.name]["value"], FIRST_DATA_ROW
    for code in codes:  # the year's poverty target, from last year's review
        last = poverty_path(code)[year - 1]
        fall = TARGET_FALL_POOR if is_poor(code, year) else TARGET_FALL_OTHER
        rate = max(TARGET_FLOOR, round(100 * last["poor_households"] / last["households"] - fall, 2))
        append(Record(target, code, year, review, None, None, "target_poor_rate", rate, TARGETS.name, f"{value_col}{row}"))
        row += 1
    for code in codes:
        for as_of, rate in zip(dates, TARGET_DISBURSEMENT):
            append(Record(target, code, year, as_of, None, None, "target_disbursement_rate", rate, TARGETS.name,
                          f"{value_col}{row}"))
            row += 1
    digest = hashlib.sha256(f"{province}|{year}|{','.join(codes)}".encode())
    digest.update(plan.tobytes())
    digest.update(paid.tobytes())
    return FileReport(path=f"national_{province}_{year}.xlsx", records=records, sha256=digest.hexdigest())


def _poverty_records(codes: list[str], year: int, letters: dict[str, str]) -> list[Record]:
    from loaders.reference import POVERTY_MEASURES
    from loaders.template import FIRST_DATA_ROW
    from loaders.template_spec import POVERTY

    out = []
    for row, code in enumerate(codes, start=FIRST_DATA_ROW):
        values = poverty_path(code)[year]
        for measure in POVERTY_MEASURES:
            if measure in values:
                out.append(Record(Dataset.POVERTY, code, year, dt.date(year, 12, 31), None, None, measure, values[measure],
                                  POVERTY.name, f"{letters[measure]}{row}"))
    return out


def baseline_report(province: str, codes: list[str]) -> FileReport:
    """The end-2015 review of a province's districts (the baseline workbook)."""
    from loaders.template_spec import POVERTY

    records = _poverty_records(codes, BASELINE_YEAR, _letters()[POVERTY.name])
    digest = hashlib.sha256(repr([(r.district_code, r.measure, r.value) for r in records]).encode()).hexdigest()
    return FileReport(path=f"national_{province}_{BASELINE_YEAR}_baseline.xlsx", records=records, sha256=digest)


def national_reports(scale: float) -> Iterator[FileReport]:
    """Every file of the national store, in the order they would arrive: baselines, then year by year."""
    by_province = selected_districts(scale)
    for province, codes in sorted(by_province.items()):
        yield baseline_report(province, codes)
    for year in YEARS:
        for province, codes in sorted(by_province.items()):
            yield province_year_report(province, codes, year)


def workbook_rows(report: FileReport) -> dict[str, list[dict[str, Any]]]:
    """Canonical rows for loaders.template.build_workbook from one report's records."""
    funding: dict[tuple, dict[str, Any]] = {}
    poverty: dict[str, dict[str, Any]] = {}
    targets: list[dict[str, Any]] = []
    for r in report.records:
        base = {"district_code": r.district_code, "year": r.year, "as_of": r.as_of}
        if r.dataset is Dataset.FUNDING:
            funding.setdefault(r.key[:6], {**base, "component": r.component, "source": r.source})[r.measure] = r.value
        elif r.dataset is Dataset.POVERTY:
            poverty.setdefault(r.district_code, base)[r.measure] = int(r.value)
        else:
            targets.append({**base, "measure": r.measure, "value": r.value})
    return {"funding": list(funding.values()), "poverty": list(poverty.values()), "targets": targets}


# --- child phases ----------------------------------------------------------------------------

def _peak_mb() -> float:
    # VmHWM is this process's own peak; ru_maxrss would carry over the parent's peak across exec.
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM")) / 1024


def _phase_generate(p: dict[str, Any]) -> dict[str, Any]:
    t0, facts, files = time.perf_counter(), 0, 0
    for report in national_reports(p["scale"]):
        facts += len(report.records)
        files += 1
    return {"seconds": time.perf_counter() - t0, "facts": facts, "files": files}


def _phase_import(p: dict[str, Any]) -> dict[str, Any]:
    import cProfile
    import io
    import pstats

    from sqlalchemy import text

    from store.db import get_engine
    from store.writes import write_reports

    t0 = time.perf_counter()
    engine = get_engine(p["url"])
    migrate_s = time.perf_counter() - t0
    profiler = cProfile.Profile() if p.get("profile") else None
    written = generated_s = write_s = 0.0
    first_million: float | None = None
    progress: list[tuple[int, float]] = []  # (facts written, seconds writing) every ~10% of the store
    step = max(1, p["expected"] // 10)
    for report, gen_seconds in _timed(national_reports(p["scale"])):
        generated_s += gen_seconds
        t = time.perf_counter()
        if profiler:
            profiler.enable()
        results = write_reports(engine, [report], user=USER)
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - t
        n = sum(r.facts_new + r.facts_changed for r in results)
        if first_million is None and written + n >= MILLION:
            first_million = write_s + seconds * (MILLION - written) / n  # within this batch, pro rata
        if int((written + n) // step) > int(written // step):
            progress.append((int(written + n), round(write_s + seconds, 2)))
        written += n
        write_s += seconds
    analyze_s = None
    if engine.dialect.name == "postgresql":
        t = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(text("ANALYZE facts"))
        analyze_s = time.perf_counter() - t
    engine.dispose()
    out: dict[str, Any] = {
        "facts": int(written), "write_seconds": write_s, "facts_per_second": written / write_s if write_s else None,
        "first_million_seconds": first_million, "first_million_extrapolated": first_million is None,
        "generate_seconds": generated_s, "migrate_seconds": migrate_s, "analyze_seconds": analyze_s,
        "progress": progress,
    }
    if first_million is None and written:
        out["first_million_seconds"] = MILLION * write_s / written
    if profiler:
        buffer = io.StringIO()
        stats = pstats.Stats(profiler, stream=buffer)
        if p.get("profile_out"):
            stats.dump_stats(p["profile_out"])
        stats.sort_stats("tottime").print_stats(15)
        stats.sort_stats("cumulative").print_stats(25)
        out["profile"] = buffer.getvalue()
    return out


def _timed(reports: Iterator[FileReport]) -> Iterator[tuple[FileReport, float]]:
    """Each report with the seconds it took to generate."""
    while True:
        t = time.perf_counter()
        report = next(reports, None)
        if report is None:
            return
        yield report, time.perf_counter() - t


def _phase_file(p: dict[str, Any]) -> dict[str, Any]:
    """One Lai Châu 2017 template workbook: build, parse, check the records, write to an empty store."""
    from loaders import inspect_file
    from loaders.template import build_workbook, save_workbook
    from store.db import get_engine
    from store.writes import write_reports

    codes = selected_districts(1.0)[LAI_CHAU]
    synthetic = province_year_report(LAI_CHAU, codes, 2017)
    path = Path(p["dir"]) / "lai_chau_2017_national.xlsx"
    t0 = time.perf_counter()
    save_workbook(build_workbook(**workbook_rows(synthetic)), path)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = inspect_file(path)
    parse_s = time.perf_counter() - t0
    errors = [i.to_dict() for i in report.errors][:5]
    same = sorted(report.records) == sorted(synthetic.records)
    engine = get_engine(p["url"])
    t0 = time.perf_counter()
    results = write_reports(engine, [report], user=USER) if report.ok else []
    write_s = time.perf_counter() - t0
    engine.dispose()
    return {"facts": len(report.records), "build_seconds": build_s, "parse_seconds": parse_s, "write_seconds": write_s,
            "written": sum(r.facts_new for r in results), "records_match_generator": same, "errors": errors,
            "warnings": len(report.warnings), "file_mb": path.stat().st_size / 2**20}


def _phase_page(p: dict[str, Any]) -> dict[str, Any]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    def problems(at: AppTest) -> list[str]:
        return [str(e.value) for e in at.exception]

    page = p["page"]
    out: dict[str, Any] = {}
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=p["timeout"])
    at.session_state["province"] = p["scope"]
    try:
        t0 = time.perf_counter()
        at.run()
        out["first_seconds"] = time.perf_counter() - t0
        errors = problems(at)
        # Every Streamlit cache emptied (data, and resources: derived frames and figures, the engine),
        # so the page starts as in a fresh server, except that Python modules are already imported.
        st.cache_data.clear()
        st.cache_resource.clear()
        t0 = time.perf_counter()
        (at.run() if page == "overview" else at.switch_page(f"pages/{page}.py").run())
        out["cold_seconds"] = time.perf_counter() - t0
        errors += problems(at)
        t0 = time.perf_counter()
        at.run()
        out["warm_seconds"] = time.perf_counter() - t0
        errors += problems(at)
        out["title"] = at.title[0].value if at.title else None
        if at.session_state["province"] != p["scope"]:  # the selector did not take the scope asked for
            errors.append(f"scope {p['scope']!r} asked, page showed {at.session_state['province']!r}")
        out["shown_errors"] = [str(e.value)[:200] for e in at.error][:5]
    except Exception as exc:  # noqa: BLE001 - a timeout or a crash is a result to report
        errors = [f"{type(exc).__name__}: {exc}"[:500]]
    out["exceptions"] = [e[:1000] for e in dict.fromkeys(errors)]
    return out


PHASES = {"generate": _phase_generate, "import": _phase_import, "file": _phase_file, "page": _phase_page}


def _child(phase: str, params: dict[str, Any]) -> None:
    result = PHASES[phase](params)
    result["peak_mb"] = _peak_mb()
    print(json.dumps(result, default=str))


def run_child(phase: str, params: dict[str, Any], *, env: dict[str, str] | None = None,
              timeout: float | None = None) -> dict[str, Any]:
    """Run one phase in a fresh Python process; its JSON result (or the failure)."""
    try:
        proc = subprocess.run([sys.executable, __file__, "--child", phase, json.dumps(params)], capture_output=True,
                              text=True, env=env, cwd=ROOT, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"exceptions": [f"timed out after {timeout:.0f} s"]}
    if proc.returncode != 0:
        return {"exceptions": [f"exit {proc.returncode}: {proc.stderr.strip()[-2000:]}"]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- stores ----------------------------------------------------------------------------------

def _pg_admin(url: str):  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine

    return create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})


def pg_server(url: str) -> tuple[str | None, str | None]:
    """(server version and autovacuum setting, None) when the PostgreSQL server answers, else (None, why not)."""
    from sqlalchemy import text

    try:
        engine = _pg_admin(url)
        with engine.connect() as conn:
            version = conn.execute(text("SHOW server_version")).scalar()
            # without autovacuum nothing analyzes the facts during an import: the planner has no statistics
            autovacuum = conn.execute(text("SHOW autovacuum")).scalar()
        engine.dispose()
        return f"{version}, autovacuum {autovacuum}", None
    except Exception as exc:  # noqa: BLE001 - any failure means: skip PostgreSQL, saying why
        return None, str(exc).strip().splitlines()[0]


def pg_database(admin_url: str, name: str, *, create: bool = False, drop: bool = False) -> str:
    """URL of database ``name`` on the server of ``admin_url``; created or dropped on request."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    engine = _pg_admin(admin_url)
    with engine.connect() as conn:
        if drop:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if create:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def fact_count(url: str) -> int:
    """Current facts in a store (0 when it has no tables yet)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM facts WHERE current")).scalar() or 0)
    except Exception:  # noqa: BLE001 - no facts table: an empty store
        return 0
    finally:
        engine.dispose()


# --- the run ---------------------------------------------------------------------------------

def machine(pg_version: str | None) -> dict[str, Any]:
    """What the figures were measured on."""
    def first(path: str, key: str) -> str:
        try:
            with open(path) as fh:
                return next((line.split(":", 1)[1].strip() for line in fh if line.startswith(key)), "")
        except OSError:
            return ""

    mem_kb = first("/proc/meminfo", "MemTotal").split()
    return {
        "platform": platform.platform(), "cpu": first("/proc/cpuinfo", "model name") or platform.processor(),
        "cpus": os.cpu_count(), "ram_gib": round(int(mem_kb[0]) / 2**20, 1) if mem_kb else None,
        "python": platform.python_version(), "sqlite": sqlite3.sqlite_version, "postgresql": pg_version,
    }


def code_version() -> str:
    """The commit measured, and how many files differed from it (others may be editing the tree)."""
    def git(*argv: str) -> str:
        try:
            return subprocess.run(["git", *argv], cwd=ROOT, capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""

    changed = [line for line in git("status", "--porcelain", "--untracked-files=no").splitlines() if line]
    return git("rev-parse", "--short", "HEAD") + (f" + {len(changed)} changed files" if changed else "")


def page_env(url: str) -> dict[str, str]:
    """The environment a page child runs in: only the store's settings, no samples."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASHBOARD_")}
    env.update(DASHBOARD_DATABASE_URL=url, DASHBOARD_LOAD_SAMPLES="0")
    return env


def prepare_store(engine: str, args: argparse.Namespace, work: Path, expected: int, log: Any) -> dict[str, Any]:
    """Make (or reuse) the national store of one engine; its URL and import figures."""
    tag = f"s{round(args.scale * 1000):04d}"
    saved = work / f"import_{engine}_{tag}.json"
    if engine == "sqlite":
        path = work / f"national_{tag}.sqlite"
        url = f"sqlite:///{path}"
    else:
        name = f"bench_national_{tag}" if args.keep else f"bench_national_{os.getpid()}"
        url = pg_database(args.pg_url, name)
    if args.keep and saved.exists() and fact_count(url) == expected:
        figures = json.loads(saved.read_text())
        log(f"{engine}: reusing the kept store ({expected:,} facts; import measured {figures.get('date')})")
        return {"url": url, "import": figures, "reused": True}
    if engine == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        pg_database(args.pg_url, name, create=True, drop=True)
    log(f"{engine}: importing {expected:,} facts …")
    params = {"url": url, "scale": args.scale, "expected": expected, "profile": args.profile,
              "profile_out": str(work / f"import_{engine}_{tag}.prof") if args.profile else None}
    figures = run_child("import", params)
    figures["date"] = dt.date.today().isoformat()
    if "exceptions" not in figures:
        saved.write_text(json.dumps(figures, indent=1))
    if figures.get("profile"):
        log(figures["profile"])
    return {"url": url, "import": figures, "reused": False}


def file_phase(engine: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """The full path (template workbook → inspect → write) into an empty store of one engine."""
    if engine == "sqlite":
        path = work / "file_phase.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return run_child("file", {"url": f"sqlite:///{path}", "dir": str(work)})
    name = f"bench_national_file_{os.getpid()}"
    url = pg_database(args.pg_url, name, create=True, drop=True)
    try:
        return run_child("file", {"url": url, "dir": str(work)})
    finally:
        pg_database(args.pg_url, name, drop=True)


def judge(result: dict[str, Any]) -> dict[str, Any]:
    """Pass or fail for each target of issue 6, per engine."""
    out: dict[str, Any] = {}
    for engine, e in result["engines"].items():
        pages = [v for scopes in e.get("pages", {}).values() for v in scopes.values()]
        failed = [f"{page} ({scope})" for page, scopes in e.get("pages", {}).items()
                  for scope, v in scopes.items() if v.get("exceptions")]
        warm = [v.get("warm_seconds") for v in pages]
        cold = [v.get("cold_seconds") for v in pages]
        peaks = [v.get("peak_mb") for v in pages] + [e["import"].get("peak_mb")]
        million = e["import"].get("first_million_seconds")

        def verdict(values: list[Any], limit: float, failed: list[str] = failed) -> dict[str, Any]:
            if not values:
                return {"limit": limit, "worst": None, "pass": None}  # not measured in this run
            known = [v for v in values if v is not None]
            worst = max(known) if known else None
            ok = worst is not None and worst < limit and len(known) == len(values) and not failed
            return {"limit": limit, "worst": None if worst is None else round(worst, 3), "pass": ok}

        out[engine] = {
            "page_warm_s": verdict(warm, TARGETS["page_warm_s"]),
            "page_cold_s": verdict(cold, TARGETS["page_cold_s"]),
            "import_1m_s": {"limit": TARGETS["import_1m_s"], "worst": None if million is None else round(million, 2),
                            "pass": million is not None and million < TARGETS["import_1m_s"],
                            "extrapolated": e["import"].get("first_million_extrapolated")},
            "peak_mb": {**verdict(peaks, TARGETS["peak_mb"]), "pass": all(v is not None and v < TARGETS["peak_mb"]
                                                                           for v in peaks)},
            "pages_failed": failed,
        }
    return out


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """Plain-text table, columns aligned (numbers to the right)."""
    cells = [[("" if v is None else v if isinstance(v, str) else f"{v:,.2f}" if isinstance(v, float) else f"{v:,}")
              for v in row] for row in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *cells)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths))]
    lines.append("  ".join("-" * w for w in widths))
    for raw, row in zip(rows, cells):
        lines.append("  ".join((c.rjust(w) if isinstance(v, int | float) else c.ljust(w))
                               for v, c, w in zip(raw, row, widths)))
    return "\n".join(lines)


def render(result: dict[str, Any]) -> str:
    """The human-readable report."""
    m, out = result["machine"], []
    out.append(f"Machine: {m['cpus']} × {m['cpu']}, {m['ram_gib']} GiB, {m['platform']}, Python {m['python']}, "
               f"SQLite {m['sqlite']}, PostgreSQL {m['postgresql'] or '—'}; {result['date']}, code {result['code']}")
    g = result["generate"]
    out.append(f"Store: {result['facts']:,} facts, {result['districts']} districts in {result['provinces']} provinces "
               f"({result['district_source']}), scale {result['scale']}; generated in {g.get('seconds', 0):.1f} s "
               f"({g.get('files')} files, peak {g.get('peak_mb', 0):.0f} MB)")
    for engine, why in result["skipped"].items():
        out.append(f"{engine}: skipped ({why})")
    engines = result["engines"]
    if engines:
        out.append("\nImport through store.writes.write_reports (one transaction per province-year file)")
        rows = []
        for name, e in engines.items():
            i = e["import"]
            if i.get("exceptions"):
                rows.append([name, "FAILED: " + i["exceptions"][0][:80], None, None, None, None])
                continue
            first = f"{i['first_million_seconds']:.1f}" + (" (extrap.)" if i.get("first_million_extrapolated") else "")
            rows.append([name, f"{i['facts']:,}", i["facts_per_second"], first, i["write_seconds"], i["peak_mb"]])
        out.append(table(["engine", "facts", "facts/s", "s for 1M (<20)", "total s", "peak MB"], rows))
        for name, e in engines.items():
            steps = e["import"].get("progress") or []
            rates = [(n1 - n0) / (t1 - t0) for (n0, t0), (n1, t1) in zip([(0, 0.0), *steps], steps) if t1 > t0]
            if rates:
                out.append(f"  {name}: facts/s by tenth of the store: " + ", ".join(f"{r / 1000:.0f}k" for r in rates))
        rows = []
        for name, e in engines.items():
            f = e.get("file", {})
            if f.get("exceptions") or f.get("errors"):
                rows.append([name, "FAILED: " + str((f.get("exceptions") or f.get("errors"))[0])[:80]])
                continue
            rate = f["facts"] / (f["parse_seconds"] + f["write_seconds"])
            rows.append([name, f["facts"], f["build_seconds"], f["parse_seconds"], f["write_seconds"], rate,
                         "yes" if f["records_match_generator"] else "NO", f["peak_mb"]])
        out.append("\nFull path: one Lai Châu 2017 template workbook (inspect_file + write_reports, empty store)")
        out.append(table(["engine", "facts", "build s", "parse s", "write s", "facts/s", "same records", "peak MB"], rows))
        rows = []
        for name, e in engines.items():
            for page, scope, v in [(p, s, v) for p, scopes in e.get("pages", {}).items() for s, v in scopes.items()]:
                problem = "; ".join(v.get("exceptions", []))[:70]
                rows.append([name, page, scope, v.get("first_seconds"), v.get("cold_seconds"), v.get("warm_seconds"),
                             v.get("peak_mb"), problem or "ok"])
        if rows:
            out.append("\nPages through AppTest (first run of the process; then every cache emptied: cold, warm)")
            out.append(table(["engine", "page", "scope", "first s", "cold s (<3)", "warm s (<0.3)", "peak MB", ""], rows))
    out.append("\nTargets")
    rows = []
    for engine, t in result["targets"].items():
        for name in ("import_1m_s", "page_cold_s", "page_warm_s", "peak_mb"):
            verdict = {True: "pass", False: "FAIL", None: "not measured"}[t[name]["pass"]]
            rows.append([engine, name, t[name]["limit"], t[name]["worst"], verdict])
    out.append(table(["engine", "target", "limit", "worst", ""], rows))
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the districts (Lai Châu always whole)")
    parser.add_argument("--keep", type=Path, help="keep the stores in DIR (and PostgreSQL databases) and reuse them")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="PostgreSQL server (its database is only connected to)")
    parser.add_argument("--pages", default=",".join(PAGES), help="comma-separated pages to time ('' for none)")
    parser.add_argument("--scopes", default=",".join(SCOPES), help="comma-separated: " + ", ".join(SCOPES))
    parser.add_argument("--page-timeout", type=float, default=600.0, help="seconds for one page run")
    parser.add_argument("--profile", action="store_true", help="profile the import with cProfile and print the top costs")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    engines = [e for e in args.engines.split(",") if e]
    pg_version, pg_problem = pg_server(args.pg_url) if "postgresql" in engines else (None, None)
    by_province = selected_districts(args.scale)
    expected = expected_facts(args.scale)
    result: dict[str, Any] = {
        "machine": machine(pg_version), "date": dt.date.today().isoformat(), "code": code_version(), "scale": args.scale,
        "facts": expected, "districts": sum(map(len, by_province.values())), "provinces": len(by_province),
        "district_source": national_districts()[1], "skipped": {}, "engines": {},
    }
    log(f"generating {expected:,} facts …")
    result["generate"] = run_child("generate", {"scale": args.scale})
    if result["generate"].get("facts") != expected:
        log(f"warning: generated {result['generate'].get('facts')} facts, expected {expected}")
    if pg_problem:
        result["skipped"]["postgresql"] = f"no PostgreSQL at {args.pg_url}: {pg_problem}"
        log(f"postgresql: skipped: {pg_problem}")
    engines = [e for e in engines if e not in result["skipped"]]

    with tempfile.TemporaryDirectory(prefix="bench_national_") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for engine in engines:
            store = prepare_store(engine, args, work, expected, log)
            e: dict[str, Any] = {"import": store["import"], "reused_store": store["reused"], "pages": {}}
            result["engines"][engine] = e
            try:
                log(f"{engine}: full path for one template workbook …")
                e["file"] = file_phase(engine, args, work)
                for page in [p for p in args.pages.split(",") if p]:
                    for scope in [s for s in args.scopes.split(",") if s]:
                        log(f"{engine}: page {page} ({scope}) …")
                        params = {"page": page, "scope": SCOPES[scope], "timeout": args.page_timeout}
                        e["pages"].setdefault(page, {})[scope] = run_child(
                            "page", params, env=page_env(store["url"]), timeout=4 * args.page_timeout)
            finally:
                if engine == "postgresql" and not args.keep:
                    pg_database(args.pg_url, f"bench_national_{os.getpid()}", drop=True)
    for e in result["engines"].values():
        e["import"].pop("profile", None)
    result["targets"] = judge(result)
    print(json.dumps(result, indent=1, default=str, ensure_ascii=False) if args.json else render(result))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        _child(sys.argv[2], json.loads(sys.argv[3]))
    else:
        main()
