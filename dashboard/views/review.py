"""Session review: everything a clinician needs during the hour with the client, on one page
with its own address (?client=REF): what changed since the last session, the plan at a glance,
prompts from the five recovery pillars, a check-in taken together, and the session record.

The session record (draft, save, sign off) is dashboard/components/session_record.py.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from care_plans import measures
from care_plans.dates import LAST_SESSION, show_day, show_day_of, show_time
from care_plans.models import ContactKind, GoalLifecycle
from care_plans.read import plans as read_plans
from care_plans.read import review, safety
from care_plans.services import clients
from dashboard import deps
from dashboard.components import client_link_status, progress, session_checkin, session_record
from dashboard.components.client_ref import client_from_address
from dashboard.components.text import plain

db, actor, tz = deps.database(), deps.current_actor(), deps.settings().tz
today = deps.today()

client = client_from_address(
    "Session review", "Choose a client from your caseload, then open their session review."
)
client_id = client.id
data = review.since_last_session(db, actor, client_id, today=today, tz=tz)
plan = read_plans.get_plan(db, actor, client_id)
can_write = clients.can_edit(db, actor, client_id)
period = data.period


def _number(value: float | None) -> str | None:
    return None if value is None else f"{value:.1f}"


def _delta(value: float | None) -> str | int | None:
    if value is None:
        return None
    return 0 if abs(value) < 0.05 else f"{value:+.1f}"


# --- Header --------------------------------------------------------------------------------------

st.title(f"Session review: {plain(client.full_name)}")
since = "the last session" if period.basis == LAST_SESSION else "the plan started"
span = "1 day" if period.days == 1 else f"{period.days} days"  # on a plan's first day: 1
st.caption(
    f"{client.ref} · since {since} on {show_day(period.since)} · {span}, "
    f"compared with the {span} before"
)
st.page_link(
    deps.page("client"),
    label="Open the client's record",
    icon=":material/person:",
    query_params={"client": client.ref},
)
# Open self-harm answers (complete or part-answered) first; the banner clears once a
# follow-up is recorded, and the follow-up is shown instead, with who, when and the note.
risk = safety.safety_summary(db, actor, client_id, today=today, tz=tz)
for answer in risk.open_self_harm:
    partial = "" if answer.completeness == measures.COMPLETE else f" ({answer.completeness})"
    st.error(
        f"On {show_day_of(answer.administered_at, tz)} the {answer.instrument} "
        f"self-harm question was answered “{answer.answer_wording}”{partial}. Talk about "
        "it today and record what was agreed (the caseload keeps it pinned until a "
        "follow-up is recorded).",
        icon=":material/warning:",
    )
for answer in risk.followed_up:
    if answer.administered_at.astimezone(tz).date() < period.since:
        continue  # followed up before this period: on the client's record, not news today
    assert answer.followed_up_at is not None
    st.info(
        f"Followed up: the {answer.instrument} self-harm question answered "
        f"“{answer.answer_wording}” on {show_day_of(answer.administered_at, tz)}"
        f" was followed up by {plain(answer.followed_up_by or 'a clinician')} on "
        f"{show_time(answer.followed_up_at, tz)}: "
        f"“{plain(answer.follow_up_note or '')}”",
        icon=":material/task_alt:",
    )

# --- Since last session --------------------------------------------------------------------------

st.header("Since last session")
cols = st.columns(1 + len(data.ratings))
cols[0].metric(
    "Check-ins",
    data.checkins,
    data.checkins - data.previous_checkins,
    help=f"{data.previous_checkins} in the previous {span}.",
)
for col, rating in zip(cols[1:], data.ratings, strict=True):
    col.metric(
        f"{rating.label} (mean)",
        _number(rating.mean),
        _delta(rating.delta),
        help=f"0–10. {rating.count} answers this period (mean "
        f"{_number(rating.mean) or 'none'}); {rating.previous_count} in the previous "
        f"period (mean {_number(rating.previous_mean) or 'none'}).",
    )
measure_cols = st.columns(3)
for col, code in zip(measure_cols, review.REVIEWED_INSTRUMENTS, strict=False):
    summary = data.measure(code)
    if summary is None:
        col.metric(code, None, help="Not given yet.")
        col.caption("Not given yet.")
        continue
    change = None if summary.latest_is_baseline else summary.change
    col.metric(
        code,
        f"{summary.latest_total} {summary.severity}",
        None if change is None else (0 if change == 0 else f"{change:+d}"),
        delta_color="inverse",
        delta_description="since baseline" if change else None,
        help="Lower is better. Reliable change: "
        f"{measures.get_instrument(code).reliable_change_points} points or more.",
    )
    if summary.baseline_total is None or summary.baseline_on is None:
        col.caption(f"Last given {show_day(summary.latest_on)} · no baseline since the plan began")
    elif summary.latest_is_baseline:
        col.caption(
            f"Given {show_day(summary.latest_on)}. This is the baseline: the first score "
            "since the plan began."
        )
    else:
        col.caption(
            f"Baseline {summary.baseline_total} on {show_day(summary.baseline_on)} · "
            f"latest {show_day(summary.latest_on)} · {summary.recovery_status}"
        )
measure_cols[2].metric(
    "Steps done", len(data.steps_done), help="Steps of the plan's goals ticked off in this period."
)
paired = measures.paired_recovery_status(
    {m.instrument: m.baseline_total for m in data.measures if m.baseline_total is not None},
    {m.instrument: m.latest_total for m in data.measures if m.baseline_total is not None},
)
if paired is not None:
    st.caption(f"PHQ-9 and GAD-7 together (NHS Talking Therapies paired recovery): {paired}")

left, right = st.columns(2)
with left:
    st.subheader("Goal progress")
    if data.goals:
        st.dataframe(
            pd.DataFrame(
                {
                    "Goal": [g.description for g in data.goals],
                    "Before": ["—" if g.before is None else str(g.before) for g in data.goals],
                    "Now": ["—" if g.latest is None else str(g.latest) for g in data.goals],
                    "Change": [
                        "—" if g.delta is None else f"{g.delta:+d}" if g.delta else "0"
                        for g in data.goals
                    ],
                }
            ),
            hide_index=True,
            width="stretch",
        )
        st.caption("The client's latest 0–10 rating this period against their latest before it.")
    else:
        st.caption("No active goals yet.")
with right:
    st.subheader("Steps done")
    for step in data.steps_done:
        st.text(f"✓ {show_day(step.done_on)}: {step.description} ({step.goal_description})")
    if not data.steps_done:
        st.caption("No steps ticked off in this period.")
    client_link_status.review_block(client_id, period.since)

st.subheader("In the client's own words")
left, right = st.columns(2)
for col, title, words in (
    (left, "What was hard", data.setbacks),
    (right, "What went well", data.wins),
):
    col.markdown(f"**{title}**")
    for item in words:
        col.text(f"{show_day(item.day)}: {item.text}")
    if not words:
        col.caption("Nothing noted in this period.")

# Drawn only once opened: building charts nobody looks at was most of this page's time.
charts_box = st.expander(
    "Charts: self-ratings, PHQ-9 / GAD-7, goals", key="review:charts", on_change="rerun"
)
if charts_box.open:
    with charts_box:
        progress.render(client_id)

# --- The plan at a glance ------------------------------------------------------------------------

st.header("The plan at a glance")
left, middle, right = st.columns(3)
with left:
    st.markdown("**Goals and next steps**")
    for goal in plan.goals:
        if goal.lifecycle_status not in (GoalLifecycle.ACTIVE, GoalLifecycle.PROPOSED):
            continue
        nxt = next((s.description for s in goal.steps if not s.is_done), None)
        st.text(f"• {goal.description}\n   next: {nxt or 'no step planned yet'}")
    if not plan.goals:
        st.caption("No goals yet.")
with middle:
    st.markdown("**Support network**")
    for contact in plan.contacts:
        line = f"{contact.name} ({contact.kind}" + (f", {contact.role})" if contact.role else ")")
        if contact.is_crisis_contact and contact.kind != ContactKind.CRISIS_SERVICE:
            line += " · crisis contact"
        st.text(line + (f"\n   {contact.phone}" if contact.phone else ""))
    if not plan.contacts:
        st.caption("No support contacts yet.")
with right:
    st.markdown("**Crisis plan**")
    st.text(plan.sections.get("crisis_plan") or "No crisis plan written yet.")

# --- Pillar prompts ------------------------------------------------------------------------------

st.header("Talking points")
st.caption(
    "From the five pillars of recovery: to acknowledge progress and plan next steps together."
)
cols = [*st.columns(3), *st.columns(3)]  # two rows: the prompts need room to read
for col, prompt in zip(cols, data.prompts, strict=False):
    with col.container(border=True, height="stretch"):
        st.markdown(f"**{prompt.title}**")
        if prompt.reason:
            st.caption(prompt.reason)
        for text in prompt.texts:
            st.markdown(f"- {text}")

# --- Check-in in session -------------------------------------------------------------------------

if can_write:
    st.header("Record a check-in with the client")
    session_checkin.render(client_id, plan.goals)

# --- The session record --------------------------------------------------------------------------

session_record.render(client_id, can_write)
