"""The plan's sections, written together with the client.

The text areas are plain widgets (not an st.form) keyed under the draft prefix, so what is typed
reaches the server as it is written, survives an automatic sign-out, and stays on screen when a
save is refused (invalid, or another clinician saved first).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from care_plans.errors import DomainError, EditConflict
from care_plans.models import PLAN_SECTION_TITLES, PLAN_SECTIONS
from care_plans.read import plan_views
from care_plans.read import plans as read_plans
from care_plans.services import plans
from dashboard import deps
from dashboard.components.feedback import flash, show_error, show_flash
from dashboard.components.signin import DRAFT_PREFIX

HELP = {
    "strengths": "What the client is good at, cares about, and has got through before.",
    "wellness": "What a good day looks like, in the client's words.",
    "triggers": "Situations that make things harder.",
    "warning_signs": "Early signs that things are slipping, noticed by the client or others.",
    "what_helps": "Coping strategies and people that help.",
    "self_care_routine": "Sleep, eating, movement, relaxation, activities that bring joy.",
    "crisis_plan": "What to do and whom to contact if things get very bad.",
}


def _key(plan_id: int, field: str) -> str:
    return f"{DRAFT_PREFIX}plan:{plan_id}:{field}"


def _base_key(plan_id: int) -> str:
    return f"plan_base:{plan_id}"


def _saved_values(plan: plan_views.PlanView) -> dict[str, Any]:
    return {**plan.sections, "next_review_date": plan.next_review_date}


def _sync_drafts(plan: plan_views.PlanView) -> None:
    """Fill the widgets from the saved plan, unless the user has unsaved edits of their own."""
    base = st.session_state.get(_base_key(plan.id))
    saved = _saved_values(plan)
    keys = {f: _key(plan.id, f) for f in saved}
    present = all(k in st.session_state for k in keys.values())
    if base is not None and present:
        base_version, base_values = base
        dirty = any(st.session_state[keys[f]] != base_values[f] for f in saved)
        if base_version == plan.version or dirty:
            return
    for field, key in keys.items():
        if key not in st.session_state or base is None or base[0] != plan.version:
            st.session_state[key] = saved[field]
    st.session_state[_base_key(plan.id)] = (plan.version, saved)


def _typed(plan_id: int, fields: list[str]) -> dict[str, Any]:
    return {f: st.session_state.get(_key(plan_id, f)) for f in fields}


def _save(plan_id: int, client_ref: str, force_latest: bool = False) -> None:
    """Save callback: runs before the page, so it may reset the widgets it owns."""
    base_version, base_values = st.session_state[_base_key(plan_id)]
    typed = _typed(plan_id, list(base_values))
    changes = {f: v for f, v in typed.items() if v != base_values[f]}
    st.session_state.pop(f"plan_error:{plan_id}", None)
    if not changes:
        flash("Nothing to save: the plan has not changed.", "plan")
        return
    expected = base_version
    if force_latest:
        expected = st.session_state.pop(f"plan_conflict_version:{plan_id}", base_version)
    try:
        saved = plans.update_plan(
            deps.database(),
            deps.current_actor(),
            plan_id,
            expected_version=expected,
            changes=changes,
            tz=deps.settings().tz,
        )
    except EditConflict as exc:
        st.session_state[f"plan_error:{plan_id}"] = exc
        current = read_plans.get_plan(
            deps.database(),
            deps.current_actor(),
            client_id=st.session_state["client_id"],
            plan_id=plan_id,
        )
        st.session_state[f"plan_conflict_version:{plan_id}"] = current.version
        return
    except DomainError as exc:
        st.session_state[f"plan_error:{plan_id}"] = exc
        return
    # Reload every box from the saved plan on the next run (it now holds these changes).
    st.session_state.pop(_base_key(plan_id), None)
    flash(f"Plan saved for {client_ref} (revision {saved.revision}).", "plan")


def _discard(plan_id: int) -> None:
    st.session_state.pop(_base_key(plan_id), None)
    st.session_state.pop(f"plan_error:{plan_id}", None)
    st.session_state.pop(f"plan_conflict_version:{plan_id}", None)
    for key in [
        k
        for k in st.session_state
        if isinstance(k, str) and k.startswith(f"{DRAFT_PREFIX}plan:{plan_id}:")
    ]:
        del st.session_state[key]


def render(plan: plan_views.PlanView, client_ref: str, can_write: bool) -> None:
    _sync_drafts(plan)
    st.caption("Written together with the client, in their words. Every save keeps a revision.")
    for field in PLAN_SECTIONS:
        st.text_area(
            PLAN_SECTION_TITLES[field],
            key=_key(plan.id, field),
            help=HELP[field],
            height=110 if field != "crisis_plan" else 150,
            disabled=not can_write,
            max_chars=plans.MAX_SECTION_TEXT,
        )
    st.date_input(
        "Next review date",
        key=_key(plan.id, "next_review_date"),
        min_value=date(2000, 1, 1),
        format="DD/MM/YYYY",
        disabled=not can_write,
    )
    error = st.session_state.get(f"plan_error:{plan.id}")
    if error is not None:
        show_error(error)
        if isinstance(error, EditConflict):
            st.info(
                "Your text is still in the boxes above. Save it over theirs, or discard "
                "yours and load the latest plan."
            )
            c1, c2 = st.columns(2)
            c1.button(
                "Save mine over theirs",
                key=f"plan_force:{plan.id}",
                on_click=_save,
                args=(plan.id, client_ref, True),
            )
            c2.button(
                "Discard mine, load theirs",
                key=f"plan_discard:{plan.id}",
                on_click=_discard,
                args=(plan.id,),
            )
    show_flash("plan")  # beside the button that saved it
    if can_write:
        st.button(
            "Save plan",
            type="primary",
            key=f"plan_save:{plan.id}",
            on_click=_save,
            args=(plan.id, client_ref),
        )
