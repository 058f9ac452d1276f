"""A clinician's first week, walked end to end in one real browser against `streamlit run`.

Sign in; add a client; write every care-plan section; make the plan active; add four support
contacts one after another, each with its own crisis and consent ticks (read back through the
services and on the page); add three goals with steps, one step helped by a contact (so the
contacts come first); make a check-in link and send three check-ins from a phone, one answering
the PHQ-9 self-harm item; see the caseload alert and record the follow-up; tick a step done;
write and sign off a session record in the session review; download the summary PDF with the
Export tab's button and read it back with pdftotext; then sign out and in again in the same tab,
and reload, as a clinician, a supervisor and an administrator.

After every step the page shows no error and (on the client page) stays on the tab it was on.
A screenshot of each step goes to a temporary folder, or to docs/screenshots/journey/ when
UPDATE_SCREENSHOTS=1 (so a CI run never changes the tree).
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from care_plans.config import Settings
from care_plans.models import PLAN_SECTION_TITLES
from care_plans.read import plans as read_plans
from care_plans.read import rosters, safety
from care_plans.read import sessions as read_sessions
from care_plans.services import clients, contacts
from tests.e2e.conftest import ROOT
from tests.e2e.helpers import (
    act,
    assert_no_error,
    click,
    expander,
    fill_date,
    is_open,
    open_expander,
    open_tab,
    selected_tab,
    sign_in,
    wait_idle,
)
from tests.e2e.test_caseload_browser import click_row_checkbox
from tests.e2e.test_checkin_browser import PHONE, tap, wait_rendered
from tests.factories import TEST_PASSWORD, make_user

pytestmark = pytest.mark.browser

REF, NAME = "CP-0042", "Élodie Brown"
DESK = {"viewport": {"width": 1440, "height": 1000}}
TIMEOUT = 30_000

SECTIONS = {
    "Strengths": "Kind to her friends; got through a hard winter before",
    "What wellness looks like": "Up by nine, walking most days, seeing Maman on Sundays",
    "Triggers": "Long evenings alone; letters from the bank",
    "Early warning signs": "Stops answering the phone; sleeps past noon",
    "What helps": "Music, the park, a call with Maman",
    "Self-care routine": "Breakfast before ten; lights out by midnight",
    "Crisis plan": "Call Maman first; if she cannot be reached, the crisis line",
}
#: name, kind, crisis contact, consent to share (with 1 Nov 2026 as its date when ticked)
CONTACTS = [
    ("Maman", "family", True, True),
    ("Nightline", "crisis service", True, False),
    ("Neighbour Sam", "friend", False, True),
    ("Cousin Jo", "family", False, False),
]
CONSENT_DAY = date(2026, 11, 1)
#: goal -> its steps, each (description, who helps or None)
GOALS = {
    "Walk to the park every morning": [
        ("Put shoes by the door", None),
        ("Walk with Sam on Tuesdays", "Neighbour Sam"),
    ],
    "Cook one meal a week": [("Buy vegetables on Saturday", None)],
    "Sleep by midnight": [("Phone out of the bedroom", None)],
}
SESSION = {
    "Summary": "Went through the first week: three check-ins, one hard night talked through.",
    "Progress acknowledged": "Shoes by the door every day this week.",
    "Plan changes agreed": "Keep the walking goal; add Saturday shopping.",
    "Next steps": "Walk with Sam on Tuesday; check in on Friday.",
}
FOLLOW_UP = "Rang Élodie the same afternoon; safe, agreed to call Maman tonight"


@dataclass
class Journey:
    """The one desk page of the walk, and the numbered screenshots taken on the way."""

    page: object
    shots: Path
    taken: list[Path] = field(default_factory=list)

    def check(self, name: str, tab: str | None = None, page: object | None = None) -> None:
        """After a step: no error on the page, still on `tab`, and a screenshot of it."""
        page = page or self.page
        wait_idle(page)
        assert_no_error(page)
        if tab is not None:
            assert selected_tab(page) == tab, f"{name}: left the {tab} tab"
        self.taken.append(screenshot(page, self.shots / f"{len(self.taken) + 1:02d}-{name}.png"))


def shots_folder(tmp_path: Path) -> Path:
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        folder = ROOT / "docs" / "screenshots" / "journey"
        for old in folder.glob("*.png"):
            old.unlink()
    else:
        folder = tmp_path / "journey"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def screenshot(page, path: Path) -> Path:
    """The whole page. Streamlit scrolls an inner element, not the document, so the viewport
    is grown to the main area's height first (and put back after)."""
    size = page.viewport_size
    height = page.evaluate("document.querySelector(\"[data-testid='stMain']\").scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], int(height))})
    page.wait_for_timeout(300)
    page.screenshot(path=str(path), full_page=True, scale="css")  # 1 px a CSS px: smaller PNGs
    page.set_viewport_size(size)
    return path


def heading(page, name: str):
    return page.get_by_role("heading", name=name, exact=True)


def choose(scope, page, label: str, option: str) -> None:
    """Pick `option` in the select box labelled `label` (inside a form: no run starts)."""
    box = scope.locator("[data-testid='stSelectbox']").filter(has_text=label).first
    field = box.get_by_role("combobox", name=label, exact=True)
    field.click()
    page.get_by_role("option", name=option, exact=True).click()
    assert field.input_value() == option


def flash(page, text: str) -> None:
    page.get_by_text(text).first.wait_for(timeout=TIMEOUT)


def client_id(server, actor) -> int:
    return clients.find_client_id(server.db, actor, REF)


def pdf_text(path: Path) -> str:
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return " ".join(out.stdout.decode("utf-8").split())


@pytest.fixture
def staff(server):
    return server, {
        "clinician": make_user(server.db, "alice", full_name="Alice Example"),
        "supervisor": make_user(server.db, "sue", role="supervisor", full_name="Sue Visor"),
        "admin": make_user(server.db, "ada", role="admin", full_name="Ada Admin"),
    }


def test_a_clinicians_first_week(browser, staff, tmp_path):
    server, people = staff
    alice = people["clinician"]
    desk = browser.new_context(**DESK)
    page = desk.new_page()
    walk = Journey(page, shots_folder(tmp_path))

    # --- sign in
    page.goto(server.url)
    wait_idle(page)
    walk.check("sign-in-form")
    sign_in(page, "alice", TEST_PASSWORD)
    heading(page, "Caseload").wait_for(timeout=TIMEOUT)
    page.get_by_text("You have no clients yet").wait_for(timeout=TIMEOUT)
    walk.check("empty-caseload")

    # --- add a client: the page opens on them
    box = open_expander(page, "Add a client")
    box.get_by_label("Ref (e.g. CP-0042)").fill(REF)
    box.get_by_label("Name", exact=True).fill(NAME)
    act(page, box.get_by_role("button", name="Add client").click)
    heading(page, NAME).wait_for(timeout=TIMEOUT)
    wait_idle(page)
    assert page.url.endswith(f"/client?client={REF}")
    expect(page.get_by_text(f"{REF} · client active · plan draft")).to_have_count(1)
    walk.check("client-added", tab="Progress")
    cid = client_id(server, alice)

    # --- every section of the plan, saved in one go
    open_tab(page, "Care plan")
    for title, text in SECTIONS.items():
        page.get_by_role("textbox", name=title, exact=True).fill(text)
    click(page, "Save plan")
    flash(page, f"Plan saved for {REF}")
    walk.check("plan-written", tab="Care plan")
    plan = read_plans.get_plan(server.db, alice, cid)
    assert {t: plan.sections[f] for f, t in PLAN_SECTION_TITLES.items()} == SECTIONS
    for title, text in SECTIONS.items():
        assert page.get_by_role("textbox", name=title, exact=True).input_value() == text

    # --- draft -> active
    open_tab(page, "Status")
    click(page, "Make the plan active")
    flash(page, "The plan is active")
    caption = page.get_by_text(f"{REF} · client active · plan ", exact=False)
    assert caption.count() == 1 and "plan active" in caption.inner_text()
    expect(page.get_by_role("button", name="Make the plan active")).to_have_count(0)
    walk.check("plan-active", tab="Status")
    assert read_plans.get_plan(server.db, alice, cid).status == "active"

    # --- four contacts in a row, each saved as ticked
    open_tab(page, "Support network")
    for number, (name, kind, crisis, consent) in enumerate(CONTACTS, start=1):
        box = open_expander(page, "Add a contact")
        assert box.get_by_label("Name").input_value() == ""
        assert not box.get_by_role("checkbox", name="Crisis contact").is_checked()
        assert not box.get_by_role(
            "checkbox", name="Client consents to share their plan"
        ).is_checked()
        box.get_by_label("Name").fill(name)
        choose(box, page, "Kind", kind)
        box.get_by_label("Phone").fill(f"0300 123 456{number}")
        if crisis:
            box.get_by_text("Crisis contact", exact=True).click()
        if consent:
            box.get_by_text("Client consents to share their plan").click()
            fill_date(box, "Consent given on", CONSENT_DAY.day, CONSENT_DAY.month, CONSENT_DAY.year)
        assert box.get_by_role("checkbox", name="Crisis contact").is_checked() is crisis
        click(page, "Add contact", box)
        flash(page, "Contact added.")
        assert is_open(expander(page, "Add a contact")), "the add form closed after a save"
        walk.check(f"contact-{number}-added", tab="Support network")
        saved = {c.name: c for c in contacts.list_contacts(server.db, alice, cid)}
        assert len(saved) == number
        assert (
            saved[name].kind,
            saved[name].is_crisis_contact,
            saved[name].consent_to_share,
            saved[name].consent_date,
        ) == (kind, crisis, consent, CONSENT_DAY if consent else None)
    # ...and each reads back on the page as ticked
    for name, kind, crisis, consent in CONTACTS:
        panel = open_expander(page, f"{name} — {kind}")
        label = panel.locator("summary").first.inner_text()
        assert ("🚨 crisis" in label) is crisis, label
        said = "consent to share (1 Nov 2026)" if consent else "no consent to share"
        assert panel.get_by_text(said, exact=True).count() == 1, name
    walk.check("contacts-on-the-page", tab="Support network")

    # --- three goals, each with its steps; one step is helped by a contact
    open_tab(page, "Goals and steps")
    for goal_text, steps in GOALS.items():
        box = open_expander(page, "Add a goal")
        box.get_by_label("Goal, in the client's words").fill(goal_text)
        click(page, "Add goal", box)
        flash(page, "Goal added.")
        assert_no_error(page)
        assert selected_tab(page) == "Goals and steps"
        for step_text, helper in steps:
            goal = open_expander(page, goal_text)
            goal.get_by_label("New small step").fill(step_text)
            if helper:
                choose(goal, page, "Who helps (optional)", helper)
            click(page, "Add step", goal)
            flash(page, "Step added.")
            goal = expander(page, goal_text)
            assert is_open(goal), "the goal's panel closed after adding a step"
            assert goal.get_by_text(step_text, exact=False).count() >= 1
            if helper:
                expect(goal.get_by_text(f"Helps: {helper}")).to_have_count(1)
    walk.check("goals-and-steps", tab="Goals and steps")
    plan = read_plans.get_plan(server.db, alice, cid)
    names = {c.id: c.name for c in plan.contacts}
    assert {
        g.description: [(s.description, names.get(s.helper_contact_id)) for s in g.steps]
        for g in plan.goals
    } == GOALS
    goal_ids = {g.description: g.id for g in plan.goals}

    # --- a check-in link, and three check-ins from the client's phone
    open_tab(page, "Check-in link")
    click(page, "Create a check-in link")
    flash(page, "shown only now")
    url = page.locator("[data-testid='stCode'] code").first.inner_text().strip()
    assert url.startswith(f"{server.url}/?checkin=")
    walk.check("checkin-link", tab="Check-in link")

    phone = browser.new_context(**PHONE)
    mobile = phone.new_page()
    mobile.goto(url)
    heading(mobile, "Hi Élodie").wait_for(timeout=TIMEOUT)
    wait_rendered(mobile)
    walk.check("phone-checkin-form", page=mobile)
    # 1: ratings, goals, and the PHQ-9 with its self-harm item (9) answered
    tap(mobile, "rating_mood", "3")
    tap(mobile, "rating_sleep", "2")
    tap(mobile, f"goal_{goal_ids['Walk to the park every morning']}", "2")
    mobile.get_by_label("Something that was hard (if you like)").fill("A very long night")
    for item in range(1, 10):
        tap(
            mobile,
            f"measure_PHQ-9_{item}",
            "More than half the days" if item == 9 else "Several days",
        )
    mobile.get_by_role("button", name="Send my check-in").click()
    mobile.get_by_text("Thank you, Élodie").wait_for(timeout=TIMEOUT)
    wait_rendered(mobile)
    mobile.get_by_text("talk to someone now", exact=False).wait_for()
    assert mobile.get_by_text("Maman", exact=True).count() == 1  # her crisis contacts
    expect(mobile.get_by_text("Nightline", exact=True)).to_have_count(1)
    walk.check("phone-checkin-1-self-harm", page=mobile)
    # 2 and 3: another check-in each, from the same phone
    for number, (mood, words) in enumerate(
        (("5", "Rang my sister"), ("7", "Walked twice")), start=2
    ):
        mobile.get_by_role("button", name="Start another check-in").click()
        mobile.get_by_role("button", name="Send my check-in").wait_for(timeout=TIMEOUT)
        wait_rendered(mobile)
        tap(mobile, "rating_mood", mood)
        mobile.get_by_label("Something that went well (if you like)").fill(words)
        mobile.get_by_role("button", name="Send my check-in").click()
        mobile.get_by_text("Thank you, Élodie").wait_for(timeout=TIMEOUT)
        wait_rendered(mobile)
        expect(mobile.get_by_text("talk to someone now", exact=False)).to_have_count(0)
        walk.check(f"phone-checkin-{number}", page=mobile)
    phone.close()
    sent = rosters.client_checkins(server.db, alice, cid)
    assert sorted((r.source, r.ratings["mood"], r.went_well, r.was_hard) for r in sent) == [
        ("link", 3, "", "A very long night"),
        ("link", 5, "Rang my sister", ""),
        ("link", 7, "Walked twice", ""),
    ]

    # --- the caseload's alert, and the follow-up recorded there
    act(page, page.get_by_role("link", name="Caseload").click)
    heading(page, "Caseload").wait_for(timeout=TIMEOUT)
    alert = page.get_by_text("to the PHQ-9 self-harm question", exact=False).first
    alert.wait_for(timeout=TIMEOUT)
    assert f"{NAME} ({REF}) answered “More than half the days”" in alert.inner_text()
    expect(page.get_by_text("1 client · page 1 of 1", exact=False)).to_have_count(1)
    walk.check("caseload-alert")
    page.get_by_label("Follow-up (who was contacted, what was agreed)").fill(FOLLOW_UP)
    click(page, "Record follow-up")
    flash(page, f"Follow-up recorded for {REF}.")
    expect(page.get_by_text("to the PHQ-9 self-harm question", exact=False)).to_have_count(0)
    walk.check("follow-up-recorded")
    tz = Settings.from_env().tz
    risk = safety.safety_summary(server.db, alice, cid, today=datetime.now(tz).date(), tz=tz)
    assert not risk.open_self_harm
    assert [(a.answer_wording, a.followed_up_by, a.follow_up_note) for a in risk.followed_up] == [
        ("More than half the days", "Alice Example", FOLLOW_UP)
    ]

    # --- back on the client: tick a step done
    click_row_checkbox(page, 0)
    heading(page, NAME).wait_for(timeout=TIMEOUT)
    wait_idle(page)
    open_tab(page, "Goals and steps")
    goal = open_expander(page, "Walk to the park every morning")
    act(page, goal.locator("[data-testid='stCheckbox'] label").first.click)
    flash(page, "Step ticked off")
    walk.check("step-ticked", tab="Goals and steps")
    plan = read_plans.get_plan(server.db, alice, cid)
    done = {s.description: s.done_on is not None for g in plan.goals for s in g.steps}
    assert done == {
        "Put shoes by the door": True,
        "Walk with Sam on Tuesdays": False,
        "Buy vegetables on Saturday": False,
        "Phone out of the bedroom": False,
    }

    open_tab(page, "Check-ins")
    page.get_by_text("3 check-ins", exact=True).wait_for(timeout=TIMEOUT)
    walk.check("checkins-on-the-client-page", tab="Check-ins")

    # --- the session review: write the record and sign it off
    act(page, page.locator(f"a[href*='review?client={REF}']").first.click)
    heading(page, f"Session review: {NAME}").wait_for(timeout=TIMEOUT)
    wait_idle(page)
    followed = page.get_by_text("was followed up by Alice Example", exact=False)
    followed.first.wait_for(timeout=TIMEOUT)
    # the plan started today: the review covers one day (said in the singular)
    assert (
        page.get_by_text("since the plan started on", exact=False)
        .first.inner_text()
        .endswith("· 1 day, compared with the 1 day before")
    )
    walk.check("session-review")
    for label, text in SESSION.items():
        page.get_by_label(label, exact=True).fill(text)
    page.get_by_text("I confirm this record is complete and accurate", exact=False).click()
    wait_idle(page)
    click(page, "Sign off")
    flash(page, "Session record signed off")
    walk.check("session-signed-off")
    records = read_sessions.list_sessions(server.db, alice, cid)
    assert len(records) == 1 and records[0].is_signed
    assert records[0].summary == SESSION["Summary"]
    assert records[0].next_steps == SESSION["Next steps"]

    # --- the summary PDF, through the Export tab's download button
    act(page, page.get_by_role("link", name="Open the client's record").click)
    heading(page, NAME).wait_for(timeout=TIMEOUT)
    wait_idle(page)
    open_tab(page, "Export")
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Download session summary (PDF)").click()
    pdf = tmp_path / download.value.suggested_filename
    download.value.save_as(pdf)
    assert pdf.name.startswith(REF) and pdf.suffix == ".pdf"
    text = pdf_text(pdf)
    for words in [
        NAME,
        *SECTIONS.values(),
        *GOALS,
        "Put shoes by the door",
        "Maman",
        "Neighbour Sam",
        SESSION["Summary"],
    ]:
        assert " ".join(words.split()) in text, words
    for left_out in ("Nightline", "Cousin Jo"):  # no consent to share
        assert left_out not in text
    assert "2 contacts without consent to share are not shown." in text
    assert "3 check-ins in this period." in text
    assert "Rang Élodie the same afternoon" in text  # the follow-up, under risk and safety
    walk.check("pdf-downloaded", tab="Export")

    # --- sign out, sign in again in the same tab, reload: for each role. The clinician signs
    # out on the client's Export tab and is brought back to the client (the address is kept);
    # the supervisor and the administrator sign in on the start address.
    for role, who, home in (
        ("clinician", people["clinician"], NAME),
        ("supervisor", people["supervisor"], "Caseload"),
        ("admin", people["admin"], "Accounts and assignments"),
    ):
        sign_out(page)
        walk.check(f"{role}-signed-out")
        sign_in(page, who.username, TEST_PASSWORD)
        heading(page, home).wait_for(timeout=TIMEOUT)
        wait_idle(page)
        assert_signed_in_as(page, who.full_name, role)
        page.reload()
        heading(page, home).wait_for(timeout=TIMEOUT)
        wait_idle(page)
        expect(page.get_by_label("Username")).to_have_count(0)
        assert_signed_in_as(page, who.full_name, role)
        if role == "admin":  # an administrator never sees a client record
            expect(page.get_by_text(NAME)).to_have_count(0)
        else:
            page.get_by_text(NAME).first.wait_for(state="attached", timeout=TIMEOUT)
        walk.check(f"{role}-signed-in-again")
        if role == "clinician":
            assert page.url.endswith(f"/client?client={REF}")
            act(page, page.get_by_role("link", name="Caseload").click)
            heading(page, "Caseload").wait_for(timeout=TIMEOUT)
            walk.check("clinician-back-on-the-caseload")
    desk.close()
    assert len(walk.taken) >= 20


def sign_out(page) -> None:
    act(page, page.get_by_role("button", name="Sign out").click)
    page.get_by_label("Username").first.wait_for(timeout=TIMEOUT)
    wait_idle(page)
    page.wait_for_timeout(2500)  # the cookie deletion is drawn on a second run
    page.reload()
    page.get_by_label("Username").first.wait_for(timeout=TIMEOUT)
    wait_idle(page)
    expect(page.locator("[data-testid='stSidebar']").get_by_text("Sign out")).to_have_count(0)
    expect(page.get_by_text(NAME)).to_have_count(0)


def assert_signed_in_as(page, full_name: str, role: str) -> None:
    sidebar = page.locator("[data-testid='stSidebar']")
    expect(sidebar.get_by_text(full_name, exact=True)).to_have_count(1)
    expect(sidebar.get_by_text(f"{role.capitalize()} ·", exact=False)).to_have_count(1)
