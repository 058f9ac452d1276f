"""Clinic days: the one `Period` of days, and the one way each kind of date is written.

The session review compares a period with the same number of days just before it; the summary PDF
and exports cover a period chosen or worked out from the sessions. Both are `Period`: clinic days
`since`..`until`, both included, with `basis` saying where `since` came from.

Dates are written for people as "3 Mar 2026" (`show_day`: pages, PDFs, audit-free messages) or,
where a client reads them on their own plan, "3 March 2026" (`show_day_in_full`); a moment as
"3 Mar 2026 14:05" in the clinic's time zone (`show_time`). FHIR and files use ISO dates
(`date.isoformat()`), which are not for reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

#: Where a period's first day came from.
LAST_SESSION = "last session"  # the review: since the last attended session
PREVIOUS_SESSION = "previous session"  # a summary: since the session before the most recent one
PLAN_START = "plan start"
CHOSEN = "chosen"
BEFORE = "before"  # the days just before another period, as long as it

_WHY = {
    LAST_SESSION: " (since the last session)",
    PREVIOUS_SESSION: " (since the session before the most recent one)",
    PLAN_START: " (since the plan started)",
}


def show_day(day: date, *, this_year: int | None = None) -> str:
    """ "3 Mar 2026": how a date is written on pages and in PDFs; "3 Mar" when the date falls
    in `this_year` (for narrow table columns, where the year of every row is the current one)."""
    if this_year is not None and day.year == this_year:
        return f"{day.day} {day:%b}"
    return f"{day.day} {day:%b %Y}"


def show_day_in_full(day: date) -> str:
    """ "3 March 2026": how a date is written on the client's own plan and in revision notes."""
    return f"{day.day} {day:%B %Y}"


def show_day_of(moment: datetime, tz: tzinfo) -> str:
    """ "3 Mar 2026": the clinic day of a moment (in `tz`), written as :func:`show_day`."""
    return show_day(moment.astimezone(tz).date())


def show_time(moment: datetime, tz: tzinfo | None = None, *, seconds: bool = False) -> str:
    """ "3 Mar 2026 14:05": a moment in `tz` (None: in its own zone, for a moment already
    converted); with `seconds`, "3 Mar 2026 14:05:09" (the audit trail)."""
    local = moment if tz is None else moment.astimezone(tz)
    return f"{show_day(local.date())} {local:{'%H:%M:%S' if seconds else '%H:%M'}}"


def show_time_in_full(moment: datetime, tz: tzinfo | None) -> str:
    """ "3 March 2026 at 14:05": when a record was saved, in a message about it; in UTC, and
    saying so, without the clinic's zone."""
    local = moment.astimezone(tz or UTC)
    return f"{show_day_in_full(local.date())} at {local:%H:%M}{'' if tz else ' UTC'}"


@dataclass(frozen=True)
class Period:
    """Clinic days `since`..`until`, both included. `basis` says where `since` came from."""

    since: date
    until: date
    basis: str

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.since <= day <= self.until

    def before(self) -> Period:
        """The same number of days just before this period (what the review compares with)."""
        return Period(
            self.since - timedelta(days=self.days), self.since - timedelta(days=1), BEFORE
        )

    def describe(self) -> str:
        return f"{show_day(self.since)} to {show_day(self.until)}{_WHY.get(self.basis, '')}"
