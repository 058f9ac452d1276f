"""What clinicians read: frozen views of a care plan built from a snapshot, and the
differences between two snapshots in words.

A snapshot is the whole plan as JSON-ready dicts (built by `snapshots.py` and stored with every
revision). `plans.get_plan` turns the live plan's snapshot into a `PlanView`, and
`plans.diff_revisions` turns two stored ones into `Change` lines. Nothing here touches the
database: views are frozen and picklable, never live ORM objects, so pages can cache them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from care_plans.dates import show_day_in_full
from care_plans.models import PLAN_SECTION_TITLES, PLAN_SECTIONS

# --- Read models: frozen, picklable, never live ORM objects --------------------------------


@dataclass(frozen=True)
class StepView:
    id: int
    goal_id: int
    position: int
    description: str
    due_date: date | None
    done_on: date | None
    helper_contact_id: int | None
    helper_name: str | None
    version: int

    @property
    def is_done(self) -> bool:
        return self.done_on is not None


@dataclass(frozen=True)
class GasRatingView:
    id: int
    rated_on: date
    score: int
    weight: int


@dataclass(frozen=True)
class GoalView:
    id: int
    position: int
    domain: str
    description: str
    why_it_matters: str
    start_date: date | None
    target_date: date | None
    lifecycle_status: str
    achievement_status: str
    gas_levels: dict[str, str]
    version: int
    steps: tuple[StepView, ...]
    gas_ratings: tuple[GasRatingView, ...]


@dataclass(frozen=True)
class ContactView:
    id: int
    position: int
    name: str
    kind: str
    role: str
    phone: str
    email: str
    when_to_contact: str
    is_crisis_contact: bool
    consent_to_share: bool
    consent_date: date | None
    version: int


@dataclass(frozen=True)
class PlanView:
    id: int
    client_id: int
    status: str
    start_date: date
    next_review_date: date | None
    sections: dict[str, str]
    version: int
    goals: tuple[GoalView, ...]
    contacts: tuple[ContactView, ...]
    revision_count: int
    last_saved_at: datetime | None
    last_saved_by: str | None


@dataclass(frozen=True)
class RevisionInfo:
    number: int
    created_at: datetime
    created_by_name: str
    reason: str


@dataclass(frozen=True)
class Change:
    """One difference between two revisions, in words a clinician reads in a table."""

    where: str
    before: str
    after: str


# --- Values as snapshots hold them ------------------------------------------------------------


def to_iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def from_iso(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def contact_display_order(contact: Mapping[str, Any]) -> tuple[bool, int, int]:
    """Crisis contacts first (they are the ones looked for in a hurry), then the chosen order."""
    return (not contact["is_crisis_contact"], contact["position"], contact["id"])


# --- Views built from a snapshot ---------------------------------------------------------------


def plan_view(
    snapshot: Mapping[str, Any],
    revision_count: int,
    last_saved_at: datetime | None,
    last_saved_by: str | None,
) -> PlanView:
    names = {c["id"]: c["name"] for c in snapshot["contacts"]}
    plan = snapshot["plan"]
    return PlanView(
        id=plan["id"],
        client_id=plan["client_id"],
        status=plan["status"],
        start_date=date.fromisoformat(plan["start_date"]),
        next_review_date=from_iso(plan["next_review_date"]),
        sections=dict(snapshot["sections"]),
        version=plan["version"],
        goals=tuple(
            GoalView(
                id=g["id"],
                position=g["position"],
                domain=g["domain"],
                description=g["description"],
                why_it_matters=g["why_it_matters"],
                start_date=from_iso(g["start_date"]),
                target_date=from_iso(g["target_date"]),
                lifecycle_status=g["lifecycle_status"],
                achievement_status=g["achievement_status"],
                gas_levels=dict(g["gas_levels"]),
                version=g["version"],
                steps=tuple(
                    StepView(
                        id=st["id"],
                        goal_id=st["goal_id"],
                        position=st["position"],
                        description=st["description"],
                        due_date=from_iso(st["due_date"]),
                        done_on=from_iso(st["done_on"]),
                        helper_contact_id=st["helper_contact_id"],
                        helper_name=names.get(st["helper_contact_id"]),
                        version=st["version"],
                    )
                    for st in g["steps"]
                ),
                gas_ratings=tuple(
                    GasRatingView(
                        r["id"], date.fromisoformat(r["rated_on"]), r["score"], r["weight"]
                    )
                    for r in g["gas_ratings"]
                ),
            )
            for g in snapshot["goals"]
        ),
        contacts=tuple(contact_view(c) for c in snapshot["contacts"]),
        revision_count=revision_count,
        last_saved_at=last_saved_at,
        last_saved_by=last_saved_by,
    )


def contact_view(c: Mapping[str, Any]) -> ContactView:
    return ContactView(
        id=c["id"],
        position=c["position"],
        name=c["name"],
        kind=c["kind"],
        role=c["role"],
        phone=c["phone"],
        email=c["email"],
        when_to_contact=c["when_to_contact"],
        is_crisis_contact=c["is_crisis_contact"],
        consent_to_share=c["consent_to_share"],
        consent_date=from_iso(c["consent_date"]),
        version=c["version"],
    )


# --- Diffs -------------------------------------------------------------------------------------

PLAN_FIELD_LABELS = {
    "status": "status",
    "start_date": "start date",
    "next_review_date": "next review date",
}
GOAL_FIELD_LABELS = {
    "domain": "recovery domain",
    "description": "description",
    "why_it_matters": "why it matters",
    "start_date": "start date",
    "target_date": "target date",
    "lifecycle_status": "status",
    "achievement_status": "achievement",
}
STEP_FIELD_LABELS = {
    "description": "description",
    "due_date": "due date",
    "done_on": "done",
    "helper_contact_id": "helped by",
}
CONTACT_FIELD_LABELS = {
    "name": "name",
    "kind": "kind",
    "role": "role",
    "phone": "phone",
    "email": "email",
    "when_to_contact": "when to reach out",
    "is_crisis_contact": "crisis contact",
    "consent_to_share": "consent to share",
    "consent_date": "consent date",
}
GAS_LEVELS = ("-2", "-1", "0", "1", "2")
EMPTY = "(empty)"
ADDED = ("(not there)", "added")
REMOVED = ("(there)", "removed")


def show_level(level: str | int) -> str:
    n = int(level)
    return f"+{n}" if n > 0 else str(n)


def _show(field: str, value: Any, contacts: Mapping[int, str]) -> str:
    if field == "done_on" and value is None:
        return "not done"
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "yes" if value else "no"
    if field == "helper_contact_id":
        return contacts.get(value, "a contact no longer listed")
    if field.endswith("_date") or field == "done_on":
        return show_day_in_full(date.fromisoformat(value))
    return str(value)


def _label(text: str, limit: int = 40) -> str:
    line = text.strip().splitlines()[0] if text.strip() else "untitled"
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def _field_changes(
    where: str,
    a: Mapping[str, Any],
    b: Mapping[str, Any],
    labels: Mapping[str, str],
    names_a: Mapping[int, str],
    names_b: Mapping[int, str],
) -> list[Change]:
    return [
        Change(
            f"{where}: {label}",
            _show(field, a.get(field), names_a),
            _show(field, b.get(field), names_b),
        )
        for field, label in labels.items()
        if a.get(field) != b.get(field)
    ]


def _order_change(
    where: str, a: Sequence[Mapping[str, Any]], b: Sequence[Mapping[str, Any]], label_field: str
) -> list[Change]:
    """One line when records present in both revisions were put in a different order."""
    common = {r["id"] for r in a} & {r["id"] for r in b}

    def ordered(records: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        return sorted(
            (r for r in records if r["id"] in common), key=lambda r: (r["position"], r["id"])
        )

    before, after = ordered(a), ordered(b)
    if [r["id"] for r in before] == [r["id"] for r in after]:
        return []
    return [
        Change(
            where,
            "; ".join(_label(r[label_field]) for r in before),
            "; ".join(_label(r[label_field]) for r in after),
        )
    ]


def _matched(
    a: Sequence[Mapping[str, Any]], b: Sequence[Mapping[str, Any]]
) -> Iterable[tuple[Mapping[str, Any] | None, Mapping[str, Any] | None]]:
    """Pairs of the same record (by id) in two lists: removed ones, then kept and added ones."""
    by_id = {r["id"]: r for r in a}
    later = {r["id"] for r in b}
    for r in a:
        if r["id"] not in later:
            yield r, None
    for r in b:
        yield by_id.get(r["id"]), r


def diff_snapshots(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[Change]:
    """What changed from snapshot `a` to snapshot `b`, in the order the plan page shows it."""
    changes: list[Change] = []
    names_a = {c["id"]: c["name"] for c in a["contacts"]}
    names_b = {c["id"]: c["name"] for c in b["contacts"]}
    changes += _field_changes("Plan", a["plan"], b["plan"], PLAN_FIELD_LABELS, {}, {})
    for name in PLAN_SECTIONS:
        if a["sections"].get(name, "") != b["sections"].get(name, ""):
            changes.append(
                Change(
                    f"Section: {PLAN_SECTION_TITLES[name]}",
                    a["sections"].get(name) or EMPTY,
                    b["sections"].get(name) or EMPTY,
                )
            )
    changes += _order_change("Goals: order", a["goals"], b["goals"], "description")
    for old, new in _matched(a["goals"], b["goals"]):
        goal = f"Goal '{_label((new or old or {})['description'])}'"
        if old is None or new is None:
            changes.append(Change(goal, *(ADDED if old is None else REMOVED)))
            continue
        changes += _field_changes(goal, old, new, GOAL_FIELD_LABELS, names_a, names_b)
        for level in GAS_LEVELS:
            before, after = old["gas_levels"].get(level, ""), new["gas_levels"].get(level, "")
            if before != after:
                changes.append(
                    Change(
                        f"{goal}: GAS level {show_level(level)}", before or EMPTY, after or EMPTY
                    )
                )
        rated_a = {r["rated_on"]: r["score"] for r in old["gas_ratings"]}
        for r in new["gas_ratings"]:
            if rated_a.get(r["rated_on"]) != r["score"]:
                before = rated_a.get(r["rated_on"])
                changes.append(
                    Change(
                        f"{goal}: GAS rating on "
                        f"{show_day_in_full(date.fromisoformat(r['rated_on']))}",
                        EMPTY if before is None else show_level(before),
                        show_level(r["score"]),
                    )
                )
        changes += _order_change(
            f"{goal}: order of steps", old["steps"], new["steps"], "description"
        )
        for old_step, new_step in _matched(old["steps"], new["steps"]):
            step = f"{goal}, step '{_label((new_step or old_step or {})['description'])}'"
            if old_step is None or new_step is None:
                changes.append(Change(step, *(ADDED if old_step is None else REMOVED)))
            else:
                changes += _field_changes(
                    step, old_step, new_step, STEP_FIELD_LABELS, names_a, names_b
                )
    changes += _order_change("Contacts: order", a["contacts"], b["contacts"], "name")
    for old, new in _matched(a["contacts"], b["contacts"]):
        contact = f"Contact '{_label((new or old or {})['name'])}'"
        if old is None or new is None:
            changes.append(Change(contact, *(ADDED if old is None else REMOVED)))
        else:
            changes += _field_changes(contact, old, new, CONTACT_FIELD_LABELS, {}, {})
    return changes
