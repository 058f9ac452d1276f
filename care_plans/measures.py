"""Standard symptom measures: the instrument registry and the arithmetic clinicians rely on.

Why this module exists: a PHQ-9 total, its severity band, the item-9 risk flag and "did this
client reliably improve?" must be computed the same way on every page, in the PDF summary,
in the FHIR export and in the CLI. Getting any of them wrong is a clinical error, so the rules
live here once, as pure functions over plain values: no database, no I/O, no streamlit.

Instruments are held as *data* (:class:`Instrument` records in :data:`INSTRUMENTS`), so adding
another public-domain instrument is a data change, not a code change. Licensed instruments
(WEMWBS, CORE-10, ORS/SRS, the Recovery Star) must not have their item wording added here.

Every function raises ``ValueError`` with a plain-language message on bad input; the page
boundary shows that message to the clinician as it is.

The thresholds follow ``design/domain.md`` ("Standard measures"):

* PHQ-9 (Kroenke, Spitzer & Williams 2001): 9 items scored 0-3, total 0-27; reliable change
  6 points; caseness 10 or more; item 9 above 0 is flagged for immediate clinical follow-up.
* GAD-7 (Spitzer et al. 2006): 7 items scored 0-3, total 0-21; reliable change 4 points;
  caseness 8 or more (NHS Talking Therapies convention).
* Jacobson & Truax (1991) reliable change index, and the Kiresuk & Sherman (1968) Goal
  Attainment Scaling T-score.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

#: Days between PHQ-9 / GAD-7 for a new client (CARE_PLANS_MEASURE_INTERVAL_DAYS overrides it):
#: fortnightly, as NHS Talking Therapies collects them session by session.
DEFAULT_MEASURE_INTERVAL_DAYS = 14

__all__ = [
    "DEFAULT_MEASURE_INTERVAL_DAYS",
    "ANSWER_OPTIONS_0_TO_3",
    "DIFFICULTY_OPTIONS",
    "PAIRED_CASENESS_INSTRUMENTS",
    "GAD_7",
    "GAS_MAX",
    "GAS_MIN",
    "GAS_RHO",
    "IMPROVED",
    "DETERIORATED",
    "NO_RELIABLE_CHANGE",
    "INSTRUMENTS",
    "Instrument",
    "NOT_A_CASE_AT_BASELINE",
    "PHQ_9",
    "RCI_CRITICAL_VALUE",
    "RECOVERY",
    "RECOVERY_STATUSES",
    "RELIABLE_CHANGE_OUTCOMES",
    "RELIABLE_DETERIORATION",
    "RELIABLE_IMPROVEMENT",
    "RELIABLE_RECOVERY",
    "SEVERITY_LABELS",
    "Score",
    "describe_unanswered",
    "gas_t_score",
    "get_instrument",
    "is_case",
    "PairedFacts",
    "paired_facts",
    "paired_recovery_status",
    "risk_endorsed",
    "score_answers",
    "is_reliable_rci",
    "jacobson_truax_rci",
    "recovery_status",
    "reliable_change",
    "score",
    "severity",
    "severity_bands",
]

# The severity words the product uses, mildest first. Bands must use these labels so that
# charts and filters can rely on a closed set.
SEVERITY_LABELS: tuple[str, ...] = (
    "minimal",
    "mild",
    "moderate",
    "moderately severe",
    "severe",
)

# The published answer scale shared by PHQ-9 and GAD-7.
ANSWER_OPTIONS_0_TO_3: tuple[tuple[int, str], ...] = (
    (0, "Not at all"),
    (1, "Several days"),
    (2, "More than half the days"),
    (3, "Nearly every day"),
)

# reliable_change() outcomes.
IMPROVED = "improved"
DETERIORATED = "deteriorated"
NO_RELIABLE_CHANGE = "no reliable change"
RELIABLE_CHANGE_OUTCOMES: tuple[str, ...] = (IMPROVED, DETERIORATED, NO_RELIABLE_CHANGE)

# recovery_status() outcomes; see that function for exactly when each applies.
RELIABLE_RECOVERY = "reliable recovery"
RECOVERY = "recovery"
RELIABLE_IMPROVEMENT = "reliable improvement"
RELIABLE_DETERIORATION = "reliable deterioration"
NOT_A_CASE_AT_BASELINE = "not a case at baseline"
RECOVERY_STATUSES: tuple[str, ...] = (
    RELIABLE_RECOVERY,
    RECOVERY,
    RELIABLE_IMPROVEMENT,
    NO_RELIABLE_CHANGE,
    NOT_A_CASE_AT_BASELINE,
    RELIABLE_DETERIORATION,
)

# Two-tailed 5% critical value of the standard normal, as in Jacobson & Truax (1991).
RCI_CRITICAL_VALUE = 1.96

# Goal Attainment Scaling: levels -2..+2 (0 = expected outcome) and the conventional
# inter-goal correlation rho used by Kiresuk & Sherman.
GAS_MIN = -2
GAS_MAX = 2
GAS_RHO = 0.3


def _is_whole_number(value: object) -> bool:
    # bool is an int subclass, and a checkbox value silently scoring 1 would hide a bug.
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


@dataclass(frozen=True)
class Instrument:
    """One standard measure, described entirely as data.

    ``items`` holds the published item texts in order; answers are given in that order.
    ``answer_options`` are ``(value, label)`` pairs with consecutive values, lowest first.
    ``bands`` are ``(low, high, label)`` with both ends inclusive, together covering every
    possible total exactly once. ``risk_item`` is the 0-based index of an item whose answer
    above the lowest option must be flagged for immediate clinical follow-up, or ``None``.
    ``sd`` and ``reliability`` are optional norms for :func:`jacobson_truax_rci`; they are
    left ``None`` until a source the clinical lead agrees with is recorded with them.
    """

    code: str
    name: str
    citation: str
    preamble: str
    items: tuple[str, ...]
    answer_options: tuple[tuple[int, str], ...]
    bands: tuple[tuple[int, int, str], ...]
    reliable_change_points: int
    caseness_threshold: int
    risk_item: int | None
    loinc_total_code: str
    loinc_total_display: str
    sd: float | None = None
    reliability: float | None = None
    #: An unscored question asked after the items (the PHQ-9's 10th, "how difficult…"), with
    #: its own answer options; stored and shown, never added to the total.
    difficulty_question: str | None = None
    difficulty_options: tuple[tuple[int, str], ...] = ()

    def __post_init__(self) -> None:
        # Checked here so that a mistyped registry entry fails at import, not in a clinic.
        problems = _instrument_problems(self)
        if problems:
            raise ValueError(f"Instrument {self.code!r} is not valid: " + "; ".join(problems))

    @property
    def item_count(self) -> int:
        return len(self.items)

    @property
    def min_answer(self) -> int:
        return self.answer_options[0][0]

    @property
    def max_answer(self) -> int:
        return self.answer_options[-1][0]

    @cached_property
    def min_total(self) -> int:
        return self.min_answer * self.item_count

    @cached_property
    def max_total(self) -> int:
        return self.max_answer * self.item_count

    def difficulty_label(self, value: int) -> str:
        """The wording of an answer to the unscored difficulty question."""
        for option_value, label in self.difficulty_options:
            if _is_whole_number(value) and option_value == value:
                return label
        raise ValueError(f"{self.code}: {value!r} is not an answer to the difficulty question")

    def answer_label(self, value: int) -> str:
        """The wording shown for an answer value, e.g. 2 -> "More than half the days"."""
        if _is_whole_number(value):
            for option_value, label in self.answer_options:
                if option_value == value:
                    return label
        raise ValueError(
            f"{self.code}: {value!r} is not an answer option ({self.min_answer}–{self.max_answer})"
        )


def _instrument_problems(instrument: Instrument) -> list[str]:
    problems: list[str] = []
    if not instrument.code:
        problems.append("code is empty")
    if not instrument.items:
        problems.append("it has no items")
    options = instrument.answer_options
    if not options:
        problems.append("it has no answer options")
        return problems
    values = [value for value, _ in options]
    if not all(_is_whole_number(value) for value in values) or values != list(
        range(values[0], values[0] + len(values))
    ):
        problems.append("answer option values must be consecutive whole numbers, lowest first")
        return problems
    if not instrument.bands:
        problems.append("it has no severity bands")
    else:
        expected_low = instrument.min_total
        for low, high, label in instrument.bands:
            if low != expected_low or high < low:
                problems.append(
                    f"band {label!r} ({low}–{high}) should start at {expected_low} "
                    "and not end before it starts"
                )
                break
            if label not in SEVERITY_LABELS:
                problems.append(f"band label {label!r} is not one of {', '.join(SEVERITY_LABELS)}")
            expected_low = high + 1
        else:
            if expected_low - 1 != instrument.max_total:
                problems.append(
                    f"bands end at {expected_low - 1} but the highest total is "
                    f"{instrument.max_total}"
                )
    if instrument.risk_item is not None and not (0 <= instrument.risk_item < len(instrument.items)):
        problems.append(f"risk item index {instrument.risk_item} is not an item")
    if instrument.reliable_change_points <= 0:
        problems.append("reliable change points must be positive")
    if not instrument.min_total < instrument.caseness_threshold <= instrument.max_total:
        problems.append(
            f"caseness threshold {instrument.caseness_threshold} is outside the possible totals"
        )
    if (instrument.difficulty_question is None) != (not instrument.difficulty_options):
        problems.append("a difficulty question needs its answer options, and options a question")
    if (instrument.sd is None) != (instrument.reliability is None):
        problems.append("sd and reliability must be given together")
    if instrument.sd is not None and not instrument.sd > 0:
        problems.append("sd must be above 0")
    if instrument.reliability is not None and not 0 <= instrument.reliability < 1:
        problems.append("reliability must be at least 0 and below 1")
    return problems


_LAST_TWO_WEEKS = (
    "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
)
# The GAD-7 as published (Spitzer, Kroenke, Williams & Löwe 2006, and the form Pfizer
# distributes): its stem says "by the following problems", and its items carry their commas.
_GAD_7_STEM = "Over the last 2 weeks, how often have you been bothered by the following problems?"

#: The answers to the PHQ-9's unscored 10th question, as published.
DIFFICULTY_OPTIONS: tuple[tuple[int, str], ...] = (
    (0, "Not difficult at all"),
    (1, "Somewhat difficult"),
    (2, "Very difficult"),
    (3, "Extremely difficult"),
)

PHQ_9 = Instrument(
    code="PHQ-9",
    name="Patient Health Questionnaire (PHQ-9)",
    citation="Kroenke, Spitzer & Williams 2001",
    preamble=_LAST_TWO_WEEKS,
    items=(
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Trouble falling or staying asleep, or sleeping too much",
        "Feeling tired or having little energy",
        "Poor appetite or overeating",
        "Feeling bad about yourself — or that you are a failure or have let yourself "
        "or your family down",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite — "
        "being so fidgety or restless that you have been moving around a lot more than usual",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
    ),
    answer_options=ANSWER_OPTIONS_0_TO_3,
    bands=(
        (0, 4, "minimal"),
        (5, 9, "mild"),
        (10, 14, "moderate"),
        (15, 19, "moderately severe"),
        (20, 27, "severe"),
    ),
    reliable_change_points=6,
    caseness_threshold=10,
    risk_item=8,
    loinc_total_code="44261-6",
    loinc_total_display="Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]",
    difficulty_question=(
        "If you checked off any problems, how difficult have these problems made it for you "
        "to do your work, take care of things at home, or get along with other people?"
    ),
    difficulty_options=DIFFICULTY_OPTIONS,
)

GAD_7 = Instrument(
    code="GAD-7",
    name="Generalized Anxiety Disorder (GAD-7)",
    citation="Spitzer, Kroenke, Williams & Löwe 2006",
    preamble=_GAD_7_STEM,
    items=(
        "Feeling nervous, anxious, or on edge",
        "Not being able to stop or control worrying",
        "Worrying too much about different things",
        "Trouble relaxing",
        "Being so restless that it is hard to sit still",
        "Becoming easily annoyed or irritable",
        "Feeling afraid, as if something awful might happen",
    ),
    answer_options=ANSWER_OPTIONS_0_TO_3,
    bands=(
        (0, 4, "minimal"),
        (5, 9, "mild"),
        (10, 14, "moderate"),
        (15, 21, "severe"),
    ),
    reliable_change_points=4,
    caseness_threshold=8,
    risk_item=None,
    loinc_total_code="70274-6",
    loinc_total_display="Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]",
)

INSTRUMENTS: dict[str, Instrument] = {instrument.code: instrument for instrument in (PHQ_9, GAD_7)}


@dataclass(frozen=True)
class Score:
    """A scored administration: the total, its severity band and the risk-item flag.

    A *partial* administration (some items unanswered) has no total and no band: a sum of
    the answered items would read as a lower, falsely reassuring score. Its risk flag is
    still computed from the risk item when that was answered, because a self-harm answer
    matters whatever else was skipped. ``unanswered`` holds the 1-based item numbers left
    blank; it is empty exactly when the administration is complete.
    """

    total: int | None
    severity: str | None
    risk_flag: bool
    unanswered: tuple[int, ...] = ()

    @property
    def is_partial(self) -> bool:
        return bool(self.unanswered)


def get_instrument(code: str) -> Instrument:
    """The registered instrument with this code (e.g. "PHQ-9"), or ValueError naming it."""
    instrument = INSTRUMENTS.get(code) if isinstance(code, str) else None
    if instrument is None:
        known = ", ".join(sorted(INSTRUMENTS))
        raise ValueError(f"Unknown instrument {code!r}; known instruments: {known}")
    return instrument


def score(instrument: str, answers: Sequence[int]) -> Score:
    """Score one administration from its item answers, in item order.

    Raises ValueError for a wrong number of answers, an answer outside the scale, or an
    answer that is not a whole number (``True``, ``"1"``, ``1.0`` and ``None`` included:
    a form that sends them has a bug we want to see, not a silently coerced total).
    """
    definition = get_instrument(instrument)
    if isinstance(answers, (str, bytes)) or not isinstance(answers, Sequence):
        raise ValueError(
            f"{definition.code} answers must be a list of {definition.item_count} "
            f"whole numbers, got {answers!r}"
        )
    if len(answers) != definition.item_count:
        raise ValueError(
            f"{definition.code} needs {definition.item_count} answers, got {len(answers)}"
        )
    for item_number, answer in enumerate(answers, start=1):
        if not _is_whole_number(answer):
            raise ValueError(
                f"{definition.code} item {item_number}: {answer!r} is not a whole number"
            )
        if not definition.min_answer <= answer <= definition.max_answer:
            raise ValueError(
                f"{definition.code} item {item_number}: {answer} is out of range "
                f"{definition.min_answer}–{definition.max_answer}"
            )
    # Plain ints, so numpy values from a DataFrame give a plain int total and a plain bool.
    values = [int(answer) for answer in answers]
    total = sum(values)
    risk_flag = (
        definition.risk_item is not None and values[definition.risk_item] > definition.min_answer
    )
    return Score(total=total, severity=_band_label(definition, total), risk_flag=risk_flag)


def risk_endorsed(instrument: str, answers: Sequence[int | None]) -> bool:
    """Whether the instrument's risk item (PHQ-9 item 9) was answered above its lowest option.

    The one rule for every path (link, session, import, page hints): an unanswered risk item
    is not an endorsement, and an instrument without a risk item never endorses one.
    """
    definition = get_instrument(instrument)
    if definition.risk_item is None or definition.risk_item >= len(answers):
        return False
    answer = answers[definition.risk_item]
    return answer is not None and _is_whole_number(answer) and answer > definition.min_answer


def score_answers(instrument: str, answers: Sequence[int | None]) -> Score:
    """Score a complete administration, or assess a partial one (``None`` = not answered).

    Complete answers give the same :class:`Score` as :func:`score`. With some items ``None``
    the result has no total and no band, the unanswered item numbers, and the risk flag from
    the risk item if it was answered. Every given answer is checked as :func:`score` checks
    it; all items ``None`` is a ValueError (there is nothing to keep).
    """
    definition = get_instrument(instrument)
    if isinstance(answers, (str, bytes)) or not isinstance(answers, Sequence):
        raise ValueError(
            f"{definition.code} answers must be a list of {definition.item_count} "
            f"whole numbers or blanks, got {answers!r}"
        )
    if len(answers) != definition.item_count:
        raise ValueError(
            f"{definition.code} needs {definition.item_count} answers, got {len(answers)}"
        )
    unanswered = tuple(n for n, a in enumerate(answers, start=1) if a is None)
    if not unanswered:
        return score(instrument, answers)  # type: ignore[arg-type]
    if len(unanswered) == definition.item_count:
        raise ValueError(f"{definition.code}: no item is answered")
    for item_number, answer in enumerate(answers, start=1):
        if answer is None:
            continue
        if not _is_whole_number(answer):
            raise ValueError(
                f"{definition.code} item {item_number}: {answer!r} is not a whole number"
            )
        if not definition.min_answer <= answer <= definition.max_answer:
            raise ValueError(
                f"{definition.code} item {item_number}: {answer} is out of range "
                f"{definition.min_answer}–{definition.max_answer}"
            )
    return Score(
        total=None,
        severity=None,
        risk_flag=risk_endorsed(instrument, answers),
        unanswered=unanswered,
    )


#: How a response with every item answered is described (see describe_unanswered).
COMPLETE = "complete"


def describe_unanswered(unanswered: Sequence[int]) -> str:
    """Plain words for a partial response, e.g. ``[2, 3, 4, 8]`` -> "incomplete: items 2–4
    and 8 not answered". Runs of consecutive items are joined with an en dash."""
    numbers_ = sorted(set(int(n) for n in unanswered))
    if not numbers_:
        return COMPLETE
    runs: list[str] = []
    start = previous = numbers_[0]
    for n in [*numbers_[1:], None]:
        if n is not None and n == previous + 1:
            previous = n
            continue
        runs.append(str(start) if start == previous else f"{start}–{previous}")
        if n is not None:
            start = previous = n
    listed = runs[0] if len(runs) == 1 else ", ".join(runs[:-1]) + " and " + runs[-1]
    single = len(numbers_) == 1
    return f"incomplete: item{'' if single else 's'} {listed} not answered"


def severity(instrument: str, total: int) -> str:
    """The severity label for a stored total, e.g. ``severity("PHQ-9", 12) == "moderate"``."""
    definition = get_instrument(instrument)
    return _band_label(definition, _check_total(definition, total, "total"))


def severity_bands(instrument: str) -> list[tuple[int, int, str]]:
    """The instrument's ``(low, high, label)`` bands, inclusive, mildest first (for charts)."""
    return list(get_instrument(instrument).bands)


def reliable_change(instrument: str, before_total: int, after_total: int) -> str:
    """Whether the total moved by at least the instrument's reliable-change amount.

    Higher scores mean more symptoms, so a fall is "improved" and a rise "deteriorated";
    anything smaller than the reliable-change amount is "no reliable change".
    """
    definition = get_instrument(instrument)
    before = _check_total(definition, before_total, "before total")
    after = _check_total(definition, after_total, "after total")
    change = after - before
    if change <= -definition.reliable_change_points:
        return IMPROVED
    if change >= definition.reliable_change_points:
        return DETERIORATED
    return NO_RELIABLE_CHANGE


def is_case(instrument: str, total: int) -> bool:
    """Whether a total is at or above the instrument's caseness threshold."""
    definition = get_instrument(instrument)
    return _check_total(definition, total, "total") >= definition.caseness_threshold


def recovery_status(instrument: str, baseline_total: int, latest_total: int) -> str:
    """The recovery outcome from baseline to latest, as one of :data:`RECOVERY_STATUSES`.

    Checked in this order, first match wins:

    * "reliable deterioration": the score rose by at least the reliable-change amount,
      whatever the baseline (a worsening is never hidden behind "not a case").
    * "reliable recovery": a case at baseline, below caseness now, and a reliable
      improvement.
    * "recovery": a case at baseline and below caseness now, but the fall is smaller than the
      reliable-change amount.
    * "reliable improvement": the score fell by at least the reliable-change amount but the
      client is still a case, or was not a case at baseline.
    * "not a case at baseline": below caseness at baseline and no reliable change either way,
      so recovery cannot be judged.
    * "no reliable change": a case at baseline, still a case, no reliable change.
    """
    change = reliable_change(instrument, baseline_total, latest_total)
    if change == DETERIORATED:
        return RELIABLE_DETERIORATION
    case_at_baseline = is_case(instrument, baseline_total)
    if case_at_baseline and not is_case(instrument, latest_total):
        return RELIABLE_RECOVERY if change == IMPROVED else RECOVERY
    if change == IMPROVED:
        return RELIABLE_IMPROVEMENT
    return NO_RELIABLE_CHANGE if case_at_baseline else NOT_A_CASE_AT_BASELINE


#: NHS Talking Therapies' paired outcome: a case on either measure at baseline, recovered when
#: below caseness on both at the end. (Instrument codes; caseness thresholds are theirs.)
PAIRED_CASENESS_INSTRUMENTS: tuple[str, ...] = ("PHQ-9", "GAD-7")


@dataclass(frozen=True)
class PairedFacts:
    """A client's paired outcome over PHQ-9 and GAD-7: the one rule the review page, the PDF,
    the caseload and the outcomes page all use."""

    case_at_baseline: bool
    reliable_improvement: bool
    reliable_deterioration: bool
    recovery: bool
    reliable_recovery: bool

    @property
    def status(self) -> str:
        """The one status shown for the pair (one of :data:`RECOVERY_STATUSES`)."""
        if self.reliable_deterioration:
            return RELIABLE_DETERIORATION
        if not self.case_at_baseline:
            return RELIABLE_IMPROVEMENT if self.reliable_improvement else NOT_A_CASE_AT_BASELINE
        if self.reliable_recovery:
            return RELIABLE_RECOVERY
        if self.recovery:
            return RECOVERY
        return RELIABLE_IMPROVEMENT if self.reliable_improvement else NO_RELIABLE_CHANGE


def paired_facts(baseline: dict[str, int], latest: dict[str, int]) -> PairedFacts | None:
    """NHS Talking Therapies' paired outcome over PHQ-9 and GAD-7 together.

    ``baseline`` and ``latest`` map instrument code to total. ``None`` unless both instruments
    of :data:`PAIRED_CASENESS_INSTRUMENTS` have a baseline and a latest total (the paired rule
    needs both measured).

    * a **case** at baseline when at or above caseness on either measure;
    * **reliable deterioration** when either measure rose by its reliable-change amount. A
      worsening on one measure is never hidden by an improvement on the other (the manual
      would call such a mixed pair "no reliable change"); so it is also never a recovery;
    * **reliable improvement** when either fell by its reliable-change amount and neither
      deteriorated reliably;
    * **recovery**: a case at baseline, below caseness on both now, and no reliable
      deterioration; **reliable recovery**: recovery with reliable improvement.
    """
    codes = PAIRED_CASENESS_INSTRUMENTS
    if not all(code in baseline and code in latest for code in codes):
        return None
    changes = [reliable_change(code, baseline[code], latest[code]) for code in codes]
    deteriorated = DETERIORATED in changes
    improved = IMPROVED in changes and not deteriorated
    case = any(is_case(code, baseline[code]) for code in codes)
    recovered = case and not deteriorated and not any(is_case(c, latest[c]) for c in codes)
    return PairedFacts(
        case_at_baseline=case,
        reliable_improvement=improved,
        reliable_deterioration=deteriorated,
        recovery=recovered,
        reliable_recovery=recovered and improved,
    )


def paired_recovery_status(baseline: dict[str, int], latest: dict[str, int]) -> str | None:
    """The paired outcome's one status (see :func:`paired_facts`); None unless both measured."""
    facts = paired_facts(baseline, latest)
    return facts.status if facts is not None else None


def jacobson_truax_rci(before: float, after: float, sd: float, reliability: float) -> float:
    """Jacobson & Truax (1991) reliable change index.

    SEM = sd·√(1 − r); S_diff = √2·SEM; RCI = (after − before) / S_diff. A positive RCI means
    the score went up, which on a symptom measure means worse.
    """
    for label, value in (("before", before), ("after", after), ("sd", sd)):
        _check_finite_number(value, label)
    _check_finite_number(reliability, "reliability")
    if not sd > 0:
        raise ValueError(f"sd must be above 0, got {sd!r}")
    if not 0 <= reliability < 1:
        raise ValueError(f"reliability must be at least 0 and below 1, got {reliability!r}")
    standard_error = sd * math.sqrt(1 - reliability)
    standard_error_of_difference = math.sqrt(2) * standard_error
    return (after - before) / standard_error_of_difference


def is_reliable_rci(rci: float) -> bool:
    """Whether an RCI is beyond chance at the 5% level: |RCI| ≥ 1.96."""
    _check_finite_number(rci, "RCI")
    return abs(rci) >= RCI_CRITICAL_VALUE


def gas_t_score(
    scores: Sequence[int],
    weights: Sequence[float] | None = None,
    rho: float = GAS_RHO,
) -> float:
    """Kiresuk & Sherman (1968) Goal Attainment Scaling T-score.

    T = 50 + 10·Σwᵢxᵢ / √((1 − ρ)·Σwᵢ² + ρ·(Σwᵢ)²), with xᵢ the attainment level of goal i
    (−2…+2, 0 = expected outcome) and wᵢ its weight (1 each when not given). T = 50 means
    the goals were met as expected; above 50, better than expected.
    """
    if isinstance(scores, (str, bytes)) or not isinstance(scores, Sequence):
        raise ValueError(f"GAS scores must be a list of whole numbers, got {scores!r}")
    if not scores:
        raise ValueError("GAS needs at least one goal score, got none")
    for goal_number, level in enumerate(scores, start=1):
        if not _is_whole_number(level):
            raise ValueError(f"GAS goal {goal_number}: {level!r} is not a whole number")
        if not GAS_MIN <= level <= GAS_MAX:
            raise ValueError(f"GAS goal {goal_number}: {level} is out of range {GAS_MIN}–{GAS_MAX}")
    if weights is None:
        weights = [1.0] * len(scores)
    elif isinstance(weights, (str, bytes)) or not isinstance(weights, Sequence):
        raise ValueError(f"GAS weights must be a list of numbers, got {weights!r}")
    if len(weights) != len(scores):
        raise ValueError(
            f"GAS needs one weight per goal: {len(scores)} scores but {len(weights)} weights"
        )
    for goal_number, weight in enumerate(weights, start=1):
        _check_finite_number(weight, f"GAS goal {goal_number} weight")
        if not weight > 0:
            raise ValueError(f"GAS goal {goal_number} weight: {weight!r} must be above 0")
    _check_finite_number(rho, "rho")
    if not 0 <= rho <= 1:
        raise ValueError(f"rho must be between 0 and 1, got {rho!r}")

    weighted_sum = sum(w * x for w, x in zip(weights, scores, strict=True))
    sum_of_squared_weights = sum(w * w for w in weights)
    sum_of_weights = sum(weights)
    denominator = math.sqrt((1 - rho) * sum_of_squared_weights + rho * sum_of_weights**2)
    return 50 + 10 * weighted_sum / denominator


def _check_total(definition: Instrument, total: object, label: str) -> int:
    if type(total) is int and definition.min_total <= total <= definition.max_total:
        return total  # the common case, checked cheaply (the outcomes page checks 10,000s)
    if not isinstance(total, numbers.Integral) or isinstance(total, bool):
        raise ValueError(f"{definition.code} {label}: {total!r} is not a whole number")
    whole = int(total)
    if not definition.min_total <= whole <= definition.max_total:
        raise ValueError(
            f"{definition.code} {label}: {whole} is out of range "
            f"{definition.min_total}–{definition.max_total}"
        )
    return whole


def _check_finite_number(value: object, label: str) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{label} must be a number, got {value!r}")


def _band_label(definition: Instrument, total: int) -> str:
    for low, high, label in definition.bands:
        if low <= total <= high:
            return label
    # Unreachable for a validated Instrument and an in-range total.
    raise ValueError(f"{definition.code}: no severity band contains {total}")
