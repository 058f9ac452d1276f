"""Standard measures over time: the total against its severity bands, the reliable-change
thresholds around the baseline, reliable improvement and deterioration marked, the self-harm
item shown whenever it was endorsed; and every item answer on demand as a heat map.

The arithmetic (bands, reliable change, the risk item) comes from :mod:`care_plans.measures`,
so a chart can never disagree with the caseload flag or the PDF.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import cast

import altair as alt
import pandas as pd

from care_plans import measures
from care_plans.charts._base import (
    BLACK,
    DARK_GREY,
    FIT_WIDTH,
    GREEN,
    HEIGHT,
    NATURAL_SIZE,
    TIME_FORMAT,
    VERMILLION,
    WIDTH,
    chart_title,
    layer,
    short,
    time_axis,
)

#: Light to dark, one hue: the bands read in order in greyscale and stay behind the data.
BAND_COLOURS = {
    "minimal": "#fff5eb",
    "mild": "#fdd0a2",
    "moderate": "#fdae6b",
    "moderately severe": "#fd8d3c",
    "severe": "#e6550d",
}
BAND_OPACITY = 0.38
IMPROVEMENT = "reliable improvement"
DETERIORATION = "reliable deterioration"
SELF_HARM = "self-harm item endorsed"
MARKER_STYLE = {  # shape, colour
    IMPROVEMENT: ("triangle-down", GREEN),
    DETERIORATION: ("triangle-up", VERMILLION),
    SELF_HARM: ("diamond", "#B2182B"),
}
ANSWER_COLOURS = ("#f1f1f1", "#9ecae1", "#3182bd", "#08306b")


def band_frame(instrument: str) -> pd.DataFrame:
    """The severity bands as rectangles: a whole-number total sits inside its band, so each
    band runs from half a point below its lowest total to half a point above its highest
    (clipped to the scale)."""
    definition = measures.get_instrument(instrument)
    rows = []
    for low, high, label in measures.severity_bands(instrument):
        y = max(definition.min_total, low - 0.5)
        y2 = min(definition.max_total, high + 0.5)
        rows.append(
            {
                "band": label,
                "low": low,
                "high": high,
                "y": y,
                "y2": y2,
                "middle": (y + y2) / 2,
                "range": f"{low}–{high}",
            }
        )
    return pd.DataFrame(rows)


def threshold_frame(instrument: str, baseline: int) -> pd.DataFrame:
    """The baseline and the reliable-change thresholds around it, those within the scale."""
    definition = measures.get_instrument(instrument)
    points = definition.reliable_change_points
    rows = [{"kind": "baseline", "y": baseline, "label": f"baseline: {baseline}"}]
    if baseline - points >= definition.min_total:
        rows.append(
            {
                "kind": "improvement",
                "y": baseline - points,
                "label": f"reliable improvement: {baseline - points} or lower",
            }
        )
    if baseline + points <= definition.max_total:
        rows.append(
            {
                "kind": "deterioration",
                "y": baseline + points,
                "label": f"reliable deterioration: {baseline + points} or higher",
            }
        )
    return pd.DataFrame(rows)


def scores_frame(
    scores: pd.DataFrame, instrument: str, baseline: int, baseline_time: datetime | None = None
) -> pd.DataFrame:
    """Each administration with its change from baseline and reliable-change outcome.
    Scores before the baseline (an earlier episode) are compared with nothing."""
    data = scores[scores["instrument"] == instrument].sort_values("time").reset_index(drop=True)
    data["total"] = data["total"].astype(int)
    data["change"] = data["total"] - baseline
    after = (
        data["time"] >= pd.Timestamp(baseline_time)
        if baseline_time is not None
        else pd.Series(True, index=data.index)
    )
    outcome = data["total"].map(lambda t: measures.reliable_change(instrument, baseline, int(t)))
    data["outcome"] = outcome.where(after, "before baseline")
    data["risk_text"] = [
        ""
        if answer is None or pd.isna(answer)
        else f"{int(answer)}: {measures.get_instrument(instrument).answer_label(int(answer))}"
        for answer in data.get("risk_answer", pd.Series([None] * len(data)))
    ]
    return data


def measures_chart(
    scores: pd.DataFrame,
    instrument: str,
    *,
    baseline: int | None = None,
    baseline_time: datetime | None = None,
    x_domain: tuple[datetime, datetime] | None = None,
) -> alt.LayerChart | None:
    """The instrument's totals over time; None when it has no score in `scores`.

    `scores`: time, instrument, total, severity, risk_flag, risk_answer. `baseline` defaults to
    the first total shown (and `baseline_time` to its time).
    """
    definition = measures.get_instrument(instrument)
    if scores.empty or not (scores["instrument"] == instrument).any():
        return None
    if baseline is None:
        first = scores[scores["instrument"] == instrument].sort_values("time").iloc[0]
        baseline, baseline_time = int(first["total"]), first["time"]
    data = scores_frame(scores, instrument, baseline, baseline_time)
    y_scale = alt.Scale(domain=[definition.min_total, definition.max_total], nice=False)
    bands = band_frame(instrument)
    label_expr = (
        " : ".join(
            f"datum.value == {row.middle} ? {json.dumps(row.band)}" for row in bands.itertuples()
        )
        + " : ''"
    )
    hidden = alt.Y("y:Q", scale=y_scale, axis=None)

    band_layer = (
        alt.Chart(bands)
        .mark_rect(opacity=BAND_OPACITY)
        .encode(
            y=alt.Y(
                "y:Q",
                scale=y_scale,
                title=None,
                axis=alt.Axis(
                    orient="right",
                    values=bands["middle"].tolist(),
                    labelExpr=label_expr,
                    ticks=False,
                    domain=False,
                    grid=False,
                    labelColor=DARK_GREY,
                ),
            ),
            y2="y2:Q",
            color=alt.Color(
                "band:N",
                legend=None,
                scale=alt.Scale(domain=list(BAND_COLOURS), range=list(BAND_COLOURS.values())),
            ),
            tooltip=[
                alt.Tooltip("band:N", title="Severity"),
                alt.Tooltip("range:N", title="Totals"),
            ],
        )
    )
    thresholds = threshold_frame(instrument, baseline)
    # Named in a legend rather than written on the plot, where words would cross the line.
    kinds = thresholds["label"].tolist()
    style = {
        "baseline": (DARK_GREY, [2, 2]),
        "improvement": (GREEN, [6, 3]),
        "deterioration": (VERMILLION, [6, 3]),
    }
    rule_legend = alt.Legend(
        orient="bottom",
        title="Compared with baseline",
        direction="vertical",
        symbolType="stroke",
        symbolStrokeWidth=2,
        labelLimit=320,
    )
    rule_layer = (
        alt.Chart(thresholds)
        .mark_rule(strokeWidth=1.5)
        .encode(
            y=hidden,
            color=alt.Color(
                "label:N",
                legend=rule_legend,
                scale=alt.Scale(domain=kinds, range=[style[k][0] for k in thresholds["kind"]]),
            ),
            strokeDash=alt.StrokeDash(
                "label:N",
                legend=rule_legend,
                scale=alt.Scale(domain=kinds, range=[style[k][1] for k in thresholds["kind"]]),
            ),
            tooltip=[alt.Tooltip("label:N", title="Threshold")],
        )
    )

    tooltip = [
        alt.Tooltip("time:T", title="When", format=TIME_FORMAT),
        alt.Tooltip("total:Q", title=f"{instrument} total"),
        alt.Tooltip("severity:N", title="Severity"),
        alt.Tooltip("change:Q", title=f"Change from baseline ({baseline})", format="+d"),
        alt.Tooltip("outcome:N", title="Compared with baseline"),
    ]
    if definition.risk_item is not None:
        tooltip.append(
            alt.Tooltip("risk_text:N", title=f"Item {definition.risk_item + 1} (self-harm)")
        )
    base = alt.Chart(data).encode(
        x=time_axis(x_domain), y=alt.Y("total:Q", scale=y_scale, title=f"{instrument} total")
    )
    line = base.mark_line(color=BLACK, strokeWidth=2)
    dots = base.mark_point(filled=True, size=45, color=BLACK).encode(tooltip=tooltip)

    layers: list[alt.Chart] = [band_layer, rule_layer, line, dots]
    marks = _marker_frame(data)
    if not marks.empty:
        marks = marks.assign(size=marks["marker"].map(lambda m: 480 if m == SELF_HARM else 220))
        # Only the marks present, in a fixed order and style: a key to a self-harm mark that
        # is not there would alarm for nothing.
        present = [m for m in MARKER_STYLE if m in set(marks["marker"])]
        layers.append(
            alt.Chart(marks)
            .mark_point(strokeWidth=2.2, filled=False)
            .encode(
                x=time_axis(x_domain),
                y=alt.Y("total:Q", scale=y_scale, axis=None),
                size=alt.Size("size:Q", scale=None, legend=None),
                shape=alt.Shape(
                    "marker:N",
                    title="Marked",
                    scale=alt.Scale(domain=present, range=[MARKER_STYLE[m][0] for m in present]),
                    legend=alt.Legend(orient="bottom", direction="vertical"),
                ),
                color=alt.Color(
                    "marker:N",
                    title="Marked",
                    scale=alt.Scale(domain=present, range=[MARKER_STYLE[m][1] for m in present]),
                    legend=alt.Legend(orient="bottom", direction="vertical"),
                ),
                tooltip=[
                    alt.Tooltip("time:T", title="When", format=TIME_FORMAT),
                    alt.Tooltip("marker:N", title="Marked"),
                    alt.Tooltip("total:Q", title=f"{instrument} total"),
                    alt.Tooltip("detail:N", title="Detail"),
                ],
            )
        )
        harm = marks[marks["marker"] == SELF_HARM]
        if not harm.empty:
            layers.append(
                alt.Chart(harm)
                .mark_text(
                    dy=-16,
                    fontSize=10,
                    fontWeight="bold",
                    color=MARKER_STYLE[SELF_HARM][1],
                )
                .encode(
                    x=time_axis(x_domain),
                    y=alt.Y("total:Q", scale=y_scale, axis=None),
                    text="short:N",
                )
            )
    # Annotated: altair types resolve_scale() as Any.
    chart: alt.LayerChart = (
        layer(*layers)
        .resolve_scale(
            color="independent",
            strokeDash="independent",
            shape="independent",
        )
        .resolve_axis(y="independent")
    )
    points = definition.reliable_change_points
    subtitle = (
        f"severity bands behind; dashed lines: a change of {points} points from the "
        f"baseline ({baseline}) is reliable"
    )
    return chart.properties(
        autosize=FIT_WIDTH,
        width=WIDTH,
        height=HEIGHT,
        title=chart_title(definition.code, subtitle=subtitle),
    )


def _marker_frame(data: pd.DataFrame) -> pd.DataFrame:
    """One row per mark: reliable improvement or deterioration, and self-harm endorsements."""
    rows = []
    for row in data.itertuples():
        if row.outcome == measures.IMPROVED:
            rows.append((row.time, row.total, IMPROVEMENT, f"{row.change:+d} from baseline", ""))
        elif row.outcome == measures.DETERIORATED:
            rows.append((row.time, row.total, DETERIORATION, f"{row.change:+d} from baseline", ""))
        if getattr(row, "risk_flag", False):
            rows.append(
                (
                    row.time,
                    row.total,
                    SELF_HARM,
                    f"self-harm item answered {row.risk_text}; follow up",
                    "self-harm",
                )
            )
    return pd.DataFrame(rows, columns=["time", "total", "marker", "detail", "short"])


#: The item grid shows at most this many administrations (the latest), so cells stay readable.
MAX_ADMINISTRATIONS = 24


def measure_items_heatmap(
    scores: pd.DataFrame, instrument: str, max_columns: int = MAX_ADMINISTRATIONS
) -> alt.LayerChart | None:
    """Every item answer of the latest `max_columns` administrations; None when there is none.

    `scores` needs time, instrument and answers (item answers in item order).
    """
    definition = measures.get_instrument(instrument)
    if scores.empty or not (scores["instrument"] == instrument).any():
        return None
    data = scores[scores["instrument"] == instrument].sort_values("time")
    total = len(data)
    data = data.tail(max_columns)
    rows = []
    whens: list[str] = []
    # Short column labels fit under narrow cells; the year only when the grid spans two.
    day_format = "%d %b" if data["time"].dt.year.nunique() == 1 else "%d %b %y"
    for administration in data.itertuples():
        when = f"{administration.time:{day_format}}"
        if when in whens:  # two on one day: keep both columns apart
            when = f"{administration.time:{day_format} %H:%M}"
        whens.append(when)
        # The answers column holds each administration's item answers (pandas-stubs types a
        # row's fields as any scalar).
        item_answers = cast("list[int]", administration.answers)
        for number, answer in enumerate(item_answers, start=1):
            text = definition.items[number - 1]
            risk = definition.risk_item == number - 1
            rows.append(
                {
                    "when": when,
                    "time": administration.time,
                    "number": number,
                    "item": f"{number}. {short(text, 38)}" + (" (self-harm)" if risk else ""),
                    "text": text,
                    "answer": int(answer),
                    "meaning": definition.answer_label(int(answer)),
                    "endorsed": risk and int(answer) > definition.min_answer,
                }
            )
    items = pd.DataFrame(rows)
    order = [
        f"{n}. {short(t, 38)}" + (" (self-harm)" if definition.risk_item == n - 1 else "")
        for n, t in enumerate(definition.items, start=1)
    ]
    answers = [value for value, _ in definition.answer_options]
    base = alt.Chart(items).encode(
        x=alt.X("when:O", sort=whens, title=None, axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("item:N", sort=order, title=None, axis=alt.Axis(labelLimit=300)),
        tooltip=[
            alt.Tooltip("time:T", title="When", format=TIME_FORMAT),
            alt.Tooltip("text:N", title="Item"),
            alt.Tooltip("answer:Q", title="Answer"),
            alt.Tooltip("meaning:N", title="Meaning"),
        ],
    )
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color(
            "answer:O",
            title="Answer",
            scale=alt.Scale(domain=answers, range=list(ANSWER_COLOURS[: len(answers)])),
            legend=alt.Legend(orient="bottom", labelExpr=_answer_legend(definition)),
        )
    )
    numbers = base.mark_text(fontSize=11).encode(
        text="answer:Q",
        color=alt.condition(alt.datum.answer >= 2, alt.value("white"), alt.value(BLACK)),
    )
    # A self-harm answer above the lowest is outlined, whatever its shade.
    endorsed = base.transform_filter(alt.datum.endorsed).mark_rect(
        fillOpacity=0, stroke=MARKER_STYLE[SELF_HARM][1], strokeWidth=2.5
    )
    return layer(cells, numbers, endorsed).properties(
        autosize=NATURAL_SIZE,
        width=max(160, min(WIDTH, 34 * len(whens))),
        height=24 * definition.item_count,
        title=chart_title(
            f"{definition.code} item answers",
            subtitle="0 = not at all … 3 = nearly every day"
            + (f"; the latest {len(whens)} of {total}" if total > len(whens) else ""),
        ),
    )


def _answer_legend(definition: measures.Instrument) -> str:
    parts = [
        f"datum.value == {value} ? {json.dumps(f'{value} {label.lower()}')}"
        for value, label in definition.answer_options
    ]
    return " : ".join(parts) + " : datum.label"
