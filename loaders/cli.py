"""Command line: ``python -m loaders VERB``, a thin wrapper over the Python API."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import LoaderError
from .i18n import LANGUAGES

EXIT_OK, EXIT_FILE_ERRORS, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m loaders", description="Lai Châu poverty-programme data: read, check and store spreadsheets.")
    parser.add_argument("--lang", choices=LANGUAGES, default="vi", help="language of messages (default vi)")
    verbs = parser.add_subparsers(dest="verb", required=True, parser_class=_Parser)

    p = verbs.add_parser("template", help="write the blank input template")
    p.add_argument("out", type=Path, help="path of the .xlsx to write")

    p = verbs.add_parser("inspect", help="read files and report records and issues, writing nothing")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--json", action="store_true", help="print JSON")

    p = verbs.add_parser("import", help="inspect, refuse files with errors, write the rest in one transaction")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--db", help="database URL (default: DASHBOARD_DATABASE_URL or the embedded SQLite file)")
    p.add_argument("--user", help="name recorded on the batches (default: DASHBOARD_USER or the system user)")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = verbs.add_parser("history", help="every import batch, newest first")
    p.add_argument("--db", help="database URL")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = verbs.add_parser("undo", help="take a batch's values out and bring back the values it replaced")
    p.add_argument("batch_id", type=int)
    p.add_argument("--db", help="database URL")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = verbs.add_parser("summary", help="one row per district and year, deterministic")
    p.add_argument("--db", help="database URL")
    p.add_argument("--json", action="store_true", help="print JSON")
    return parser


def _print_json(obj: Any) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=1, sort_keys=False)
    sys.stdout.write("\n")


def _print_reports(reports: list) -> None:  # type: ignore[type-arg]
    for rep in reports:
        status = "OK" if rep.ok else "LỖI / ERROR"
        print(f"{rep.path}: {status} — {len(rep.records)} records, {len(rep.errors)} errors, {len(rep.warnings)} warnings")
        for issue in rep.issues:
            where = f"'{issue.sheet}'!{issue.cell}" if issue.cell else (f"'{issue.sheet}'" if issue.sheet else "")
            print(f"  {issue.severity.value:7} {issue.code:24} {where:22} {issue.message}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one verb; return the exit code (0 ok, 1 a file has errors, 2 bad usage)."""
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except LoaderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _run(args: argparse.Namespace) -> int:
    from . import api

    if args.verb == "template":
        from .template import write_template

        path = write_template(args.out)
        print(path)
        return EXIT_OK

    if args.verb == "inspect":
        reports = api.inspect_files(args.files, lang=args.lang)
        if args.json:
            _print_json({"files": [r.to_dict() for r in reports]})
        else:
            _print_reports(reports)
        return EXIT_OK if all(r.ok for r in reports) else EXIT_FILE_ERRORS

    from store.db import get_engine

    engine = get_engine(args.db)
    if args.verb == "import":
        reports, results = api.import_files(args.files, engine, user=args.user, lang=args.lang)
        if args.json:
            batches = iter(results)  # one result per error-free report, in order
            _print_json({"files": [
                {**rep.to_dict(), "batch": next(batches).to_dict() if rep.ok else None} for rep in reports
            ]})
        else:
            _print_reports(reports)
            for res in results:
                if res.already_imported:
                    print(f"{res.file}: đã nhập trước đó (lô {res.batch_id}), không thay đổi / already imported, nothing changed")
                else:
                    print(f"{res.file}: lô {res.batch_id}: {res.facts_new} mới, {res.facts_changed} thay đổi, {res.facts_unchanged} không đổi")
        return EXIT_OK if all(r.ok for r in reports) else EXIT_FILE_ERRORS

    if args.verb == "history":
        from store.history import history

        batches = history(engine)
        if args.json:
            _print_json({"batches": batches})
        else:
            for b in batches:
                state = " (đã hoàn tác / undone)" if b["undone"] else ""
                print(f"{b['id']:>5}  {b['imported_at']}  {b['user']:<20} {b['file']}  "
                      f"+{b['facts_new']} ~{b['facts_changed']} ={b['facts_unchanged']}{state}")
        return EXIT_OK

    if args.verb == "undo":
        from store.history import undo

        result = undo(engine, args.batch_id)
        if args.json:
            _print_json(result.to_dict())
        else:
            print(f"lô {result.batch_id}: {result.removed} giá trị bỏ ra, {result.restored} giá trị cũ khôi phục "
                  f"/ batch {result.batch_id}: {result.removed} removed, {result.restored} restored")
        return EXIT_OK

    if args.verb == "summary":
        from store.metrics import summary_rows
        from store.queries import current_facts

        rows = summary_rows(current_facts(engine))
        if args.json:
            _print_json({"rows": rows})
        else:
            import pandas as pd

            print(pd.DataFrame(rows).to_string(index=False))
        return EXIT_OK
    raise AssertionError(args.verb)
