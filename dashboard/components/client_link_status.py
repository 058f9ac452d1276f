"""What the client does on their own link, as the clinician sees it: whether they agreed to the
plan (and whether it changed since), which sections their link shows, the steps they ticked and
the notes they wrote. Read from `care_plans.read.client_activity`; the two writes (section sharing,
asking for agreement again) go through `client_portal`'s access-checked clinician functions.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo

import streamlit as st

from care_plans.dates import show_day_of, show_time
from care_plans.errors import DomainError
from care_plans.models import PLAN_SECTION_TITLES, PLAN_SECTIONS
from care_plans.read import client_activity
from care_plans.read.client_activity import AgreementStatus, ClientActivity
from care_plans.services import client_portal
from dashboard import deps
from dashboard.components.feedback import show_error
from dashboard.components.text import plain

SHOWN, CLINICIAN_ONLY = "Shown on the client's link", "Clinician only"


def _day(moment: datetime) -> str:
    return show_day_of(moment, deps.settings().tz)


def _when(moment: datetime) -> str:
    return show_time(moment, deps.settings().tz)


def agreement_text(status: AgreementStatus) -> str:
    """ "Agreed by the client on 2 Dec 2026 (revision 5) · changed since the client agreed"."""
    if not status.agreed or status.agreed_at is None:
        text = "Not yet agreed by the client on their link"
    else:
        text = (
            f"Agreed by the client on {_day(status.agreed_at)} (revision {status.agreed_revision})"
        )
        if status.changed_since:
            text += " · changed since the client agreed"
    if status.asked_at is not None:
        text += f" · agreement asked for on {_day(status.asked_at)}"
    return text


def activity(client_id: int) -> ClientActivity:
    return client_activity.client_activity(deps.database(), deps.current_actor(), client_id)


def agreement_caption(client_id: int) -> None:
    """One line under the client page's title."""
    st.caption(
        agreement_text(activity(client_id).status),
        help=(
            "The client reads their plan on their check-in link and can agree to it there, "
            "typing their name."
        ),
    )


def _set_shown(plan_id: int, section: str) -> None:
    choice = st.session_state.get(f"share:{plan_id}:{section}")
    try:
        client_portal.set_section_shown(
            deps.database(), deps.current_actor(), plan_id, section, shown=choice == SHOWN
        )
    except DomainError as exc:
        st.session_state[f"share_error:{plan_id}"] = exc
        st.session_state.pop(f"share:{plan_id}:{section}", None)


def _ask_again(plan_id: int) -> None:
    try:
        client_portal.ask_for_agreement_again(deps.database(), deps.current_actor(), plan_id)
    except DomainError as exc:
        st.session_state[f"share_error:{plan_id}"] = exc
    else:
        st.session_state[f"share_done:{plan_id}"] = (
            "Asked: the client's link shows the plan with the agreement box again."
        )


def sharing(plan_id: int, client_id: int, can_write: bool) -> None:
    """The Care plan tab's part about the client's link: agreement and what the link shows."""
    db, actor = deps.database(), deps.current_actor()
    seen = activity(client_id)
    with st.container(border=True, key=f"client_link_plan_{plan_id}"):
        st.markdown("**On the client's own link**")
        st.write(agreement_text(seen.status))
        if seen.status.agreed and seen.status.typed_name:
            st.caption(f"Name typed when agreeing: {plain(seen.status.typed_name)}")
        error = st.session_state.pop(f"share_error:{plan_id}", None)
        if error is not None:
            show_error(error)
        done = st.session_state.pop(f"share_done:{plan_id}", None)
        if done:
            st.success(done)
        if can_write:
            st.button(
                "Ask the client to agree again",
                key=f"ask_agree:{plan_id}",
                on_click=_ask_again,
                args=(plan_id,),
            )
        st.caption(
            "Each section is shown on the client's link unless kept for clinicians "
            "only. A clinician-only section never reaches the link."
        )
        shown = client_portal.section_sharing(db, actor, plan_id)
        for section in PLAN_SECTIONS:
            key = f"share:{plan_id}:{section}"
            st.session_state[key] = SHOWN if shown[section] else CLINICIAN_ONLY
            st.radio(
                PLAN_SECTION_TITLES[section],
                (SHOWN, CLINICIAN_ONLY),
                key=key,
                horizontal=True,
                disabled=not can_write,
                on_change=_set_shown,
                args=(plan_id, section),
            )


def _line(action: client_activity.ClientAction) -> str:
    when = _when(action.at)
    if action.kind == client_activity.NOTE:
        return f"{when} · note on “{action.goal}”: {action.text}"
    if action.kind == client_activity.AGREED:
        return f"{when} · agreed to the plan (revision {action.revision}), typing “{action.text}”"
    return f"{when} · {action.kind}: “{action.step}” ({action.goal})"


def actions(client_id: int, *, since: datetime | None = None, limit: int = 20) -> None:
    """What the client did on their link, newest first, each line as written (plain text)."""
    seen = client_activity.client_activity(
        deps.database(), deps.current_actor(), client_id, since=since
    )
    with st.container(key=f"client_link_actions_{client_id}"):
        st.markdown("**From the client's own link**")
        if not seen.actions:
            st.caption(
                "Nothing ticked or written on the client's link"
                + (" in this period." if since else " yet.")
            )
            return
        for action in seen.actions[:limit]:
            st.text(_line(action))
        if len(seen.actions) > limit:
            st.caption(f"and {len(seen.actions) - limit} earlier.")


def since_day(day: date, tz: tzinfo) -> datetime:
    """The UTC instant a clinic day starts."""
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


def review_block(client_id: int, period_start: date) -> None:
    """The session review's "since last session" part for the client's link."""
    seen = activity(client_id)
    actions(client_id, since=since_day(period_start, deps.settings().tz))
    st.caption(agreement_text(seen.status))
