"""Choropleth of Lai Châu's eight districts, drawn from the bundled boundaries (no map tiles, no internet)."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from functools import lru_cache
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale, unlabel_rgb

from loaders.i18n import t
from loaders.reference import BOUNDARIES_DIR, districts

from . import fmt
from .charts import TITLE_WIDTH, title_margin, wrapped

GEOJSON_PATH = BOUNDARIES_DIR / "lai_chau_districts.geojson"
SOURCE_PATH = BOUNDARIES_DIR / "SOURCE.md"
FALLBACK_ATTRIBUTION = "geoBoundaries (Runfola et al. 2020); Government of Viet Nam / OCHA ROAP"
FALLBACK_LICENSE = "CC BY 3.0 IGO"
# Higher disbursement is good (blues); higher poverty is bad (oranges).
COLOURSCALES = {"good": "Blues", "bad": "Oranges", "neutral": "Teal"}
MISSING_COLOUR = "#eeeeee"
# The city is a small enclave between Sìn Hồ and Tam Đường: its label is a call-out with an arrow,
# placed in map coordinates (lon, lat) in the empty corner north-east of the province, so that it scales
# with the map and stays clear of the other labels at any width; Tam Đường's label moves off the city.
CALLOUTS = {"105": (103.82, 22.70)}
LABEL_OFFSETS = {"106": (0.04, -0.04)}
DARK_TEXT, LIGHT_TEXT = "#111111", "#ffffff"
MAP_SCALE = 64  # pixels above the map for the horizontal colour bar and its title


def _luminance(colour: str) -> float:
    """Relative luminance (WCAG 2) of an 'rgb(r, g, b)' or '#rrggbb' colour."""
    rgb = unlabel_rgb(colour) if colour.startswith("rgb") else tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (v / 255 for v in rgb)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def label_colour(fill: str) -> str:
    """Dark text on light fills, white on dark ones: whichever contrasts more with the fill (WCAG ratio)."""
    lum = _luminance(fill)
    return LIGHT_TEXT if (1.05 / (lum + 0.05)) > ((lum + 0.05) / 0.05) else DARK_TEXT


@lru_cache(maxsize=1)
def boundaries() -> dict[str, Any]:
    """The districts' GeoJSON, features keyed by properties.gso_code."""
    with open(GEOJSON_PATH, encoding="utf-8") as fh:
        return json.load(fh)


@lru_cache(maxsize=1)
def _source() -> tuple[str, str]:
    """(attribution, licence) as data/boundaries/SOURCE.md states them."""
    text = SOURCE_PATH.read_text(encoding="utf-8") if SOURCE_PATH.exists() else ""
    found = re.search(r'Attribution:\s*"([^"]+)"', text)
    licence = re.search(r"License:\s*(CC BY [0-9.]+(?: IGO)?)", text)
    return (found.group(1) if found else FALLBACK_ATTRIBUTION, licence.group(1) if licence else FALLBACK_LICENSE)


def attribution_text(lang: str, short: bool = False) -> str:
    """The attribution line in the page's language (the source names stay as published)."""
    source, licence = _source()
    return t("map.attribution_short" if short else "map.attribution", lang, source=source, licence=licence)


def _ring_centroid(ring: list[list[float]]) -> tuple[float, float, float]:
    """Area-weighted centroid (lon, lat) of a ring, and its absolute area (shoelace)."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1]):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if area == 0:
        xs, ys = zip(*ring)
        return sum(xs) / len(xs), sum(ys) / len(ys), 0.0
    return cx / (3 * area), cy / (3 * area), abs(area) / 2


@lru_cache(maxsize=1)
def centroids() -> dict[str, tuple[float, float]]:
    """A label point per district: the centroid of its largest outer ring."""
    out = {}
    for feature in boundaries()["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        best = max((_ring_centroid(p[0]) for p in polygons), key=lambda c: c[2])
        out[feature["properties"]["gso_code"]] = (best[0], best[1])
    return out


def _outer_rings(feature: dict[str, Any]) -> list[list[list[float]]]:
    geometry = feature["geometry"]
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return [p[0] for p in polygons]


def district_map(
    values: pd.Series,
    lang: str,
    *,
    indicator: str,
    kind: str,
    year: int,
    as_of: dt.date | None = None,
    review: bool = False,
    source_note: str,
    direction: str = "neutral",
) -> go.Figure:
    """Districts coloured by one indicator (values indexed by GSO code); kind is 'money' or 'percent'.

    The title names the year and reporting date, or for a poverty review (review=True) the
    year of the review the values come from.

    Drawn as filled shapes on plain axes rather than go.Choropleth: plotly.js
    fetches a world topojson from its CDN for every geo subplot, even with the
    base map hidden, and the dashboard runs without internet.
    """
    title = (t("map.title_review", lang, indicator=indicator, year=year) if review
             else t("map.title", lang, indicator=indicator, year=year, date=fmt.date(as_of, lang)))
    names = {c: districts()[c].label(lang) for c in districts()}
    known = {c: float(values[c]) for c in districts() if c in values.index and pd.notna(values.get(c))}
    shown = {c: fmt.money(v, lang) if kind == "money" else fmt.percent(v, lang) for c, v in known.items()}
    scale = COLOURSCALES.get(direction, "Teal")
    low, high = (min(known.values()), max(known.values())) if known else (0.0, 1.0)
    span = (high - low) or 1.0

    fig = go.Figure()
    fills: dict[str, str] = {}
    for feature in boundaries()["features"]:
        code = feature["properties"]["gso_code"]
        hover = f"<b>{names.get(code, code)}</b><br>{indicator}: {shown.get(code, fmt.MISSING)}"
        # keep the palest tenth of the scale free so every district stands out from the page
        colour = fills[code] = (sample_colorscale(scale, [0.15 + 0.85 * (known[code] - low) / span])[0]
                                if code in known else MISSING_COLOUR)
        for ring in _outer_rings(feature):
            lon, lat = zip(*ring)
            fig.add_scatter(x=lon, y=lat, mode="lines", fill="toself", fillcolor=colour,
                            line={"color": "white", "width": 1.5}, hoveron="fills", text=hover,
                            hoverinfo="text", showlegend=False)
    points = centroids()
    codes = [c for c in districts() if c in points and c not in CALLOUTS]
    # one text trace per label colour: the glow behind the text is the opposite colour
    for text_colour, glow in ((DARK_TEXT, "white"), (LIGHT_TEXT, "#00000080")):
        group = [c for c in codes if label_colour(fills.get(c, MISSING_COLOUR)) == text_colour]
        if not group:
            continue
        offsets = [LABEL_OFFSETS.get(c, (0.0, 0.0)) for c in group]
        fig.add_scatter(
            x=[points[c][0] + dx for c, (dx, _) in zip(group, offsets)],
            y=[points[c][1] + dy for c, (_, dy) in zip(group, offsets)], mode="text", showlegend=False,
            text=[f"<b>{names[c]}</b><br>{shown.get(c, fmt.MISSING)}" for c in group],
            textfont={"size": 12, "color": text_colour, "shadow": f"0px 0px 3px {glow}"},
            hovertext=[f"<b>{names[c]}</b><br>{indicator}: {shown.get(c, fmt.MISSING)}" for c in group],
            hoverinfo="text",
        )
    for code, (ax, ay) in CALLOUTS.items():
        if code in points:
            fig.add_annotation(x=points[code][0], y=points[code][1], ax=ax, ay=ay, axref="x", ayref="y",
                               showarrow=True, arrowhead=0,
                               arrowwidth=1, arrowcolor="#333333", text=f"<b>{names[code]}</b><br>{shown.get(code, fmt.MISSING)}",
                               font={"size": 12, "color": "#111111"}, bgcolor="rgba(255,255,255,0.85)",
                               hovertext=f"<b>{names[code]}</b><br>{indicator}: {shown.get(code, fmt.MISSING)}")
    if known:
        # an invisible trace carries the colour bar
        fig.add_scatter(
            x=[None], y=[None], mode="markers", showlegend=False, hoverinfo="skip",
            marker={"colorscale": [[0, sample_colorscale(scale, [0.15])[0]], [1, sample_colorscale(scale, [1.0])[0]]],
                    "cmin": low, "cmax": high, "color": [low], "showscale": True,
                    # above the map, not beside it: on a phone the map keeps the whole width
                    "colorbar": {"title": {"text": indicator, "side": "top"}, "thickness": 12,
                                 "orientation": "h", "x": 0.5, "xanchor": "center", "y": 1.0, "yanchor": "top",
                                 "len": 300, "lenmode": "pixels",
                                 "ticksuffix": "%" if kind == "percent" else "",
                                 "tickformat": ",.0f" if kind == "money" else ",.1f"}},
        )
    mid_lat = sum(p[1] for p in points.values()) / len(points) if points else 22.0
    fig.update_xaxes(visible=False, constrain="domain")
    # degrees of longitude are shorter than degrees of latitude away from the equator; on a narrow screen the
    # map keeps to the top of its area, under the colour bar, and the spare height falls below it
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1 / math.cos(math.radians(mid_lat)),
                     constrain="domain", constraintoward="top",
                     # the colour bar takes the top of the plot area (in the margin it pushed the title off the figure)
                     domain=[0, 1 - (MAP_SCALE / (465 + MAP_SCALE) if known else 0)])
    title, source_note = wrapped(title), wrapped(source_note, TITLE_WIDTH + 15)
    top = title_margin(title, source_note)
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "y": 1, "yref": "container", "yanchor": "top",
               "pad": {"t": 14}, "subtitle": {"text": source_note}},
        separators=fmt.plotly_separators(lang),
        height=505 + top + (MAP_SCALE if known else 0),
        margin={"l": 0, "r": 0, "t": top, "b": 40},
        plot_bgcolor="white",
    )
    fig.add_annotation(text=attribution_text(lang, short=True), xref="paper", yref="paper", x=0, y=-0.02, xanchor="left",
                       yanchor="top", showarrow=False, font={"size": 10, "color": "#666666"})
    return fig


def covers(codes: list[str]) -> bool:
    """True when the boundaries hold every one of these districts (the map can draw them)."""
    known = {f["properties"]["gso_code"] for f in boundaries()["features"]}
    return bool(codes) and set(codes) <= known
