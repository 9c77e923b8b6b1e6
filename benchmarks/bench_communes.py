"""The national store with communes (≈11,000 units): do the pages still meet their targets?

Run: ``python benchmarks/bench_communes.py [--keep DIR] [--scale 1.0] [--dates 2017-09-30,2017-12-31] [--json]``.

It builds the national store of ``bench_national.py`` (SQLite; kept and reused with ``--keep``), then
writes every district's 2017 funding at ``--dates`` again by commune: each district value split over the
district's communes (``data/reference/communes.csv``, 11,162 units) with deterministic weights, one file
per province. A file by commune ends the district's own values of its date (one grain per district and
date), so the pages read commune values there. It then checks that nothing was lost or counted twice
(each district's plan and disbursement at those dates equal to before, to 0.01 million) and times:

- the pages through ``streamlit.testing.v1.AppTest`` as ``bench_national.py`` does (cold, warm, first run);
- the pages in headless Chromium against a real ``streamlit run`` (``bench_browser.py``: cold after a
  restart, a new tab, a rerun in the same tab, and the server's CPU per view), on the commune date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_browser  # noqa: E402
import bench_national as national  # noqa: E402

from loaders.records import Dataset, FileReport, Record  # noqa: E402

SHEET = "Giải ngân theo xã"  # the template's sheet by commune
PROFILE_DISTRICT = "108"  # Sìn Hồ, 22 communes: District profile's commune table


def _weight(code: str) -> float:
    """A commune's stable share weight (0.5–1.5), from its code."""
    return 0.5 + zlib.crc32(code.encode()) / 2**32


def commune_reports(scale: float, dates: list[dt.date]) -> list[FileReport]:
    """Each province's 2017 funding at ``dates`` split over its districts' communes, one file per province."""
    from loaders.reference import communes_of

    out = []
    for province, codes in sorted(national.selected_districts(scale).items()):
        source = national.province_year_report(province, codes, 2017)
        records, row = [], 6
        for r in source.records:
            if r.dataset is not Dataset.FUNDING or r.as_of not in dates:
                continue
            units = communes_of(r.district_code)
            if not units:
                continue
            weights = [_weight(u.code) for u in units]
            total = sum(weights)
            for unit, w in zip(units, weights):
                row += 1
                records.append(Record(r.dataset, r.district_code, r.year, r.as_of, r.component, r.source, r.measure,
                                      round(r.value * w / total, 6), SHEET, f"H{row}", unit.code))
        if records:
            digest = hashlib.sha256(repr([(x.district_code, x.commune_code, x.as_of, x.component, x.source,
                                           x.measure, x.value) for x in records]).encode()).hexdigest()
            out.append(FileReport(path=f"national_{province}_2017_theo_xa.xlsx", records=records, sha256=digest))
    return out


def _district_sums(url: str, dates: list[dt.date]) -> dict[tuple[str, str, str], float]:
    """(district, date, measure) → the district's plan or disbursement as the pages read it."""
    from store import metrics
    from store.db import get_engine
    from store.queries import funding_facts

    engine = get_engine(url)
    out = {}
    for day in dates:
        facts = funding_facts(engine, 2017, day)
        frame = metrics.funding_by_district(facts, 2017, day, codes=sorted(set(facts["district_code"])))
        for row in frame.itertuples():
            for measure in ("plan", "disbursed"):
                value = getattr(row, measure)
                if value == value:  # not NaN
                    out[(row.district_code, day.isoformat(), measure)] = float(value)
    engine.dispose()
    return out


def add_communes(url: str, scale: float, dates: list[dt.date], log: Any) -> dict[str, Any]:
    """Write the commune files into the store; their size, the time and the conservation check."""
    from sqlalchemy import text

    from store.db import get_engine
    from store.writes import write_reports

    engine = get_engine(url)
    with engine.connect() as conn:
        held = int(conn.execute(text("SELECT count(*) FROM facts WHERE current AND commune_code <> ''")).scalar() or 0)
    engine.dispose()
    if held:
        log(f"the store already holds {held:,} commune facts: reused")
        return {"commune_facts": held, "reused": True}
    before = {k: v for k, v in _district_sums(url, dates).items()}
    t0 = time.perf_counter()
    reports = commune_reports(scale, dates)
    generate_s = time.perf_counter() - t0
    engine = get_engine(url)
    t0 = time.perf_counter()
    results = write_reports(engine, reports, user=national.USER)
    write_s = time.perf_counter() - t0
    engine.dispose()
    written = sum(r.facts_new for r in results)
    after = _district_sums(url, dates)
    worst = max((abs(after.get(k, 0.0) - v) for k, v in before.items()), default=0.0)
    log(f"{written:,} commune facts written in {write_s:.1f} s; largest change of a district's figure {worst:.6f}")
    return {"commune_facts": written, "files": len(reports), "generate_seconds": round(generate_s, 2),
            "write_seconds": round(write_s, 2), "districts_checked": len(before) // (2 * len(dates)),
            "largest_district_change": worst, "conserved": worst < 0.01 and set(after) == set(before), "reused": False}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the districts (Lai Châu always whole)")
    parser.add_argument("--keep", type=Path, help="keep the store in DIR and reuse it")
    parser.add_argument("--dates", default="2017-09-30,2017-12-31", help="the 2017 month ends reported by commune")
    parser.add_argument("--pages", default="overview,districts,district_profile,data")
    parser.add_argument("--scopes", default="lai_chau,country", help="AppTest scopes: lai_chau, country")
    parser.add_argument("--repeat", type=int, default=3, help="browser views per page")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    dates = [dt.date.fromisoformat(d) for d in args.dates.split(",") if d]
    pages = [p for p in args.pages.split(",") if p]
    expected = national.expected_facts(args.scale)
    result: dict[str, Any] = {"machine": national.machine(None), "date": dt.date.today().isoformat(),
                              "code": national.code_version(), "scale": args.scale, "dates": args.dates}
    with tempfile.TemporaryDirectory(prefix="bench_communes_") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        store_args = argparse.Namespace(scale=args.scale, keep=args.keep, profile=False, pg_url=None)
        # its own file name: the commune files change the store bench_national.py would reuse
        store = national.prepare_store("sqlite", store_args, work, expected, log) if not (
            work / f"communes_s{round(args.scale * 1000):04d}.sqlite").exists() else None
        path = work / f"communes_s{round(args.scale * 1000):04d}.sqlite"
        if store is not None:
            (work / f"national_s{round(args.scale * 1000):04d}.sqlite").rename(path)
            (work / f"import_sqlite_s{round(args.scale * 1000):04d}.json").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
        result["communes"] = add_communes(url, args.scale, dates, log)
        result["facts"] = national.fact_count(url)
        result["apptest"] = {}
        for page in pages:
            for scope in [s for s in args.scopes.split(",") if s]:
                log(f"AppTest: {page} ({scope}) …")
                params = {"page": page, "scope": national.SCOPES[scope], "timeout": 600.0}
                result["apptest"].setdefault(page, {})[scope] = national.run_child(
                    "page", params, env=national.page_env(url), timeout=2400)
        log("Chromium …")
        shown = {"scope": "12", "year": "2017", "date": dates[-1].isoformat(), "lang": "vi"}
        result["browser"] = bench_browser.time_pages(url, pages, shown, PROFILE_DISTRICT, args.repeat, 180.0, log=log)
        result["browser_targets"] = bench_browser.judge(result["browser"])
    if args.json:
        print(json.dumps(result, indent=1, default=str, ensure_ascii=False))
        return
    print(f"store: {result['facts']:,} current facts, of which {result['communes']['commune_facts']:,} by commune")
    print(json.dumps(result["communes"]))
    print("AppTest (cold / warm / first run, seconds; peak MB):")
    for page, scopes in result["apptest"].items():
        for scope, r in scopes.items():
            print(f"  {page:17} {scope:9} {r.get('cold_seconds', float('nan')):.2f} / {r.get('warm_seconds', float('nan')):.3f}"
                  f" / {r.get('first_seconds', float('nan')):.2f} · {r.get('peak_mb', float('nan')):.0f} MB"
                  + (f"  EXCEPTIONS {r['exceptions']}" if r.get("exceptions") else ""))
    print("Chromium (Lai Châu, 2017, date", dates[-1].isoformat() + "):")
    print(bench_browser.render(result["browser"]))
    print("targets:", json.dumps(result["browser_targets"]))
    print("machine:", json.dumps(result["machine"]), "code", result["code"])


if __name__ == "__main__":
    main()
