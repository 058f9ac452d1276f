"""Domain errors: what a service refuses, in words a clinician can read.

Pages and the CLI turn these into a plain-language message; nothing else should reach a user.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every refusal the domain makes on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(DomainError):
    """Input that cannot be saved. `problems` maps a field name to what is wrong with it."""

    def __init__(self, problems: dict[str, str] | str) -> None:
        if isinstance(problems, str):
            problems = {"": problems}
        self.problems: dict[str, str] = dict(problems)
        text = "; ".join(f"{k}: {v}" if k else v for k, v in self.problems.items())
        super().__init__(text)


class NotFound(DomainError):
    """The record does not exist (or the actor may not know that it exists)."""


class AccessDenied(DomainError):
    """The acting user may not do this to this record."""


class EditConflict(DomainError):
    """Someone else saved the record after it was opened for editing."""

    def __init__(self, message: str, changed: dict[str, tuple[object, object]] | None = None):
        super().__init__(message)
        #: field -> (value the editor started from, value saved meanwhile)
        self.changed = changed or {}


class NotAvailableYet(DomainError):
    """A command that exists with its final arguments but whose feature has not landed."""


class AuditKeyMissing(DomainError):
    """No audit key configured: nothing that must be audited can be done."""

    def __init__(self) -> None:
        super().__init__(
            "The audit key is missing or too short, so nothing can be recorded. Run "
            "`care-plans prepare-local` (it creates a local key in .streamlit/secrets.toml) or "
            "set CARE_PLANS_AUDIT_KEY to at least 32 random characters."
        )


class DatabaseProblem(DomainError):
    """The database could not do what was asked just now (down, restarting, locked, busy).

    Nothing of the action was saved (its unit of work was rolled back); the page keeps what was
    typed and the next action tries again, on a fresh connection.
    """


class DatabaseUnavailable(DatabaseProblem):
    def __init__(self) -> None:
        super().__init__(
            "The database cannot be reached just now, so nothing was saved. What you typed is "
            "still here: try again in a moment. If this goes on, tell your administrator."
        )


class DatabaseBusy(DatabaseProblem):
    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"The database is busy with another change and stayed locked for {seconds:g} "
            "seconds, so nothing was saved. What you typed is still here: try again in a "
            "moment."
        )
