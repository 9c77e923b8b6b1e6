"""The Users and Audit pages in each language: headers, roles, actions and details in words, times as people write them."""

from __future__ import annotations

import re

import pytest

from loaders.i18n import t
from store.audit_text import describe
from tests import test_auth_pages
from tests.test_auth_pages import sign_in, start

sample_db, db_url, people, cookies = (test_auth_pages.sample_db, test_auth_pages.db_url, test_auth_pages.people,
                                      test_auth_pages.cookies)
MOMENT = {"vi": re.compile(r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}$"), "en": re.compile(r"^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}$")}


def admin_on(page: str, lang: str):
    at = sign_in(start(), "boss")
    at.session_state["lang"] = lang
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_users_table_in_words(people: str, lang: str) -> None:
    frame = admin_on("users", lang).dataframe[0].value
    assert list(frame.columns) == [t(f"users_table.{c}", lang) for c in
                                   ("username", "role", "districts", "active", "created_at", "failed_logins")]
    roles = dict(zip(frame[t("users_table.username", lang)], frame[t("users_table.role", lang)]))
    assert roles == {"boss": t("auth.role_admin", lang), "xem": t("auth.role_viewer", lang),
                     "mt": t("auth.role_analyst", lang)}
    assert all(MOMENT[lang].match(v) for v in frame[t("users_table.created_at", lang)])
    assert set(frame[t("users_table.active", lang)]) == {t("users_table.is_active", lang)}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_audit_table_in_words(people: str, lang: str) -> None:
    at = admin_on("audit", lang)
    frame = at.dataframe[0].value
    assert list(frame.columns) == [t(f"audit.{c}", lang) for c in ("at", "user", "action", "target", "values", "detail")]
    actions = set(frame[t("audit.action", lang)])
    assert {t("audit.action_user_add", lang), t("audit.action_import", lang)} <= actions  # the samples were imported
    assert not actions & {"user_add", "import"}
    assert all(MOMENT[lang].match(v) for v in frame[t("audit.at", lang)])
    details = set(frame[t("audit.detail", lang)])
    assert t("audit.user_add", lang, role=t("auth.role_viewer", lang), districts=t("users_table.all_districts", lang)) in details
    assert not any("role=" in d for d in details)
    assert at.multiselect[0].options == sorted(at.multiselect[0].options)  # the action names, in order, not codes
    assert t("audit.action_user_add", lang) in at.multiselect[0].options


@pytest.mark.parametrize(("action", "detail", "vi", "en"), [
    ("import", "batch=14 new=32 changed=1200 unchanged=0 sha256=0123456789abcdef0123",
     "lần nhập 14: 32 giá trị mới, 1.200 giá trị thay đổi, 0 giá trị không đổi; mã tệp 0123456789ab",
     "import 14: 32 new values, 1,200 changed, 0 unchanged; file hash 0123456789ab"),
    ("undo", "batch=14 removed=32 restored=3", "lần nhập 14: gỡ 32 giá trị, khôi phục 3 giá trị trước đó",
     "import 14: 32 values taken out, 3 earlier values brought back"),
    ("user_change", "{'active': False}", "khóa tài khoản", "account disabled"),
    ("user_change", "{'password_hash': '***'}", "đặt lại mật khẩu", "password reset"),
    ("user_change", "{'role': 'analyst', 'districts': ''}", "vai trò: cán bộ nhập liệu; huyện: tất cả",
     "role: analyst; districts: all"),
    ("login_failed", "failures=3 not checked", "lần sai thứ 3; tài khoản đang bị khóa tạm thời, mật khẩu không được kiểm tra",
     "failure no. 3; account locked for a while, password not checked"),
    ("profile_delete", "owner=(shared)", "dùng chung", "shared"),
    ("something_new", "x=1", "x=1", "x=1"),  # a detail it does not know is shown as written
    ("import", "batch=oops", "batch=oops", "batch=oops"),
])
def test_an_audit_detail_in_words(action: str, detail: str, vi: str, en: str) -> None:
    assert (describe(action, detail, "vi"), describe(action, detail, "en")) == (vi, en)
