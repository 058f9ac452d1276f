"""The client's support network: who to reach, when, and whether they may be shared with.

Crisis contacts come first. Contacts are archived, never deleted."""

from __future__ import annotations

import streamlit as st

from care_plans.dates import show_day
from care_plans.models import ContactKind
from care_plans.read import plan_views
from care_plans.services import contacts, plans
from dashboard import deps
from dashboard.components.feedback import (
    forget_form,
    form_key,
    opened_version,
    reset_form,
    run_action,
    show_flash,
)
from dashboard.components.text import plain

KINDS = [k.value for k in ContactKind]


def _form(contact: plan_views.ContactView | None, client_id: int) -> None:
    base = f"contact_form:{contact.id if contact else 'new'}"
    expected = opened_version(base, contact.version) if contact else 0
    show_flash(base)
    # Never clear on submit: a refused save must leave the typed details in place. A successful
    # save draws the form afresh (reset_form gives it new widget keys): no tick carries over.
    key = form_key(base)
    with st.form(key):
        # Keyed widgets keep what was typed when the stored contact changes underneath them.
        c1, c2 = st.columns(2)
        name = c1.text_input(
            "Name",
            value=contact.name if contact else "",
            key=f"{key}:name",
            max_chars=plans.MAX_NAME_TEXT,
        )
        kind = c2.selectbox(
            "Kind", KINDS, index=KINDS.index(contact.kind) if contact else 0, key=f"{key}:kind"
        )
        role = c1.text_input(
            "Role (e.g. sister, GP, peer group)",
            value=contact.role if contact else "",
            key=f"{key}:role",
            max_chars=plans.MAX_NAME_TEXT,
        )
        phone = c2.text_input(
            "Phone", value=contact.phone if contact else "", key=f"{key}:phone", max_chars=64
        )
        email = c1.text_input(
            "Email",
            value=contact.email if contact else "",
            key=f"{key}:email",
            max_chars=plans.MAX_NAME_TEXT,
        )
        when = st.text_area(
            "When to reach out",
            key=f"{key}:when",
            value=contact.when_to_contact if contact else "",
            height=68,
            max_chars=plans.MAX_NOTE_TEXT,
        )
        c3, c4, c5 = st.columns(3)
        crisis = c3.checkbox(
            "Crisis contact",
            key=f"{key}:crisis",
            value=contact.is_crisis_contact if contact else False,
        )
        consent = c4.checkbox(
            "Client consents to share their plan",
            key=f"{key}:consent",
            value=contact.consent_to_share if contact else False,
        )
        consent_date = c5.date_input(
            "Consent given on",
            key=f"{key}:consent_date",
            value=contact.consent_date if contact else None,
            format="DD/MM/YYYY",
        )
        submitted = st.form_submit_button("Save contact" if contact else "Add contact")
    if not submitted:
        return
    values = {
        "name": name,
        "kind": kind,
        "role": role,
        "phone": phone,
        "email": email,
        "when_to_contact": when,
        "is_crisis_contact": crisis,
        "consent_to_share": consent,
        "consent_date": consent_date,
    }
    db, actor, today = deps.database(), deps.current_actor(), deps.today()
    if contact is None:
        run_action(
            lambda: contacts.add_contact(
                db,
                actor,
                client_id,
                name=name,
                kind=kind,
                role=role,
                phone=phone,
                email=email,
                when_to_contact=when,
                is_crisis_contact=crisis,
                consent_to_share=consent,
                consent_date=consent_date,
                today=today,
            ),
            "Contact added.",
            reset=base,
        )
    else:
        saved = run_action(
            lambda: contacts.update_contact(
                db,
                actor,
                contact.id,
                expected_version=expected,
                changes=values,
                today=today,
                tz=deps.settings().tz,
            ),
            "Contact saved.",
            reset=base,
        )
        if not saved:
            st.button(
                "Start again from the latest version",
                key=f"{key}:reload",
                on_click=reset_form,
                args=(base,),
            )


def render(plan: plan_views.PlanView, client_id: int, can_write: bool) -> None:
    st.caption(
        "Seeking support and staying connected: the people and services the client can turn to."
    )
    show_flash("contacts")
    if not plan.contacts:
        st.info("No support contacts yet. Include at least one crisis service.")
    for c in plan.contacts:
        badge = "🚨 crisis · " if c.is_crisis_contact else ""
        consent = (
            ("consent to share" + (f" ({show_day(c.consent_date)})" if c.consent_date else ""))
            if c.consent_to_share
            else "no consent to share"
        )
        with st.expander(
            f"{badge}{plain(c.name)} — {c.kind}" + (f", {plain(c.role)}" if c.role else ""),
            key=f"contact_panel:{c.id}",
        ):
            st.text(f"Phone: {c.phone or '—'}    Email: {c.email or '—'}")
            if c.when_to_contact:
                st.text(f"When to reach out: {c.when_to_contact}")
            st.caption(consent)
            if can_write:
                if st.toggle("Edit", key=f"contact_edit:{c.id}"):
                    _form(c, client_id)
                else:
                    forget_form(f"contact_form:{c.id}")
                if st.button("Archive this contact", key=f"contact_archive:{c.id}"):

                    def archive(c: plan_views.ContactView = c) -> object:
                        return contacts.archive_contact(
                            deps.database(),
                            deps.current_actor(),
                            c.id,
                            expected_version=c.version,
                            tz=deps.settings().tz,
                        )

                    run_action(
                        archive, "Contact archived (kept in the plan's history).", where="contacts"
                    )
    if can_write:
        with st.expander("Add a contact", key="contact_panel:new"):
            _form(None, client_id)
