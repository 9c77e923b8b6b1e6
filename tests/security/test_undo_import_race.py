"""Undo racing an import never brings undone values back (security issue 2), on both engines.

Each trial imports X, then at the same moment imports B (the same keys, other values) and undoes X,
from two threads or two processes (spawn; each makes its own engine from the URL). Whichever wins,
the store must stay true: no current fact of an undone batch, no undone fact naming a replacing
batch, exactly one current fact per key, coverage equal to a count of the current facts, and
nothing current once every batch is undone newest first. Before the fix most trials broke it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
import queue
import threading
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from loaders.errors import StoreError
from loaders.records import Dataset, FileReport, Record
from loaders.reference import districts, leaf_components, leaf_sources
from store.db import get_engine
from store.history import undo
from store.schema import CURRENT, FACT_KEY, batches, coverage, facts
from store.writes import write_reports

TRIALS = 12
FIRST_DAY = dt.date(2017, 1, 1)
# two provinces, so that an import and an undo each take more than one lock
DISTRICTS = sorted([*districts("12"), *districts("11")])


def race_report(trial: int, version: str) -> FileReport:
    """One file of funding facts for this trial's reporting date (its own keys); ``version`` sets the values."""
    as_of = FIRST_DAY + dt.timedelta(days=trial)
    base = {"X": 1000.0, "B": 2000.0, "C": 3000.0}[version]
    records = [
        Record(Dataset.FUNDING, d, as_of.year, as_of, c, s, m, base + i, "Giải ngân", f"A{i + 2}")
        for i, (d, c, s, m) in enumerate(
            (d, c, s, m) for d in DISTRICTS for c in leaf_components() for s in leaf_sources() for m in ("plan", "disbursed")
        )
    ]
    digest = hashlib.sha256(f"race {trial} {version}".encode()).hexdigest()
    return FileReport(path=f"race_{trial}_{version}.xlsx", records=records, sha256=digest)


def race_worker(target: Any, role: str, tasks: Any, results: Any, barrier: Any) -> None:
    """Import B or undo X for each trial the parent sends, starting with the other worker at the barrier."""
    engine = get_engine(target) if isinstance(target, str) else target
    try:
        while (task := tasks.get()) is not None:
            trial, x_id = task
            barrier.wait(timeout=120)
            try:
                if role == "import":
                    outcome: Any = write_reports(engine, [race_report(trial, "B")], user="b")[0].batch_id
                else:
                    outcome = undo(engine, x_id, user="u").batch_id
            except StoreError as exc:
                outcome = exc.code
            except Exception as exc:  # noqa: BLE001 - the parent reports whatever escaped
                outcome = f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
            results.put((trial, role, outcome))
    finally:
        if isinstance(target, str):
            engine.dispose()


def store_problems(engine: Engine, as_of: dt.date | None = None) -> list[str]:
    """What is untrue in the store (of one reporting date, or all of it): the invariants of history and undo."""
    scope = [facts.c.as_of == as_of] if as_of else []
    undone = select(batches.c.id).where(batches.c.undone.is_(True))
    problems = []
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(facts).where(CURRENT, facts.c.batch_id.in_(undone), *scope)).scalar()
        if n:
            problems.append(f"{n} current facts of undone batches")
        n = conn.execute(select(func.count()).select_from(facts)
                         .where(facts.c.batch_id.in_(undone), facts.c.replaced_by.is_not(None), *scope)).scalar()
        if n:
            problems.append(f"{n} facts of undone batches name a replacing batch")
        n = conn.execute(select(func.count()).select_from(facts)
                         .where(CURRENT, facts.c.replaced_by.is_not(None), *scope)).scalar()
        if n:
            problems.append(f"{n} current facts name a replacing batch")
        keys = [facts.c[k] for k in FACT_KEY]
        n = conn.execute(select(func.count()).select_from(
            select(*keys).where(CURRENT, *scope).group_by(*keys).having(func.count() > 1).subquery())).scalar()
        if n:
            problems.append(f"{n} keys with more than one current fact")
        counted = {tuple(r[:-1]): r[-1] for r in conn.execute(
            select(facts.c.dataset, facts.c.district_code, facts.c.year, facts.c.as_of, func.count())
            .where(CURRENT, *scope).group_by(facts.c.dataset, facts.c.district_code, facts.c.year, facts.c.as_of))}
        cov_scope = [coverage.c.as_of == as_of] if as_of else []
        covered = {tuple(r[:-1]): r[-1] for r in conn.execute(
            select(coverage.c.dataset, coverage.c.district_code, coverage.c.year, coverage.c.as_of, coverage.c.facts)
            .where(*cov_scope))}
        if counted != covered:
            problems.append(f"coverage ({sum(covered.values())} facts) differs from the current facts ({sum(counted.values())})")
    return problems


def current_count(engine: Engine, as_of: dt.date | None = None) -> int:
    """How many current facts (of one reporting date)."""
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(facts)
                            .where(CURRENT, *([facts.c.as_of == as_of] if as_of else []))).scalar_one()


def undo_all(engine: Engine, batch_ids: list[int]) -> list[str]:
    """Undo every batch not yet undone, newest first; what went wrong."""
    problems = []
    with engine.connect() as conn:
        live = conn.execute(select(batches.c.id).where(batches.c.id.in_(batch_ids), batches.c.undone.is_(False))
                            .order_by(batches.c.id.desc())).scalars().all()
    for batch_id in live:
        try:
            undo(engine, batch_id, user="cleanup")
        except StoreError as exc:
            problems.append(f"undo {batch_id} in order refused: {exc.code}")
    return problems


def _workers(mode: str, engine: Engine) -> tuple[Any, Any, list[Any], list[Any]]:
    """Two started workers (import, undo): their task queues, the result queue and the handles."""
    url = engine.url.render_as_string(hide_password=False)
    if mode == "threads":
        results: Any = queue.Queue()
        barrier: Any = threading.Barrier(2)
        tasks = [queue.Queue(), queue.Queue()]
        handles: list[Any] = [threading.Thread(target=race_worker, args=(engine, role, q, results, barrier), daemon=True)
                              for role, q in zip(("import", "undo"), tasks)]
    else:
        ctx = multiprocessing.get_context("spawn")
        results, barrier = ctx.Queue(), ctx.Barrier(2)
        tasks = [ctx.Queue(), ctx.Queue()]
        handles = [ctx.Process(target=race_worker, args=(url, role, q, results, barrier), daemon=True)
                   for role, q in zip(("import", "undo"), tasks)]
    for h in handles:
        h.start()
    return tasks, results, handles, [barrier]


def run_trials(engine: Engine, mode: str) -> tuple[dict[int, list[str]], int]:
    """Race TRIALS times; what went wrong in each broken trial, and in how many both the import and the undo landed."""
    tasks, results, handles, _ = _workers(mode, engine)
    broken: dict[int, list[str]] = {}
    both = 0
    try:
        for trial in range(TRIALS):
            as_of = FIRST_DAY + dt.timedelta(days=trial)
            x_id = write_reports(engine, [race_report(trial, "X")], user="x")[0].batch_id
            for q in tasks:
                q.put((trial, x_id))
            got = dict((role, outcome) for _, role, outcome in (results.get(timeout=180) for _ in range(2)))
            both += all(isinstance(v, int) for v in got.values())
            problems = [f"{role}: {o}" for role, o in got.items()
                        if not isinstance(o, int) and o != "undo_order"]  # the import always lands; undo may wait its turn
            problems += store_problems(engine, as_of)
            if current_count(engine, as_of) != len(race_report(trial, "B").records):
                problems.append(f"{current_count(engine, as_of)} current facts, not one per key")
            problems += undo_all(engine, [x_id, *[o for o in got.values() if isinstance(o, int) and o != x_id]])
            if current_count(engine, as_of):
                problems.append(f"{current_count(engine, as_of)} facts still current after undoing every batch")
            problems += store_problems(engine, as_of)
            if problems:
                broken[trial] = problems
    finally:
        for q in tasks:
            q.put(None)
        for h in handles:
            h.join(timeout=60)
    return broken, both


@pytest.mark.parametrize("mode", ["threads", "processes"])
def test_undo_racing_an_import_never_brings_undone_values_back(engine: Engine, mode: str) -> None:
    broken, both = run_trials(engine, mode)
    assert not broken, (f"{len(broken)} of {TRIALS} trials ({mode}, {engine.dialect.name}) left the store untrue "
                        f"(both landed in {both}): {broken}")
    assert store_problems(engine) == [] and current_count(engine) == 0


def test_the_rechecks_hold_even_without_the_locks(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer that takes no lock (a server still running older code): the re-checks alone keep the store true."""
    import store.history
    import store.writes

    for module in (store.writes, store.history):
        monkeypatch.setattr(module, "lock_scope", lambda conn, districts: None)
    broken, both = run_trials(engine, "threads")
    assert not broken, f"{len(broken)} of {TRIALS} trials without locks ({engine.dialect.name}) went wrong: {broken}"
    assert store_problems(engine) == [] and current_count(engine) == 0
