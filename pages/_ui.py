"""Page-side helpers: cached store access, language, selectors, and the one place problems become UI.

This is the only module that imports both Streamlit and the core; pages call
it and ``figures``, and never format exceptions themselves.
"""

from __future__ import annotations

import datetime as dt
import logging
import runpy
import secrets
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from figures import charts, fmt, narrative
from loaders import FileReport, LoaderError
from loaders.i18n import DEFAULT_LANGUAGE, LANGUAGES, t
from loaders.reference import (
    DEFAULT_PROVINCE,
    agencies,
    all_districts,
    communes,
    components,
    districts,
    is_province_level,
    measures,
    province_of,
    provinces,
    sources,
    unit_label,
)
from loaders.text import escape_markdown
from store import metrics, queries
from store.bootstrap import create_first_admin, load_samples_if_empty, sample_batch_ids, shows_samples
from store.db import data_version, get_engine
from store.settings import get_settings

LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}


# --- entry ---

ENTRYPOINT = Path(__file__).resolve().parent.parent / "dashboard.py"


def run_through_entrypoint() -> None:
    """Make sure a page runs inside dashboard.py's navigation, never on its own.

    Streamlit treats a folder named pages/ as an old-style multipage app until
    the entry file has called st.navigation once in the process: the first
    visit straight to /districts after a restart (and every AppTest run after
    the first) would run the page alone, without language switch, sample note
    or menu. In that case run the entry file here, in this same run (so widget
    values are kept), which opens this page through st.navigation; then stop.
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
        from streamlit.runtime.scriptrunner import get_script_run_ctx
    except ImportError:  # a Streamlit without the old mode: nothing to do
        return
    ctx = get_script_run_ctx()
    if ctx is None or not getattr(PagesManager, "uses_pages_directory", False):
        return
    PagesManager.uses_pages_directory = False  # also keeps the nested run from coming back here
    # Run as the entry file itself, so its widgets (the language switch) keep the ids of later runs.
    with ctx.run_with_active_hash(ctx.pages_manager.main_script_hash):
        runpy.run_path(str(ENTRYPOINT), run_name="__main__")
    st.stop()


_LOG = logging.getLogger("lcpr.pages")


# --- store -----------------------------------------------------------------

def database_url() -> str:
    """The store's URL, as the environment gives it now."""
    return get_settings().database_url


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    return get_engine(url)


def engine() -> Engine:
    """The engine of the configured store, one per URL for the whole server."""
    return _engine(database_url())


@st.cache_resource(show_spinner=False)
def _bootstrap(url: str) -> int:
    create_first_admin(_engine(url))  # only when DASHBOARD_ADMIN_USER/PASSWORD are set and no user exists
    return load_samples_if_empty(_engine(url))


def bootstrap() -> None:
    """Fill an empty store with the illustrative samples, once per store (if settings allow)."""
    if get_settings().load_samples:
        try:
            _bootstrap(database_url())
        except LoaderError:  # the store itself is unusable: each page reports it
            pass
        except Exception as exc:  # noqa: BLE001 - the app still opens; the pages say the store is empty
            with st.sidebar:
                show_problems(exc)


@st.cache_data(show_spinner=False, max_entries=256)
def _query(name: str, url: str, version: int, args: tuple[Any, ...], kwargs: tuple[tuple[str, Any], ...]) -> Any:
    return getattr(queries, name)(_engine(url), *args, **dict(kwargs))


def query(name: str, *args: Any, **kwargs: Any) -> Any:
    """store.queries.<name>(engine, *args, **kwargs), cached until the data version changes.

    The data version is read from the database at every call, so an import made by any
    server (several may share one PostgreSQL) shows at the next run everywhere.
    """
    url = database_url()
    return _query(name, url, data_version(_engine(url)), args, tuple(sorted(kwargs.items())))


def read(name: str, *args: Any, **kwargs: Any) -> Any:
    """query for a page: a store that cannot be read is reported here and stops the page."""
    try:
        return query(name, *args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - shown to the user by the one renderer
        show_problems(exc)
        st.stop()
        raise  # unreachable: st.stop raises


@st.cache_resource(show_spinner=False, max_entries=64)  # each holds a page's figures: a few MB at most
def _view(_build: Callable[..., Any], name: str, url: str, version: int, args: tuple[Any, ...]) -> Any:
    return _build(*args)


def view(build: Callable[..., Any], *args: Any) -> Any:
    """build(*args), kept for every session until the data version changes.

    For what a page derives from the store (indicator frames, figures): ``build`` must depend
    only on its arguments (scope, year, date, language …) and the store, and its result must
    not be changed by the caller. Kept as objects, not pickled: a plotly figure rebuilt from
    a pickle costs as much as building it anew.
    """
    url = database_url()
    name = f"{build.__code__.co_filename}:{build.__qualname__}"  # pages all run as one module name
    return _view(build, name, url, data_version(_engine(url)), args)


@st.cache_data(show_spinner=False, max_entries=8)
def _samples(url: str, version: int) -> tuple[bool, frozenset[int]]:
    ids = sample_batch_ids(_engine(url))
    return shows_samples(_engine(url), ids), frozenset(ids)


def samples() -> tuple[bool, frozenset[int]]:
    """Whether the store shows sample figures now, and the sample batches' ids."""
    url = database_url()
    return _samples(url, data_version(_engine(url)))


def is_sample(frame: pd.DataFrame) -> bool:
    """True when any of these facts (or sums of facts) come from the illustrative sample batches."""
    return not frame.empty and bool(frame["batch_id"].isin(samples()[1]).any())


def source_note(*frames: pd.DataFrame) -> str:
    """'Nguồn: dữ liệu nhập từ N tệp — số liệu minh họa' for the facts a figure draws on."""
    ids = set().union(*(set(f["batch_id"].unique()) for f in frames if not f.empty)) if frames else set()
    files = query("batch_files")
    return narrative.note_text(int(files.loc[files["batch_id"].isin(ids), "file_name"].nunique()),
                               any(is_sample(f) for f in frames), lang())


def caption(frame: pd.DataFrame | Sequence[pd.DataFrame], year: int | None = None,
            as_of: dt.date | None = None) -> None:
    """The line under a chart: scope, year, reporting date and source."""
    st.caption(caption_text(frame, year, as_of))


def sentences(*parts: str) -> str:
    """Caption parts as sentences: a full stop after each part that does not end one."""
    kept = [p.strip() for p in parts if p and p.strip()]
    return " ".join(p if p.endswith((".", "!", "?", ":")) else f"{p}." for p in kept)


def poverty_review_note(review_year: int | None, as_of: dt.date | None) -> str:
    """Which poverty review the figures of a reporting date are: 'Hộ nghèo: kết quả rà soát cuối năm 2016 …'."""
    date = fmt.date(as_of, lang()) if as_of else "–"
    if review_year is None:
        return tr("common.no_poverty_review", date=date)
    return tr("common.poverty_review", year=review_year, date=date)


def caption_text(frame: pd.DataFrame | Sequence[pd.DataFrame], year: int | None = None,
                 as_of: dt.date | None = None) -> str:
    """The text of caption()."""
    parts = [scope_label()]
    if year is not None:
        parts.append(tr("common.year_n", year=year))
    if as_of is not None:
        parts.append(tr("common.as_of_date", date=fmt.date(as_of, lang())))
    parts.append(source_note(*frame) if isinstance(frame, (list, tuple)) else source_note(frame))
    return " · ".join(parts)


def require_data(present: bool | pd.DataFrame) -> None:
    """Stop the page with a friendly message when there is nothing to show."""
    if (present.empty if isinstance(present, pd.DataFrame) else not present):
        st.info(tr("common.empty"))
        st.stop()


# --- language --------------------------------------------------------------

def lang() -> str:
    """The chosen language: 'vi' (default) or 'en'."""
    value = st.session_state.get("lang", DEFAULT_LANGUAGE)
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def tr(key: str, **params: Any) -> str:
    """The catalogue text for key in the chosen language."""
    return t(key, lang(), **params)


# --- choices that travel: across pages and in the address (?scope=12&year=2017&date=2017-10-31) --------------
# A link an official sends opens on the same scope, year, date, district and language; a choice made on one
# page holds on the next. The session keeps them under "shared.<name>"; the address mirrors them.

def _shared(name: str, parse: Callable[[str], Any]) -> Any:
    """A travelling choice: the session's, else the address's (a shared link), else None."""
    if f"shared.{name}" in st.session_state:
        return st.session_state[f"shared.{name}"]
    raw = st.query_params.get(name)
    if raw is None:
        return None
    try:
        return parse(raw)
    except ValueError:
        return None  # a hand-edited address: the default choice instead


def _share(name: str, value: Any, shown: str | None) -> None:
    """Remember a travelling choice for other pages and put it in the address (None: take it out)."""
    st.session_state[f"shared.{name}"] = value
    if shown is None:
        st.query_params.pop(name, None)
    elif st.query_params.get(name) != shown:
        st.query_params[name] = shown


def language_switch() -> None:
    """Tiếng Việt / English in the sidebar, kept in st.session_state['lang'] and in the address."""
    if "lang" not in st.session_state:
        asked = st.query_params.get("lang")
        st.session_state["lang"] = asked if asked in LANGUAGES else DEFAULT_LANGUAGE
    st.sidebar.radio(
        "Ngôn ngữ / Language", list(LANGUAGES), key="lang", format_func=LANGUAGE_NAMES.get, horizontal=True
    )
    _share("lang", st.session_state["lang"], st.session_state["lang"])


def sample_note() -> None:
    """A visible sidebar warning while the store shows illustrative sample figures."""
    try:
        shown = samples()[0]
    except Exception:  # noqa: BLE001 - the page itself reports a broken store
        return
    if shown:
        st.sidebar.warning(tr("app.illustrative_note"), icon="⚠️")


# --- scope: the whole country or one province -------------------------------

COUNTRY = ""


def scope_select() -> None:
    """The province selector in the sidebar ('' = the whole country), kept in st.session_state['province'].

    It lists the provinces that have data; the default province (Lai Châu) is chosen first
    when it has data.
    """
    try:
        present = query("provinces_present")
    except Exception:  # noqa: BLE001 - the page itself reports a broken store
        present = []
    options = [COUNTRY, *present]
    if "province" not in st.session_state:  # a shared link's scope ('all': the whole country)
        asked = st.query_params.get("scope")
        st.session_state["province"] = COUNTRY if asked == "all" else asked
    if st.session_state.get("province") not in options:
        st.session_state["province"] = DEFAULT_PROVINCE if DEFAULT_PROVINCE in present else COUNTRY
    # the names change with the language, so the widget does too (see widget_key); the choice stays
    st.session_state["province"] = st.sidebar.selectbox(
        tr("common.scope"), options, index=options.index(st.session_state["province"]),
        key=widget_key("province"), format_func={c: scope_name(c) for c in options}.__getitem__)
    _share("scope", st.session_state["province"], st.session_state["province"] or "all")


def scope() -> str | None:
    """The chosen province's GSO code, or None for the whole country."""
    return st.session_state.get("province") or None


def scope_name(code: str | None, long: bool = False) -> str:
    """'Cả nước', or 'Lai Châu' ('Tỉnh Lai Châu' when long)."""
    return province_label(code, long) if code else tr("common.country")


def scope_label() -> str:
    """The chosen scope's long name ('Cả nước', 'Tỉnh Lai Châu'), for captions and headings."""
    return scope_name(scope(), long=True)


def scope_districts() -> list[str]:
    """GSO codes of the districts in the chosen scope (see districts_in)."""
    return districts_in(scope())


def districts_in(province: str | None) -> list[str]:
    """GSO codes of a province's districts, or for the country (None) those of every province with data."""
    return [c for p in ([province] if province else query("provinces_present")) for c in districts(p)]


# --- selectors -------------------------------------------------------------

def district_label(code: str, long: bool = False) -> str:
    """A district's name in the chosen language ('Mường Tè', or 'Huyện Mường Tè' when long)."""
    return unit_label(code, lang(), short=not long)


def commune_label(code: str) -> str:
    """A commune's name with its district ('Xã Bản Bo (Tam Đường)'), in the chosen language; the code when unknown."""
    c = communes().get(code)
    return f"{c.label(lang())} ({district_label(c.district_code)})" if c else code


def province_label(code: str, long: bool = False) -> str:
    """A province's name in the chosen language ('Lai Châu', or 'Tỉnh Lai Châu' when long)."""
    p = provinces().get(code)
    return p.label(lang(), short=not long) if p else code


def widget_key(key: str) -> str:
    """The key of a widget whose labels are translated: it carries the language.

    Streamlit keeps a keyed widget's value as the label shown, so a label that
    changes with the language would lose the choice; a new widget per language,
    seeded with the remembered choice (see pick), keeps it.
    """
    return f"{key}.{lang()}"


def pick(label: str, options: Sequence[Any], key: str, *, labels: Mapping[Any, str] | None = None,
         index: int = 0, radio: bool = False,
         label_visibility: Literal["visible", "hidden", "collapsed"] = "visible") -> Any:
    """A selectbox (or horizontal radio) whose choice survives a language switch."""
    options = list(options)
    memory = f"_pick.{key}"
    if memory in st.session_state and st.session_state[memory] in options:  # None can be an option
        index = options.index(st.session_state[memory])
    names = dict(labels) if labels is not None else {o: str(o) for o in options}

    def name(option: Any) -> str:
        return names.get(option, str(option))

    if radio:
        value = st.radio(label, options, index=index, key=widget_key(key), format_func=name, horizontal=True,
                         label_visibility=label_visibility)
    else:
        value = st.selectbox(label, options, index=index, key=widget_key(key), format_func=name,
                             label_visibility=label_visibility)
    st.session_state[memory] = value
    return value


def remembered(key: str) -> Any:
    """The choice pick(…, key) holds now (a change made in the browser included), before the box is drawn;
    None before its first run."""
    return st.session_state.get(widget_key(key), st.session_state.get(f"_pick.{key}"))


def set_pick(key: str, value: Any) -> None:
    """Make pick(…, key) show value from the next run on: for a button's callback that fills choices in."""
    st.session_state[f"_pick.{key}"] = value
    for language in LANGUAGES:  # the other language's widget starts from the remembered choice
        st.session_state.pop(f"{key}.{language}", None)
    st.session_state[widget_key(key)] = value  # sets the shown value, also in the browser


def pick_many(label: str, options: Sequence[Any], key: str, *, labels: Mapping[Any, str] | None = None,
              default: Sequence[Any] = (), placeholder: str | None = None) -> list[Any]:
    """A multiselect whose choice survives a language switch."""
    options = list(options)
    memory = f"_pick.{key}"
    chosen = [o for o in st.session_state.get(memory, default) if o in options]
    names = dict(labels) if labels is not None else {o: str(o) for o in options}
    value = st.multiselect(label, options, default=chosen, key=widget_key(key), format_func=lambda o: names.get(o, str(o)),
                           placeholder=placeholder)
    st.session_state[memory] = value
    return value


def year_select(years: Sequence[int], key: str, prefer: int = 2017) -> int | None:
    """A year selectbox, default the preferred year when present, else the latest; None when empty."""
    if not years:
        return None
    years = list(years)
    return pick(tr("common.year"), years, key, index=years.index(prefer) if prefer in years else len(years) - 1)


def date_select(dates: Sequence[dt.date], key: str) -> dt.date | None:
    """A reporting-date selectbox (dd/mm/yyyy), default the latest; None when empty."""
    if not dates:
        return None
    language = lang()
    return pick(tr("common.as_of"), dates, key, labels={d: fmt.date(d, language) for d in dates},
                index=len(dates) - 1)


def _travelling(key: str, name: str, options: Sequence[Any], parse: Callable[[str], Any]) -> None:
    """Start pick(…, key) at the choice made on another page (or in a shared link), when it is an option here."""
    wanted = _shared(name, parse)
    if wanted in options and widget_key(key) not in st.session_state:
        st.session_state[f"_pick.{key}"] = wanted


def year_and_date(prefix: str) -> tuple[int, dt.date | None]:
    """The year and reporting-date selectors of the scope, side by side; stops the page when there is no funding.

    The choice travels: to the other pages and into the address (see _share)."""
    left, right, _ = st.columns([1, 1, 2])
    years = read("years_present", "funding", province=scope())
    _travelling(f"{prefix}_year", "year", years, int)
    with left:
        year = year_select(years, key=f"{prefix}_year")
    if year is None:
        st.info(tr("common.no_funding"))
        st.stop()
        raise AssertionError  # unreachable: st.stop raises
    dates = read("reporting_dates", year, province=scope())
    _travelling(f"{prefix}_as_of_{year}", "date", dates, dt.date.fromisoformat)
    with right:
        as_of = date_select(dates, key=f"{prefix}_as_of_{year}")
    _share("year", year, str(year))
    _share("date", as_of, as_of.isoformat() if as_of else None)
    return year, as_of


def district_select(key: str, codes: Sequence[str] | None = None) -> str:
    """A district selectbox over GSO codes (default: the scope's districts), showing names; the choice travels."""
    options = list(codes or scope_districts())
    _travelling(key, "district", options, str)
    code = pick(tr("common.district"), options, key, labels={c: district_label(c) for c in options})
    _share("district", code, code)
    return code


# --- tables ----------------------------------------------------------------

# At most this many facts are sent to the browser in a table; downloads hold every filtered row.
SHOWN_ROWS = 5000
UNIT_DIGITS = {"million_vnd": 1, "households": 0, "percent": 2}
PROVENANCE = ("batch_id", "file_name", "sheet", "cell", "imported_at", "user_name")


def fact_table(frame: pd.DataFrame, *, for_display: bool, language: str | None = None) -> pd.DataFrame:
    """Facts with translated headers and names; on screen numbers and dates are formatted, in files kept raw.

    Give ``language`` when called outside a script run (a download built on click).
    """
    language = language or lang()

    def names(column: str, table: Mapping[str, Any], label: Any) -> pd.Series:
        codes = frame[column].unique()
        return frame[column].map({c: label(table[c]) if c in table else (c or "") for c in codes})

    unit = frame["measure"].map({m: v.unit for m, v in measures().items()}).fillna("")
    out = pd.DataFrame({
        "dataset": frame["dataset"].map(lambda v: t(f"data.dataset_{v}", language)),
        "district_code": frame["district_code"],
        "district": names("district_code", all_districts(), lambda d: d.label(language)),
        # a commune's value: its GSO code and name ('' for a district's own value); a provincial agency's under
        # its province's own level
        "commune_code": frame["commune_code"] if "commune_code" in frame else "",
        "commune": names("commune_code", {**communes(), **agencies()}, lambda c: c.label(language))
        if "commune_code" in frame else "",
        "province": names("province_code", provinces(), lambda p: p.label(language)) if "province_code" in frame
        else "",
        "year": frame["year"].astype(str) if for_display else frame["year"],
        "as_of": [fmt.date(d, language) for d in frame["as_of"]] if for_display else frame["as_of"],
        "component": names("component", components(), lambda c: c.label(language)),
        "source": names("source", sources(), lambda c: c.label(language)),
        "measure": names("measure", measures(), lambda m: m.label(language)),
        "unit": unit.map(lambda u: t(f"data.unit_{u}", language) if u else ""),
        "value": ([fmt.number(v, language, UNIT_DIGITS.get(u, 2)) for v, u in zip(frame["value"], unit)]
                  if for_display else frame["value"]),
    }, index=frame.index)
    for column in PROVENANCE:
        if column in frame:
            out[column] = frame[column]
    if for_display and "imported_at" in out:
        out["imported_at"] = [f"{fmt.date(d, language)} {d:%H:%M}" if pd.notna(d) else fmt.MISSING
                              for d in frame["imported_at"]]
    # with an agency's value among them, the column names both kinds of unit below a district or province
    below = "subunit" if frame["district_code"].map(is_province_level).any() else "commune"
    return out.rename(columns=lambda c: t(f"data.col_{below}{c.removeprefix('commune')}" if c.startswith("commune")
                                          else f"data.col_{c}", language))


# --- problems --------------------------------------------------------------

def show_problems(problem: FileReport | BaseException) -> None:
    """The one place a file report's issues or an exception become UI."""
    if isinstance(problem, FileReport):
        if not problem.issues:
            st.success(tr("common.no_issues"))
            return
        errors, warnings = len(problem.errors), len(problem.warnings)
        summary = tr("common.issue_summary", errors=errors, warnings=warnings)
        (st.error if errors else st.warning)(summary)
        table = pd.DataFrame(
            [
                {
                    tr("common.severity"): tr(f"common.severity_{i.severity.value}"),
                    tr("common.sheet"): i.sheet or "",
                    tr("common.cell"): i.cell or "",
                    tr("common.message"): i.message,
                }
                # errors first: they are what blocks the import
                for i in sorted(problem.issues, key=lambda i: i.severity.value != "error")
            ]
        )
        st.dataframe(table, hide_index=True, width="stretch")
        return
    if isinstance(problem, LoaderError):
        # Loader messages are written for the analyst and say what to do; they may quote a file's text
        st.error(escape_markdown(str(problem)))
        return
    # the traceback (SQL, paths) goes to the server's log under a reference, never to the page
    reference = secrets.token_hex(4)
    _LOG.error("unexpected error %s", reference, exc_info=problem)
    st.error(tr("common.unexpected_error", detail=type(problem).__name__, reference=reference))


# --- reports ---------------------------------------------------------------

def report_downloads(year: int, as_of: dt.date | None, district_code: str | None = None) -> None:
    """Download buttons for the meeting reports; each file is built when a button is first clicked, then kept.

    figures.report_cache keeps each file per data version for the whole server: people clicking
    the same report at once wait for one build, and a new import gives new files.
    """
    from figures.report_cache import ReportKind, report_bytes

    province = province_of(district_code) if district_code else scope()
    if province != DEFAULT_PROVINCE:  # the reports' mastheads and signature blocks are Lai Châu's
        st.caption(tr("report.choose_province", province=provinces()[DEFAULT_PROVINCE].label(lang())))
        return
    language, eng = lang(), engine()

    def report(kind: ReportKind) -> Callable[[], bytes]:  # run when a button is clicked, outside the script run
        return lambda: report_bytes(eng, kind, year, as_of, language, province=province, district_code=district_code)

    stamp = f"{year}" + (f"_{as_of:%Y%m%d}" if as_of else "")
    cols = st.columns(3)
    if district_code is None:
        cols[0].download_button(tr("report.download_xlsx"), data=report(ReportKind.EXCEL),
                                file_name=f"bao_cao_giam_ngheo_{stamp}.xlsx", on_click="ignore", icon=":material/table:",
                                mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        cols[1].download_button(tr("report.download_pdf"), data=report(ReportKind.PDF),
                                file_name=f"bao_cao_giam_ngheo_{stamp}.pdf", mime="application/pdf", on_click="ignore",
                                icon=":material/picture_as_pdf:")
    else:
        cols[0].download_button(tr("report.download_district_pdf"), data=report(ReportKind.DISTRICT_PDF),
                                file_name=f"ho_so_{district_code}_{stamp}.pdf", mime="application/pdf", on_click="ignore",
                                icon=":material/picture_as_pdf:")


def missing_page_note() -> None:
    """Say, in the user's language, that the address asked for is no page (pages/_routes.py, UnknownPage sent
    the browser here), once: the parameter leaves the address."""
    missing = st.query_params.get("missing")
    if missing is not None:
        st.warning(tr("app.page_missing", page=escape_markdown(missing)))
        del st.query_params["missing"]


def _css_text(text: str) -> str:
    """text as a CSS string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def file_uploader(label: str, types: Sequence[str], key: str, **kwargs: Any) -> Any:
    """st.file_uploader with its own words in the user's language.

    Streamlit writes the drop zone's button ("Upload") and limit ("20MB per file • XLSX") in English and
    offers no setting for them; a style for this uploader alone (its key's class) writes ours in their place.
    """
    limit = int(st.get_option("server.maxUploadSize"))
    words = {"button": tr("upload.dropzone_button"),
             "limit": tr("upload.dropzone_limit", mb=limit, types=", ".join(t.upper() for t in types))}
    zone = f".st-key-{key} [data-testid='stFileUploaderDropzone']"
    st.html(f"""<style>
{zone} button [data-testid='stMarkdownContainer'] p {{ font-size: 0; }}
{zone} button [data-testid='stMarkdownContainer'] p::after {{ content: {_css_text(words["button"])}; font-size: 14px; }}
{zone} [data-testid='stFileUploaderDropzoneInstructions'] span {{ font-size: 0; }}
{zone} [data-testid='stFileUploaderDropzoneInstructions'] span::after {{ content: {_css_text(words["limit"])}; font-size: 14px; }}
</style>""")
    return st.file_uploader(label, type=list(types), key=key, **kwargs)


def card_style() -> None:
    """KPI card labels wrap onto a second line instead of ending in '…': the unit at a label's end
    ('Giải ngân đến 31/10/2017 (triệu đồng)') was cut off a quarter-width card."""
    st.html("""<style>
[data-testid='stMetricLabel'] .stMarkdownEllipsis, [data-testid='stMetricLabel'] .stMarkdownEllipsis p {
  white-space: normal; overflow: visible; text-overflow: clip; }
</style>""")


def _commune_view(code: str, year: int, as_of: dt.date | None, language: str) -> dict[str, Any]:
    """The district's communes at the date, formatted (kept by view until the data change)."""
    facts = query("commune_facts", code)
    targets = query("target_facts", year, as_of, district=code).assign(commune_code="")
    rows = metrics.by_commune(pd.concat([facts, targets], ignore_index=True), code, year, as_of)
    table = pd.DataFrame({
        t("data.col_commune", language): [communes()[c].label(language) if c in communes() else c
                                          for c in rows["commune_code"]],
        t("districts.col_report", language): [fmt.date(d, language) if pd.notna(d) else fmt.MISSING
                                              for d in rows["report_as_of"]],
        t("districts.col_plan", language): [fmt.number(v, language, 1) for v in rows["plan"]],
        t("districts.col_disbursed", language): [fmt.number(v, language, 1) for v in rows["disbursed"]],
        t("districts.col_rate", language): [fmt.percent(v, language) for v in rows["disbursement_rate"]],
        t("profile.col_commune_status", language): [charts.status_label(s, language) if pd.notna(p) else fmt.MISSING
                                                     for s, p in zip(rows["status"], rows["plan"])],
        t("profile.col_poor_households", language): [fmt.number(v, language, 0) for v in rows["poor_households"]],
        t("districts.col_poor_rate", language): [fmt.percent(v, language, 2) for v in rows["poor_rate"]],
    })
    used = facts[facts["commune_code"] != ""]
    return {"table": table, "lagging": int(rows["lagging"].sum()), "count": len(rows),
            "target": rows["target_rate"].iloc[0] if len(rows) else float("nan"),
            "caption": caption_text(used, year, as_of) if not used.empty else ""}


def commune_table(code: str, year: int, as_of: dt.date | None) -> None:
    """A district's communes (plan, disbursed, rate against the district's target, poor households), slowest
    first, or a note that the district has reported nothing by commune."""
    shown = view(_commune_view, code, year, as_of, lang())
    if not shown["count"]:
        st.caption(tr("profile.no_communes", district=district_label(code, long=True)))
        return
    if shown["lagging"]:
        st.warning(tr("profile.communes_lagging", n=shown["lagging"], count=shown["count"],
                      target=fmt.percent(shown["target"], lang())))
    st.dataframe(shown["table"], hide_index=True, width="stretch")
    st.caption(shown["caption"])
