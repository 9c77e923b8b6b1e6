"""Page-side helpers: cached store access, language, selectors, and the one place problems become UI.

This is the only module that imports both Streamlit and the core; pages call
it and ``figures``, and never format exceptions themselves.
"""

from __future__ import annotations

import datetime as dt
import runpy
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from figures import fmt
from loaders import FileReport, LoaderError
from loaders.i18n import DEFAULT_LANGUAGE, LANGUAGES, t
from loaders.reference import components, districts, measures, sources
from store.bootstrap import SAMPLE_USER, create_first_admin, load_samples_if_empty, sample_files
from store.db import data_version, get_engine
from store.queries import current_facts
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


@st.cache_data(show_spinner=False, max_entries=8)
def _facts(url: str, version: int) -> pd.DataFrame:
    return current_facts(_engine(url))


def load_facts() -> pd.DataFrame:
    """All current facts; the cache key holds the data version, so an import shows at once."""
    url = database_url()
    return _facts(url, data_version(_engine(url)))


def facts() -> pd.DataFrame:
    """load_facts for a page: a store that cannot be read is reported here and stops the page."""
    try:
        return load_facts()
    except Exception as exc:  # noqa: BLE001 - shown to the user by the one renderer
        show_problems(exc)
        st.stop()
        raise  # unreachable: st.stop raises


def is_sample(frame: pd.DataFrame) -> bool:
    """True when any of these facts come from the illustrative sample batches."""
    if frame.empty:
        return False
    # the sample batches, or the sample files imported again by someone else
    names = {p.name for p in sample_files()}
    return bool((frame["user_name"] == SAMPLE_USER).any() or frame["file_name"].isin(names).any())


def source_note(frame: pd.DataFrame) -> str:
    """'Nguồn: dữ liệu nhập từ N tệp — số liệu minh họa' for the facts a chart draws on."""
    note = tr("common.source_note", n=int(frame["file_name"].nunique()) if not frame.empty else 0)
    return f"{note} — {tr('common.illustrative')}" if is_sample(frame) else note


def caption(frame: pd.DataFrame, year: int | None = None, as_of: dt.date | None = None) -> None:
    """The line under a chart: year, reporting date and source."""
    parts = []
    if year is not None:
        parts.append(tr("common.year_n", year=year))
    if as_of is not None:
        parts.append(tr("common.as_of_date", date=fmt.date(as_of, lang())))
    parts.append(source_note(frame))
    st.caption(" · ".join(parts))


def require_data(frame: pd.DataFrame) -> None:
    """Stop the page with a friendly message when there is nothing to show."""
    if frame.empty:
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


def language_switch() -> None:
    """Tiếng Việt / English in the sidebar, kept in st.session_state['lang']."""
    st.session_state.setdefault("lang", DEFAULT_LANGUAGE)
    st.sidebar.radio(
        "Ngôn ngữ / Language", list(LANGUAGES), key="lang", format_func=LANGUAGE_NAMES.get, horizontal=True
    )


def sample_note() -> None:
    """A visible sidebar warning while the store shows illustrative sample figures."""
    try:
        frame = load_facts()
    except Exception:  # noqa: BLE001 - the page itself reports a broken store
        return
    if is_sample(frame):
        st.sidebar.warning(tr("app.illustrative_note"), icon="⚠️")


# --- selectors -------------------------------------------------------------

def district_label(code: str, long: bool = False) -> str:
    """A district's name in the chosen language ('Mường Tè', or 'Huyện Mường Tè' when long)."""
    d = districts().get(code)
    return d.label(lang(), short=not long) if d else code


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


def pick_many(label: str, options: Sequence[Any], key: str, *, labels: Mapping[Any, str] | None = None,
              default: Sequence[Any] = (), placeholder: str | None = None) -> list[Any]:
    """A multiselect whose choice survives a language switch."""
    options = list(options)
    memory = f"_pick.{key}"
    chosen = [o for o in st.session_state.get(memory, default) if o in options]
    names = dict(labels) if labels is not None else {o: str(o) for o in options}
    value = st.multiselect(label, options, default=chosen, key=widget_key(key), format_func=names.get,
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


def year_and_date(facts: pd.DataFrame, prefix: str) -> tuple[int, dt.date | None]:
    """The year and reporting-date selectors side by side; stops the page when there is no funding."""
    from store import metrics

    left, right, _ = st.columns([1, 1, 2])
    with left:
        year = year_select(metrics.years(facts), key=f"{prefix}_year")
    if year is None:
        st.info(tr("common.no_funding"))
        st.stop()
        raise AssertionError  # unreachable: st.stop raises
    with right:
        as_of = date_select(metrics.reporting_dates(facts, year), key=f"{prefix}_as_of_{year}")
    return year, as_of


def district_select(key: str, codes: Sequence[str] | None = None) -> str:
    """A district selectbox over GSO codes, showing names."""
    options = list(codes or districts())
    return pick(tr("common.district"), options, key, labels={c: district_label(c) for c in options})


# --- tables ----------------------------------------------------------------

UNIT_DIGITS = {"million_vnd": 1, "households": 0, "percent": 2}
PROVENANCE = ("batch_id", "file_name", "sheet", "cell", "imported_at", "user_name")


def fact_table(frame: pd.DataFrame, *, for_display: bool) -> pd.DataFrame:
    """Facts with translated headers and names; on screen numbers and dates are formatted, in files kept raw."""
    language = lang()
    unit = frame["measure"].map(lambda m: measures()[m].unit if m in measures() else "")
    out = pd.DataFrame({
        "dataset": frame["dataset"].map(lambda v: tr(f"data.dataset_{v}")),
        "district_code": frame["district_code"],
        "district": frame["district_code"].map(district_label),
        "year": frame["year"].astype(str) if for_display else frame["year"],
        "as_of": [fmt.date(d, language) for d in frame["as_of"]] if for_display else frame["as_of"],
        "component": frame["component"].map(lambda c: components()[c].label(language) if c in components() else c or ""),
        "source": frame["source"].map(lambda s: sources()[s].label(language) if s in sources() else s or ""),
        "measure": frame["measure"].map(lambda m: measures()[m].label(language) if m in measures() else m),
        "unit": unit.map(lambda u: tr(f"data.unit_{u}") if u else ""),
        "value": ([fmt.number(v, language, UNIT_DIGITS.get(u, 2)) for v, u in zip(frame["value"], unit)]
                  if for_display else frame["value"]),
    }, index=frame.index)
    for column in PROVENANCE:
        if column in frame:
            out[column] = frame[column]
    if for_display and "imported_at" in out:
        out["imported_at"] = [f"{fmt.date(d, language)} {d:%H:%M}" if pd.notna(d) else fmt.MISSING
                              for d in frame["imported_at"]]
    return out.rename(columns=lambda c: tr(f"data.col_{c}"))


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
        # Loader messages are written for the analyst and say what to do.
        st.error(str(problem))
        return
    st.error(tr("common.unexpected_error", detail=type(problem).__name__))
    with st.expander(tr("common.technical_details")):
        st.code("".join(traceback.format_exception(problem)))


# --- reports ---------------------------------------------------------------

def report_downloads(year: int, as_of: dt.date | None, district_code: str | None = None) -> None:
    """Download buttons for the meeting reports; each file is built only when its button is clicked."""
    from figures.excel_report import build_excel_report
    from figures.pdf_report import build_district_pdf, build_pdf_report

    language, data = lang(), load_facts()
    stamp = f"{year}" + (f"_{as_of:%Y%m%d}" if as_of else "")
    cols = st.columns(3)
    if district_code is None:
        cols[0].download_button(tr("report.download_xlsx"), data=lambda: build_excel_report(data, year, as_of, language),
                                file_name=f"bao_cao_giam_ngheo_{stamp}.xlsx", on_click="ignore", icon=":material/table:",
                                mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        cols[1].download_button(tr("report.download_pdf"), data=lambda: build_pdf_report(data, year, as_of, language),
                                file_name=f"bao_cao_giam_ngheo_{stamp}.pdf", mime="application/pdf", on_click="ignore",
                                icon=":material/picture_as_pdf:")
    else:
        cols[0].download_button(tr("report.download_district_pdf"),
                                data=lambda: build_district_pdf(data, district_code, year, language),
                                file_name=f"ho_so_{district_code}_{year}.pdf", mime="application/pdf", on_click="ignore",
                                icon=":material/picture_as_pdf:")
