"""The LOINC forms of the standard measures and the LOINC codes of Goal Attainment Scaling, as
data: what the FHIR export codes questionnaires, their answers and GAS ratings with.

Why a table of its own: a receiving system recognises a PHQ-9 by the codes LOINC publishes for
its form (panel 44249-1, one code per item, answer codes LA6568-5 … LA6571-9), not by our item
numbers. Checked at import against the instrument registry, so a new instrument without its
LOINC form, or one with the wrong number of item codes, fails at import and not in a receiver.

Sources: the LOINC forms (LHC-Forms) of panels 44249-1 (PHQ-9) and 69737-5 (GAD-7), item
linkIds written as LOINC's forms write them ("/" + item code); the HL7 Person-Centered
Outcomes IG (STU 1) for GAS: the pco-goal-attainment-scaling extension on Goal, score code
107333-7 (practitioner follow-up) and the answers of its GAS score value set.
"""

from __future__ import annotations

from dataclasses import dataclass

from care_plans import measures

LOINC = "http://loinc.org"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"

#: "Not at all" … "Nearly every day", in answer-value order 0–3 (PHQ-9 and GAD-7 alike).
FREQUENCY_ANSWERS: tuple[tuple[str, str], ...] = (
    ("LA6568-5", "Not at all"),
    ("LA6569-3", "Several days"),
    ("LA6570-1", "More than half the days"),
    ("LA6571-9", "Nearly every day"),
)

#: The unscored last question of both forms, and its answers in order 0–3.
DIFFICULTY_CODE = (
    "69722-7",
    "How difficult have these problems made it for you to do your "
    "work, take care of things at home, or get along with other people?",
)
DIFFICULTY_ANSWERS: tuple[tuple[str, str], ...] = (
    ("LA6572-7", "Not difficult at all"),
    ("LA6573-5", "Somewhat difficult"),
    ("LA6575-0", "Very difficult"),
    ("LA6574-3", "Extremely difficult"),
)


@dataclass(frozen=True)
class LoincForm:
    instrument: str
    panel: tuple[str, str]  # (code, display)
    #: A computable name (FHIR's que-0: a letter, then letters, digits or _).
    name: str
    version: str
    #: The item codes in the instrument's item order (the wording is the instrument's own).
    items: tuple[str, ...]
    answers: tuple[tuple[str, str], ...]  # (LA code, display) for answer values low to high

    def link_id(self, code: str) -> str:
        return f"/{code}"

    @property
    def canonical(self) -> str:
        """The URL of the Questionnaire this product ships for the form (derived from
        LOINC's; the same in every installation, since the form is the same)."""
        return f"urn:care-plans:questionnaire:{self.name.lower()}"


FORMS: dict[str, LoincForm] = {
    form.instrument: form
    for form in (
        LoincForm(
            instrument="PHQ-9",
            panel=("44249-1", "PHQ-9 quick depression assessment panel"),
            name="PHQ9",
            version="1",
            items=(
                "44250-9",
                "44255-8",
                "44259-0",
                "44254-1",
                "44251-7",
                "44258-2",
                "44252-5",
                "44253-3",
                "44260-8",
            ),
            answers=FREQUENCY_ANSWERS,
        ),
        LoincForm(
            instrument="GAD-7",
            panel=("69737-5", "Generalized anxiety disorder 7 item (GAD-7)"),
            name="GAD7",
            version="1",
            items=("69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"),
            answers=FREQUENCY_ANSWERS,
        ),
    )
}

# --- Goal Attainment Scaling (HL7 Person-Centered Outcomes IG) ---------------------------------

GAS_EXTENSION = "http://hl7.org/fhir/us/pco/StructureDefinition/pco-goal-attainment-scaling"
#: The ratings here are given by the clinician at a review.
GAS_SCORE_CODE = ("107333-7", "Practitioner follow-up goal attainment scaling score")
#: GAS levels −2…+2 and their LOINC answers.
GAS_ANSWERS: dict[int, tuple[str, str]] = {
    2: ("LA34479-8", "Much better than expected"),
    1: ("LA34480-6", "Better than expected"),
    0: ("LA34481-4", "Expected outcome"),
    -1: ("LA34483-0", "Less than expected"),
    -2: ("LA34484-8", "Much less than expected"),
}


def _check() -> None:
    """Every registered instrument has a LOINC form that fits it (checked at import)."""
    for code, instrument in measures.INSTRUMENTS.items():
        form = FORMS.get(code)
        if form is None:
            raise ValueError(f"{code} has no LOINC form in export/loinc_forms.py")
        if len(form.items) != instrument.item_count:
            raise ValueError(
                f"{code}: {len(form.items)} LOINC item codes for {instrument.item_count} items"
            )
        if len(form.answers) != len(instrument.answer_options):
            raise ValueError(
                f"{code}: {len(form.answers)} LOINC answers for "
                f"{len(instrument.answer_options)} answer options"
            )
        if [label for _, label in form.answers] != [
            label for _, label in instrument.answer_options
        ]:
            raise ValueError(f"{code}: LOINC answer wording differs from the instrument's")
    if sorted(GAS_ANSWERS) != list(range(measures.GAS_MIN, measures.GAS_MAX + 1)):
        raise ValueError("GAS answers must cover every level")


_check()
