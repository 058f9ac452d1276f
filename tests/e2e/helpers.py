"""Helpers for browser tests."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
DOCS_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def screenshot_dir() -> Path:
    """Where browser tests save screenshots: docs/screenshots/ with UPDATE_SCREENSHOTS=1 (to
    refresh the committed ones; look at them before committing), else a temporary folder, so
    a test run never changes the tree."""
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
        return DOCS_SHOTS
    return Path(tempfile.mkdtemp(prefix="care-plans-shots-"))


SERIOUS = ("serious", "critical")


def wait_idle(page: object, timeout: float = 30_000) -> None:
    """Wait until Streamlit has finished running the script for this page."""
    page.wait_for_selector(  # type: ignore[attr-defined]
        "[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout
    )


def sign_in(page: object, username: str, password: str) -> None:
    page.get_by_label("Username").first.fill(username)  # type: ignore[attr-defined]
    page.get_by_label("Password", exact=True).first.fill(password)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign in").first.click()  # type: ignore[attr-defined]


def assert_no_error(page: object) -> None:
    """No Streamlit exception box and no traceback on the page."""
    exceptions = page.locator("[data-testid='stException']")  # type: ignore[attr-defined]
    assert exceptions.count() == 0, exceptions.first.inner_text()
    assert "Traceback" not in page.inner_text("body")  # type: ignore[attr-defined]


def selected_tab(page: object) -> str:
    """The label of the selected tab of the page's main tab bar."""
    tab = page.get_by_role("tab", selected=True).first  # type: ignore[attr-defined]
    return str(tab.inner_text()).strip()


def open_tab(page: object, name: str) -> None:
    tab = page.get_by_role("tab", name=name, exact=True).first  # type: ignore[attr-defined]
    if tab.get_attribute("aria-selected") != "true":
        act(page, tab.click)  # the client page's tabs rerun to draw only the chosen tab
    assert selected_tab(page) == name


def expander(page: object, label: str) -> object:
    """The expander whose summary reads `label` (a regex or text), as a locator."""
    return (
        page.locator("[data-testid='stExpander']")
        .filter(  # type: ignore[attr-defined]
            has=page.locator("summary", has_text=label)
        )
        .first
    )  # type: ignore[attr-defined]


def open_expander(page: object, label: str) -> object:
    box = expander(page, label)
    if box.locator("details[open]").count() == 0:  # type: ignore[attr-defined]
        box.locator("summary").first.click()  # type: ignore[attr-defined]
        wait_idle(page)
    return box


def is_open(box: object) -> bool:
    return box.locator("details[open]").count() > 0  # type: ignore[attr-defined]


def fill_date(scope: object, label: str, day: int, month: int, year: int) -> None:
    """Type a date into Streamlit's segmented date field (day, month, year spinbuttons)."""
    for part, value in (("day", f"{day:02d}"), ("month", f"{month:02d}"), ("year", str(year))):
        spin = scope.get_by_role("spinbutton", name=f"{part}, {label}").first  # type: ignore
        spin.click()
        spin.press_sequentially(value)
    scope.get_by_role("spinbutton", name=f"year, {label}").first.press("Tab")  # type: ignore


def date_shown(scope: object, label: str) -> str:
    """What the date field shows: 'dd/mm/yyyy' digits, or '' when it is empty."""
    parts = []
    for part in ("day", "month", "year"):
        spin = scope.get_by_role("spinbutton", name=f"{part}, {label}").first  # type: ignore
        text = spin.get_attribute("aria-valuetext") or ""
        if text == "Empty":
            return ""
        parts.append(str(spin.inner_text()).strip())
    return "/".join(parts)


_ARM = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  window.__stRuns = 0;
  if (window.__stObserver) window.__stObserver.disconnect();
  window.__stObserver = new MutationObserver((records) => { window.__stRuns += records.length; });
  window.__stObserver.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


def act(page: object, action: object, timeout: float = 30_000) -> None:
    """Do `action()` (a click...), then wait until the script has run because of it and is idle.

    Waiting only for "idle" right after a click can return before the run even starts, while the
    previous run's message is still on screen."""
    page.evaluate(_ARM)  # type: ignore[attr-defined]
    action()  # type: ignore[operator]
    page.wait_for_function("window.__stRuns > 0", timeout=timeout)  # type: ignore
    wait_idle(page, timeout)
    page.wait_for_timeout(300)  # type: ignore[attr-defined]  # a rerun asked by st.rerun()
    wait_idle(page, timeout)


def click(page: object, name: str, within: object | None = None) -> None:
    """Click the button called `name` (inside `within`) and wait for the run it starts."""
    button = (within or page).get_by_role("button", name=name, exact=True).first  # type: ignore
    act(page, button.click)


def axe_violations(
    page: object, exclude: Sequence[str] = (), disable: Sequence[str] = ()
) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now: each with its rule
    id, impact, help text, the number of offending elements and the first few of them.
    `exclude` lists CSS selectors left out of the check, `disable` rule ids switched off (each
    caller says why)."""
    if not AXE.exists():
        pytest.fail("axe-core is not installed: run `make node-tools` (npm ci)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):  # type: ignore[attr-defined]
        page.add_script_tag(path=str(AXE))  # type: ignore[attr-defined]
    context = {"include": [["html"]], "exclude": [[s] for s in exclude]}
    options = {
        "resultTypes": ["violations"],
        "rules": {rule: {"enabled": False} for rule in disable},
    }
    results = page.evaluate(  # type: ignore[attr-defined]
        "async ([context, options]) => await axe.run(context, options)", [context, options]
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "count": len(v["nodes"]),
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in results["violations"]
        if v["impact"] in SERIOUS
    ]
