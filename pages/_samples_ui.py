"""Removing the illustrative samples in one step: offered on History, and on Upload once real figures are in."""

from __future__ import annotations

import streamlit as st

from figures import fmt
from pages import _auth_ui as auth
from pages import _ui as ui
from store.bootstrap import remove_samples

FLASH = "samples.flash"


def _remove() -> None:
    """Button callback: take the samples out; the outcome (or the store's refusal) is shown in the next run."""
    try:
        result = remove_samples(ui.engine(), user=auth.actor())
    except Exception as exc:  # noqa: BLE001 - PermissionDenied, a busy store …: shown by the one renderer
        st.session_state[FLASH] = exc
    else:
        st.session_state[FLASH] = ui.tr("samples.removed", batches=result.batches,
                                        removed=fmt.number(result.removed, ui.lang()))


def offer(key: str, *, after_import: bool = False) -> None:
    """While the store shows sample figures, a button that removes them all (with a confirmation box)."""
    flash = st.session_state.pop(FLASH, None)
    if isinstance(flash, BaseException):
        ui.show_problems(flash)
    elif flash:
        st.success(flash)
    if not ui.samples()[0] or not auth.may("undo"):
        return
    with st.container(border=True):
        st.markdown(ui.tr("samples.after_import" if after_import else "samples.title"))
        st.caption(ui.tr("samples.note"))
        sure = st.checkbox(ui.tr("samples.confirm"), key=f"{key}.confirm")
        st.button(ui.tr("samples.remove"), key=f"{key}.remove", disabled=not sure, icon=":material/delete_sweep:",
                  on_click=_remove)
