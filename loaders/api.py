"""The Python API behind the command line: inspect, import, summary, template."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from .encoding import normalise_grids
from .errors import UnreadableFile
from .hidden import drop_hidden
from .i18n import t
from .legacy_fonts import Encoding
from .options import ReaderOptions
from .records import FileReport, Issue, Severity
from .report_reader import ALL_SHEETS, read_reports
from .template_reader import check_records, is_template, read_template
from .template_spec import LISTS_SHEET
from .workbook import read_grids


def sha256_of(path: Path) -> str:
    """SHA-256 of a file's bytes, hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """Pause the cycle collector while a file is read: a large file makes hundreds of thousands of
    tuples, none in a cycle, and the collector would scan them again and again (a quarter of the time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def inspect_file(
    path: str | Path,
    *,
    lang: str = "vi",
    name: str | None = None,
    options: dict[str, ReaderOptions] | None = None,
    profile_lookup: Callable[[str], tuple[str, ReaderOptions] | None] | None = None,
    province_code: str | None = None,
) -> FileReport:
    """Read one file without writing anything: its records and issues.

    A file that cannot be opened gives a report with one error issue, never an
    exception, so one bad file does not stop the others. ``name`` is the name
    shown in the report (an upload's original name), default the path. ``options``
    (by sheet name) and ``profile_lookup`` (header signature → saved (name, options))
    carry an analyst's column mapping; see loaders/options.py. ``province_code``
    is the province of the file's districts (GSO code) for every sheet, when the
    analyst chose it; a sheet's ``ReaderOptions.province_code`` overrides it, and
    without either a report's title block ("UBND TỈNH …") decides, else Lai Châu.
    """
    with _without_cyclic_gc():
        return _inspect(Path(path), lang, name, options, profile_lookup, province_code)


def _inspect(
    path: Path,
    lang: str,
    name: str | None,
    options: dict[str, ReaderOptions] | None,
    profile_lookup: Callable[[str], tuple[str, ReaderOptions] | None] | None,
    province_code: str | None = None,
) -> FileReport:
    report = FileReport(path=name or str(path))
    try:
        report.sha256 = sha256_of(path)
        grids = read_grids(path, lang)
    except UnreadableFile as exc:
        report.issues.append(Issue(Severity.ERROR, exc.code, str(exc)))
        return report
    except OSError as exc:
        report.issues.append(Issue(Severity.ERROR, "unreadable_file", f"{path}: {exc.strerror or exc}"))
        return report
    for grid in grids:
        if grid.text_encoding:
            report.issues.append(Issue(Severity.WARNING, "csv_encoding",
                                       t("issue.csv_encoding", lang, encoding=grid.text_encoding)))
    hidden = drop_hidden(grids, lang)  # hidden sheets left out, hidden rows and columns blanked: nothing reads them
    encodings = normalise_grids(grids, path)
    template = is_template(grids)
    # the template's own hidden sheet of lists (the choices of its drop-downs) is no news
    report.issues += [i for i in hidden if not (template and i.code == "hidden_sheet_ignored" and i.sheet == LISTS_SHEET)]
    if template:
        chosen = next((o.province_code for o in (options or {}).values() if o.province_code), None)
        read_template(grids, report, lang, chosen or province_code)
    else:
        layouts = read_reports(grids, report, lang, options, profile_lookup, province_code)
        for layout in layouts:
            encoding = encodings.get(layout.sheet, Encoding.UNICODE)
            layout.encoding = encoding.value
            if encoding is not Encoding.UNICODE:
                report.issues.append(Issue(Severity.WARNING, "encoding_converted",
                                           t("issue.encoding_converted", lang, encoding=encoding.name), layout.sheet))
        report.sheets = [layout.to_dict() for layout in layouts]
        if not report.records and report.ok:
            report.issues.append(Issue(Severity.ERROR, "no_table", t("issue.no_table", lang)))
        check_records(report, lang)
    return report


def inspect_files(paths: Iterable[str | Path], *, lang: str = "vi", province_code: str | None = None,
                  year: int | None = None, as_of: dt.date | None = None) -> list[FileReport]:
    """inspect_file for each path, in order (``province_code``: the province of every file, as for inspect_file;
    ``year`` and ``as_of``: the year and as-of date of every sheet that does not state them, or states them twice)."""
    options = None
    if year is not None or as_of is not None:
        options = {ALL_SHEETS: ReaderOptions(year=year, as_of=as_of.isoformat() if as_of else None)}
    return [inspect_file(p, lang=lang, province_code=province_code, options=options) for p in paths]


def import_reports(engine: Engine, reports: list[FileReport], *, user: Any = None):  # type: ignore[no-untyped-def]
    """Write the error-free reports in one transaction; files with errors are left out.

    ``user`` is a store.auth.User (checked against role and district scope) or, in a
    store without users, a plain name; default the settings' user.
    """
    # Imported here: store depends on loaders.records, so a module-level import would be circular.
    from store.settings import get_settings
    from store.writes import write_reports

    return write_reports(engine, [r for r in reports if r.ok], user=user or get_settings().user)


def import_files(  # type: ignore[no-untyped-def]
    paths: Iterable[str | Path], engine: Engine, *, user: Any = None, lang: str = "vi", province_code: str | None = None,
    year: int | None = None, as_of: dt.date | None = None,
):
    """Inspect files, refuse those with errors, write the rest atomically: (reports, results).

    A file whose bytes a batch in the store already holds (its SHA-256) is not read again: its report is
    empty but for ``already_imported`` (that batch), and its result says already imported, as when a file
    is read and then found stored. A re-import of unchanged files costs their hashing, not their reading.
    """
    from store.history import stored_batches

    files = [Path(p) for p in paths]
    hashes: dict[Path, str] = {}
    for path in files:
        try:
            hashes[path] = sha256_of(path)
        except OSError:
            pass  # inspect_file reports it
    stored = stored_batches(engine, hashes.values())
    batch_of = {path: stored[sha] for path, sha in hashes.items() if sha in stored}
    read = iter(inspect_files([p for p in files if p not in batch_of], lang=lang, province_code=province_code,
                              year=year, as_of=as_of))
    reports = [FileReport(path=str(p), sha256=hashes[p], already_imported=batch_of[p]) if p in batch_of else next(read)
               for p in files]
    return reports, import_reports(engine, reports, user=user)
