"""What every progress chart shares: sizes, the palette, gap breaking and down-sampling.

Kept apart from the builders so the rules that make the charts honest (a gap in reporting is a
gap, a year of data is summarised by week and says so, no series told apart by colour alone)
are written once and tested once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import altair as alt
import pandas as pd

#: Builders draw at this size; Streamlit stretches the width, the PDF keeps it.
WIDTH = 700
HEIGHT = 260

#: Most points a series keeps before it is summarised by week (then by month): about six
#: months of daily check-ins stay daily, a year of them becomes ~53 weekly means.
MAX_POINTS = 200

#: Points at most this many calendar days apart are joined by a line; further apart, the line
#: breaks: more than two days in a row without an answer show as a gap, not a guess.
JOIN_DAYS = 3

#: How far apart summarised points may be and still be joined (a missing week or month breaks).
_JOIN_DAYS_BY_PERIOD = {"week": 7, "month": 31}
_PERIODS = (("week", "W-SUN"), ("month", "M"))

# Okabe & Ito's palette: told apart by people with the common colour-vision deficiencies.
BLUE, ORANGE, GREEN, PURPLE, VERMILLION, SKY, BLACK = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#D55E00",
    "#56B4E9",
    "#000000",
)
GREY, DARK_GREY = "#9e9e9e", "#555555"

#: Series styles in order: colour, dash pattern and point shape, so that each series stays
#: distinguishable in greyscale and for colour-blind readers.
SERIES_COLOURS = (BLUE, ORANGE, GREEN, PURPLE, BLACK, SKY, VERMILLION)
SERIES_DASHES: tuple[list[float], ...] = (
    [1, 0],
    [7, 3],
    [2, 2],
    [9, 3, 2, 3],
    [4, 4],
    [1, 3],
    [12, 2],
)
SERIES_SHAPES = ("circle", "square", "triangle-up", "diamond", "cross", "triangle-down", "wedge")

#: Fit the width to the page, keep the plot's height: Streamlit's own default ("fit") squeezes
#: the titles and legends into the given height and leaves a sliver of a plot.
FIT_WIDTH = alt.AutoSizeParams(type="fit-x", contains="padding")
#: Natural size, for charts whose width follows their content (the item heat map).
NATURAL_SIZE = alt.AutoSizeParams(type="pad", contains="padding")

DAY_FORMAT = "%a %d %b %Y"
TIME_FORMAT = "%a %d %b %Y %H:%M"
AXIS_FORMAT = "%d %b"
#: Ticks at least a day apart: the labels show days, so a closer tick would repeat its label.
DAY_MS = 24 * 60 * 60 * 1000


def chart_title(text: str, subtitle: str | list[str] = "", **options: object) -> alt.Title:
    """A title with a readable subtitle (Streamlit's theme shrinks subtitles otherwise)."""
    settings: dict[str, object] = {
        "anchor": "start",
        "fontSize": 15,
        "subtitleFontSize": 12,
        "subtitleColor": DARK_GREY,
        **options,
    }
    return alt.Title(text, subtitle=subtitle, **settings)  # type: ignore[arg-type]


def styles(names: Sequence[str]) -> tuple[alt.Scale, alt.Scale, alt.Scale]:
    """Colour, dash and shape scales giving series i the i-th style (cycling past seven)."""
    n = len(names)
    cycle = [i % len(SERIES_COLOURS) for i in range(n)]
    domain = list(names)
    return (
        alt.Scale(domain=domain, range=[SERIES_COLOURS[i] for i in cycle]),
        alt.Scale(domain=domain, range=[SERIES_DASHES[i] for i in cycle]),
        alt.Scale(domain=domain, range=[SERIES_SHAPES[i] for i in cycle]),
    )


def short(text: str, limit: int = 45) -> str:
    """A label that fits a legend or an axis; the full text stays in the tooltip."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def time_axis(
    x_domain: tuple[datetime, datetime] | None, field: str = "time", title: str = ""
) -> alt.X:
    """The shared time axis; given a domain, every chart of a range lines up."""
    scale = alt.Scale(domain=[d.isoformat() for d in x_domain]) if x_domain else alt.Undefined
    return alt.X(
        f"{field}:T",
        title=title,
        scale=scale,
        axis=alt.Axis(format=AXIS_FORMAT, labelOverlap=True, grid=False, tickMinStep=DAY_MS),
    )


def downsample(
    frame: pd.DataFrame,
    max_points: int = MAX_POINTS,
    *,
    time: str = "time",
    value: str | Sequence[str] = "value",
    by: Iterable[str] = ("rating",),
) -> pd.DataFrame:
    """`frame` as it is when no series has more than `max_points` rows; otherwise the mean of
    each series by calendar week (Monday to Sunday), or by month if weeks are still too many.

    A summarised frame has, per series and period: `time` (the mean time of its rows, so the
    point sits where the data are), the mean of each `value` column, `n` (rows averaged),
    `period_start` and `period` ("week" or "month"). Other columns are dropped.
    """
    groups = [column for column in by if column in frame.columns]
    values = [value] if isinstance(value, str) else list(value)
    if frame.empty or max_points < 1:
        return frame.copy()
    largest = int(frame.groupby(groups).size().max()) if groups else len(frame)
    if largest <= max_points:
        return frame.copy()
    for period, freq in _PERIODS:
        starts = frame[time].dt.to_period(freq).dt.start_time
        summary = (
            frame.assign(period_start=starts)
            .groupby([*groups, "period_start"], sort=True)
            .agg(**{time: (time, "mean"), "n": (time, "size")}, **{v: (v, "mean") for v in values})
            .reset_index()
        )
        summary[values] = summary[values].round(2)  # two decimals keep the JSON light
        summary["period"] = period
        biggest = int(summary.groupby(groups).size().max()) if groups else len(summary)
        if biggest <= max_points or period == _PERIODS[-1][0]:
            return summary[[*groups, time, *values, "n", "period_start", "period"]]
    raise AssertionError("unreachable")  # pragma: no cover


def period_of(frame: pd.DataFrame) -> str | None:
    """ "week" or "month" for a frame `downsample` summarised, else None."""
    if "period" in frame.columns and not frame.empty:
        return str(frame["period"].iloc[0])
    return None


def with_segments(
    frame: pd.DataFrame,
    *,
    time: str = "time",
    by: Iterable[str] = ("rating",),
    join_days: int | None = None,
) -> pd.DataFrame:
    """`frame` sorted, with a `segment` number per series that goes up wherever two points are
    more than `join_days` calendar days apart; a line drawn per segment breaks at the gap.

    Summarised frames are compared by their period starts, so only a missing week (or month)
    breaks the line. `join_days` defaults to :data:`JOIN_DAYS` for raw data.
    """
    groups = [column for column in by if column in frame.columns]
    period = period_of(frame)
    if join_days is None:
        join_days = _JOIN_DAYS_BY_PERIOD.get(period or "", JOIN_DAYS)
    key = "period_start" if period else time
    ordered = frame.sort_values([*groups, time], kind="stable").reset_index(drop=True)
    if ordered.empty:
        return ordered.assign(segment=pd.Series(dtype="int64"))
    days = ordered[key].dt.normalize()
    step = days.groupby([ordered[g] for g in groups]).diff() if groups else days.diff()
    breaks = step.dt.days.fillna(0).gt(join_days)
    if groups:
        ordered["segment"] = breaks.groupby([ordered[g] for g in groups]).cumsum().astype(int)
    else:
        ordered["segment"] = breaks.cumsum().astype(int)
    return ordered


def layer(*charts: alt.Chart | alt.LayerChart) -> alt.LayerChart:
    """`alt.layer`, typed for what the builders make. Altair types it ``LayerChart |
    FacetChart``: a FacetChart only when every layer carries the same row, column or facet
    encoding, which no chart here does."""
    layered = alt.layer(*charts)
    if not isinstance(layered, alt.LayerChart):
        raise TypeError(f"Expected a LayerChart, got {type(layered).__name__}.")
    return layered


def event_rules(
    events: pd.DataFrame | None,
    x_domain: tuple[datetime, datetime] | None,
) -> alt.Chart | None:
    """Sessions (solid) and plan reviews (dashed) as vertical rules, with the label on hover."""
    if events is None or events.empty:
        return None
    kinds = ["session", "plan review"]
    # Annotated: altair types mark_rule() as Any.
    rules: alt.Chart = (
        alt.Chart(events)
        .mark_rule(strokeWidth=1.2, opacity=0.7)
        .encode(
            x=time_axis(x_domain, "date"),
            # No legend: the chart's subtitle says "solid: sessions, dashed: plan reviews", which
            # keeps the legends at the bottom within a 700-pixel page.
            strokeDash=alt.StrokeDash(
                "kind:N", scale=alt.Scale(domain=kinds, range=[[1, 0], [5, 3]]), legend=None
            ),
            color=alt.value(DARK_GREY),
            tooltip=[
                alt.Tooltip("date:T", title="Date", format=DAY_FORMAT),
                alt.Tooltip("label:N", title="What"),
            ],
        )
    )
    return rules
