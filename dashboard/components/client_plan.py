"""The client's own link in three parts: *Check in* (the form in views/checkin.py), *My plan* and
*My goals*. This module draws the part switch, the crisis numbers always one tap away, and the two
new parts; the check-in form itself stays where it is.

Everything shown comes from `client_portal.open_plan`, which is all a token can read beyond the
form (a section kept for clinicians never reaches this page, nor its source). Every write is a
callback calling one token-scoped service with the version or revision the page showed, so a
tick or an agreement is never applied to something the client did not see. Client-written text
is shown through `plain` (never as Markdown or HTML). Targets are thumb-sized on a phone.
"""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from care_plans.dates import show_day_in_full
from care_plans.db import Database
from care_plans.errors import DomainError
from care_plans.models import GoalLifecycle
from care_plans.services import client_portal
from care_plans.services.checkin_links import LinkUnavailable
from care_plans.services.client_portal import ClientPlan, MyGoal
from dashboard import deps
from dashboard.components.text import plain

#: A goal's lifecycle in the client's own words (an active goal needs none).
GOAL_WORDS: dict[str, str] = {
    GoalLifecycle.COMPLETED: "Done",
    GoalLifecycle.ON_HOLD: "On hold for now",
    GoalLifecycle.PROPOSED: "Suggested",
}

CHECK_IN, MY_PLAN, MY_GOALS = "Check in", "My plan", "My goals"
PARTS = (CHECK_IN, MY_PLAN, MY_GOALS)
PART_KEY = "client_part"
#: session_state: the revision number the "My plan" part last showed (agreement is to that one).
SHOWN_REVISION = "client_plan_shown_revision"
MESSAGE = "client_plan_message:"  # + a place: (kind, text) shown once there

# Our own static CSS (no user text): thumb-sized targets, links that look like buttons, long
# words that wrap instead of pushing the page sideways at 200% zoom.
CSS = """<style>
.st-key-client_part button { min-height: 2.75rem; font-size: 1rem; }
.st-key-crisis_calls a, .st-key-plan_calls a {
  display: block; min-height: 2.75rem; padding: 0.6rem 0.9rem; margin: 0.25rem 0;
  border: 2px solid #a4262c; border-radius: 0.5rem; color: #7a1418; font-weight: 600;
  text-decoration: none; background: #fff5f5;
}
.st-key-crisis_calls a:focus-visible, .st-key-plan_calls a:focus-visible {
  outline: 3px solid #1a4d8f; outline-offset: 2px;
}
[class*="st-key-mystep_"] label { min-height: 2.75rem; align-items: center; width: 100%; }
[class*="st-key-mystep_"] label p { font-size: 1.05rem; }
.st-key-my_plan, .st-key-my_goals, .st-key-crisis_calls { overflow-wrap: anywhere; }
[class*="st-key-mynote_form_"] button, .st-key-agree_form button { min-height: 2.75rem; }
/* Streamlit draws captions at 60% opacity (2.9:1 on white); the client's page needs 4.5:1. */
[data-testid="stCaptionContainer"] { opacity: 1 !important; color: #55575f !important; }
/* The chosen part, in the theme's green on its pale tint, is 4.4:1: a shade darker. */
.st-key-client_part button[aria-checked="true"] p { color: #1d4a3e; }
</style>"""


def _day(moment: datetime) -> str:
    return show_day_in_full(moment.astimezone(deps.settings().tz).date())


def _words(text: str) -> None:
    """Text the client and clinician wrote, as written: escaped, line breaks kept."""
    st.markdown(plain(text).replace("\n", "  \n"))


def _say(place: str, kind: str, text: str) -> None:
    st.session_state[MESSAGE + place] = (kind, text)


def _show_message(place: str) -> None:
    said = st.session_state.pop(MESSAGE + place, None)
    if said is None:
        return
    kind, text = said
    if kind == "success":
        st.success(text, icon=":material/check_circle:")
    else:
        st.error(text, icon=":material/error:")


def _problems(exc: DomainError) -> str:
    problems = getattr(exc, "problems", None)
    if problems:
        return " ".join(problems.values())
    return exc.message


def _calls(plan: ClientPlan, key: str) -> None:
    """The client's crisis contacts as links that dial them."""
    with st.container(key=key):
        for contact in plan.crisis_contacts:
            if contact.phone:
                st.markdown(
                    f"[📞 Call {plain(contact.name)}: {plain(contact.phone)}]({contact.tel})"
                )


def choose_part(db: Database, token: str, address: str | None) -> str:
    """Draw the part switch (and, on "My plan" / "My goals", that part); return the part chosen.

    The check-in page calls this under its greeting and runs its form only for "Check in".
    """
    st.html(CSS)
    part = st.segmented_control(
        "Part of your page",
        PARTS,
        key=PART_KEY,
        default=CHECK_IN,
        required=True,
        label_visibility="collapsed",
        width="stretch",
    )
    part = part or CHECK_IN
    if part == CHECK_IN:
        return part
    try:
        plan = client_portal.open_plan(
            db, token, source_address=address, part="plan" if part == MY_PLAN else "goals"
        )
    except DomainError as exc:  # too many wrong links from here lately
        st.warning(exc.message)
        return part
    if plan is None:  # the link stopped working between two taps
        st.warning(LinkUnavailable().message, icon=":material/link_off:")
        return part
    crisis_line(plan)
    if part == MY_PLAN:
        my_plan(db, token, address, plan)
    else:
        my_goals(db, token, address, plan)
    return part


def crisis_line(plan: ClientPlan) -> None:
    if any(c.phone for c in plan.crisis_contacts):
        _calls(plan, "crisis_calls")


# --- My plan -------------------------------------------------------------------------------------


def _agree(db: Database, token: str, address: str | None) -> None:
    state = st.session_state
    try:
        client_portal.agree_to_plan(
            db,
            token,
            revision_number=int(state.get(SHOWN_REVISION) or 0),
            agreed=bool(state.get("agree_tick")),
            typed_name=state.get("agree_name") or "",
            source_address=address,
        )
    except DomainError as exc:
        _say("agree", "error", _problems(exc))
        return
    state["agree_tick"] = False
    state["agree_name"] = ""
    _say("agree", "success", "Thank you. Your care team will see that you agreed to your plan.")


def my_plan(db: Database, token: str, address: str | None, plan: ClientPlan) -> None:
    with st.container(key="my_plan"):
        st.header("My plan", anchor=False)
        if not plan.has_plan:
            st.info("Your plan will be here once you and your clinician have written it.")
            return
        changed = f" · last changed {_day(plan.last_changed_at)}" if plan.last_changed_at else ""
        st.caption(
            f"Version {plan.revision_number}{changed}. Written with your care team, in your words."
        )
        for section in plan.sections:
            st.subheader(section.title, anchor=False)
            if section.text.strip():
                _words(section.text)
            else:
                st.caption("Nothing written here yet. You can add to it with your clinician.")
            if section.name == "crisis_plan":
                _crisis_contacts(plan)
        if "crisis_plan" not in {s.name for s in plan.sections} and plan.crisis_contacts:
            st.subheader("Who to contact in a crisis", anchor=False)
            _crisis_contacts(plan)
        _agreement(db, token, address, plan)


def _crisis_contacts(plan: ClientPlan) -> None:
    if not plan.crisis_contacts:
        return
    st.markdown("**People and services you chose to contact:**")
    _calls(plan, "plan_calls")
    for contact in plan.crisis_contacts:
        if contact.when_to_contact or not contact.phone:
            role = f" ({plain(contact.role)})" if contact.role else ""
            st.markdown(f"**{plain(contact.name)}**{role}")
            if contact.when_to_contact:
                _words(contact.when_to_contact)


def _agreement(db: Database, token: str, address: str | None, plan: ClientPlan) -> None:
    st.session_state[SHOWN_REVISION] = plan.revision_number
    with st.container(border=True, key="agreement"):
        st.subheader("Do you agree with your plan?", anchor=False)
        _show_message("agree")
        agreement = plan.agreement
        if plan.agreed_to_this and agreement is not None:
            st.success(
                f"You agreed to this plan on {_day(agreement.agreed_at)} "
                f"(version {agreement.revision_number}).",
                icon=":material/task_alt:",
            )
            return
        if agreement is not None and plan.asked_again:
            st.info(
                "Your care team has asked you to read your plan again and say whether "
                "you agree with it."
            )
        elif agreement is not None:
            st.info(
                f"Your plan has changed since you agreed to it on "
                f"{_day(agreement.agreed_at)} (version {agreement.revision_number}). "
                "Please read it again."
            )
        with st.form("agree_form", border=False):
            st.checkbox("I have read this plan and agree to it", key="agree_tick")
            st.text_input(
                "Type your name",
                key="agree_name",
                max_chars=client_portal.MAX_NAME_CHARS,
                autocomplete="name",
            )
            st.form_submit_button(
                "Agree to my plan",
                type="primary",
                width="stretch",
                on_click=_agree,
                args=(db, token, address),
            )


# --- My goals ------------------------------------------------------------------------------------


def _tick(db: Database, token: str, address: str | None, step_id: int, version: int) -> None:
    done = bool(st.session_state.get(f"mystep_{step_id}"))
    try:
        client_portal.tick_step(
            db,
            token,
            step_id,
            done=done,
            expected_version=version,
            source_address=address,
            tz=deps.settings().tz,
        )
    except DomainError as exc:
        _say(f"step{step_id}", "error", _problems(exc))
        return
    _say(
        f"step{step_id}", "success", "Ticked off. Well done!" if done else "Marked as not done yet."
    )


def _note(db: Database, token: str, address: str | None, goal_id: int) -> None:
    key = f"mynote_{goal_id}"
    try:
        client_portal.add_goal_note(
            db, token, goal_id, st.session_state.get(key) or "", source_address=address
        )
    except DomainError as exc:
        _say(f"note{goal_id}", "error", _problems(exc))  # the words stay in the box
        return
    st.session_state[key] = ""
    _say(f"note{goal_id}", "success", "Note saved. Your care team will see it.")


def _goal(db: Database, token: str, address: str | None, goal: MyGoal) -> None:
    with st.container(border=True, key=f"mygoal_{goal.id}"):
        st.subheader(plain(goal.description), anchor=False)
        facts = []
        if goal.status != GoalLifecycle.ACTIVE:
            facts.append(GOAL_WORDS.get(goal.status, goal.status))
        if goal.target_date:
            facts.append(f"Aiming for {show_day_in_full(goal.target_date)}")
        if facts:
            st.caption(" · ".join(facts))
        if goal.why_it_matters:
            st.markdown(f"**Why it matters:** {plain(goal.why_it_matters)}")
        if not goal.steps:
            st.caption("No steps yet: you can plan the first small one with your clinician.")
        for step in goal.steps:
            key = f"mystep_{step.id}"
            st.session_state[key] = step.done_on is not None  # the box shows what is stored
            st.checkbox(
                plain(step.description),
                key=key,
                on_change=_tick,
                args=(db, token, address, step.id, step.version),
            )
            details = []
            if step.due_date:
                details.append(f"by {show_day_in_full(step.due_date)}")
            if step.helper:
                details.append(f"{plain(step.helper)} helps")
            if step.done_on:
                who = " (you ticked it)" if step.ticked_by_client_at else ""
                details.append(f"done {show_day_in_full(step.done_on)}{who}")
            if details:
                st.caption(" · ".join(details))
            _show_message(f"step{step.id}")
        if goal.notes:
            st.markdown("**Your notes**")
            for note in goal.notes[-5:]:
                st.caption(_day(note.written_at))
                _words(note.text)
        with st.form(f"mynote_form_{goal.id}", border=False):
            st.text_area(
                "A short note about this goal, for your care team (if you like)",
                key=f"mynote_{goal.id}",
                max_chars=client_portal.MAX_NOTE_CHARS,
                height=90,
            )
            st.form_submit_button(
                "Save note", width="stretch", on_click=_note, args=(db, token, address, goal.id)
            )
        _show_message(f"note{goal.id}")


def my_goals(db: Database, token: str, address: str | None, plan: ClientPlan) -> None:
    with st.container(key="my_goals"):
        st.header("My goals", anchor=False)
        if not plan.goals:
            st.info("No goals yet. You can choose a first small goal with your clinician.")
            return
        st.caption("Tick a step when you have done it. Tap it again if you want to undo it.")
        for goal in plan.goals:
            _goal(db, token, address, goal)
