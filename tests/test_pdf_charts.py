"""The PDF's charts are the same whichever path builds the report: the command line or the dashboard's download.

Streamlit, once imported, makes its own plotly template the default (``pio.templates.default =
"streamlit"``): a template without plotly's automargin, so a figure built in the dashboard's
process printed with its axis labels cut to a letter and its legend over the axis. Each path
runs here in a process of its own — the command line's in plain Python, the dashboard's after
``import streamlit`` as the server has it — and both record what they hand to kaleido (the
figure, its options) and the PNGs it returns; the two must be equal.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
import pytest
from PIL import Image

from figures import charts as chart_module
from store.bootstrap import load_samples_if_empty, sample_files
from store.db import get_engine

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "var" / "screenshots"

# Runs one path in a fresh interpreter: argv = path (cli|dashboard), store URL, report kind, output folder.
SCRIPT = r"""
import asyncio, json, sys
from pathlib import Path

path, url, kind, out = sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4])
if path == "dashboard":
    import streamlit  # noqa: F401  what the server has imported before any report is built
    import streamlit.elements.plotly_chart  # noqa: F401  registers the 'streamlit' plotly template
import kaleido
import plotly.io as pio

sent = []
calc_fig = kaleido.Kaleido.calc_fig

async def spy(self, fig, *args, **kwargs):
    sent.append({"figure": json.loads(pio.to_json(fig, validate=False)),
                 "opts": kwargs.get("opts", args[0] if args else None)})
    png = await calc_fig(self, fig, *args, **kwargs)
    (out / f"chart_{len(sent) - 1}.png").write_bytes(png)
    return png

kaleido.Kaleido.calc_fig = spy
district = "107" if kind == "district_pdf" else None
if path == "cli":
    from loaders.cli import main
    argv = ["report", "--year", "2017", "--db", url, "--format", "pdf", "--lang", "vi", "--out", str(out / "r.pdf")]
    assert main(argv + (["--district", district] if district else [])) == 0
else:
    from figures.report_cache import ReportCache, ReportKind, report_bytes
    from store.db import get_engine
    report_bytes(get_engine(url), ReportKind(kind), 2017, None, "vi", district_code=district, cache=ReportCache())
(out / "sent.json").write_text(json.dumps(sent))
"""


def _browser() -> bool:
    return bool(os.environ.get("BROWSER_PATH") or shutil.which("chromium") or shutil.which("chromium-browser"))


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('pdf_charts') / 'samples.sqlite'}"
    engine = get_engine(url)
    assert load_samples_if_empty(engine) == len(sample_files())
    engine.dispose()
    return url


def _both_paths(url: str, kind: str, tmp: Path) -> dict[str, tuple[list[dict[str, Any]], list[bytes]]]:
    """What each path sent to kaleido and the PNGs it got back, both paths run side by side."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = {}
    for path in ("cli", "dashboard"):
        (tmp / path).mkdir()
        runs[path] = subprocess.Popen([sys.executable, "-c", SCRIPT, path, url, kind, str(tmp / path)], cwd=ROOT,
                                      env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out = {}
    for path, proc in runs.items():
        stdout, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"{path}: {stderr[-2000:]}"
        sent = json.loads((tmp / path / "sent.json").read_text())
        out[path] = sent, [(tmp / path / f"chart_{i}.png").read_bytes() for i in range(len(sent))]
    return out


def _automargin(figure: dict[str, Any], axis: str) -> bool:
    """Whether an axis makes room for its labels: set on the figure's axes or by its template."""
    layout = figure["layout"]
    own = [v.get("automargin") for k, v in layout.items() if k.startswith(axis) and isinstance(v, dict)]
    template = layout.get("template", {}).get("layout", {}).get(axis, {}).get("automargin")
    return all(v if v is not None else bool(template) for v in own) if own else bool(template)


@pytest.mark.skipif(not _browser(), reason="kaleido needs chromium to draw the PDF's charts")
@pytest.mark.parametrize("kind, charts", [("pdf", 3), ("district_pdf", 2)])
def test_pdf_charts_are_the_same_from_the_command_line_and_the_dashboard(
    store_url: str, kind: str, charts: int, tmp_path: Path
) -> None:
    runs = _both_paths(store_url, kind, tmp_path)
    (cli_sent, cli_png), (dash_sent, dash_png) = runs["cli"], runs["dashboard"]
    assert len(cli_sent) == len(dash_sent) == charts
    SHOTS.mkdir(parents=True, exist_ok=True)
    for i, (a, b, png_a, png_b) in enumerate(zip(cli_sent, dash_sent, cli_png, dash_png)):
        (SHOTS / f"pdf_chart_{kind}_{i}_cli.png").write_bytes(png_a)
        (SHOTS / f"pdf_chart_{kind}_{i}_dashboard.png").write_bytes(png_b)
        # the figure exported: its template, size, margins and fonts, not only its data
        assert b["figure"]["layout"] == a["figure"]["layout"], f"chart {i}: the dashboard's layout differs"
        assert b["figure"]["data"] == a["figure"]["data"], f"chart {i}: the dashboard's traces differ"
        assert b["opts"] == a["opts"]
        layout = a["figure"]["layout"]
        assert layout["template"]["layout"], "an explicit template, not whatever plotly's default is"
        assert _automargin(a["figure"], "xaxis") and _automargin(a["figure"], "yaxis"), "axis labels need room"
        assert layout["font"]["family"] and layout["font"]["size"]
        image_a, image_b = Image.open(io.BytesIO(png_a)), Image.open(io.BytesIO(png_b))
        scale = a["opts"]["scale"]
        assert image_a.size == (round(layout["width"] * scale), round(layout["height"] * scale))
        assert image_b.size == image_a.size
        assert image_b.convert("RGB").tobytes() == image_a.convert("RGB").tobytes(), f"chart {i}: pixels differ"



def test_print_copy_ignores_the_default_template_and_leaves_the_shown_figure_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without a browser: the exported copy is the same under Streamlit's default template, the original untouched."""
    import streamlit.elements.plotly_chart  # noqa: F401  registers the 'streamlit' template

    def build() -> go.Figure:
        fig = go.Figure()
        fig.add_bar(x=["Mường Tè", "Sìn Hồ"], y=[40.5, 52.0])
        fig.update_yaxes(ticksuffix="%", title_text="Tỷ lệ hộ nghèo (%)")
        return fig

    monkeypatch.setattr(pio.templates, "default", "plotly")
    plain = chart_module.for_print(build(), 600, 380).to_plotly_json()
    monkeypatch.setattr(pio.templates, "default", "streamlit")
    shown = build()
    before = shown.to_plotly_json()
    printed = chart_module.for_print(shown, 600, 380).to_plotly_json()
    assert printed == plain
    assert shown.to_plotly_json() == before
    assert printed["layout"]["width"] == 600 and printed["layout"]["height"] == 380
    assert printed["layout"]["yaxis"]["automargin"] and printed["layout"]["xaxis"]["automargin"]
