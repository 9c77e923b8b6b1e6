"""The monthly upload end to end in headless Chromium: overview, upload, preview, import, overview, undo, overview;
and a report without a reporting date, whose date is confirmed on the page before it is imported."""

from __future__ import annotations

import re
from pathlib import Path

from tests import browser_support
from tests.browser_support import SHOTS, settle
from tests.test_upload import funding_2018, muong_te_october, workbook_bytes

# a streamlit server of this module's own on a fresh store, and a Chromium page on it
app_url, page = browser_support.app_url, browser_support.page

OCT_31 = "31/10/2017"


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """A screenshot of the whole page: Streamlit scrolls inside its main block, so grow the window to fit it."""
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1400, "height": max(1000, min(int(height) + 40, 6000))})
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / f"upload_{name}.png"))
    page.set_viewport_size({"width": 1400, "height": 1000})


def main_text(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator('[data-testid="stMain"]').inner_text()


def go(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Open a page from the sidebar menu."""
    page.locator('[data-testid="stSidebarNavLink"]', has_text=name).first.click()
    settle(page)
    assert page.locator('[data-testid="stException"]').count() == 0, f"exception on page {name}"


def disbursed_to_oct_31(page) -> str:  # type: ignore[no-untyped-def]
    """The Overview card 'Giải ngân đến 31/10/2017' (year 2017 is the default, the date is chosen once)."""
    go(page, "Tổng quan")
    label = f"Giải ngân đến {OCT_31}"
    if page.locator('[data-testid="stMetric"]', has_text=label).count() == 0:
        page.locator('[data-testid="stSelectbox"]', has_text="Số liệu đến ngày").click()
        page.get_by_role("option", name=OCT_31, exact=True).click()
        settle(page)
    card = page.locator('[data-testid="stMetric"]', has_text=label)
    return card.locator('[data-testid="stMetricValue"]').inner_text().strip()


def not_reported(page) -> str:  # type: ignore[no-untyped-def]
    """The 'Chưa báo cáo đến …' line of the Overview, or '' when every district reported."""
    found = re.search(rf"Chưa báo cáo đến {OCT_31}: [^\n]*", main_text(page))
    return found.group(0) if found else ""


def test_upload_preview_import_and_undo(app_url: str, page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    report = tmp_path / "muong_te_31_10_2017.xlsx"
    report.write_bytes(muong_te_october())
    page.goto(app_url)
    settle(page)

    # 1. the overview before: Mường Tè has not reported for 31/10/2017
    before = disbursed_to_oct_31(page)
    assert "Mường Tè" in not_reported(page)
    shot(page, "1_overview_before")

    # 2. upload: what was understood, the checks and the preview (new values for Mường Tè)
    go(page, "Tải lên")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(report))
    page.get_by_text("Xem trước khi nhập").wait_for()
    settle(page)
    text = main_text(page)
    assert report.name in text and "đọc theo mẫu nhập liệu (44 giá trị)" in text
    assert "Nếu nhập: 44 giá trị mới, 0 giá trị thay đổi, 0 giá trị không đổi." in text
    grid = page.locator('[data-testid="stDataFrame"]', has_text="Mường Tè").filter(has_text="Đã nhập trước đây")
    assert grid.count() == 1, "the per-district preview lists Mường Tè"
    # st.dataframe draws on a canvas; its cells are also in an accessible table
    cells = [c.strip() for c in grid.locator("td, th").all_text_contents()]
    row = cells.index("Mường Tè")
    assert cells[row:row + 5] == ["Mường Tè", "44", "0", "0", "0"], cells
    ack = page.get_by_text("Tôi đã xem các cảnh báo")
    if ack.count():  # only when the file has warnings
        ack.click()
        settle(page)
    shot(page, "2_preview")

    # 3. import
    page.get_by_role("button", name="Nhập vào cơ sở dữ liệu").click()
    page.get_by_text(f"Đã nhập tệp {report.name}").wait_for()
    settle(page)
    shot(page, "3_imported")

    # 4. the overview after: more disbursed, and Mường Tè has reported
    after = disbursed_to_oct_31(page)
    assert after != before
    assert "Mường Tè" not in not_reported(page)
    shot(page, "4_overview_after")

    # 5. undo that import on the history page
    go(page, "Lịch sử nhập")
    batches = [c.strip() for c in page.locator('[data-testid="stDataFrame"] td').all_text_contents()]
    assert batches[1] == report.name, batches[:8]  # newest first: the one just imported
    chosen = page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').first
    assert report.name in (chosen.text_content() or "") + " ".join(chosen.locator("input").evaluate_all("e => e.map(x => x.value)"))
    page.get_by_text("Tôi chắc chắn muốn hoàn tác lần nhập số").click()
    settle(page)
    page.get_by_role("button", name="Hoàn tác").click()
    page.get_by_text("Đã hoàn tác lần nhập số").wait_for()
    settle(page)
    shot(page, "5_history_undone")

    # 6. the overview is back where it was
    assert disbursed_to_oct_31(page) == before
    assert "Mường Tè" in not_reported(page)
    shot(page, "6_overview_restored")


def test_a_reporting_date_is_confirmed_before_import(app_url: str, page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    report = tmp_path / "bc_giai_ngan_2018.xlsx"
    report.write_bytes(workbook_bytes(("BC", funding_2018(), [])))  # the title says "NĂM 2018", no date
    page.goto(app_url)
    settle(page)
    go(page, "Tải lên")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(report))
    box = page.locator('[class*="st-key-upload_context"]')
    box.get_by_text("Cần bạn xác nhận năm và ngày số liệu").wait_for()
    settle(page)
    text = main_text(page)
    assert "Số liệu đến 31/12/2018 (tạm tính là cuối năm, tệp không ghi)" in text
    assert "Tệp có 1 lỗi và 0 cảnh báo." in text  # as_of_unknown: an error that holds the file back
    assert page.get_by_role("button", name="Nhập vào cơ sở dữ liệu").is_disabled()
    shot(page, "7_date_needed")

    # the date field reads dd/mm/yyyy: type the day and the month, the year stays 2018
    date = box.locator('[data-testid="stDateInput"]')
    date.locator('[role="spinbutton"][data-type="day"]').click()
    page.keyboard.type("30")
    page.keyboard.type("09")
    page.keyboard.press("Enter")
    settle(page)
    assert date.locator("input").input_value() == "2018-09-30"
    box.get_by_role("button", name="Xác nhận").click()
    page.get_by_text("Đã xác nhận: năm 2018, số liệu đến 30/09/2018").wait_for()
    settle(page)
    text = main_text(page)
    assert "Số liệu đến 30/09/2018 (do bạn xác nhận)" in text
    assert "Không phát hiện vấn đề nào trong tệp." in text
    assert "Nếu nhập: 4 giá trị mới, 0 giá trị thay đổi, 0 giá trị không đổi." in text
    shot(page, "8_date_confirmed")
    page.get_by_role("button", name="Nhập vào cơ sở dữ liệu").click()
    page.get_by_text(f"Đã nhập tệp {report.name}").wait_for()
