"""The illustrative samples go in one audited step, never come back by themselves, and leave real imports alone."""

from __future__ import annotations

import pytest

from loaders import import_files
from loaders.i18n import t
from store.auth import PermissionDenied, Role, User, add_user
from store.bootstrap import load_samples_if_empty, remove_samples, sample_files, shows_samples
from store.db import get_engine
from store.history import undo
from store.queries import current_facts
from tests import test_pages
from tests.conftest import funding_row
from tests.test_pages import open_page
from tests.test_upload import upload

sample_db, db_url = test_pages.sample_db, test_pages.db_url


def test_samples_are_removed_at_once_and_real_imports_stay(engine, make_workbook):
    assert load_samples_if_empty(engine) == len(sample_files())
    _, results = import_files([make_workbook(funding=[funding_row(plan=1234, disbursed=567)])], engine, user="a")
    real = results[0].batch_id
    result = remove_samples(engine, user="a")
    assert result.batches == len(sample_files()) and result.removed > 1000
    facts = current_facts(engine)
    assert set(facts["batch_id"]) == {real} and sorted(facts["value"]) == [567, 1234]
    assert not shows_samples(engine)
    # nothing brings them back: not a restart, not undoing the real import
    assert load_samples_if_empty(engine) == 0
    undo(engine, real, user="a")
    assert current_facts(engine).empty and load_samples_if_empty(engine) == 0
    assert remove_samples(engine, user="a").batches == 0  # a second time: nothing to do


def test_only_someone_who_may_undo_every_district_removes_them(engine):
    load_samples_if_empty(engine)
    add_user(engine, "admin", "mật khẩu dài 1", Role.ADMIN, by="setup")
    with pytest.raises(PermissionDenied):
        remove_samples(engine, user=User("xem", Role.VIEWER))
    with pytest.raises(PermissionDenied):
        remove_samples(engine, user=User("huyen", Role.ANALYST, frozenset({"107"})))
    assert shows_samples(engine)
    remove_samples(engine, user=User("admin", Role.ADMIN))
    assert not shows_samples(engine)


def test_history_page_removes_the_samples_and_the_audit_says_who(db_url: str) -> None:
    at = open_page("history")
    boxes = [c for c in at.checkbox if (c.key or "").startswith("history_samples")]
    assert len(boxes) == 1 and at.button(key="history_samples.remove").disabled
    boxes[0].check().run()
    at.button(key="history_samples.remove").click().run()
    assert not at.exception
    assert any("Đã xóa số liệu mẫu" in s.value for s in at.success)
    engine = get_engine(db_url)
    assert current_facts(engine).empty
    with engine.connect() as conn:
        actions = [row.action for row in conn.exec_driver_sql("select action from audit")]
    assert actions[-1] == "remove_samples"
    at.run()
    assert not [c for c in at.checkbox if (c.key or "").startswith("history_samples")]  # no samples: no offer


def test_upload_offers_to_remove_samples_once_real_figures_are_in(db_url: str, make_workbook) -> None:
    at = open_page("upload")
    assert not [c for c in at.checkbox if (c.key or "").startswith("upload_samples")]  # samples only: nothing to offer
    path = make_workbook(funding=[funding_row(plan=1234, disbursed=567)])
    at = upload(at, (path.name, path.read_bytes()))
    at.button(key="upload_import").click().run()
    assert not at.exception
    assert [c for c in at.checkbox if (c.key or "").startswith("upload_samples")]


def test_the_audit_says_it_in_words(engine):
    from store.audit_text import audit_table
    from store.auth import audit_log

    load_samples_if_empty(engine)
    remove_samples(engine, user="a")
    table = audit_table(audit_log(engine), "vi")
    assert list(table["Thao tác"])[0] == "Xóa số liệu mẫu"  # newest first, after the sample imports
    assert table["Chi tiết"][0].startswith(f"{len(sample_files())} lần nhập số liệu mẫu: gỡ ")


def test_history_names_the_sample_imports_in_the_users_language(db_url: str) -> None:
    at = open_page("history")
    table = at.dataframe[0].value
    users = set(table[t("history.col_user", "vi")])
    assert users == {t("samples.user", "vi")} and "samples (illustrative)" not in users
