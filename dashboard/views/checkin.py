"""The client's own check-in, opened from their personal link on a phone: no sign-in, no
navigation, nothing of the app but this one client's form.

Everything shown comes from `checkin_links.open_link`, which is all a token can read. The
clinic's crisis message is always at the top, with a plain word that nobody watches the form as
it is sent. Ratings start unanswered (pills with no default), so a skipped one is stored empty.
The wording is plain and warm on purpose; measures keep their published item wording.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import streamlit as st

from care_plans import measures
from care_plans.errors import DomainError, ValidationError
from care_plans.services import checkin_links
from care_plans.services.checkin_links import CrisisContact, LinkForm
from dashboard import deps
from dashboard.components import client_plan
from dashboard.components.text import plain

st.set_page_config(
    page_title="Your check-in", page_icon="🌱", layout="centered", initial_sidebar_state="collapsed"
)
# Our own static CSS (no user text). On a phone, eleven pills wrap raggedly ("9 10" alone on
# a second line); two even rows, 0–5 and 6–10, read as one scale and give thumb-sized targets.
# Streamlit's roomy top padding is trimmed so the first screen shows a question.
st.html("""<style>
@media (max-width: 480px) {
  [class*="st-key-rating_"] [role="radiogroup"], [class*="st-key-goal_"] [role="radiogroup"] {
    display: grid; grid-template-columns: repeat(6, 1fr); gap: 0.5rem;
  }
  [class*="st-key-rating_"] button, [class*="st-key-goal_"] button {
    width: 100%; min-height: 2.75rem;
  }
  [data-testid="stMainBlockContainer"] { padding-top: 2.5rem; }
}
</style>""")

#: session_state key: (link id, risk flag, part-answered instrument codes) of the check-in
#: this browser just sent.
SENT = "checkin_sent"
SCALE = list(range(11))
QUESTIONS: dict[str, tuple[str, str]] = {
    "mood": ("How has your mood been today?", "0 is very low, 10 is really good"),
    "sleep": ("How well have you been sleeping?", "0 is very badly, 10 is really well"),
    "self_care": (
        "How well have you been looking after yourself?",
        "0 is not at all, 10 is really well",
    ),
    "connection": (
        "How connected have you felt to other people?",
        "0 is very alone, 10 is really connected",
    ),
    "hope": (
        "How hopeful do you feel about the days ahead?",
        "0 is no hope at all, 10 is very hopeful",
    ),
}


def crisis_box(
    lead: str = "**This form is not watched in real time.** Your care team reads "
    "it later, not as you send it.",
) -> None:
    st.info(f"{lead}\n\n{plain(deps.settings().crisis_message)}", icon=":material/support:")


def show_crisis_contacts(contacts: Sequence[CrisisContact]) -> None:
    st.error(
        "You told us you have had thoughts that you would be better off dead, or of hurting "
        "yourself. Thank you for telling us. Please don't wait for your next appointment: "
        f"talk to someone now.\n\n**{plain(deps.settings().crisis_message)}**",
        icon=":material/favorite:",
    )
    if contacts:
        st.markdown("**People you chose to reach out to:**")
    for contact in contacts:
        with st.container(border=True):
            st.markdown(f"**{plain(contact.name)}**")
            if contact.phone:
                digits = re.sub(r"[^0-9+]", "", contact.phone)
                st.markdown(f"[{plain(contact.phone)}](tel:{digits})")
            if contact.when_to_contact:
                st.caption(plain(contact.when_to_contact))


def thank_you(form: LinkForm, risk: bool, partial: Sequence[str] = ()) -> None:
    name = f", {plain(form.first_name)}" if form.first_name else ""
    st.success(
        f"Thank you{name}. Your check-in has been sent to your care team.",
        icon=":material/check_circle:",
    )
    if partial:
        st.write(
            "Everything you answered was sent, including the questions you answered in "
            f"{' and '.join(partial)}. Your clinician may go through the rest with you "
            "next time."
        )
    if risk:
        show_crisis_contacts(form.crisis_contacts)
        st.write("Your clinician will also see your answers, but not straight away.")
    else:
        st.write("Your clinician will look at it before you next meet. You can close this page.")
    if st.button("Start another check-in", key="checkin_again"):
        st.session_state.pop(SENT, None)
        st.rerun()


def rating(key: str, question: str, hint: str) -> int | None:
    st.markdown(f"**{question}**")
    st.caption(hint)
    return st.pills(question, SCALE, key=key, label_visibility="collapsed", width="stretch")


def measure_section(code: str) -> tuple[list[int | None], int | None]:
    """One questionnaire in its published wording, then its unscored difficulty question (the
    PHQ-9's 10th) if it has one. Answers are pills, which start unanswered."""
    instrument = measures.get_instrument(code)
    labels = dict(instrument.answer_options)
    st.markdown(f"**{plain(instrument.preamble)}**")
    st.caption(plain(instrument.name))
    answers = [
        st.pills(
            f"{number}\\. {plain(item)}",
            list(labels),
            format_func=labels.__getitem__,
            key=f"measure_{code}_{number}",
        )
        for number, item in enumerate(instrument.items, start=1)
    ]
    difficulty = None
    if instrument.difficulty_question is not None:
        options = dict(instrument.difficulty_options)
        difficulty = st.pills(
            plain(instrument.difficulty_question),
            list(options),
            format_func=options.__getitem__,
            key=f"measure_{code}_difficulty",
        )
    return answers, difficulty


def measure_answers(
    form: LinkForm, given: dict[str, tuple[list[int | None], int | None]]
) -> tuple[dict[str, list[int | None]], dict[str, int | None], list[str]]:
    """Every questionnaire with anything answered, blanks kept as None (a part-answered one is
    saved as partial, never refused); the difficulty answers; the part-answered codes."""
    answers: dict[str, list[int | None]] = {}
    difficulty: dict[str, int | None] = {}
    partial: list[str] = []
    for code in form.measures_due:
        items, extra = given[code]
        if all(a is None for a in items):
            continue
        answers[code] = [None if a is None else int(a) for a in items]
        if extra is not None:
            difficulty[code] = int(extra)
        if any(a is None for a in items):
            partial.append(code)
    return answers, difficulty, partial


def self_harm_endorsed(given: dict[str, tuple[list[int | None], int | None]]) -> bool:
    """The product's one rule (care_plans.measures), so the screen and the record agree."""
    return any(measures.risk_endorsed(code, items) for code, (items, _) in given.items())


token = st.query_params.get("checkin", "")
ip_address = st.context.ip_address
forwarded = st.context.headers.get("X-Forwarded-For")
address = deps.settings().client_address(
    ip_address if isinstance(ip_address, str) else None,  # None on localhost and in tests
    forwarded if isinstance(forwarded, str) else None,
)
db = deps.database()

try:
    form = checkin_links.open_link(db, token, source_address=address, tz=deps.settings().tz)
except checkin_links.TooManyAttempts as exc:
    st.title("Check-in", anchor=False)
    st.warning(exc.message, icon=":material/hourglass_top:")
    crisis_box("**If you need help now:**")
    st.stop()
if form is None:
    st.title("Check-in", anchor=False)
    st.warning(checkin_links.UNAVAILABLE_MESSAGE, icon=":material/link_off:")
    crisis_box("**If you need help now:**")
    st.stop()

greeting = f"Hi {plain(form.first_name)}" if form.first_name else "Hello"
st.title(greeting, anchor=False)
st.caption(f"Your check-in with {plain(deps.settings().clinic_name)}")
crisis_box()
if client_plan.choose_part(db, token, address) != client_plan.CHECK_IN:
    st.stop()  # "My plan" or "My goals" was drawn instead of the check-in form
sent = st.session_state.get(SENT)
if sent and sent[0] == form.link_id:
    thank_you(form, sent[1], sent[2] if len(sent) > 2 else ())
    st.stop()

st.write(
    "How have things been? Answer as much or as little as you like: every question can be skipped."
)
with st.form("checkin", border=False):
    ratings = {name: rating(f"rating_{name}", *QUESTIONS[name]) for name in QUESTIONS}
    progress: dict[int, int | None] = {}
    if form.goals:
        st.subheader("Your goals", anchor=False)
        st.caption("How is each one going? 0 is not started yet, 10 is done.")
        for goal in form.goals:
            st.markdown(f"**{plain(goal.description)}**")
            progress[goal.id] = st.pills(
                plain(goal.description),
                SCALE,
                key=f"goal_{goal.id}",
                label_visibility="collapsed",
                width="stretch",
            )
    st.subheader("In your own words", anchor=False)
    went_well = st.text_area(
        "Something that went well (if you like)", max_chars=2000, key="went_well", height=90
    )
    was_hard = st.text_area(
        "Something that was hard (if you like)", max_chars=2000, key="was_hard", height=90
    )
    if form.measures_due:
        st.subheader("A few more questions", anchor=False)
        st.caption(
            "We ask these every couple of weeks. They help most when every question "
            "in a part is answered, but anything you answer is kept and sent."
        )
    given = {code: measure_section(code) for code in form.measures_due}
    send = st.form_submit_button("Send my check-in", type="primary", width="stretch")

if send:
    answers, difficulty, partial = measure_answers(form, given)
    risk = self_harm_endorsed(given)
    result = None
    problems: list[str] = []
    try:
        result = checkin_links.submit_via_link(
            db,
            token,
            source_address=address,
            ratings=ratings,
            goal_progress={g: v for g, v in progress.items() if v is not None},
            went_well=went_well,
            was_hard=was_hard,
            measure_answers=answers,
            difficulty=difficulty,
        )
    except ValidationError as exc:
        if "" in exc.problems:
            problems.append("Please answer at least one question before sending.")
        else:
            problems.append(
                "Something in the form could not be saved. Please check your "
                "answers and send it again."
            )
    except DomainError as exc:  # the link stopped working, or too many attempts
        problems.append(exc.message)
    if result is not None:
        st.session_state[SENT] = (form.link_id, result.risk_flag, tuple(partial))
        st.rerun()
    for problem in problems:
        st.error(problem)
    if risk:
        show_crisis_contacts(form.crisis_contacts)
