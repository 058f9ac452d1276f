"""Pure rules of the domain: validation of values shared by services, import and pages.

No Session and no I/O here, so every rule is quick to test and used the same way everywhere.
"""

from __future__ import annotations

from datetime import date, datetime

from care_plans.models import RATINGS
from care_plans.quoting import number, quote

RATING_LABELS: dict[str, str] = {
    "mood": "Mood",
    "sleep": "Sleep",
    "self_care": "Self-care",
    "connection": "Connection",
    "hope": "Hope",
}
MAX_TEXT = 2000


def rating_problem(value: object) -> str | None:
    """Why `value` is not a 0–10 rating, or None (None itself means 'not answered')."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        return f"{quote(value)} is not a whole number"
    if not 0 <= value <= 10:
        return f"{number(value)} is out of range 0–10"
    return None


def checkin_problems(
    ratings: dict[str, int | None],
    *,
    goal_progress: dict[int, int] | None = None,
    texts: dict[str, str] | None = None,
    has_measure: bool = False,
    submitted_at: datetime | None = None,
    now: datetime | None = None,
) -> dict[str, str]:
    """Every problem with a check-in's values, by field; empty when it can be saved."""
    problems: dict[str, str] = {}
    for name in ratings:
        if name not in RATINGS:
            problems[name] = "is not a rating (use mood, sleep, self_care, connection, hope)"
    for name in RATINGS:
        p = rating_problem(ratings.get(name))
        if p:
            problems[name] = p
    for goal_id, value in (goal_progress or {}).items():
        p = rating_problem(value)
        if p:
            problems[f"goal {goal_id}"] = p
    for name, text in (texts or {}).items():
        if len(text) > MAX_TEXT:
            problems[name] = f"is {len(text)} characters long; the limit is {MAX_TEXT}"
    answered = any(ratings.get(r) is not None for r in RATINGS)
    if not (
        answered or has_measure or goal_progress or any(t.strip() for t in (texts or {}).values())
    ):
        problems[""] = "Answer at least one question before saving."
    if submitted_at is not None and now is not None and submitted_at > now:
        problems["submitted_at"] = "is in the future"
    return problems


def date_problem(
    value: date | None, *, not_after: date | None = None, not_before: date | None = None
) -> str | None:
    if value is None:
        return None
    if not_after is not None and value > not_after:
        return f"{value.isoformat()} is after {not_after.isoformat()}"
    if not_before is not None and value < not_before:
        return f"{value.isoformat()} is before {not_before.isoformat()}"
    return None
