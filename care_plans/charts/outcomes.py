"""The service's mean score by weeks since baseline, with each instrument's caseness line.

Drawn from the ``trend`` frame of :func:`care_plans.read.outcomes.service_outcomes` (instrument,
week, mean_total, clients). A week with fewer clients than `min_clients` is left out (small
numbers are not shown; the subtitle says so), and the caseness thresholds come from
:mod:`care_plans.measures`, so the line can never disagree with the recovery figures.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from care_plans import measures
from care_plans.charts._base import (
    FIT_WIDTH,
    HEIGHT,
    WIDTH,
    chart_title,
    layer,
    styles,
)


def outcome_trend_chart(trend: pd.DataFrame, *, min_clients: int = 5) -> alt.LayerChart | None:
    """Mean total per week since baseline, one line per instrument (colour, dash and shape),
    each instrument's caseness as a dashed rule in its colour; None when no week has at least
    `min_clients` clients."""
    if trend.empty:
        return None
    shown = trend[trend["clients"] >= min_clients].copy()
    if shown.empty:
        return None
    instruments = [code for code in measures.INSTRUMENTS if code in set(shown["instrument"])]
    colour, dash, shape = styles(instruments)
    caseness = pd.DataFrame(
        [
            {
                "instrument": code,
                "caseness": measures.get_instrument(code).caseness_threshold,
                "label": f"{code} caseness: {measures.get_instrument(code).caseness_threshold}",
            }
            for code in instruments
        ]
    )
    top = max(measures.get_instrument(code).max_total for code in instruments)
    x = alt.X("week:Q", title="Weeks since baseline", axis=alt.Axis(tickMinStep=1))
    y = alt.Y("mean_total:Q", title="Mean total", scale=alt.Scale(domain=[0, top]))
    base = alt.Chart(shown)
    lines = base.mark_line(strokeWidth=2).encode(
        x=x,
        y=y,
        color=alt.Color(
            "instrument:N", scale=colour, title="Measure", legend=alt.Legend(orient="bottom")
        ),
        strokeDash=alt.StrokeDash("instrument:N", scale=dash, legend=None),
    )
    points = base.mark_point(filled=True, size=45).encode(
        x=x,
        y=y,
        color=alt.Color("instrument:N", scale=colour, legend=None),
        shape=alt.Shape("instrument:N", scale=shape, legend=None),
        tooltip=[
            alt.Tooltip("instrument:N", title="Measure"),
            alt.Tooltip("week:Q", title="Weeks since baseline"),
            alt.Tooltip("mean_total:Q", title="Mean total", format=".1f"),
            alt.Tooltip("clients:Q", title="Clients"),
        ],
    )
    rules = (
        alt.Chart(caseness)
        .mark_rule(strokeDash=[4, 4], strokeWidth=1.5)
        .encode(
            y=alt.Y("caseness:Q"),
            color=alt.Color("instrument:N", scale=colour, legend=None),
            tooltip=[alt.Tooltip("label:N", title="Caseness")],
        )
    )
    labels = (
        alt.Chart(caseness)
        .mark_text(align="right", dx=-4, dy=-6, fontSize=11, fontWeight="bold")
        .encode(
            x=alt.value("width"),
            y=alt.Y("caseness:Q"),
            color=alt.Color("instrument:N", scale=colour, legend=None),
            text="label:N",
        )
    )
    return layer(rules, labels, lines, points).properties(
        width=WIDTH,
        height=HEIGHT,
        autosize=FIT_WIDTH,
        title=chart_title(
            "Mean score by weeks since baseline",
            f"Clients counted in the period, baseline to final · dashed: caseness · weeks with "
            f"fewer than {min_clients} clients are not shown",
        ),
    )
