"""Goals in the client's words, broken into small steps, each with who helps."""

from __future__ import annotations

import streamlit as st

from care_plans.dates import show_day
from care_plans.errors import DomainError
from care_plans.models import GoalAchievement, GoalLifecycle, RecoveryDomain
from care_plans.read import plan_views
from care_plans.services import goals, plans
from dashboard import deps
from dashboard.components.feedback import (
    flash,
    forget_form,
    form_key,
    opened_version,
    reset_form,
    run_action,
    show_error,
    show_flash,
)
from dashboard.components.text import plain

DOMAINS = [d.value for d in RecoveryDomain]
LIFECYCLE = [s.value for s in GoalLifecycle]
ACHIEVEMENT = [s.value for s in GoalAchievement]
GAS_LEVELS = ["-2", "-1", "0", "1", "2"]
GAS_HELP = {
    "-2": "much less than expected",
    "-1": "somewhat less than expected",
    "0": "expected outcome",
    "1": "somewhat more than expected",
    "2": "much more than expected",
}


def _goal_form(goal: plan_views.GoalView | None, plan_id: int) -> None:
    base = f"goal_form:{goal.id if goal else 'new'}"
    expected = opened_version(base, goal.version) if goal else 0
    show_flash(base)
    # Never clear on submit: a refused save must leave the typed words in place. A successful
    # save draws the form afresh (reset_form gives it new widget keys).
    key = form_key(base)
    with st.form(key):
        # Keyed widgets keep what was typed when the stored goal changes underneath them.
        description = st.text_area(
            "Goal, in the client's words",
            key=f"{key}:description",
            value=goal.description if goal else "",
            height=70,
            max_chars=plans.MAX_TITLE_TEXT,
        )
        why = st.text_input(
            "Why it matters",
            value=goal.why_it_matters if goal else "",
            key=f"{key}:why",
            max_chars=plans.MAX_NOTE_TEXT,
        )
        c1, c2, c3 = st.columns(3)
        domain = c1.selectbox(
            "Recovery domain",
            DOMAINS,
            key=f"{key}:domain",
            index=DOMAINS.index(goal.domain) if goal else 0,
        )
        start = c2.date_input(
            "Start",
            value=goal.start_date if goal else None,
            format="DD/MM/YYYY",
            key=f"{key}:start",
        )
        target = c3.date_input(
            "Target",
            value=goal.target_date if goal else None,
            format="DD/MM/YYYY",
            key=f"{key}:target",
        )
        c4, c5 = st.columns(2)
        lifecycle = c4.selectbox(
            "Status",
            LIFECYCLE,
            key=f"{key}:lifecycle",
            index=LIFECYCLE.index(goal.lifecycle_status) if goal else 1,
        )
        achievement = c5.selectbox(
            "Progress",
            ACHIEVEMENT,
            key=f"{key}:achievement",
            index=ACHIEVEMENT.index(goal.achievement_status) if goal else 0,
        )
        with st.expander("Goal Attainment Scaling levels (optional)"):
            levels = {
                lvl: st.text_input(
                    f"{lvl}: {GAS_HELP[lvl]}",
                    value=(goal.gas_levels.get(lvl, "") if goal else ""),
                    key=f"{key}:gas:{lvl}",
                    max_chars=plans.MAX_NOTE_TEXT,
                )
                for lvl in GAS_LEVELS
            }
        submitted = st.form_submit_button("Save goal" if goal else "Add goal")
    if not submitted:
        return
    gas = {k: v for k, v in levels.items() if v.strip()} or None
    db, actor, tz = deps.database(), deps.current_actor(), deps.settings().tz
    if goal is None:
        run_action(
            lambda: goals.add_goal(
                db,
                actor,
                plan_id,
                domain=domain,
                description=description,
                why_it_matters=why,
                start_date=start,
                target_date=target,
                lifecycle_status=lifecycle,
                achievement_status=achievement,
                gas_levels=gas,
            ),
            "Goal added.",
            reset=base,
        )
    else:
        changes = {
            "description": description,
            "why_it_matters": why,
            "domain": domain,
            "start_date": start,
            "target_date": target,
            "lifecycle_status": lifecycle,
            "achievement_status": achievement,
            "gas_levels": gas,
        }
        saved = run_action(
            lambda: goals.update_goal(
                db, actor, goal.id, expected_version=expected, changes=changes, tz=tz
            ),
            "Goal saved.",
            reset=base,
        )
        if not saved:
            st.button(
                "Start again from the latest version",
                key=f"{key}:reload",
                on_click=reset_form,
                args=(base,),
            )


def _tick(step_id: int, version: int, where: str) -> None:
    """Checkbox callback: save what the clinician set this box to, against the version drawn.

    It runs once, for the box that was clicked, before the page is drawn again; so a box never
    acts on a later run (a rerun after the save, a click elsewhere) and never writes back over
    another clinician's change."""
    done = bool(st.session_state.get(f"step:{step_id}"))
    try:
        goals.set_step_done(
            deps.database(),
            deps.current_actor(),
            step_id,
            done=done,
            tz=deps.settings().tz,
            expected_version=version,
            today=deps.today(),
        )
    except DomainError as exc:
        st.session_state[f"step_error:{step_id}"] = exc
        return
    st.session_state.pop(f"step_error:{step_id}", None)
    flash("Step ticked off — well done." if done else "Step marked as not done.", where)


def _steps(
    goal: plan_views.GoalView, contacts: tuple[plan_views.ContactView, ...], can_write: bool
) -> None:
    db, actor = deps.database(), deps.current_actor()
    names = {c.id: c.name for c in contacts}
    where = f"goal:{goal.id}"
    show_flash(where)
    for step in goal.steps:
        st.session_state[f"step:{step.id}"] = step.done_on is not None  # the box shows the store
        cols = st.columns([0.07, 0.63, 0.3])
        # The hidden label names the step, so a screen reader says which box it is.
        cols[0].checkbox(
            f"Done: {plain(step.description)}",
            key=f"step:{step.id}",
            label_visibility="collapsed",
            disabled=not can_write,
            on_change=_tick,
            args=(step.id, step.version, where),
        )
        text = step.description
        if step.due_date:
            text += f" · due {show_day(step.due_date)}"
        if step.done_on:
            text += f" · done {show_day(step.done_on)}"
        cols[1].text(text)
        cols[2].caption(f"Helps: {plain(step.helper_name)}" if step.helper_name else "")
        error = st.session_state.pop(f"step_error:{step.id}", None)
        if error is not None:
            show_error(error)
    if not can_write:
        return
    base = f"new_step:{goal.id}"
    form = form_key(base)
    with st.form(form):
        c1, c2, c3 = st.columns([0.5, 0.2, 0.3])
        desc = c1.text_input(
            "New small step", key=f"{form}:description", max_chars=plans.MAX_TITLE_TEXT
        )
        due = c2.date_input("Due (optional)", value=None, format="DD/MM/YYYY", key=f"{form}:due")
        helper = c3.selectbox(
            "Who helps (optional)",
            [None, *names],
            key=f"{form}:helper",
            format_func=lambda i: "nobody in particular" if i is None else names[i],
        )
        if st.form_submit_button("Add step"):
            run_action(
                lambda: goals.add_step(
                    db, actor, goal.id, description=desc, due_date=due, helper_contact_id=helper
                ),
                "Step added.",
                reset=base,
                where=where,
            )


def render(plan: plan_views.PlanView, can_write: bool) -> None:
    if not plan.goals:
        st.info("No goals yet. Start with one small, realistic goal the client chooses.")
    db, actor, tz = deps.database(), deps.current_actor(), deps.settings().tz
    for i, goal in enumerate(plan.goals):
        done = sum(1 for s in goal.steps if s.done_on)
        label = (
            f"{plain(goal.description[:80])} — {goal.domain} · {goal.lifecycle_status} · "
            f"{done}/{len(goal.steps)} steps done"
        )
        # Keyed: the panel stays open across saves although its label changes. (Not tracked
        # with on_change: a tracked expander's identity includes its label.)
        with st.expander(label, expanded=False, key=f"goal_panel:{goal.id}"):
            if goal.why_it_matters:
                st.caption(f"Why it matters: {plain(goal.why_it_matters)}")
            if goal.target_date:
                st.caption(f"Target: {show_day(goal.target_date)}")
            _steps(goal, plan.contacts, can_write)
            if can_write:
                c1, c2, c3 = st.columns(3)
                if c1.button("Move up", key=f"goal_up:{goal.id}", disabled=i == 0):

                    def move_up(g: plan_views.GoalView = goal) -> object:
                        return goals.move_goal(
                            db, actor, g.id, direction="up", expected_version=g.version, tz=tz
                        )

                    run_action(move_up, "Goal moved up.", where=f"goal:{goal.id}")
                if c2.button(
                    "Move down", key=f"goal_down:{goal.id}", disabled=i == len(plan.goals) - 1
                ):

                    def move_down(g: plan_views.GoalView = goal) -> object:
                        return goals.move_goal(
                            db, actor, g.id, direction="down", expected_version=g.version, tz=tz
                        )

                    run_action(move_down, "Goal moved down.", where=f"goal:{goal.id}")
                if c3.toggle("Edit this goal", key=f"goal_edit:{goal.id}"):
                    _goal_form(goal, plan.id)
                else:
                    forget_form(f"goal_form:{goal.id}")
    if can_write:
        with st.expander("Add a goal", key="goal_panel:new"):
            _goal_form(None, plan.id)
