"""The audit log and the user list in words: actions, details and times in the reader's language.

Audit rows keep their detail as the terse text written with the change ("batch=14 new=32 …"), which
the CSV of record keeps too; this turns a row into what an official reads ("lần nhập 14: 32 giá trị mới …").
A detail this does not know is shown as written rather than guessed at.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pandas as pd

from loaders.i18n import catalogue, number, t, timestamp

AUDIT_COLUMNS = ("at", "user", "action", "target", "values", "detail")
USER_COLUMNS = ("username", "role", "districts", "active", "created_at", "failed_logins")
HASH_SHOWN = 12  # characters of a file's sha256 in a detail: enough to tell files apart


def action_label(action: str, lang: str = "vi") -> str:
    """An audit action in words ('Nhập số liệu' for import); the action itself when the catalogue has no name."""
    return catalogue(lang).get(f"audit.action_{action}") or catalogue("vi").get(f"audit.action_{action}") or action


def role_label(role: str, lang: str = "vi") -> str:
    """A role ('viewer', 'analyst', 'admin') in words."""
    return catalogue(lang).get(f"auth.role_{role.lower()}") or role


def _pairs(detail: str) -> dict[str, str]:
    """'batch=14 new=32 not checked' as {'batch': '14', 'new': '32'}: words without '=' are flags, kept as ''."""
    out: dict[str, str] = {}
    for word in detail.split():
        key, _, value = word.partition("=")
        out[key] = value
    return out


def _districts(codes: str, lang: str, district_name: Callable[[str], str]) -> str:
    names = [district_name(c) for c in codes.split(",") if c]
    return ", ".join(names) if names else t("users_table.all_districts", lang)


def describe(action: str, detail: str, lang: str = "vi",
             district_name: Callable[[str], str] = str) -> str:
    """One audit row's detail in words; the detail as written when its form is unknown."""
    try:
        return _describe(action, detail or "", lang, district_name)
    except (KeyError, ValueError, SyntaxError, TypeError):
        return detail


def _describe(action: str, detail: str, lang: str, district_name: Callable[[str], str]) -> str:
    p = _pairs(detail)

    def n(key: str) -> str:
        return number(int(p[key]), lang, digits=0)

    if action == "import":
        return t("audit.import", lang, batch=p["batch"], new=n("new"), changed=n("changed"), unchanged=n("unchanged"),
                 sha=p.get("sha256", "")[:HASH_SHOWN])
    if action == "undo":
        return t("audit.undo", lang, batch=p["batch"], removed=n("removed"), restored=n("restored"))
    if action == "remove_samples":
        return t("audit.remove_samples", lang, batches=n("batches"), removed=n("removed"))
    if action == "user_add":
        return t("audit.user_add", lang, role=role_label(p["role"], lang),
                 districts=_districts(p["districts"], lang, district_name))
    if action == "user_change":
        return _user_change(ast.literal_eval(detail), lang, district_name)
    if action == "login_failed":
        parts = [t("audit.login_failed", lang, n=n("failures"))]
        if "not" in p:  # 'not checked': the account was locked, the password never compared
            parts.append(t("audit.login_not_checked", lang))
        if p.get("client"):
            parts.append(t("audit.login_client", lang, client=p["client"]))
        return "; ".join(parts)
    if action in ("profile_save", "profile_delete"):
        owner = p["owner"]
        return t("audit.shared", lang) if owner in ("", "(shared)") else t("audit.owner", lang, owner=owner)
    return detail


def _user_change(changes: Mapping[str, Any], lang: str, district_name: Callable[[str], str]) -> str:
    words = []
    if "active" in changes:
        words.append(t("audit.enabled" if changes["active"] else "audit.disabled", lang))
    if "password_hash" in changes:
        words.append(t("audit.password_reset", lang))
    if "role" in changes:
        words.append(t("audit.role_set", lang, role=role_label(str(changes["role"]), lang)))
    if "districts" in changes:
        words.append(t("audit.districts_set", lang, districts=_districts(str(changes["districts"]), lang, district_name)))
    return "; ".join(words) if words else str(dict(changes))


def audit_table(rows: Iterable[Mapping[str, Any]], lang: str = "vi",
                district_name: Callable[[str], str] = str) -> pd.DataFrame:
    """audit_log rows as a table with headers, actions, details and times in lang."""
    rows = list(rows)
    frame = pd.DataFrame({
        "at": [timestamp(r["at"], lang) for r in rows],
        "user": [r["user"] for r in rows],
        "action": [action_label(r["action"], lang) for r in rows],
        "target": [r["target"] for r in rows],
        "values": [number(r["values"] or 0, lang, digits=0) for r in rows],
        "detail": [describe(r["action"], r["detail"], lang, district_name) for r in rows],
    }, columns=list(AUDIT_COLUMNS))
    return frame.rename(columns={c: t(f"audit.{c}", lang) for c in AUDIT_COLUMNS})


def users_table(people: Iterable[Mapping[str, Any]], lang: str = "vi",
                district_name: Callable[[str], str] = str) -> pd.DataFrame:
    """list_users rows as a table with headers, roles, districts, status and dates in lang (no e-mail)."""
    people = list(people)
    frame = pd.DataFrame({
        "username": [p["username"] for p in people],
        "role": [role_label(p["role"], lang) for p in people],
        "districts": [_districts(p["districts"] or "", lang, district_name) for p in people],
        "active": [t("users_table.is_active" if p["active"] else "users_table.is_disabled", lang) for p in people],
        "created_at": [timestamp(p["created_at"], lang) for p in people],
        "failed_logins": [number(p["failed_logins"] or 0, lang, digits=0) for p in people],
    }, columns=list(USER_COLUMNS))
    return frame.rename(columns={c: t(f"users_table.{c}", lang) for c in USER_COLUMNS})
