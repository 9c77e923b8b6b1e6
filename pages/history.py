"""Lịch sử nhập: every import batch, newest first, and undoing one (its replaced values come back)."""

import datetime as dt

import pandas as pd
import streamlit as st

from figures import fmt
from pages import _auth_ui as auth
from pages import _samples_ui as samples_ui
from pages import _ui as ui
from store import history
from store.bootstrap import SAMPLE_USER

FLASH = "history.flash"

ui.run_through_entrypoint()
auth.require("undo")
lang = ui.lang()
st.title(ui.tr("history.title"))
st.caption(ui.tr("history.intro"))


def when(iso: str) -> str:
    """'31/10/2017 14:05' / '31 Oct 2017 14:05' from the store's ISO time."""
    moment = dt.datetime.fromisoformat(iso)
    return f"{fmt.date(moment.date(), lang)} {moment:%H:%M}"


def undo(batch_id: int) -> None:
    """Button callback: undo the batch; the outcome (or the store's refusal) is shown in the next run."""
    try:
        result = history.undo(ui.engine(), batch_id, user=auth.actor())
    except Exception as exc:  # noqa: BLE001 - StoreError says why (undo order …); shown by the one renderer
        st.session_state[FLASH] = exc
    else:
        st.session_state[FLASH] = ui.tr("history.undone", id=result.batch_id, removed=fmt.number(result.removed, lang),
                                        restored=fmt.number(result.restored, lang))


try:
    batches = history.history(ui.engine())
except Exception as exc:  # noqa: BLE001 - the store cannot be read: shown by the one renderer
    ui.show_problems(exc)
    st.stop()
flash = st.session_state.pop(FLASH, None)
if isinstance(flash, BaseException):
    ui.show_problems(flash)
elif flash:
    st.success(flash)
if not batches:
    st.info(ui.tr("history.empty"))
    st.stop()
samples_ui.offer("history_samples")

columns = ("id", "file", "user", "imported_at", "facts_new", "facts_changed", "undone")
table = pd.DataFrame([{c: b[c] for c in columns} for b in batches])
table["imported_at"] = table["imported_at"].map(when)
table["user"] = table["user"].map(lambda u: ui.tr("samples.user") if u == SAMPLE_USER else u)  # the system, in words
table["undone"] = table["undone"].map(lambda u: ui.tr("common.yes") if u else ui.tr("common.no"))
for c in ("facts_new", "facts_changed"):
    table[c] = [fmt.number(v, lang) for v in table[c]]
st.dataframe(table.rename(columns=lambda c: ui.tr(f"history.col_{c}")), hide_index=True, width="stretch")

st.subheader(ui.tr("history.undo_title"))
st.caption(ui.tr("history.undo_note"))
open_batches = {b["id"]: b for b in batches if not b["undone"]}
if not open_batches:
    st.info(ui.tr("history.nothing_to_undo"))
    st.stop()
labels = {i: ui.tr("history.batch_label", id=i, file=b["file"], date=when(b["imported_at"])) for i, b in open_batches.items()}
batch_id = ui.pick(ui.tr("history.pick"), list(open_batches), key="history_batch", labels=labels)
confirmed = st.checkbox(ui.tr("history.confirm", id=batch_id), key=f"history_confirm.{batch_id}")
st.button(ui.tr("history.undo"), type="primary", disabled=not confirmed, key="history_undo", icon=":material/undo:",
          on_click=undo, args=(batch_id,))
