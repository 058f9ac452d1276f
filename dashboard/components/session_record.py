"""The session record on the session review: choose a record (today's draft, an earlier draft,
one signed today, or a new one), write it, save it as a draft or sign it off.

The rules (what may be saved, signed, by whom; a signed record is final) live in
care_plans.services.sessions; this component only keeps what is typed on screen. The free text
lives in plain widgets keyed under the draft prefix (not an st.form), so what is typed survives
an automatic sign-out and stays on screen when a save is refused. A new record signed off at
once is created and signed in one transaction (sessions.record_session): a refusal leaves no
draft behind and the text in the boxes.

The widget state of one record: `_key(client, record, field)` holds what is on screen and
`_base_key(client, record)` the (version, values) it was loaded from, so a save sends only what
changed and a newer saved version replaces the boxes only when they hold no edits of their own.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from care_plans.dates import show_day, show_time
from care_plans.errors import DomainError, EditConflict
from care_plans.models import Attendance
from care_plans.read import sessions as read_sessions
from care_plans.services import sessions
from dashboard import deps
from dashboard.components import sessions_list
from dashboard.components.feedback import flash, show_error, show_flash
from dashboard.components.signin import DRAFT_PREFIX

NEW = 0  # the selectbox value of a record not saved yet
NO_REVISION = 0  # the selectbox shows None as "nothing chosen yet"; this reads "none linked"
ATTENDANCE = [a.value for a in Attendance]
TEXT_FIELDS = sessions.SESSION_TEXTS


def _pick(client_id: int) -> str:
    return f"session_record:{client_id}"


def _error(client_id: int) -> str:
    return f"session_error:{client_id}"


def _confirm(client_id: int, record_key: int) -> str:
    return f"session_confirm:{client_id}:{record_key}"


def _key(client_id: int, record_key: int, field: str) -> str:
    return f"{DRAFT_PREFIX}session:{client_id}:{record_key}:{field}"


def _base_key(client_id: int, record_key: int) -> str:
    return f"session_base:{client_id}:{record_key}"


def _blank(today: date) -> dict[str, Any]:
    return {
        "session_date": today,
        "attendance": Attendance.ATTENDED.value,
        "summary": "",
        "progress_acknowledged": "",
        "plan_changes": "",
        "plan_revision_id": None,
        "next_steps": "",
        "next_session_date": None,
    }


def _sync(client_id: int, record_key: int, version: int, saved: dict[str, Any]) -> None:
    """Fill the widgets from the saved record unless the user has unsaved edits of their own."""
    state = st.session_state
    saved = {**saved, "plan_revision_id": saved["plan_revision_id"] or NO_REVISION}
    keys = {f: _key(client_id, record_key, f) for f in saved}
    base = state.get(_base_key(client_id, record_key))
    if all(k in state for k in keys.values()):
        if base is None:
            state[_base_key(client_id, record_key)] = (version, saved)
            return
        if base[0] == version or any(state[keys[f]] != base[1][f] for f in saved):
            return
    for field, key in keys.items():
        state[key] = saved[field]
    state[_base_key(client_id, record_key)] = (version, saved)


def _forget(client_id: int, record_key: int) -> None:
    for field in read_sessions.SESSION_FIELDS:
        st.session_state.pop(_key(client_id, record_key, field), None)
    st.session_state.pop(_base_key(client_id, record_key), None)


def _discard(client_id: int, record_key: int) -> None:
    _forget(client_id, record_key)
    st.session_state.pop(_error(client_id), None)


def _save(client_id: int, record_key: int, sign: bool) -> None:
    """Save (and perhaps sign off) callback: runs before the page, so it may reset widgets."""
    state = st.session_state
    state.pop(_error(client_id), None)
    # What the widgets hold (session state is untyped); the service checks every field.
    typed: dict[str, Any] = {
        f: state.get(_key(client_id, record_key, f)) for f in read_sessions.SESSION_FIELDS
    }
    typed["plan_revision_id"] = typed["plan_revision_id"] or None
    if sign and not state.get(_confirm(client_id, record_key)):
        state[_error(client_id)] = DomainError(
            "Tick the box to confirm the record is complete first."
        )
        return
    try:
        # A callback runs before the sign-in gate: act only for a sign-in that is still live.
        ctx = deps.context()
        db, actor, today, tz = ctx.db, ctx.actor, ctx.today, ctx.tz
        if record_key == NEW:
            view = sessions.record_session(db, actor, client_id, typed, sign=sign, today=today)
            state[_pick(client_id)] = view.id
        else:
            version, base = state[_base_key(client_id, record_key)]
            base = {**base, "plan_revision_id": base["plan_revision_id"] or None}
            changes = {f: v for f, v in typed.items() if v != base[f]}
            if sign:
                view = sessions.sign_off(
                    db,
                    actor,
                    record_key,
                    expected_version=version,
                    changes=changes,
                    today=today,
                    tz=tz,
                )
            elif not changes:
                flash("Nothing to save: the draft has not changed.")
                return
            else:
                view = sessions.update_draft(
                    db,
                    actor,
                    record_key,
                    expected_version=version,
                    changes=changes,
                    today=today,
                    tz=tz,
                )
    except sessions.SignedOff as exc:
        state[_error(client_id)] = exc
        base = state[_base_key(client_id, record_key)][1] if record_key != NEW else typed
        words = "\n\n".join(str(typed[f]) for f in TEXT_FIELDS if typed[f] != base[f])
        if words and not state.get(sessions_list.addendum_key(record_key)):
            state[sessions_list.addendum_key(record_key)] = words
        return
    except DomainError as exc:
        state[_error(client_id)] = exc  # nothing was saved; what was typed stays on screen
        return
    _forget(client_id, record_key)
    if view.is_signed:
        flash(
            "Session record signed off. It can no longer be changed; add an addendum if "
            "something needs adding."
        )
    else:
        flash(f"Draft saved ({show_day(view.session_date)}).")


def _record_form(client_id: int, record_key: int, can_sign: bool) -> None:
    ctx = deps.context()

    def key(field: str) -> str:
        return _key(client_id, record_key, field)

    c1, c2, c3 = st.columns(3)
    c1.date_input("Session date", key=key("session_date"), format="DD/MM/YYYY")
    c2.selectbox("Attendance", ATTENDANCE, key=key("attendance"))
    c3.date_input(
        "Next session",
        key=key("next_session_date"),
        format="DD/MM/YYYY",
        min_value=date(2000, 1, 1),
    )
    st.text_area("Summary", key=key("summary"), height=120)
    st.text_area(
        "Progress acknowledged",
        key=key("progress_acknowledged"),
        height=80,
        help="What the client has done or come through, named together.",
    )
    st.text_area("Plan changes agreed", key=key("plan_changes"), height=80)
    links = {
        r.id: f"Revision {r.number}: {r.reason} ({r.created_by_name}, "
        f"{show_time(r.created_at, ctx.tz)})"
        for r in read_sessions.revision_links(ctx.db, ctx.actor, client_id)
    }
    chosen = st.session_state.get(key("plan_revision_id"))
    if chosen and chosen not in links:
        links[chosen] = "A revision of an earlier plan"
    st.selectbox(
        "Plan revision made in this session (optional)",
        [NO_REVISION, *links],
        key=key("plan_revision_id"),
        format_func=lambda i: "none linked" if i == NO_REVISION else links[i],
    )
    st.text_area("Next steps", key=key("next_steps"), height=80)
    error = st.session_state.get(_error(client_id))
    if isinstance(error, EditConflict):
        st.error(error.message)  # its `changed` holds no "before" for a session record
        st.info(
            "Your text is still in the boxes. Copy what you need, then discard it to load "
            "the saved draft."
        )
        st.button(
            "Discard mine, load the saved draft",
            key=f"session_discard:{client_id}",
            on_click=_discard,
            args=(client_id, record_key),
        )
    elif error is not None:
        show_error(error)
    if can_sign:
        st.checkbox(
            "I confirm this record is complete and accurate; once signed off it cannot "
            "be changed, only added to.",
            key=_confirm(client_id, record_key),
        )
    c1, c2, _ = st.columns([0.2, 0.2, 0.6])
    c1.button(
        "Save draft",
        key=f"session_save:{client_id}",
        on_click=_save,
        args=(client_id, record_key, False),
        width="stretch",
    )
    if can_sign:
        c2.button(
            "Sign off",
            type="primary",
            key=f"session_sign:{client_id}",
            on_click=_save,
            args=(client_id, record_key, True),
            width="stretch",
        )
    else:
        st.caption("Only the clinician who wrote this draft can sign it off.")


def render(client_id: int, can_write: bool) -> None:
    """The "Session record" section of the review for one client."""
    ctx = deps.context()
    today, pick = ctx.today, _pick(client_id)
    st.header("Session record")
    show_flash()  # here, next to the record it is about, not at the top of a long page
    records = read_sessions.list_sessions(ctx.db, ctx.actor, client_id)
    drafts = [r for r in records if not r.is_signed]
    signed_today = [r for r in records if r.is_signed and r.session_date == today]
    options = {r.id: r for r in (*drafts, *signed_today)}
    picked: int | None = st.session_state.get(pick)
    if picked is not None and picked in (r.id for r in records) and picked not in options:
        options[picked] = next(r for r in records if r.id == picked)
    if picked not in (*options, NEW):
        todays_draft = next((r.id for r in drafts if r.session_date == today), None)
        st.session_state[pick] = todays_draft or next(iter([r.id for r in signed_today]), NEW)
    labels = {
        i: f"{show_day(r.session_date)} · {r.attendance} · {sessions_list.status_label(r)}"
        for i, r in options.items()
    }
    labels[NEW] = "A new record"
    if len(labels) > 1:
        st.selectbox(
            "Record",
            list(labels),
            key=pick,
            format_func=labels.__getitem__,
            on_change=lambda: st.session_state.pop(_error(client_id), None),
        )
    older = [r for r in drafts if r.session_date < today]
    if older:
        st.caption(
            f"{len(older)} earlier draft{'s' if len(older) != 1 else ''} not signed off "
            "yet: choose one above to finish it."
        )
    record = options.get(st.session_state[pick])
    if record is not None and record.is_signed:
        error = st.session_state.get(_error(client_id))
        if error is not None:
            show_error(error)
        with st.container(border=True):
            sessions_list.show_record(record, ctx.tz)
            if can_write:
                sessions_list.addendum_form(record)
        return
    if not can_write:
        st.caption("Only the client's assigned clinicians can write session records.")
        return
    if record is None:
        _sync(client_id, NEW, 0, _blank(today))
        _record_form(client_id, NEW, can_sign=True)
    else:
        _sync(client_id, record.id, record.version, record.values())
        _record_form(client_id, record.id, can_sign=record.clinician_id == ctx.actor.user_id)
