"""The client's story at a glance: self-ratings, measures, goals and Goal Attainment Scaling for
a chosen date range, so a clinician sees in seconds whether the client is moving towards
recovery. The data comes from `care_plans.read.progress`, the pictures from `care_plans.charts`
(shared with the PDF); this component owns only the range control and the words around them.
Its session-state keys start with `progress:`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import altair as alt
import streamlit as st

from care_plans import charts, measures
from care_plans.errors import DomainError
from care_plans.read import progress
from dashboard import deps
from dashboard.components.feedback import show_error

#: Range choices and how many days each covers (None: everything; "Custom": two dates).
RANGES: dict[str, int | None] = {
    "4 weeks": 28, "3 months": 91, "6 months": 182, "All": None, "Custom": None,
}
DEFAULT_RANGE = "3 months"
CUSTOM = "Custom"
DAY = "%d %b %Y"


def date_range(today: date) -> tuple[date | None, date | None]:
    """The range control: (since, until) in clinic days, None for no limit."""
    choice = st.radio("Show", list(RANGES), index=list(RANGES).index(DEFAULT_RANGE),
                      horizontal=True, key="progress:range")
    if choice == CUSTOM:
        picked = st.date_input("From and to", value=(today - timedelta(days=90), today),
                               max_value=today, format="DD/MM/YYYY", key="progress:custom")
        days = list(picked) if isinstance(picked, tuple | list) else [picked]
        if len(days) < 2:
            st.caption("Choose the last day as well; until then the range runs to today.")
            return (days[0] if days else None), None
        return days[0], days[1]
    span = RANGES.get(str(choice))
    if span is None:
        return None, None
    return today - timedelta(days=span - 1), None


def _show(chart: alt.TopLevelMixin | None, empty: str, description: str,
          width: str = "stretch") -> None:
    if chart is None:
        st.info(empty)
    else:
        st.altair_chart(chart, width=width, alt=description)


def _measure_words(data: progress.ProgressData, instrument: str) -> str | None:
    summary = progress.measure_summary(data, instrument)
    if summary is None:
        return None
    change = (f"{abs(summary.change)} points {'lower' if summary.change < 0 else 'higher'}"
              if summary.change else "no change")
    return (f"**{instrument}**: baseline {summary.baseline.total} on "
            f"{summary.baseline.time:{DAY}}, latest {summary.latest_total} "
            f"({summary.latest_severity}) on {summary.latest_time:{DAY}}: {change}, "
            f"**{summary.status}**.")


def _self_harm_note(data: progress.ProgressData, instrument: str) -> None:
    scores = data.measures[(data.measures["instrument"] == instrument)
                           & data.measures["risk_flag"].astype(bool)]
    if scores.empty:
        return
    latest: datetime = scores["time"].max().to_pydatetime()
    times = "once" if len(scores) == 1 else f"on {len(scores)} occasions"
    st.warning(f"In this period the {instrument} self-harm item was endorsed (answered above "
               f"0) {times}, most recently on {latest:{DAY}}. Each is marked ◇ on the chart.")


def render(client_id: int) -> None:
    db, actor, tz = deps.database(), deps.current_actor(), deps.settings().tz
    today = datetime.now(tz).date()
    since, until = date_range(today)
    try:
        data = progress.progress_data(db, actor, client_id, since=since, until=until, tz=tz,
                                      today=today)
    except DomainError as exc:
        show_error(exc)
        return
    st.caption(f"From {data.start:{DAY}} to {data.end:{DAY}}. Hover over a chart for exact "
               "values and dates.")
    domain = data.x_domain

    _show(charts.ratings_chart(data.ratings, data.notes, data.events, x_domain=domain),
          "No self-ratings, wins or setbacks in this period.",
          "Self-ratings over time with wins, setbacks, sessions and plan reviews")

    show_items = st.toggle("Show item answers", key="progress:items",
                           help="Every answer of every questionnaire, as a grid.")
    for code in measures.INSTRUMENTS:
        words = _measure_words(data, code)
        if words:
            st.markdown(words)
        _self_harm_note(data, code)
        baseline = data.baselines.get(code)
        _show(charts.measures_chart(data.measures, code,
                                    baseline=baseline.total if baseline else None,
                                    baseline_time=baseline.time if baseline else None,
                                    x_domain=domain),
              f"No {code} completed in this period.",
              f"{code} totals over time with severity bands and reliable-change thresholds")
        if show_items:
            heatmap = charts.measure_items_heatmap(data.measures, code)
            if heatmap is not None:
                st.altair_chart(heatmap, width="content",
                                alt=f"{code} item answers at each administration")

    _show(charts.goal_progress_chart(data.goal_progress, x_domain=domain),
          "No goal progress ratings in this period.",
          "The client's progress rating of each goal over time")
    _show(charts.steps_chart(data.steps, today=today),
          "No steps yet: break a goal into small achievable steps on the Goals tab.",
          "Steps done, overdue and to do for each goal")
    _show(charts.gas_chart(data.gas, x_domain=domain),
          "No Goal Attainment Scaling ratings in this period.",
          "Goal Attainment Scaling levels per goal and the T-score at each review")
