"""Issue 13 point 9: value labels clear of the target, titles that fit a phone, map title and label contrast,
KPI units, the Districts table's decimals and its country heading."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from figures import charts, fmt, maps
from loaders.i18n import t
from loaders.reference import districts, unit_label
from tests.test_pages import db_url, open_page, sample_db  # noqa: F401 (fixtures)

D = dt.date


def _ranked(rates: list[float], targets: list[float]) -> pd.DataFrame:
    codes = list(districts())[: len(rates)]
    return pd.DataFrame({"district_code": codes, "disbursement_rate": rates, "target_rate": targets,
                         "plan": 100.0, "disbursed": rates, "reported": True, "report_as_of": D(2017, 10, 31)})


def _label_span(position: str, rate: float) -> tuple[float, float]:
    # labels sit at the bar's start inside it, or just past its end outside it
    return (0.0, min(charts.LABEL_SPAN, rate)) if position == "inside" else (rate, rate + charts.LABEL_SPAN)


@pytest.mark.parametrize(("rates", "targets"), [
    ([97.3, 93.1, 89.4], [95.0, 95.0, 95.0]),  # the first bar's end was under the target mark
    ([95.0, 60.0, 10.0], [95.0, 10.0, 12.0]),  # on the target; a low target; a short bar
    ([50.0, 40.0], [float("nan"), float("nan")]),
])
def test_ranked_value_labels_never_sit_on_the_target(rates: list[float], targets: list[float]) -> None:
    fig = charts.ranked_disbursement(_ranked(rates, targets), "vi", year=2017, as_of=D(2017, 10, 31), source_note="")
    bars = [tr for tr in fig.data if tr.type == "bar"]
    assert all(tr.insidetextanchor == "start" for tr in bars)
    shown = {y: (pos, x) for tr in bars for y, x, pos in zip(tr.y, tr.x, tr.textposition)}
    by_name = dict(zip([unit_label(c, "vi") for c in _ranked(rates, targets)["district_code"]], targets))
    for name, (pos, rate) in shown.items():
        low, high = _label_span(pos, rate)
        assert pd.isna(by_name[name]) or not low <= by_name[name] <= high, (name, pos, rate, by_name[name])


def test_ranked_target_marks_are_shorter_than_a_bar_band() -> None:
    fig = charts.ranked_disbursement(_ranked([97.3, 93.1], [95.0, 95.0]), "vi", year=2017, as_of=D(2017, 10, 31),
                                     source_note="")
    mark = next(tr for tr in fig.data if tr.type == "scatter")
    assert mark.marker.size < charts.BAR_BAND * 0.8  # a bar is 80 % of its band (bargap 0.2)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_chart_titles_wrap_to_fit_a_phone(lang: str) -> None:
    fig = charts.ranked_disbursement(_ranked([90.0], [95.0]), lang, year=2017, as_of=D(2017, 10, 31),
                                     source_note="Nguồn: dữ liệu nhập từ 1 tệp — số liệu minh họa, rất dài để xuống dòng")
    for text in (fig.layout.title.text, fig.layout.title.subtitle.text):
        assert "<br>" in text and all(len(line) <= charts.TITLE_WIDTH + 15 for line in text.split("<br>"))
    assert fig.layout.margin.t >= charts.title_margin(fig.layout.title.text, fig.layout.title.subtitle.text)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_map_title_names_the_date_or_the_review(lang: str) -> None:
    values = pd.Series({c: 50.0 + i for i, c in enumerate(districts())})
    fig = maps.district_map(values, lang, indicator="X", kind="percent", year=2017, as_of=D(2017, 10, 31),
                            source_note="")
    assert fmt.date(D(2017, 10, 31), lang) in fig.layout.title.text.replace("<br>", " ")
    fig = maps.district_map(values, lang, indicator="X", kind="percent", year=2016, review=True, source_note="")
    assert fig.layout.title.text.replace("<br>", " ") == t("map.title_review", lang, indicator="X", year=2016)


@pytest.mark.parametrize(("fill", "text"), [("rgb(8, 48, 107)", maps.LIGHT_TEXT), ("#1f5f8b", maps.LIGHT_TEXT),
                                            ("rgb(222, 235, 247)", maps.DARK_TEXT), ("#eeeeee", maps.DARK_TEXT)])
def test_label_colour_follows_the_fill(fill: str, text: str) -> None:
    assert maps.label_colour(fill) == text


def test_map_labels_are_light_on_the_darkest_district() -> None:
    values = pd.Series({c: float(i) for i, c in enumerate(districts())})
    fig = maps.district_map(values, "vi", indicator="X", kind="percent", year=2017, as_of=D(2017, 10, 31),
                            source_note="", direction="good")
    darkest = values.drop(list(maps.CALLOUTS)).idxmax()
    name = districts()[darkest].label("vi")
    label = next(tr for tr in fig.data if tr.mode == "text" and any(name in x for x in tr.text))
    assert label.textfont.color == maps.LIGHT_TEXT


def test_overview_cards_carry_their_unit(db_url: str) -> None:  # noqa: F811 (the fixture)
    at = open_page("overview")
    assert not at.exception
    labels = [col.metric[0].label for col in at.columns if col.metric]
    units = [t(key, "vi") for key in ("common.million_vnd", "common.million_vnd", "overview.unit_rate",
                                      "overview.unit_poor_rate")]
    assert [label.endswith(f"({unit})") for label, unit in zip(labels, units)] == [True] * 4, labels
    # inside the card; that every card stands as tall as the tallest is seen in Chromium
    # (tests/test_browser_own_words.py)


def test_districts_table_keeps_the_data_decimal(db_url: str) -> None:  # noqa: F811 (the fixture)
    at = open_page("districts")
    table = at.dataframe[0].value
    plans = table[t("districts.col_plan", "vi")]
    assert "1.387,3" in set(plans) and all("," in v for v in plans)  # 1387.3 is not rounded to 1.387


def test_country_table_is_headed_by_province(db_url: str) -> None:  # noqa: F811 (the fixture)
    at = open_page("districts")
    at.sidebar.selectbox(key="province.vi").set_value("").run()
    assert not at.exception
    headings = [s.value for s in at.subheader]
    assert any(h.startswith("Số liệu theo tỉnh/thành phố") for h in headings), headings
    assert not any(h.startswith("Số liệu theo huyện") for h in headings)


def _poverty(codes: list[str], targets: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"district_code": codes, "year": 2017, "poor_rate": [30.0 + i for i in range(len(codes))],
                         "target_poor_rate": targets, "near_poor_rate": 10.0, "poor_households": 100,
                         "households": 1000})


@pytest.mark.parametrize("count", [3, 8])
def test_vertical_marks_are_as_wide_as_their_bars_at_any_width(count: int) -> None:
    """A target or plan mark spans its bar exactly, in the axis's units: on a phone it was wider than the bar
    (a marker of fixed pixels), on a wide screen narrower."""
    codes = list(districts())[:count]
    targets = [25.0] * (count - 1) + [float("nan")]  # the last has no target: no mark
    fig = charts.poverty_vs_target(_poverty(codes, targets), "vi", year=2017, source_note="")
    marks = [s for s in fig.layout.shapes if s.type == "line"]
    assert len(marks) == count - 1
    assert {round(s.x1 - s.x0, 6) for s in marks} == {round(1 - fig.layout.bargap, 6)}
    assert [(s.x0 + s.x1) / 2 for s in marks] == list(range(count - 1))  # centred on each category
    assert fig.layout.barmode == "stack"  # one bar per category, whatever its status trace: centred
    breakdown = pd.DataFrame({"district_code": codes, "source": "local", "plan": 100.0, "disbursed": 50.0})
    fig = charts.funding_stacked(breakdown, "vi", by="source", year=2017, as_of=D(2017, 10, 31), source_note="")
    assert len(fig.layout.shapes) == count and all(s.y0 == 100.0 for s in fig.layout.shapes)
    assert t("chart.plan", "vi") in [tr.name for tr in fig.data if tr.showlegend is not False]


def test_project_rate_labels_have_room_past_the_longest_bar() -> None:
    frame = pd.DataFrame({"district_code": "105", "project": ["p3", "p4"], "plan": [1000.0, 100.0],
                          "disbursed": [978.0, 92.8], "disbursement_rate": [97.8, 92.8]})
    frame["project"] = [c for c, comp in charts.components().items() if comp.level == "project"][:2]
    fig = charts.project_breakdown(frame, "vi", district_code="105", year=2017, as_of=D(2017, 10, 31), source_note="")
    labelled = next(tr for tr in fig.data if tr.text is not None)
    assert labelled.cliponaxis is False and fig.layout.xaxis.range[1] >= 1000.0 * 1.2


def test_two_panel_poverty_chart_leaves_its_panels_the_width() -> None:
    codes = list(districts())[:8]
    poverty = pd.concat([_poverty(codes, [20.0] * 8).assign(year=y) for y in (2016, 2017)])
    fig = charts.rates_by_year(poverty, "vi", source_note="")
    assert fig.layout.legend.orientation == "h"  # at the foot, not beside the panels
    titles = sorted(fig.layout.annotations, key=lambda a: a.x)
    assert [a.xanchor for a in titles] == ["left", "left"]
    assert [a.x for a in titles] == [fig.layout.xaxis.domain[0], fig.layout.xaxis2.domain[0]]


def test_map_keeps_the_width_and_the_city_callout_scales_with_it() -> None:
    values = pd.Series({c: 90.0 + i for i, c in enumerate(districts())})
    fig = maps.district_map(values, "vi", indicator="X", kind="percent", year=2017, as_of=D(2017, 10, 31),
                            source_note="", direction="good")
    bar = next(tr for tr in fig.data if tr.marker and tr.marker.showscale)
    assert bar.marker.colorbar.orientation == "h"
    callout = next(a for a in fig.layout.annotations if a.showarrow)
    assert (callout.axref, callout.ayref) == ("x", "y")  # placed in map coordinates, not pixels
    lons = [x for tr in fig.data if tr.fill == "toself" for x in tr.x]
    lats = [y for tr in fig.data if tr.fill == "toself" for y in tr.y]
    assert min(lons) <= callout.ax <= max(lons) and min(lats) <= callout.ay <= max(lats)


def test_a_curve_of_one_report_without_target_says_no_more_than_it_has() -> None:
    """One report date and no target (a store with a single commune report): one tick a month, not '10/2017'
    four times, and no 'Chỉ tiêu' in the legend; an empty trend's title has no dangling '–'."""
    curves = pd.DataFrame({"year": [2017], "as_of": [D(2017, 10, 31)], "plan": [1150.0], "disbursed": [980.0],
                           "disbursement_rate": [85.2], "target_rate": [float("nan")]})
    fig = charts.disbursement_curve(curves, "vi", district_code="105", source_note="")
    assert fig.layout.xaxis.dtick == "M1" and fig.layout.xaxis.ticklabelmode == "period"
    assert t("chart.target", "vi") not in [tr.name for tr in fig.data if tr.showlegend]
    empty = pd.DataFrame(columns=["district_code", "year", "poor_rate", "near_poor_rate", "target_poor_rate",
                                  "poor_households"])
    title = charts.poverty_trend(empty, "vi", district_code="105", source_note="").layout.title.text
    assert not title.rstrip().endswith(("–", ",")) and "TP Lai Châu" in title.replace("<br>", " ")
