"""Goals over time: the client's own 0–10 progress rating per goal, how many of each goal's
small steps are done, and Goal Attainment Scaling (−2…+2 per goal at each review, with the
Kiresuk & Sherman T-score from :func:`care_plans.measures.gas_t_score`)."""

from __future__ import annotations

import json
from datetime import date, datetime

import altair as alt
import pandas as pd

from care_plans import measures
from care_plans.charts._base import (
    BLACK,
    DARK_GREY,
    FIT_WIDTH,
    GREEN,
    HEIGHT,
    MAX_POINTS,
    TIME_FORMAT,
    VERMILLION,
    WIDTH,
    chart_title,
    downsample,
    layer,
    period_of,
    short,
    styles,
    time_axis,
    with_segments,
)

#: Goal ratings come now and then (in sessions, some check-ins), not daily: a line joins them
#: unless more than a fortnight passes without one.
GOAL_JOIN_DAYS = 14
GAS_LEVEL_WORDS = {
    -2: "much less than expected",
    -1: "somewhat less than expected",
    0: "as expected",
    1: "somewhat more than expected",
    2: "much more than expected",
}
STEP_STATUSES = ("done", "overdue", "to do")
STEP_COLOURS = (GREEN, VERMILLION, "#d9d9d9")


def _goal_names(frame: pd.DataFrame) -> list[str]:
    """Goal labels in plan order ("1. …", "2. …"), shortened for legends and axes."""
    ordered = frame.drop_duplicates("goal_id").sort_values(
        "goal", key=lambda s: s.str.extract(r"^(\d+)", expand=False).astype(float)
    )
    return [short(goal) for goal in ordered["goal"]]


def goal_progress_chart(
    goal_progress: pd.DataFrame,
    *,
    x_domain: tuple[datetime, datetime] | None = None,
    max_points: int = MAX_POINTS,
) -> alt.LayerChart | None:
    """The client's progress rating (0–10) of each goal over time; None when there is none.

    `goal_progress`: time, goal_id, goal, rating.
    """
    if goal_progress.empty:
        return None
    data = goal_progress.assign(
        label=goal_progress["goal"].map(short), rating=goal_progress["rating"].astype(float)
    )
    data = downsample(data, max_points, value="rating", by=("goal_id", "goal", "label"))
    data = with_segments(
        data, by=("goal_id",), join_days=None if period_of(data) else GOAL_JOIN_DAYS
    )
    names = _goal_names(data)
    colour, dash, shape = styles(names)
    period = period_of(data)
    legend = alt.Legend(orient="bottom", title="Goal", columns=1, labelLimit=400)
    y = alt.Y("rating:Q", title="Progress (0–10)", scale=alt.Scale(domain=[0, 10]))
    base = alt.Chart(data).encode(x=time_axis(x_domain), y=y)
    lines = base.mark_line(strokeWidth=2).encode(
        color=alt.Color("label:N", scale=colour, legend=legend),
        # The legend shows each goal's colour and shape; a dash in it would blur the shape.
        strokeDash=alt.StrokeDash("label:N", scale=dash, legend=None),
        detail="segment:N",
    )
    points = base.mark_point(filled=True, size=50).encode(
        color=alt.Color("label:N", scale=colour, legend=legend),
        shape=alt.Shape("label:N", scale=shape, legend=legend),
        tooltip=[
            alt.Tooltip(
                "period_start:T" if period else "time:T",
                title=f"{period.capitalize()} of" if period else "When",
                format="%d %b %Y" if period else TIME_FORMAT,
            ),
            alt.Tooltip("goal:N", title="Goal"),
            alt.Tooltip("rating:Q", title="Progress", format=".1f" if period else ".0f"),
        ],
    )
    subtitle = "the client's own rating" + (f", {period}ly means" if period else "")
    return layer(lines, points).properties(
        autosize=FIT_WIDTH,
        width=WIDTH,
        height=HEIGHT - 40,
        title=chart_title("Progress on goals", subtitle=subtitle),
    )


def step_counts(steps: pd.DataFrame, today: date) -> pd.DataFrame:
    """Per goal and status (done, overdue, to do): how many steps, and which."""
    due = pd.to_datetime(steps["due_date"])
    done = steps["done_on"].notna()
    status = pd.Series("to do", index=steps.index)
    status[~done & due.notna() & (due < pd.Timestamp(today))] = "overdue"
    status[done] = "done"
    data = steps.assign(status=status)
    counts = (
        data.groupby(["goal_id", "goal", "status"], sort=False)
        .agg(
            count=("description", "size"),
            steps=("description", lambda s: "; ".join(short(t, 60) for t in s)),
        )
        .reset_index()
    )
    totals = data.groupby("goal_id")["description"].size()
    done_counts = data[data["status"] == "done"].groupby("goal_id")["description"].size()
    counts["label"] = counts["goal"].map(short)
    counts["summary"] = counts["goal_id"].map(
        lambda g: f"{int(done_counts.get(g, 0))} of {int(totals[g])} done"
    )
    counts["order"] = counts["status"].map({s: i for i, s in enumerate(STEP_STATUSES)})
    return counts


def steps_chart(steps: pd.DataFrame, *, today: date) -> alt.LayerChart | None:
    """How many of each goal's steps are done, overdue or still to do; None without steps.

    `steps`: goal_id, goal, description, done_on, due_date.
    """
    if steps.empty:
        return None
    counts = step_counts(steps, today)
    names = _goal_names(counts)
    most = int(counts.groupby("goal_id")["count"].sum().max())
    y = alt.Y("label:N", sort=names, title=None, axis=alt.Axis(labelLimit=320))
    bars = (
        alt.Chart(counts)
        .mark_bar(height=18, stroke="white", strokeWidth=1)
        .encode(
            y=y,
            x=alt.X(
                "count:Q",
                title="Steps",
                stack="zero",
                scale=alt.Scale(domain=[0, most * 1.3], nice=False),
                axis=alt.Axis(tickMinStep=1, format="d"),
            ),
            color=alt.Color(
                "status:N",
                title="Steps",
                scale=alt.Scale(domain=list(STEP_STATUSES), range=list(STEP_COLOURS)),
                legend=alt.Legend(orient="bottom"),
            ),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip("goal:N", title="Goal"),
                alt.Tooltip("status:N", title="Status"),
                alt.Tooltip("count:Q", title="Steps"),
                alt.Tooltip("steps:N", title="Which"),
            ],
        )
    )
    totals = counts.groupby(["label", "summary"], as_index=False)["count"].sum()
    text = (
        alt.Chart(totals)
        .mark_text(align="left", dx=6, color=DARK_GREY)
        .encode(y=y, x=alt.X("count:Q", stack=None), text="summary:N")
    )
    return layer(bars, text).properties(
        autosize=FIT_WIDTH,
        width=WIDTH,
        height=max(60, 34 * len(names)),
        title=chart_title("Steps", subtitle="small achievable steps, per goal"),
    )


def gas_frames(gas: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-goal ratings (with their single-goal T position 50 + 10·score) and the T-score of
    each review date, from the goals rated that day with their weights."""
    ratings = gas.sort_values(["rated_on", "goal"]).reset_index(drop=True)
    ratings["score"] = ratings["score"].astype(int)
    ratings["weight"] = ratings["weight"].astype(int)
    ratings["label"] = ratings["goal"].map(short)
    ratings["level"] = ratings["score"].map(
        lambda s: f"{s:+d} {GAS_LEVEL_WORDS[s]}" if s else f"0 {GAS_LEVEL_WORDS[0]}"
    )
    ratings["position"] = 50 + 10 * ratings["score"]
    names = _goal_names(ratings)
    # Goals rated alike on one day would hide one another: nudge each goal a little in time,
    # evenly around the review date (the tooltip keeps the true date).
    extent = (ratings["rated_on"].max() - ratings["rated_on"].min()).days if len(ratings) else 0
    step = max(0.6, extent / 60)
    middle = (len(names) - 1) / 2
    offsets = {name: (i - middle) * step for i, name in enumerate(names)}
    ratings["shown_at"] = ratings["rated_on"] + pd.to_timedelta(
        ratings["label"].map(offsets), unit="D"
    )
    rows = []
    for rated_on, group in ratings.groupby("rated_on", sort=True):
        t = measures.gas_t_score(
            [int(s) for s in group["score"]], [float(w) for w in group["weight"]]
        )
        rows.append({"rated_on": rated_on, "t_score": round(t, 1), "goals": len(group)})
    return ratings, pd.DataFrame(rows, columns=["rated_on", "t_score", "goals"])


def gas_chart(
    gas: pd.DataFrame,
    *,
    x_domain: tuple[datetime, datetime] | None = None,
) -> alt.LayerChart | None:
    """GAS ratings per goal at each review and the T-score over time; None without ratings.

    One scale: the T-score (left axis, 50 = goals met as expected). A goal's own rating sits
    where that goal alone would put the T-score (50 + 10·score), labelled −2…+2 on the right.
    `gas`: goal_id, goal, rated_on, score (−2…+2), weight.
    """
    if gas.empty:
        return None
    ratings, t_scores = gas_frames(gas)
    names = _goal_names(ratings)
    colour, _dash, shape = styles(names)
    low = min(20.0, float(t_scores["t_score"].min()) - 3)
    high = max(80.0, float(t_scores["t_score"].max()) + 3)
    y_scale = alt.Scale(domain=[low, high], nice=False)
    levels = list(range(-2, 3))
    level_expr = (
        " : ".join(
            f"datum.value == {50 + 10 * s} ? {json.dumps(f'{s:+d}' if s else '0')}" for s in levels
        )
        + " : ''"
    )
    expected = alt.Chart(pd.DataFrame({"y": [50], "label": ["as expected (T = 50)"]}))
    expected_rule = expected.mark_rule(color=DARK_GREY, strokeDash=[2, 2]).encode(
        y=alt.Y(
            "y:Q", scale=y_scale, title="GAS T-score", axis=alt.Axis(values=list(range(20, 81, 10)))
        )
    )
    expected_text = expected.mark_text(
        align="left", baseline="bottom", dx=4, dy=-2, fontSize=10, color=DARK_GREY
    ).encode(y=alt.Y("y:Q", scale=y_scale, axis=None), x=alt.value(0), text="label:N")
    goal_points = (
        alt.Chart(ratings)
        .mark_point(filled=True, size=60, opacity=0.95)
        .encode(
            x=time_axis(x_domain, "shown_at"),
            y=alt.Y(
                "position:Q",
                scale=y_scale,
                title="Goal level",
                axis=alt.Axis(
                    orient="right",
                    values=[50 + 10 * s for s in levels],
                    labelExpr=level_expr,
                    grid=False,
                ),
            ),
            color=alt.Color(
                "label:N",
                scale=colour,
                legend=alt.Legend(orient="bottom", title="Goal", columns=1, labelLimit=400),
            ),
            shape=alt.Shape(
                "label:N",
                scale=shape,
                legend=alt.Legend(orient="bottom", title="Goal", columns=1, labelLimit=400),
            ),
            tooltip=[
                alt.Tooltip("rated_on:T", title="Reviewed", format="%a %d %b %Y"),
                alt.Tooltip("goal:N", title="Goal"),
                alt.Tooltip("level:N", title="Level"),
                alt.Tooltip("weight:Q", title="Weight"),
            ],
        )
    )
    t_base = alt.Chart(t_scores).encode(
        x=time_axis(x_domain, "rated_on"),
        y=alt.Y("t_score:Q", scale=y_scale, axis=None),
    )
    t_line = t_base.mark_line(color=BLACK, strokeWidth=2.5)
    t_points = t_base.mark_point(
        shape="square", filled=True, size=150, color=BLACK, opacity=1
    ).encode(
        tooltip=[
            alt.Tooltip("rated_on:T", title="Reviewed", format="%a %d %b %Y"),
            alt.Tooltip("t_score:Q", title="GAS T-score", format=".1f"),
            alt.Tooltip("goals:Q", title="Goals rated"),
        ]
    )
    # Right of the square: the goals' own marks sit above and below it.
    t_labels = t_base.mark_text(align="left", dx=9, dy=-9, fontSize=11, fontWeight="bold").encode(
        text=alt.Text("t_score:Q", format=".0f")
    )
    # Goals over the T-score squares: with one goal rated, both sit at the same place.
    # Annotated: altair types resolve_axis() as Any.
    chart: alt.LayerChart = layer(
        expected_rule, expected_text, t_line, t_points, t_labels, goal_points
    ).resolve_axis(y="independent")
    return chart.properties(
        autosize=FIT_WIDTH,
        width=WIDTH,
        height=HEIGHT - 20,
        title=chart_title(
            "Goal Attainment Scaling",
            subtitle="black squares: T-score of all goals rated at a review; "
            "coloured marks: each goal's level (right axis)",
        ),
    )
