"""The client's story at a glance: self-ratings, measures, goals and Goal Attainment Scaling for
a chosen date range, so a clinician sees in seconds whether the client is moving towards
recovery. The data comes from `care_plans.read.progress`, the pictures from `care_plans.charts`
(shared with the PDF); this component owns only the range control and the words around them.
Its session-state keys start with `progress:`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Literal

import altair as alt
import streamlit as st

from care_plans import charts, measures, versions
from care_plans.dates import show_day
from care_plans.errors import DomainError
from care_plans.read import progress
from dashboard import deps
from dashboard.components.feedback import show_error

#: Range choices and how many days each covers (None: everything; "Custom": two dates).
RANGES: dict[str, int | None] = {
    "4 weeks": 28,
    "3 months": 91,
    "6 months": 182,
    "All": None,
    "Custom": None,
}
DEFAULT_RANGE = "3 months"
CUSTOM = "Custom"


def date_range(today: date) -> tuple[date | None, date | None]:
    """The range control: (since, until) in clinic days, None for no limit."""
    choice = st.radio(
        "Show",
        list(RANGES),
        index=list(RANGES).index(DEFAULT_RANGE),
        horizontal=True,
        key="progress:range",
    )
    if choice == CUSTOM:
        picked = st.date_input(
            "From and to",
            value=(today - timedelta(days=90), today),
            max_value=today,
            format="DD/MM/YYYY",
            key="progress:custom",
        )
        days = list(picked) if isinstance(picked, tuple | list) else [picked]
        if len(days) < 2:
            st.caption("Choose the last day as well; until then the range runs to today.")
            return (days[0] if days else None), None
        return days[0], days[1]
    span = RANGES.get(str(choice))
    if span is None:
        return None, None
    return today - timedelta(days=span - 1), None


#: Drawn charts are kept this long at most (and at most this many), keyed by the user, the
#: client, the range and the client's data version: a rerun with nothing new draws from here.
CACHE_SECONDS = 15 * 60
CACHE_ENTRIES = 512


@dataclass(frozen=True)
class ProgressView:
    """What the component shows: the data (for its words) and each chart's Vega-Lite spec."""

    data: progress.ProgressData
    ratings: dict[str, Any] | None
    measures: dict[str, dict[str, Any] | None]
    goal_progress: dict[str, Any] | None
    steps: dict[str, Any] | None
    gas: dict[str, Any] | None


def _spec(chart: alt.TopLevelMixin | None) -> dict[str, Any] | None:
    """The chart as a Vega-Lite dict with its data inline, as Streamlit would draw it."""
    if chart is None:
        return None
    spec = chart.to_dict()
    view = spec.get("config", {}).get("view", {})
    # Altair's default theme sizes unsized charts at 300 px; Streamlit drops that theme for
    # altair_chart, so drop it here too and let the page's width decide.
    for size in ("continuousWidth", "continuousHeight"):
        view.pop(size, None)
    return spec


@st.cache_data(ttl=CACHE_SECONDS, max_entries=CACHE_ENTRIES, show_spinner=False)
def _progress_view(
    database: str,
    user_id: int | None,
    client_id: int,
    since: date | None,
    until: date | None,
    today: date,
    tz_name: str,
    version: tuple[int, int],
    *,
    _db: Any,
    _actor: Any,
    _tz: tzinfo,
) -> ProgressView:
    """Built once per (user, client, range, day, data version); the access check was made
    when the version was read, in this very run."""
    del database, user_id, tz_name, version  # the cache key only
    data = progress.progress_data(
        _db, _actor, client_id, since=since, until=until, tz=_tz, today=today
    )
    domain = data.x_domain
    measure_specs: dict[str, dict[str, Any] | None] = {}
    for code in measures.INSTRUMENTS:
        baseline = data.baselines.get(code)
        measure_specs[code] = _spec(
            charts.measures_chart(
                data.measures,
                code,
                baseline=baseline.total if baseline else None,
                baseline_time=baseline.time if baseline else None,
                x_domain=domain,
            )
        )
    return ProgressView(
        data=data,
        ratings=_spec(charts.ratings_chart(data.ratings, data.notes, data.events, x_domain=domain)),
        measures=measure_specs,
        goal_progress=_spec(charts.goal_progress_chart(data.goal_progress, x_domain=domain)),
        steps=_spec(charts.steps_chart(data.steps, today=today)),
        gas=_spec(charts.gas_chart(data.gas, x_domain=domain)),
    )


@st.cache_data(ttl=CACHE_SECONDS, max_entries=CACHE_ENTRIES, show_spinner=False)
def _heatmap(
    database: str,
    user_id: int | None,
    client_id: int,
    since: date | None,
    until: date | None,
    today: date,
    tz_name: str,
    version: tuple[int, int],
    code: str,
    *,
    _view: ProgressView,
) -> dict[str, Any] | None:
    del database, user_id, client_id, since, until, today, tz_name, version  # the key only
    return _spec(charts.measure_items_heatmap(_view.data.measures, code))


def _show(
    spec: dict[str, Any] | None,
    empty: str,
    description: str,
    width: Literal["stretch", "content"] = "stretch",
) -> None:
    if spec is None:
        st.info(empty)
    else:
        st.vega_lite_chart(spec=spec, width=width, alt=description)


def _measure_words(data: progress.ProgressData, instrument: str) -> str | None:
    summary = progress.measure_summary(data, instrument)
    if summary is None or summary.baseline_at is None or summary.change is None:
        return None
    change = (
        f"{abs(summary.change)} points {'lower' if summary.change < 0 else 'higher'}"
        if summary.change
        else "no change"
    )
    return (
        f"**{instrument}**: baseline {summary.baseline_total} on "
        f"{show_day(summary.baseline_at.date())}, latest {summary.latest_total} "
        f"({summary.severity}) on {show_day(summary.latest_on)}: {change}, "
        f"**{summary.recovery_status}**."
    )


def _self_harm_note(data: progress.ProgressData, instrument: str) -> None:
    scores = data.measures[
        (data.measures["instrument"] == instrument) & data.measures["risk_flag"].astype(bool)
    ]
    if scores.empty:
        return
    latest: datetime = scores["time"].max().to_pydatetime()
    times = "once" if len(scores) == 1 else f"on {len(scores)} occasions"
    st.warning(
        f"In this period the {instrument} self-harm item was endorsed (answered above "
        f"0) {times}, most recently on {show_day(latest.date())}. Each is marked ◇ on the chart."
    )


def render(client_id: int) -> None:
    ctx = deps.context()
    since, until = date_range(ctx.today)
    # The database is in the key too: user and client ids mean nothing across databases.
    key = (
        str(ctx.db.engine.url),
        ctx.actor.user_id,
        client_id,
        since,
        until,
        ctx.today,
        str(ctx.tz),
    )
    try:
        version = versions.client_data_version(ctx.db, ctx.actor, client_id)
        view = _progress_view(*key, version, _db=ctx.db, _actor=ctx.actor, _tz=ctx.tz)
    except DomainError as exc:
        show_error(exc)
        return
    data = view.data
    st.caption(
        f"From {show_day(data.start)} to {show_day(data.end)}. Hover over a chart for exact "
        "values and dates."
    )

    _show(
        view.ratings,
        "No self-ratings, wins or setbacks in this period.",
        "Self-ratings over time with wins, setbacks, sessions and plan reviews",
    )

    show_items = st.toggle(
        "Show item answers",
        key="progress:items",
        help="Every answer of every questionnaire, as a grid.",
    )
    for code in measures.INSTRUMENTS:
        words = _measure_words(data, code)
        if words:
            st.markdown(words)
        _self_harm_note(data, code)
        _show(
            view.measures[code],
            f"No {code} completed in this period.",
            f"{code} totals over time with severity bands and reliable-change thresholds",
        )
        if show_items:
            heatmap = _heatmap(*key, version, code, _view=view)
            if heatmap is not None:
                st.vega_lite_chart(
                    spec=heatmap, width="content", alt=f"{code} item answers at each administration"
                )

    _show(
        view.goal_progress,
        "No goal progress ratings in this period.",
        "The client's progress rating of each goal over time",
    )
    _show(
        view.steps,
        "No steps yet: break a goal into small achievable steps on the Goals tab.",
        "Steps done, overdue and to do for each goal",
    )
    _show(
        view.gas,
        "No Goal Attainment Scaling ratings in this period.",
        "Goal Attainment Scaling levels per goal and the T-score at each review",
    )
