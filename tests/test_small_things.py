"""Issue 13 point 9: value labels clear of the target, titles that fit a phone, map title and label contrast,
KPI units, the Districts table's decimals and its country heading."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from figures import charts, fmt, maps
from loaders.i18n import t
from loaders.reference import districts
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
    by_name = dict(zip([charts.district_name(c, "vi") for c in _ranked(rates, targets)["district_code"]], targets))
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
    units = [col.caption[0].value for col in at.columns if col.metric]
    assert units == [t("common.million_vnd", "vi")] * 2 + [t("overview.unit_rate", "vi"),
                                                          t("overview.unit_poor_rate", "vi")]


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
