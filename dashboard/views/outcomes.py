"""Outcomes: is the service helping, and is the data there to tell? Rates of reliable
improvement, deterioration and recovery per measure and paired, by clinician; how many active
clients have a baseline and a recent follow-up; the clients to look at now.

Supervisors see every clinician's clients, clinicians their own caseload; administrators never
reach this page (it is not in their navigation, and the read model refuses them). Counts under 5
are shown as "fewer than 5", as NHS statistics do; `care-plans outcomes` gives exact counts.
"""

from __future__ import annotations

from datetime import date, timedelta, tzinfo
from typing import Any
from urllib.parse import quote

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from care_plans import measures, versions
from care_plans.charts.outcomes import outcome_trend_chart
from care_plans.dates import show_day, show_day_of
from care_plans.errors import DomainError
from care_plans.models import Role
from care_plans.read import outcomes
from care_plans.read.outcomes import FIGURES, OutcomeCounts, shown_count, shown_rate
from dashboard import deps
from dashboard.components.feedback import show_error

db, actor, tz = deps.database(), deps.current_actor(), deps.settings().tz
today = deps.today()

#: Period choices and the days each covers, ending today; "Custom dates" shows two date inputs.
PERIODS: dict[str, int | None] = {
    "Last 3 months": 91,
    "Last 6 months": 182,
    "Last 12 months": 365,
    "Custom dates": None,
}
DEFAULT_PERIOD = "Last 12 months"
TITLES = {
    measures.PHQ_9.code: "PHQ-9 (depression)",
    measures.GAD_7.code: "GAD-7 (anxiety)",
    outcomes.PAIRED: "Paired",
}
ROW_PX = 35  # a data grid row: tables as tall as their rows, no inner scrolling


def period() -> tuple[date, date]:
    choice = st.selectbox(
        "Period", list(PERIODS), index=list(PERIODS).index(DEFAULT_PERIOD), key="outcomes:period"
    )
    days = PERIODS.get(str(choice))
    if days is not None:
        return today - timedelta(days=days - 1), today
    c1, c2, _ = st.columns([0.25, 0.25, 0.5])
    since = c1.date_input(
        "From",
        value=today - timedelta(days=364),
        max_value=today,
        format="DD/MM/YYYY",
        key="outcomes:since",
    )
    until = c2.date_input(
        "To", value=today, max_value=today, format="DD/MM/YYYY", key="outcomes:until"
    )
    return since, until


@st.cache_data(ttl=15 * 60, max_entries=64, show_spinner="Counting outcomes…")
def _service_outcomes(
    database: str,
    user_id: int | None,
    role: str,
    since: date,
    until: date,
    today: date,
    tz_name: str,
    version: int,
    *,
    _db: Any,
    _actor: Any,
    _tz: tzinfo,
) -> outcomes.ServiceOutcomes:
    """Counted once per (user, period, clinic day, clinic data version): a rerun of the page
    (a click on a table, the period box) reads one number instead of every score; any write
    anywhere, on any app server, changes the version. The access check was made when the
    version was read, in this very run."""
    del database, user_id, role, tz_name, version  # the cache key only
    return outcomes.service_outcomes(_db, _actor, since=since, until=until, tz=_tz, today=today)


def rate_words(row: OutcomeCounts, name: str) -> str:
    if name == "counted":
        return f"{shown_count(row.cases_at_baseline)} cases at baseline"
    of = "cases at baseline" if name in outcomes.CASE_FIGURES else "counted"
    return f"{shown_rate(getattr(row, name), row.denominator(name))} of {of}"


def count_and_rate(row: OutcomeCounts, name: str) -> str:
    """ "12 (50%)", or just the count when it is suppressed or has no rate."""
    count = shown_count(getattr(row, name))
    if name == "counted" or count == outcomes.FEWER_THAN:
        return count
    rate = shown_rate(getattr(row, name), row.denominator(name))
    return count if rate in (outcomes.FEWER_THAN, "–") else f"{count} ({rate})"


def tiles(row: OutcomeCounts, column: DeltaGenerator) -> None:
    column.subheader(TITLES[row.instrument])
    for name, label in FIGURES.items():
        column.metric(
            label,
            shown_count(getattr(row, name)),
            delta=rate_words(row, name),
            delta_color="off",
            delta_arrow="off",
            help=HELP[name],
            border=True,
        )


HELP = {
    "counted": "A final response later than the baseline, in the period.",
    "reliable_improvement": "Final at least the reliable-change amount below the baseline.",
    "reliable_deterioration": "Final at least the reliable-change amount above the baseline.",
    "recovery": "A case at baseline, below caseness at final.",
    "reliable_recovery": "Recovery together with reliable improvement.",
}

st.title("Outcomes")
st.caption("Every clinician's clients" if actor.role == Role.SUPERVISOR else "Your caseload")
since, until = period()
try:
    result = _service_outcomes(
        str(db.engine.url),
        actor.user_id,
        actor.role,
        since,
        until,
        today,
        str(tz),
        versions.clinic_data_version(db, actor),
        _db=db,
        _actor=actor,
        _tz=tz,
    )
except DomainError as exc:
    show_error(exc)
    st.stop()

st.caption(
    f"{show_day(since)} to {show_day(until)} · counts under {outcomes.SUPPRESS_BELOW} are shown "
    f"as “{outcomes.FEWER_THAN}”"
)
with st.expander("How these figures are defined"):
    st.markdown(outcomes.definitions_text())

headline = result.headline
if headline[0].counted == 0 and headline[1].counted == 0:
    st.info(
        "No client has a follow-up measure in this period yet, so there are no outcomes "
        "to count. Data completeness below shows how many have a baseline."
    )
else:
    for row, column in zip(headline, st.columns(len(headline)), strict=True):
        tiles(row, column)

st.header("By clinician")
by_clinician = [r for r in result.rows if r.clinician != outcomes.ALL]
if by_clinician:
    table = pd.DataFrame(
        [
            {
                "Clinician": r.clinician,
                "Measure": r.instrument,
                **{label: count_and_rate(r, name) for name, label in FIGURES.items()},
                "Cases at baseline": shown_count(r.cases_at_baseline),
            }
            for r in by_clinician
        ]
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        key="outcomes_by_clinician",
        height=ROW_PX * (len(table) + 1) + 3,
    )
else:
    st.info("No clinician has clients assigned yet.")
st.download_button(
    "Download figures (CSV)",
    key="outcomes_csv",
    mime="text/csv",
    data=outcomes.counts_csv(result.rows, since=since, until=until).encode("utf-8"),
    file_name=f"outcomes-{since.isoformat()}-to-{until.isoformat()}.csv",
    help=f"Counts under {outcomes.SUPPRESS_BELOW} are written as “{outcomes.FEWER_THAN}”.",
)

st.header("Data completeness")
c = result.completeness
st.caption(f"Of the {shown_count(c.active_clients)} clients active now")
cols = st.columns(4)
cols[0].metric(
    "With a baseline",
    shown_count(c.with_baseline),
    border=True,
    help="At least one complete PHQ-9 or GAD-7 on or before the end of the period.",
)
cols[0].caption(f"{shown_rate(c.with_baseline, c.active_clients)} of active clients")
cols[1].metric(
    f"Follow-up in the last {outcomes.FOLLOW_UP_DAYS} days",
    shown_count(c.with_recent_follow_up),
    border=True,
    help="A response after the baseline within the 28 days up to the end of the period.",
)
cols[1].caption(f"{shown_rate(c.with_recent_follow_up, c.active_clients)} of active clients")
cols[2].metric(
    "Check-in links sent",
    shown_count(c.links_sent),
    border=True,
    help="Links created in the period for clients active now.",
)
cols[2].caption(
    f"{shown_count(c.links_opened)} opened ({shown_rate(c.links_opened, c.links_sent)})"
)
cols[3].metric(
    "Answered through links",
    shown_count(c.answered_by_link),
    border=True,
    help="Complete PHQ-9 and GAD-7 responses in the period from check-ins made "
    "through a link, against the measures due at each client's interval.",
)
cols[3].caption(
    f"{shown_rate(c.answered_by_link, c.measures_due)} of "
    f"{shown_count(c.measures_due)} due · {shown_count(c.answered)} answered in all"
)

st.header("Mean score since baseline")
chart = outcome_trend_chart(result.trend, min_clients=outcomes.SUPPRESS_BELOW)
if chart is None:
    st.info(
        f"Not enough clients to draw: every week has fewer than "
        f"{outcomes.SUPPRESS_BELOW} clients counted."
    )
else:
    st.altair_chart(
        chart,
        width="stretch",
        alt="Mean PHQ-9 and GAD-7 totals by weeks since baseline, with the "
        "caseness thresholds as dashed lines",
    )

st.header("Clients to look at")
st.caption(
    f"Active clients with a reliable deterioration counted in the period, or no "
    f"measure for {outcomes.FOLLOW_UP_DAYS} days"
)
if not result.concerns:
    st.info("No active client has a reliable deterioration or a missing follow-up.")
else:
    st.dataframe(
        pd.DataFrame(
            {
                "Client page": [f"client?client={quote(x.ref)}" for x in result.concerns],
                "Ref": [x.ref for x in result.concerns],
                "Name": [x.name for x in result.concerns],
                "Why": ["; ".join(x.reasons) for x in result.concerns],
                "Last measure": [
                    show_day_of(x.last_measure_at, tz) if x.last_measure_at else "none"
                    for x in result.concerns
                ],
                "Clinician": [x.clinician or "" for x in result.concerns],
            }
        ),
        hide_index=True,
        width="stretch",
        key="outcomes_concerns",
        height=ROW_PX * (min(len(result.concerns), 20) + 1) + 3,
        column_config={
            "Client page": st.column_config.LinkColumn("Client page", display_text="Open client"),
            "Why": st.column_config.TextColumn("Why", width="large"),
        },
    )
