"""Self-ratings over time: the five daily ratings with their rolling average, the client's wins
and setbacks in their own words, and sessions and plan reviews on the same timeline."""

from __future__ import annotations

from datetime import datetime

import altair as alt
import pandas as pd

from care_plans.charts._base import (
    FIT_WIDTH,
    GREEN,
    HEIGHT,
    MAX_POINTS,
    TIME_FORMAT,
    VERMILLION,
    WIDTH,
    chart_title,
    downsample,
    event_rules,
    layer,
    period_of,
    styles,
    time_axis,
    with_segments,
)
from care_plans.rules import RATING_LABELS

#: Days in the rolling average drawn through daily ratings.
ROLLING_DAYS = 7

#: The ratings scale leaves a lane above 10 where wins and setbacks are marked.
RATING_TOP = 12
WIN_Y = 12  # pixels from the top of the plot
SETBACK_Y = 30
NOTE_KINDS = ("win", "setback")
NOTE_TITLES = {"win": "Win (went well)", "setback": "Setback (was hard)"}


def ratings_frame(ratings: pd.DataFrame, max_points: int = MAX_POINTS) -> pd.DataFrame:
    """What the chart draws: per rating, each value (or weekly mean), its rolling average and
    its line segment. Rolling averages are taken over the last 7 days of answers, never across
    a gap in reporting."""
    data = ratings.dropna(subset=["value"])
    data = data.assign(value=data["value"].astype(float))
    data = downsample(data, max_points, value="value", by=("rating",))
    data = with_segments(data, by=("rating",))
    if period_of(data):
        data["average"] = data["value"]
    else:
        averages = [
            group.rolling(f"{ROLLING_DAYS}D", on="time")["value"].mean()
            for _, group in data.groupby(["rating", "segment"], sort=False)
        ]
        data["average"] = pd.concat(averages).round(2) if averages else pd.Series(dtype=float)
        data["n"] = 1
    return data


def ratings_chart(
    ratings: pd.DataFrame,
    notes: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    *,
    x_domain: tuple[datetime, datetime] | None = None,
    max_points: int = MAX_POINTS,
    for_print: bool = False,
) -> alt.LayerChart | None:
    """Self-ratings (0–10) over time; None when there are neither ratings nor notes.

    `ratings`: time, rating, value (long form). `notes`: time, kind ("win"/"setback"), text.
    `events`: date, kind ("session"/"plan review"), label.
    """
    data = ratings_frame(ratings, max_points) if not ratings.empty else ratings
    has_notes = notes is not None and not notes.empty
    if data.empty and not has_notes:
        return None
    names = [label for label in RATING_LABELS.values() if label in set(data.get("rating", []))]
    names += sorted(set(data.get("rating", [])) - set(names))
    colour, dash, shape = styles(names)
    period = period_of(data)

    def y(field: str) -> alt.Y:
        return alt.Y(
            f"{field}:Q",
            title="Self-rating (0–10)",
            scale=alt.Scale(domain=[0, RATING_TOP], nice=False),
            axis=alt.Axis(values=list(range(0, 11, 2))),
        )

    layers: list[alt.Chart | alt.LayerChart] = []
    rules = event_rules(events, x_domain)
    if rules is not None:
        layers.append(rules)
    if not data.empty:
        # The legend draws each rating's line (colour and dash); its dots share the colour.
        legend = alt.Legend(
            orient="bottom",
            title="Rating (7-day average)" if not period else f"Rating ({period}ly mean)",
            symbolType="stroke",
            symbolStrokeWidth=2.5,
            symbolSize=300,
            symbolOpacity=1,
        )
        # The dots' shapes hang on a field of their own with other values: sharing the
        # ratings' values, Vega-Lite would draw the legend with shapes instead of lines.
        dot_names = [f"dot: {name}" for name in names]
        shape = alt.Scale(domain=dot_names, range=shape.range)
        base = alt.Chart(data.assign(series="dot: " + data["rating"])).encode(x=time_axis(x_domain))
        when = "Week of" if period == "week" else "Month of" if period == "month" else "When"
        when_field = "period_start:T" if period else "time:T"
        when_format = "%d %b %Y" if period else TIME_FORMAT
        value_title = f"{period.capitalize()}ly mean" if period else "Rating"
        tooltip = [
            alt.Tooltip(when_field, title=when, format=when_format),
            alt.Tooltip("rating:N", title="Self-rating"),
            alt.Tooltip("value:Q", title=value_title, format=".1f" if period else ".0f"),
        ]
        tooltip.append(
            alt.Tooltip("n:Q", title="Check-ins")
            if period
            else alt.Tooltip("average:Q", title=f"{ROLLING_DAYS}-day average", format=".1f")
        )
        # Lines and dots in a layer of their own: they share the ratings' colours, while the
        # notes and rules around them keep theirs (the outer layer resolves scales apart).
        layers.append(
            layer(
                base.mark_line(strokeWidth=2.4, interpolate="monotone").encode(
                    y=y("average"),
                    color=alt.Color("rating:N", scale=colour, legend=legend),
                    strokeDash=alt.StrokeDash("rating:N", scale=dash, legend=legend),
                    detail="segment:N",
                ),
                base.mark_point(
                    filled=True, size=40 if period else 18, opacity=0.9 if period else 0.45
                ).encode(
                    y=y("value"),
                    color=alt.Color("rating:N", scale=colour, legend=None),
                    shape=alt.Shape("series:N", scale=shape, legend=None),
                    tooltip=tooltip,
                ),
            )
        )
    if has_notes:
        assert notes is not None
        layers.append(_note_marks(notes, x_domain))
    # Annotated: altair types resolve_scale() as Any.
    chart: alt.LayerChart = layer(*layers).resolve_scale(
        color="independent", shape="independent", strokeDash="independent"
    )
    title = "Self-ratings"
    subtitle = [
        (
            f"{period}ly means of the check-ins"
            if period
            else f"each check-in (dots) and the {ROLLING_DAYS}-day average (lines)"
        )
        + (
            f"; a break in a line: a {period} without an answer"
            if period
            else "; a break in a line: more than two days without an answer"
        ),
        "along the top: ▲ wins and ▼ setbacks "
        + (
            "(the client's words are listed below the chart); "
            if for_print
            else "(hover for the client's words); "
        )
        + "vertical lines: sessions (solid), plan reviews (dashed)",
    ]
    return chart.properties(
        autosize=FIT_WIDTH, width=WIDTH, height=HEIGHT, title=chart_title(title, subtitle=subtitle)
    )


def _note_marks(notes: pd.DataFrame, x_domain: tuple[datetime, datetime] | None) -> alt.Chart:
    """Wins and setbacks in a lane above the ratings, with the client's words on hover."""
    data = notes.assign(
        lane=notes["kind"].map({"win": WIN_Y, "setback": SETBACK_Y}),
        title=notes["kind"].map(NOTE_TITLES),
    )
    # Annotated: altair types mark_point() as Any.
    marks: alt.Chart = (
        alt.Chart(data)
        .mark_point(filled=True, size=90, opacity=0.9)
        .encode(
            x=time_axis(x_domain),
            y=alt.Y("lane:Q", scale=None),
            shape=alt.Shape(
                "title:N",
                title="Notes",
                scale=alt.Scale(
                    domain=[NOTE_TITLES[k] for k in NOTE_KINDS],
                    range=["triangle-up", "triangle-down"],
                ),
                legend=None,
            ),
            color=alt.Color(
                "title:N",
                title="Notes",
                scale=alt.Scale(
                    domain=[NOTE_TITLES[k] for k in NOTE_KINDS], range=[GREEN, VERMILLION]
                ),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("time:T", title="When", format=TIME_FORMAT),
                alt.Tooltip("title:N", title="Note"),
                alt.Tooltip("text:N", title="In their words"),
            ],
        )
    )
    return marks
