"""Security 7a: text from an uploaded file (file name, sheet names, header texts, messages quoting them) is shown
literally on the Upload page: Markdown in it renders no image, link or formatting."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from loaders.text import escape_markdown
from tests import test_pages
from tests.hostile.builders import raw_xlsx, sheet_xml
from tests.test_pages import open_page
from tests.test_upload import mapping_toggle, upload

sample_db, db_url = test_pages.sample_db, test_pages.db_url

SHEET = "![s](http://evil.example/s.png)"  # Excel forbids [ ] : / in a sheet name; a crafted file has them
HEADER = "![h](http://evil.example/h.png) [link](http://evil.example/l)"
FILE = "![f](evil.example.png) www.evil.example.xlsx"
# a backslash-escaped ASCII punctuation character, and what makes Markdown live once escapes are taken out:
# an image, an inline or reference link, an autolink, a URL or www. (GFM links them), HTML, :color[…], $math$
_ESCAPE = re.compile(r"\\[!-/:-@\[-`{-~]")
_LIVE = re.compile(r"!\[|\]\(|\]\[|<[a-z]+:|[a-z][a-z0-9+.-]*://|www\.|<[a-z/!]|:[a-z-]+\[|\$[^$\s]", re.IGNORECASE)


def live_markdown(text: str) -> list[str]:
    """The pieces of text that Streamlit's Markdown would turn into an image, a link, HTML, colour or maths."""
    return _LIVE.findall(_ESCAPE.sub(" ", text))


LIVE = [SHEET, HEADER, FILE, "<http://evil.example>", "<img src=x onerror=alert(1)>", ":red[alarm]", "$x^2$",
        "[ref][1]\n\n[1]: http://evil.example"]
FORMATTING = ["# heading\n- item\n1. item", "**bold** _it_ `code` ~~gone~~", "user@evil.example", "a | b\n--|--\nc | d",
              ":material/warning: :smile:", "Huyện Mường Tè (bản 2).xlsx"]


@pytest.mark.parametrize("text", LIVE + FORMATTING)
def test_escaped_text_has_no_live_markdown(text: str) -> None:
    assert bool(live_markdown(text)) == (text in LIVE)  # the checker sees what it must
    escaped = escape_markdown(text)
    assert live_markdown(escaped) == []
    assert not re.search(r"[!-/:-@\[-`{-~]", _ESCAPE.sub("", escaped))  # every ASCII punctuation mark is escaped
    assert _ESCAPE.sub(lambda m: m.group(0)[1], escaped) == text  # and what is shown is the text itself


def _rename_sheet(data: bytes, old: str, new: str) -> bytes:
    """The workbook with a sheet renamed in workbook.xml, past openpyxl's check of sheet names."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            part = src.read(info.filename)
            if info.filename == "xl/workbook.xml":
                part = part.replace(f'name="{old}"'.encode(), f'name="{new}"'.encode())
            dst.writestr(info, part)
    return out.getvalue()


def report_with_markdown() -> bytes:
    """A district report whose sheet name and one header are Markdown (an image, a link)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "BC"
    for row in (["BÁO CÁO GIẢI NGÂN NĂM 2017"], ["(Tính đến ngày 31/10/2017)"],
                ["Đơn vị", "Kế hoạch vốn năm 2017", HEADER], ["Huyện Mường Tè", 1000.0, 400.0],
                ["Huyện Sìn Hồ", 2000.0, 900.0]):
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return _rename_sheet(buffer.getvalue(), "BC", SHEET)


def too_wide(tmp_path: Path) -> bytes:
    """A sheet named with Markdown, 520 columns wide: refused with a message that quotes the sheet's name."""
    row = b'<row r="1"><c r="A1"><v>1</v></c><c r="SZ1"><v>2</v></c></row>'
    return raw_xlsx(tmp_path / "wide.xlsx", {SHEET: sheet_xml(row)}).read_bytes()


def rendered_markdown(at: Any) -> list[str]:
    """The source of every text the page renders as Markdown: alerts, markdown, captions, titles, and labels."""
    found: list[str] = []

    def walk(node: Any) -> None:
        for child in getattr(node, "children", {}).values():
            walk(child)
        if getattr(node, "type", "") in ("markdown", "caption", "error", "warning", "info", "success", "toast",
                                         "title", "header", "subheader") and isinstance(node.value, str):
            found.append(node.value)
        if isinstance(getattr(node, "label", None), str):  # expanders, buttons, toggles, metrics …
            found.append(node.label)

    walk(at._tree)
    return found


def test_markdown_in_an_upload_renders_as_plain_text(db_url: str, tmp_path: Path) -> None:
    at = upload(open_page("upload"), (FILE, report_with_markdown()), ("wide.xlsx", too_wide(tmp_path)))
    mapping_toggle(at).set_value(True).run()  # the mapping editor shows each header's text
    assert not at.exception, [e.value for e in at.exception]
    texts = rendered_markdown(at)
    shown = "\n".join(texts)
    # nothing on the page is a live image, link, autolink or HTML …
    assert [(text, live_markdown(text)) for text in texts if live_markdown(text)] == []
    # … though the payloads are on it (file name, sheet name, header text), escaped
    for payload in (FILE, SHEET, HEADER):
        assert escape_markdown(payload) in shown, payload
    assert any(escape_markdown(f"sheet '{SHEET}'") in text for text in texts)  # the refusal quoting the sheet
