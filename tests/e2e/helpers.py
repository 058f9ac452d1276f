"""Helpers for browser tests."""

from __future__ import annotations


def wait_idle(page: object, timeout: float = 30_000) -> None:
    """Wait until Streamlit has finished running the script for this page."""
    page.wait_for_selector(  # type: ignore[attr-defined]
        "[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout
    )


def sign_in(page: object, username: str, password: str) -> None:
    page.get_by_label("Username").first.fill(username)  # type: ignore[attr-defined]
    page.get_by_label("Password", exact=True).first.fill(password)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign in").first.click()  # type: ignore[attr-defined]
