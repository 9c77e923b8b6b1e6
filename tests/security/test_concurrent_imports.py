"""Two imports of the same file, or of the same keys, at the same moment (issue 7b).

Two processes (spawn) run ``python -m loaders import`` (loaders.cli.main) released together by a
barrier. Before the fix the loser died with a raw UniqueViolation (PostgreSQL) or "UNIQUE
constraint failed" (SQLite); now it waits for the winner and sees its batch: the same file is
already imported, the same keys are changed or unchanged values.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import multiprocessing
from typing import Any

from sqlalchemy import Engine

from loaders.reference import districts, leaf_components, leaf_sources
from store.history import history
from tests.conftest import funding_row

ROUNDS = 6  # alternately the same file and two files of the same keys


def cli_worker(url: str, tasks: Any, results: Any, barrier: Any) -> None:
    """Run ``import FILE --json`` for each file the parent sends, starting with the other worker."""
    from loaders.cli import main

    while (path := tasks.get()) is not None:
        out, err = io.StringIO(), io.StringIO()
        barrier.wait(timeout=120)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                rc: Any = main(["import", path, "--db", url, "--user", "analyst", "--json"])
        except BaseException as exc:  # noqa: BLE001 - what escaped main is what a user would see as a traceback
            rc = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
        results.put((rc, out.getvalue(), err.getvalue()))


def rows(round_: int, plan: float) -> list[dict[str, Any]]:
    """A province's report (every district, component and source: big enough that two imports overlap);
    each round has its own reporting date, so its own keys."""
    as_of = dt.date(2017, 3 + round_, 28)
    return [funding_row(district=d, as_of=as_of, component=c, source=s, plan=plan, disbursed=400.0)
            for d in districts("12") for c in leaf_components() for s in leaf_sources()]


def test_two_imports_at_once_both_end_cleanly(engine: Engine, make_workbook) -> None:
    ctx = multiprocessing.get_context("spawn")
    tasks, results, barrier = [ctx.Queue(), ctx.Queue()], ctx.Queue(), ctx.Barrier(2)
    url = engine.url.render_as_string(hide_password=False)
    workers = [ctx.Process(target=cli_worker, args=(url, q, results, barrier), daemon=True) for q in tasks]
    for w in workers:
        w.start()
    wrong = []
    try:
        for round_ in range(ROUNDS):
            same = ("file", "keys")[round_ % 2]
            first = make_workbook(funding=rows(round_, 1000.0))
            second = first if same == "file" else make_workbook(funding=rows(round_, 2000.0))
            tasks[0].put(str(first))
            tasks[1].put(str(second))
            got = [results.get(timeout=300) for _ in workers]
            if any(rc != 0 for rc, _, _ in got):
                wrong.append((same, [(rc, err.strip()[-300:]) for rc, _, err in got if rc != 0]))
                continue
            n = len(rows(round_, 0)) * 2
            if same == "file":
                expected = [(n, 0, False), (0, 0, True)]  # the loser finds the winner's batch: already imported
            else:
                expected = [(n, 0, False), (0, n // 2, False)]  # the loser changes every plan; disbursed is unchanged
            batches = [json.loads(out)["files"][0]["batch"] for _, out, _ in got]
            seen = sorted(((b["facts_new"], b["facts_changed"], b["already_imported"]) for b in batches), reverse=True)
            if seen != expected:
                wrong.append((same, seen))
    finally:
        for q in tasks:
            q.put(None)
        for w in workers:
            w.join(timeout=60)
    assert not wrong, f"{len(wrong)} of {ROUNDS} rounds ({engine.dialect.name}) went wrong: {wrong}"
    assert len(history(engine)) == ROUNDS + ROUNDS // 2  # one batch per same-file round, two per same-keys round
