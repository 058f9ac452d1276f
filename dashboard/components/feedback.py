"""Plain-language feedback: domain errors next to the form, and one-shot success messages."""

from __future__ import annotations

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


def flash(message: str) -> None:
    """A success message shown once, on the next run (after a save and st.rerun)."""
    st.session_state[FLASH] = message


def show_flash() -> None:
    message = st.session_state.pop(FLASH, None)
    if message:
        st.success(message)
