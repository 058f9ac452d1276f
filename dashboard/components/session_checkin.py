"""A check-in taken with the client during the session (the session review): the self-ratings,
the active goals' progress, a word on what went well and what was hard, and PHQ-9 / GAD-7 if
given. Saved through checkins.record_checkin (source: session); a part-answered questionnaire is
kept as partial and its self-harm answer still flagged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from care_plans import measures
from care_plans.errors import DomainError
from care_plans.models import CheckinSource, GoalLifecycle
from care_plans.read import review
from care_plans.read.plan_views import GoalView
from care_plans.rules import RATING_LABELS
from care_plans.services import checkins
from dashboard import deps
from dashboard.components.feedback import show_error
from dashboard.components.text import plain

CHECKIN = "session_checkin:"  # widget keys of the in-session check-in form


def _instrument_answers(code: str) -> list[int | None]:
    count = measures.get_instrument(code).item_count
    return [st.session_state.get(f"{CHECKIN}{code}:{i}") for i in range(count)]


def render(client_id: int, goals: Sequence[GoalView]) -> None:
    """The check-in form; `goals` are the plan's, the active ones asked about."""
    db, actor = deps.database(), deps.current_actor()
    notice = st.session_state.pop(f"{CHECKIN}reset", None)
    if notice:  # saved: empty the form, and say so here rather than at the top of the page
        for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(CHECKIN)]:
            del st.session_state[key]
        st.success(notice)
    active = [g for g in goals if g.lifecycle_status == GoalLifecycle.ACTIVE]
    with st.form("session_checkin"):
        cols = st.columns(len(RATING_LABELS))
        for col, (name, label) in zip(cols, RATING_LABELS.items(), strict=True):
            col.number_input(
                f"{label} (0–10)",
                min_value=0,
                max_value=10,
                value=None,
                step=1,
                key=f"{CHECKIN}{name}",
            )
        goal_cols = st.columns(2)
        for i, goal in enumerate(active):
            goal_cols[i % 2].number_input(
                f"Progress on: {plain(goal.description[:60])} (0–10)",
                min_value=0,
                max_value=10,
                value=None,
                step=1,
                key=f"{CHECKIN}goal:{goal.id}",
            )
        c1, c2 = st.columns(2)
        c1.text_input("What went well", key=f"{CHECKIN}went_well")
        c2.text_input("What was hard", key=f"{CHECKIN}was_hard")
        for code in review.REVIEWED_INSTRUMENTS:
            instrument = measures.get_instrument(code)
            with st.expander(f"{instrument.name} (optional)"):
                st.caption(instrument.preamble)
                values = [v for v, _ in instrument.answer_options]
                labels = dict(instrument.answer_options)
                for i, item in enumerate(instrument.items):
                    st.radio(
                        f"{i + 1}. {item}",
                        values,
                        index=None,
                        horizontal=True,
                        format_func=labels.__getitem__,
                        key=f"{CHECKIN}{code}:{i}",
                    )
                if instrument.difficulty_question is not None:
                    extra = dict(instrument.difficulty_options)
                    st.radio(
                        instrument.difficulty_question,
                        list(extra),
                        index=None,
                        horizontal=True,
                        format_func=extra.__getitem__,
                        key=f"{CHECKIN}{code}:difficulty",
                    )
                st.caption(
                    "Best answered in full; a part-answered questionnaire is kept as "
                    "incomplete (no total), and its self-harm answer is still flagged."
                )
        submitted = st.form_submit_button("Save check-in")
    if not submitted:
        return
    answers: dict[str, list[Any]] = {}
    difficulty: dict[str, int | None] = {}
    state = st.session_state
    for code in review.REVIEWED_INSTRUMENTS:
        given = _instrument_answers(code)
        if any(a is not None for a in given):  # part-answered is kept as partial
            answers[code] = given
            difficulty[code] = state.get(f"{CHECKIN}{code}:difficulty")
    progress = {
        g.id: state[f"{CHECKIN}goal:{g.id}"]
        for g in active
        if state.get(f"{CHECKIN}goal:{g.id}") is not None
    }
    try:
        saved = checkins.record_checkin(
            db,
            actor,
            client_id=client_id,
            source=CheckinSource.SESSION,
            ratings={name: state.get(f"{CHECKIN}{name}") for name in RATING_LABELS},
            goal_progress=progress or None,
            went_well=state.get(f"{CHECKIN}went_well", ""),
            was_hard=state.get(f"{CHECKIN}was_hard", ""),
            measure_answers=answers or None,
            difficulty=difficulty or None,
        )
    except DomainError as exc:
        show_error(exc)
        return
    scores = "; ".join(
        f"{code} {measures.describe_unanswered(s.unanswered)}"
        if s.is_partial
        else f"{code} {s.total} ({s.severity})"
        for code, s in saved.scores.items()
    )
    state[f"{CHECKIN}reset"] = (
        "Check-in recorded in session."
        + (f" {scores}." if scores else "")
        + (
            " The self-harm question was answered above 0: follow up today."
            if saved.risk_flag
            else ""
        )
    )
    st.rerun()
