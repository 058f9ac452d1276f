"""The client's demographics on the add-client form and the client page: name parts,
administrative gender (optional, "Not recorded" by default) and a national identifier.

Why a component: the same fields, labels and hints in both places, owning their session-state
keys (`<prefix>given`, ...). The service checks and normalises them (an NHS number's check
digit included); a refusal keeps what was typed.
"""

from __future__ import annotations

import streamlit as st

from care_plans.identifiers import NATIONAL_IDENTIFIERS
from care_plans.identifiers import display as show_identifier
from care_plans.models import GENDER_LABELS
from care_plans.services.clients import ClientInfo, Demographics

NO_IDENTIFIER = ""
KEYS = ("given", "family", "gender", "id_kind", "id_value")


def inputs(prefix: str, current: ClientInfo | None = None) -> Demographics:
    """Draw the fields (prefilled from `current` the first time) and return what they hold."""
    if current is not None and f"{prefix}gender" not in st.session_state:
        st.session_state[f"{prefix}given"] = current.given_name
        st.session_state[f"{prefix}family"] = current.family_name
        st.session_state[f"{prefix}gender"] = current.administrative_gender
        st.session_state[f"{prefix}id_kind"] = current.national_id_kind or NO_IDENTIFIER
        st.session_state[f"{prefix}id_value"] = (
            show_identifier(current.national_id_kind, current.national_id)
            if current.national_id_kind and current.national_id
            else ""
        )
    c1, c2 = st.columns(2)
    given = c1.text_input(
        "Given name(s) (optional)",
        key=f"{prefix}given",
        help="As the client wants them recorded; several separated by spaces.",
    )
    family = c2.text_input("Family name (optional)", key=f"{prefix}family")
    gender = st.selectbox(
        "Gender (administrative, optional)",
        list(GENDER_LABELS),
        format_func=GENDER_LABELS.__getitem__,
        key=f"{prefix}gender",
        help="What the record uses for administration; leave 'Not recorded' "
        "if it is not known or the client prefers not to say.",
    )
    c3, c4 = st.columns(2)
    kinds = [NO_IDENTIFIER, *NATIONAL_IDENTIFIERS]
    kind = c3.selectbox(
        "National identifier (optional)",
        kinds,
        key=f"{prefix}id_kind",
        format_func=lambda k: NATIONAL_IDENTIFIERS[k].label if k else "None",
    )
    example = NATIONAL_IDENTIFIERS[kind].example if kind else ""
    value = c4.text_input(
        "Number",
        key=f"{prefix}id_value",
        disabled=not kind,
        placeholder=f"e.g. {example}" if example else "",
        help="Checked against its check digit before it is saved.",
    )
    return Demographics(
        given_name=given,
        family_name=family,
        administrative_gender=gender,
        national_id_kind=kind or None,
        national_id=value if kind else "",
    )


def clear(prefix: str) -> None:
    for key in KEYS:
        st.session_state.pop(f"{prefix}{key}", None)
