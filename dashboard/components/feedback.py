"""Plain-language feedback: domain errors next to the form, and one-shot success messages."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from care_plans.errors import DomainError, EditConflict, ValidationError

FLASH = "flash_message"

FIELD_NAMES = {
    "": "",
    "wellness": "What wellness looks like",
    "warning_signs": "Early warning signs",
    "what_helps": "What helps",
    "self_care_routine": "Self-care routine",
    "crisis_plan": "Crisis plan",
    "next_review_date": "Next review date",
    "start_date": "Start date",
    "target_date": "Target date",
    "due_date": "Due date",
    "why_it_matters": "Why it matters",
    "when_to_contact": "When to reach out",
    "consent_date": "Consent date",
}


def field_label(field: str) -> str:
    return FIELD_NAMES.get(field, field.replace("_", " ").capitalize())


def describe(exc: DomainError) -> list[str]:
    """The lines to show for a refusal, each naming the field that is wrong."""
    if isinstance(exc, ValidationError):
        return [f"{field_label(f)}: {p}" if f else p for f, p in exc.problems.items()]
    return [exc.message]


def show_error(exc: DomainError) -> None:
    for line in describe(exc):
        st.error(line)
    if isinstance(exc, EditConflict) and exc.changed:
        st.write("What changed meanwhile:")
        for field, (before, after) in exc.changed.items():
            st.text(f"{field_label(field)}: {before!s:.80} → {after!s:.80}")


def flash(message: str, where: str = "") -> None:
    """A success message shown once, on the next run (after a save and st.rerun), at the place
    named `where` (the form or panel the clinician used; "" is the top of the page)."""
    st.session_state[FLASH] = (where, message)


def show_flash(where: str = "") -> None:
    """Show the pending success message if it belongs here."""
    pending = st.session_state.get(FLASH)
    if not pending:
        return
    place, message = pending if isinstance(pending, tuple) else ("", pending)
    if place == where:
        del st.session_state[FLASH]
        st.success(message)


def run_action(
    action: Callable[[], object],
    success: str,
    *,
    reset: str | None = None,
    where: str | None = None,
) -> bool:
    """Run a service call from a form: refusals shown in place, success flashed after a rerun.

    `reset` names a form whose pinned version and typed values are dropped after a success, so
    it is drawn empty (or from the saved record) again. The success message is shown where
    `show_flash(where)` is called (by default at the form named by `reset`).
    """
    try:
        action()
    except DomainError as exc:
        show_error(exc)
        return False
    if reset:
        reset_form(reset)
    flash(success, (reset or "") if where is None else where)
    st.rerun()
    return True  # not reached: st.rerun() ends this run


def opened_version(form_key: str, current: int) -> int:
    """The version a record had when its edit form was first shown in this browser.

    Saves use it, so a change someone else saved meanwhile is refused as an edit conflict instead
    of being silently overwritten; `forget_form` starts the next edit from the latest version.
    """
    return int(st.session_state.setdefault(f"opened:{form_key}", current))


def form_key(base: str) -> str:
    """The key of a form's current drawing: its widgets' keys start with it.

    Deleting a widget's value from the session state does not empty the box in the browser (the
    browser keeps what it shows for a widget it already has, and sends it back on the next
    submit). A form is drawn empty again by drawing NEW widgets: `reset_form` moves this key on.
    """
    return f"{base}@{st.session_state.get(f'form_generation:{base}', 0)}"


def forget_form(base: str) -> None:
    """Drop a form's pinned version and typed values (when its panel is closed)."""
    for key in [
        k
        for k in st.session_state
        if isinstance(k, str) and (k == f"opened:{base}" or k.startswith(f"{base}@"))
    ]:
        del st.session_state[key]


def reset_form(base: str) -> None:
    """After a save (or "start again"): the next run draws the form afresh, from the record."""
    generation = int(st.session_state.get(f"form_generation:{base}", 0))
    forget_form(base)
    st.session_state[f"form_generation:{base}"] = generation + 1
