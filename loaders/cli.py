"""Command line: ``python -m loaders VERB``, a thin wrapper over the Python API."""

from __future__ import annotations

import argparse
import datetime as dt
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


def _province(value: str) -> str:
    """The GSO code of a province given as a code ("11", "1") or a name ("Điện Biên"); a usage error otherwise."""
    from .matching import match_province
    from .reference import provinces

    text = value.strip()
    code = text.zfill(2) if text.isdigit() and len(text) <= 2 else match_province(text)
    if code is None or code not in provinces():
        raise argparse.ArgumentTypeError(
            f"không rõ tỉnh/thành phố {value!r}: ghi mã GSO (ví dụ 12) hoặc tên (ví dụ \"Lai Châu\") "
            f"/ unknown province {value!r}: give its GSO code (e.g. 12) or its name (e.g. \"Lai Chau\")")
    return code


_PROVINCE_OF_FILES = ("province of the files' districts, whose names are matched among its districts: GSO code (11) "
                      "or name (\"Điện Biên\"); default: a report's title block (\"UBND TỈNH …\"), else Lai Châu")


_YEAR_OF_FILES = "the year of every sheet that does not state it (or states two): default, what the sheet says"
_AS_OF_OF_FILES = ("the as-of date of every sheet that does not state it (or states two); a funding sheet without one is "
                   "an error until it is given")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m loaders", description="Lai Châu poverty-programme data: read, check and store spreadsheets.")
    parser.add_argument("--lang", choices=LANGUAGES, default="vi", help="language of messages (default vi)")
    verbs = parser.add_subparsers(dest="verb", required=True, parser_class=_Parser)

    p = verbs.add_parser("template", help="write the blank input template")
    p.add_argument("out", type=Path, help="path of the .xlsx to write")
    p.add_argument("--province", type=_province, metavar="P",
                   help="province whose districts the dropdown lists: GSO code (11) or name (\"Điện Biên\"); "
                        "default Lai Châu")

    p = verbs.add_parser("inspect", help="read files and report records and issues, writing nothing")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--province", type=_province, metavar="P", help=_PROVINCE_OF_FILES)
    p.add_argument("--year", type=int, help=_YEAR_OF_FILES)
    p.add_argument("--as-of", type=dt.date.fromisoformat, metavar="YYYY-MM-DD", help=_AS_OF_OF_FILES)
    p.add_argument("--json", action="store_true", help="print JSON")

    p = verbs.add_parser("import", help="inspect, refuse files with errors, write the rest in one transaction")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--province", type=_province, metavar="P", help=_PROVINCE_OF_FILES)
    p.add_argument("--year", type=int, help=_YEAR_OF_FILES)
    p.add_argument("--as-of", type=dt.date.fromisoformat, metavar="YYYY-MM-DD", help=_AS_OF_OF_FILES)
    p.add_argument("--db", help="database URL (default: DASHBOARD_DATABASE_URL or the embedded SQLite file)")
    p.add_argument("--user", help="who imports: once users exist, an analyst's name (password from DASHBOARD_PASSWORD "
                                  "or asked); before that, the name recorded (default DASHBOARD_USER or the system user)")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = verbs.add_parser("prepare", help="before any server starts: migrate the store, create the first admin "
                                         "(DASHBOARD_ADMIN_USER/_PASSWORD), load the samples if DASHBOARD_LOAD_SAMPLES=1")
    p.add_argument("--db", help="database URL (default: DASHBOARD_DATABASE_URL or the embedded SQLite file)")
    p.add_argument("--allow-no-users", action="store_true",
                   help="succeed without any user (then anyone who reaches the dashboard may import and undo): "
                        "for one person on one machine only")

    p = verbs.add_parser("history", help="every import batch, newest first")
    p.add_argument("--db", help="database URL")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = verbs.add_parser("undo", help="take a batch's values out and bring back the values it replaced")
    p.add_argument("batch_id", type=int)
    p.add_argument("--db", help="database URL")
    p.add_argument("--user", help="who undoes (as for import)")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = verbs.add_parser("users", help="add, list, disable, enable users and reset passwords")
    p.add_argument("action", choices=["add", "list", "disable", "enable", "reset"])
    p.add_argument("username", nargs="?")
    p.add_argument("--role", choices=["viewer", "analyst", "admin"], default="viewer")
    p.add_argument("--districts", default="", help="GSO codes an analyst may change, comma-separated (default: all)")
    p.add_argument("--email", help="e-mail an OpenID Connect sign-in maps to")
    p.add_argument("--as", dest="admin", help="the admin doing it (password from DASHBOARD_PASSWORD or asked); "
                                              "not needed for the very first user, who must be an admin")
    p.add_argument("--db", help="database URL")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = verbs.add_parser("audit", help="every change to data, mappings and users (admins)")
    p.add_argument("--as", dest="admin", help="the admin reading it (password from DASHBOARD_PASSWORD or asked)")
    p.add_argument("--db", help="database URL")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = verbs.add_parser("summary", help="one row per district (or commune) and year, deterministic")
    p.add_argument("--province", type=_province, metavar="P",
                   help="only this province's districts: GSO code (12) or name (\"Lai Châu\"); default: all provinces")
    p.add_argument("--level", choices=("district", "commune"), default="district",
                   help="district (default): each district's figure; commune: each commune's, where reported by commune")
    p.add_argument("--db", help="database URL")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = verbs.add_parser("report", help="write the meeting report (xlsx or pdf) or a district profile (pdf)")
    p.add_argument("--year", type=int, required=True, help="budget year")
    p.add_argument("--as-of", type=dt.date.fromisoformat, help="reporting date YYYY-MM-DD (default: the year's latest)")
    p.add_argument("--province", type=_province, metavar="P",
                   help="the province reported on: GSO code (12) or name (\"Lai Châu\"); "
                        "default: the only province in the store, else Lai Châu")
    p.add_argument("--district", help="GSO code (e.g. 107): a one-page district profile, PDF only")
    p.add_argument("--format", choices=("xlsx", "pdf"), help="default: from the suffix of --out")
    # SUPPRESS: given after the verb it wins, otherwise the global --lang stands
    p.add_argument("--lang", choices=LANGUAGES, default=argparse.SUPPRESS, help="language of the report")
    p.add_argument("--db", help="database URL")
    p.add_argument("--out", type=Path, required=True, help="path of the file to write")
    return parser


def _password(prompt: str, env: str = "DASHBOARD_PASSWORD") -> str:
    """A password from an environment variable, or asked on the terminal; never from the command line."""
    import getpass
    import os

    if os.environ.get(env):
        return os.environ[env]
    if not sys.stdin.isatty():
        raise LoaderError(f"Cần mật khẩu: đặt {env} hoặc chạy trong terminal. / Set {env}.")
    return getpass.getpass(prompt)


def _actor(engine: Any, name: str | None) -> Any:
    """The user acting: once users exist, a signed-in store.auth.User; before that, a plain name or None."""
    from store.auth import PermissionDenied, auth_enabled, authenticate

    if not auth_enabled(engine):
        return name
    if not name:
        raise PermissionDenied("Cần đăng nhập: dùng --user TÊN (hoặc --as với users/audit). / Sign in with --user NAME.")
    user = authenticate(engine, name, _password(f"Mật khẩu / password for {name}: "))
    if user is None:
        raise PermissionDenied(f"Sai tên, mật khẩu, tài khoản bị khóa hoặc tạm khóa: {name} / sign-in failed")
    return user


def _users(engine: Any, args: argparse.Namespace) -> int:
    from store.auth import Role, add_user, auth_enabled, list_users, set_user

    if args.action == "list":
        rows = list_users(engine)
        if args.json:
            _print_json({"users": rows})
        else:
            for r in rows:
                print(f"{r['username']:<20} {r['role']:<8} {'active' if r['active'] else 'disabled':<9} {r['districts'] or '*'}")
        return EXIT_OK
    if not args.username:
        raise LoaderError("Thiếu tên tài khoản / username missing")
    first = not auth_enabled(engine)
    if first and (args.action != "add" or args.role != "admin"):
        raise LoaderError("Tài khoản đầu tiên phải là quản trị viên: users add TÊN --role admin / the first user must be an admin")
    by = "setup" if first else _actor(engine, args.admin)
    codes = [c.strip() for c in args.districts.split(",") if c.strip()]
    if args.action == "add":
        add_user(engine, args.username, _password(f"Mật khẩu mới / new password for {args.username}: ", "DASHBOARD_NEW_PASSWORD"),
                 Role[args.role.upper()], districts=codes, email=args.email, by=by)
    elif args.action in ("disable", "enable"):
        set_user(engine, args.username, by=by, active=args.action == "enable")
    else:
        set_user(engine, args.username, by=by,
                 password=_password(f"Mật khẩu mới / new password for {args.username}: ", "DASHBOARD_NEW_PASSWORD"))
    print(f"{args.action}: {args.username}")
    return EXIT_OK


def _print_json(obj: Any) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=1, sort_keys=False)
    sys.stdout.write("\n")


def _print_reports(reports: list) -> None:  # type: ignore[type-arg]
    for rep in reports:
        if rep.already_imported is not None:
            print(f"{rep.path}: đã có trong lô {rep.already_imported}, không đọc lại / already in batch "
                  f"{rep.already_imported}, not read again")
            continue
        status = "OK" if rep.ok else "LỖI / ERROR"
        print(f"{rep.path}: {status} — {len(rep.records)} records, {len(rep.errors)} errors, {len(rep.warnings)} warnings")
        for issue in rep.issues:
            where = f"'{issue.sheet}'!{issue.cell}" if issue.cell else (f"'{issue.sheet}'" if issue.sheet else "")
            print(f"  {issue.severity.value:7} {issue.code:24} {where:22} {issue.message}")


def _prepare(engine: Any, args: argparse.Namespace) -> int:
    """The store migrated (get_engine did it), the first admin created, the samples loaded if asked; refuses
    a store without users unless told, since a server on it lets anyone change data."""
    from store.auth import auth_enabled
    from store.bootstrap import create_first_admin, load_samples_if_empty
    from store.settings import get_settings

    print("cơ sở dữ liệu đã cập nhật / store migrated")
    if create_first_admin(engine):
        print(f"đã tạo quản trị viên đầu tiên / first admin created: {get_settings().admin_user}")
    if get_settings().load_samples:
        print(f"số liệu mẫu / samples loaded: {load_samples_if_empty(engine)} tệp / files")
    if not auth_enabled(engine) and not args.allow_no_users:
        print("error: chưa có người dùng nào: ai mở được trang cũng nhập và hoàn tác được số liệu. Hãy đặt "
              "DASHBOARD_ADMIN_USER và DASHBOARD_ADMIN_PASSWORD (ít nhất 10 ký tự) rồi chạy lại. / no user exists: "
              "anyone who reaches the dashboard could import and undo. Set DASHBOARD_ADMIN_USER and "
              "DASHBOARD_ADMIN_PASSWORD (10 characters or more) and run again (--allow-no-users for one person "
              "on one machine).", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


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
        from .reference import DEFAULT_PROVINCE
        from .template import write_template

        path = write_template(args.out, args.province or DEFAULT_PROVINCE)
        print(path)
        return EXIT_OK

    if args.verb == "inspect":
        reports = api.inspect_files(args.files, lang=args.lang, province_code=args.province, year=args.year,
                                    as_of=args.as_of)
        if args.json:
            _print_json({"files": [r.to_dict() for r in reports]})
        else:
            _print_reports(reports)
        return EXIT_OK if all(r.ok for r in reports) else EXIT_FILE_ERRORS

    from store.db import get_engine

    engine = get_engine(args.db)
    if args.verb == "import":
        reports, results = api.import_files(args.files, engine, user=_actor(engine, args.user), lang=args.lang,
                                            province_code=args.province, year=args.year, as_of=args.as_of)
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

    if args.verb == "prepare":
        return _prepare(engine, args)

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

        result = undo(engine, args.batch_id, user=_actor(engine, args.user) or "cli")
        if args.json:
            _print_json(result.to_dict())
        else:
            print(f"lô {result.batch_id}: {result.removed} giá trị bỏ ra, {result.restored} giá trị cũ khôi phục "
                  f"/ batch {result.batch_id}: {result.removed} removed, {result.restored} restored")
        return EXIT_OK

    if args.verb == "users":
        return _users(engine, args)

    if args.verb == "audit":
        from store.auth import PermissionDenied, audit_log

        admin = _actor(engine, args.admin)
        if not (hasattr(admin, "may") and admin.may("audit")):
            raise PermissionDenied("Chỉ quản trị viên xem được nhật ký. / Only admins read the audit log (use --as).")
        rows = audit_log(engine)
        if args.json:
            _print_json({"audit": rows})
        else:
            for r in rows:
                print(f"{r['at']}  {r['user']:<20} {r['action']:<14} {r['values']:>7}  {r['target']}  {r['detail']}")
        return EXIT_OK

    if args.verb == "report":
        return _report(args, engine)

    if args.verb == "summary":
        from store.metrics import summary_rows
        from store.queries import current_facts

        rows = summary_rows(current_facts(engine, province=args.province), level=args.level)
        if args.json:
            _print_json({"rows": rows})
        else:
            import pandas as pd

            print(pd.DataFrame(rows).to_string(index=False))
        return EXIT_OK
    raise AssertionError(args.verb)


def _report(args: argparse.Namespace, engine: Any) -> int:
    from store.queries import current_facts

    from .reference import district_name, province_of, provinces

    kind = args.format or ("pdf" if args.out.suffix.lower() == ".pdf" or args.district else "xlsx")
    if args.district and kind != "pdf":
        print("error: --district gives a PDF profile; use --format pdf", file=sys.stderr)
        return EXIT_USAGE
    if args.district and args.province and province_of(args.district) != args.province:
        province = provinces()[args.province].label(short=False)
        print(f"error: {district_name(args.district, args.province)} không thuộc {province} "
              f"/ district {args.district} is not in {provinces()[args.province].label('en', short=False)}",
              file=sys.stderr)
        return EXIT_USAGE
    # one province's facts: the report builders report on the only province the facts hold
    facts = current_facts(engine, province=args.province)
    if args.district:
        from figures.pdf_report import build_district_pdf

        data = build_district_pdf(facts, args.district, args.year, args.lang, args.as_of)
    elif kind == "pdf":
        from figures.pdf_report import build_pdf_report

        data = build_pdf_report(facts, args.year, args.as_of, args.lang)
    else:
        from figures.excel_report import build_excel_report

        data = build_excel_report(facts, args.year, args.as_of, args.lang)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    print(args.out)
    return EXIT_OK
