"""Consent beyond the structured fields: free text in an export that names a support contact
who has not agreed to their details being shared.

Why: the exports leave out an unconsented contact's record (name, phone, email, helper of a
step), but the crisis plan, a goal, a session summary or the client's own note may still say
"ring Sam on 07700 900123". That text would carry the contact out of the building all the
same. So before a file is made, every free text it will contain is searched for each withheld
contact's name, first name, phone number and email; what is found is shown to the clinician,
who chooses to go on or not, and the export's audit event records the choice (contact ids and
field names only, never the text).

Matching leans towards flagging: the full name and the first name (whole words; the first
name as written, capitalised), the phone number by its digits whatever the spacing (the last
9 digits, so "+44 7700 900123" matches "07700 900123"), the email case-insensitively.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from care_plans.dates import show_day
from care_plans.errors import DomainError
from care_plans.models import PLAN_SECTION_TITLES, PLAN_SECTIONS
from care_plans.read.plan_views import ContactView, PlanView
from care_plans.read.sessions import SessionView

NAME = "name"
PHONE = "phone"
EMAIL = "email"

_PHONE_RUN = re.compile(r"\+?\d[\d\s().-]{4,}\d")
_SESSION_FIELDS = (
    ("summary", "summary"),
    ("progress_acknowledged", "progress acknowledged"),
    ("plan_changes", "changes to the plan"),
    ("next_steps", "next steps"),
)


@dataclass(frozen=True)
class Text:
    """One free text a file will contain: `field` for the audit, `label` for the clinician."""

    field: str
    label: str
    text: str


@dataclass(frozen=True)
class Mention:
    contact_id: int
    contact_name: str
    field: str
    label: str
    matched: str  # NAME, PHONE or EMAIL

    def describe(self) -> str:
        what = {NAME: "names", PHONE: "gives the phone number of", EMAIL: "gives the email of"}[
            self.matched
        ]
        return f"{self.label} {what} {self.contact_name}, who has no consent to share."


def _short(text: str, limit: int = 40) -> str:
    line = text.strip().splitlines()[0] if text.strip() else "untitled"
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def plan_texts(plan: PlanView | None) -> list[Text]:
    """The plan's sections, goals and steps."""
    if plan is None:
        return []
    texts = [
        Text(f"section:{name}", PLAN_SECTION_TITLES[name], plan.sections.get(name, ""))
        for name in PLAN_SECTIONS
    ]
    for goal in plan.goals:
        where = f"Goal '{_short(goal.description)}'"
        texts.append(Text(f"goal:{goal.id}:description", where, goal.description))
        texts.append(
            Text(f"goal:{goal.id}:why_it_matters", f"{where} (why it matters)", goal.why_it_matters)
        )
        texts += [
            Text(f"goal:{goal.id}:gas_level:{level}", f"{where} (GAS level {level})", words)
            for level, words in sorted((goal.gas_levels or {}).items())
        ]
        texts += [
            Text(
                f"step:{step.id}:description",
                f"{where}, step '{_short(step.description)}'",
                step.description,
            )
            for step in goal.steps
        ]
    return texts


def session_texts(records: Iterable[SessionView], *, with_summary: bool = True) -> list[Text]:
    texts = []
    for record in records:
        where = f"Session of {show_day(record.session_date)}"
        for field, label in _SESSION_FIELDS:
            if field == "summary" and not with_summary:
                continue
            texts.append(
                Text(f"session:{record.id}:{field}", f"{where} ({label})", getattr(record, field))
            )
        if with_summary:  # addenda travel with the summary (clinician-only notes)
            texts += [
                Text(f"addendum:{a.id}:text", f"{where} (addendum)", a.text) for a in record.addenda
            ]
    return texts


def contact_texts(contacts: Iterable[ContactView]) -> list[Text]:
    """What the shared contacts' records say (when to reach out can name someone else)."""
    return [
        Text(f"contact:{c.id}:when_to_contact", f"When to reach {c.name}", c.when_to_contact)
        for c in contacts
    ]


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _phone_in(phone: str, text: str) -> bool:
    wanted = _digits(phone)
    if len(wanted) < 6:
        return False
    for run in _PHONE_RUN.findall(text):
        found = _digits(run)
        if found == wanted or (len(found) >= 9 and len(wanted) >= 9 and found[-9:] == wanted[-9:]):
            return True
    return False


def _name_in(name: str, text: str) -> bool:
    words = name.split()
    if not words:
        return False
    full = r"\s+".join(re.escape(w) for w in words)
    if re.search(rf"(?<!\w){full}(?!\w)", text, re.IGNORECASE):
        return True
    first = words[0]
    return (
        len(words) > 1
        and len(first) >= 3
        and re.search(rf"(?<!\w){re.escape(first)}(?!\w)", text) is not None
    )


def find_mentions(texts: Sequence[Text], withheld: Sequence[ContactView]) -> list[Mention]:
    """Each place a text names a withheld contact, once per contact, text and kind of match."""
    found: list[Mention] = []
    for contact in withheld:
        for text in texts:
            if not text.text.strip():
                continue
            for matched, hit in (
                (NAME, _name_in(contact.name, text.text)),
                (PHONE, bool(contact.phone) and _phone_in(contact.phone, text.text)),
                (
                    EMAIL,
                    bool(contact.email.strip())
                    and contact.email.strip().lower() in text.text.lower(),
                ),
            ):
                if hit:
                    found.append(Mention(contact.id, contact.name, text.field, text.label, matched))
    return found


def audit_detail(mentions: Sequence[Mention], proceeded: bool) -> dict[str, object]:
    """What the export's audit event keeps of the check: ids and field names only."""
    return {
        "unconsented_mentions": [
            {"contact_id": m.contact_id, "field": m.field, "matched": m.matched} for m in mentions
        ],
        "proceeded_despite_mentions": proceeded if mentions else False,
    }


def keys(mentions: Iterable[Mention]) -> frozenset[tuple[int, str, str]]:
    """What a clinician's choice to proceed covers: these mentions, no others."""
    return frozenset((m.contact_id, m.field, m.matched) for m in mentions)


class UnconsentedMentions(DomainError):
    """The file would carry text naming contacts without consent to share, and the clinician
    has not (yet) chosen to make it anyway. Nothing was generated."""

    def __init__(self, mentions: Sequence[Mention], prefix: str = "") -> None:
        self.mentions = tuple(mentions)
        names = sorted({m.contact_name for m in self.mentions})
        super().__init__(
            f"{prefix}Text in this export names {', '.join(names)}, who "
            f"{'has' if len(names) == 1 else 'have'} not agreed to their details being shared "
            f"({len(self.mentions)} place{'s' if len(self.mentions) != 1 else ''}). Check the "
            "text, or choose to make the file anyway. No file was made."
        )


def withheld_contacts(plan: PlanView | None, include_unconsented: bool) -> list[ContactView]:
    """The contacts an export leaves out (none when the clinician includes them all)."""
    if plan is None or include_unconsented:
        return []
    return [c for c in plan.contacts if not c.consent_to_share]
