"""Unit tests for care_plans.measures: scoring, bands, risk flag, change and GAS arithmetic."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from care_plans import measures
from care_plans.measures import (
    INSTRUMENTS,
    RECOVERY_STATUSES,
    SEVERITY_LABELS,
    Instrument,
    Score,
    gas_t_score,
    get_instrument,
    is_case,
    is_reliable_rci,
    jacobson_truax_rci,
    recovery_status,
    reliable_change,
    score,
    severity,
    severity_bands,
)


def answers_totalling(total: int, item_count: int, risk_item: int | None = None) -> list[int]:
    """Answers (0-3 each) adding up to `total`, filled from the first item, risk item kept 0
    whenever the total allows it, so band tests are not confused with the risk flag."""
    order = [i for i in range(item_count) if i != risk_item]
    if risk_item is not None:
        order.append(risk_item)
    answers = [0] * item_count
    remaining = total
    for index in order:
        answers[index] = min(3, remaining)
        remaining -= answers[index]
    assert remaining == 0
    return answers


# --- the registry -----------------------------------------------------------------------


def test_registry_holds_phq9_and_gad7_keyed_by_their_codes() -> None:
    assert set(INSTRUMENTS) == {"PHQ-9", "GAD-7"}
    for code, instrument in INSTRUMENTS.items():
        assert instrument.code == code
        assert get_instrument(code) is instrument


def test_phq9_definition() -> None:
    phq9 = get_instrument("PHQ-9")
    assert phq9.item_count == 9
    assert phq9.items[0] == "Little interest or pleasure in doing things"
    assert phq9.items[8] == (
        "Thoughts that you would be better off dead or of hurting yourself in some way"
    )
    assert phq9.risk_item == 8
    assert (phq9.min_total, phq9.max_total) == (0, 27)
    assert phq9.reliable_change_points == 6
    assert phq9.caseness_threshold == 10
    assert phq9.loinc_total_code == "44261-6"
    assert "PHQ-9" in phq9.loinc_total_display
    assert phq9.preamble.startswith("Over the last 2 weeks, how often have you been bothered")


def test_gad7_definition() -> None:
    gad7 = get_instrument("GAD-7")
    assert gad7.item_count == 7
    # As on the published form (Spitzer et al. 2006; phqscreeners.com): commas included.
    assert gad7.preamble == (
        "Over the last 2 weeks, how often have you been bothered by the following problems?"
    )
    assert gad7.items[0] == "Feeling nervous, anxious, or on edge"
    assert gad7.items[6] == "Feeling afraid, as if something awful might happen"
    assert gad7.difficulty_question is None
    assert gad7.risk_item is None
    assert (gad7.min_total, gad7.max_total) == (0, 21)
    assert gad7.reliable_change_points == 4
    assert gad7.caseness_threshold == 8
    assert gad7.loinc_total_code == "70274-6"
    assert "GAD-7" in gad7.loinc_total_display


@pytest.mark.parametrize("code", ["PHQ-9", "GAD-7"])
def test_answer_options_are_the_published_labels(code: str) -> None:
    instrument = get_instrument(code)
    assert instrument.answer_options == (
        (0, "Not at all"),
        (1, "Several days"),
        (2, "More than half the days"),
        (3, "Nearly every day"),
    )
    assert instrument.answer_label(2) == "More than half the days"
    with pytest.raises(ValueError, match="not an answer option"):
        instrument.answer_label(4)


def test_instruments_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        get_instrument("PHQ-9").caseness_threshold = 5  # type: ignore[misc]


@pytest.mark.parametrize("code", ["phq-9", "PHQ9", "WEMWBS", ""])
def test_unknown_instrument_is_named_and_known_ones_listed(code: str) -> None:
    with pytest.raises(ValueError) as error:
        get_instrument(code)
    message = str(error.value)
    assert repr(code) in message
    assert "PHQ-9" in message and "GAD-7" in message


def test_every_public_function_rejects_unknown_instruments() -> None:
    calls = [
        lambda: score("XYZ", [0]),
        lambda: severity("XYZ", 0),
        lambda: severity_bands("XYZ"),
        lambda: reliable_change("XYZ", 0, 0),
        lambda: is_case("XYZ", 0),
        lambda: recovery_status("XYZ", 0, 0),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="Unknown instrument 'XYZ'"):
            call()


def _valid_fields() -> dict[str, object]:
    return {
        field.name: getattr(get_instrument("GAD-7"), field.name)
        for field in dataclasses.fields(Instrument)
    }


def test_a_new_instrument_is_data_and_works_with_every_function() -> None:
    # Adding an instrument is a data change: build one, register it, score it.
    fields = _valid_fields() | {
        "code": "GAD-2",
        "items": get_instrument("GAD-7").items[:2],
        "bands": ((0, 2, "minimal"), (3, 6, "moderate")),
        "reliable_change_points": 2,
        "caseness_threshold": 3,
    }
    gad2 = Instrument(**fields)  # type: ignore[arg-type]
    registry = dict(INSTRUMENTS)
    try:
        INSTRUMENTS["GAD-2"] = gad2
        assert score("GAD-2", [2, 1]) == Score(total=3, severity="moderate", risk_flag=False)
        assert reliable_change("GAD-2", 4, 2) == "improved"
        assert recovery_status("GAD-2", 4, 2) == "reliable recovery"
    finally:
        INSTRUMENTS.clear()
        INSTRUMENTS.update(registry)


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"bands": ((0, 4, "minimal"), (6, 21, "severe"))}, "should start at 5"),
        ({"bands": ((0, 4, "minimal"), (5, 20, "severe"))}, "bands end at 20"),
        ({"bands": ((0, 21, "awful"),)}, "not one of"),
        ({"risk_item": 7}, "risk item index 7"),
        ({"caseness_threshold": 22}, "caseness threshold 22"),
        ({"reliable_change_points": 0}, "reliable change points"),
        ({"answer_options": ((0, "no"), (2, "yes"))}, "consecutive"),
        ({"sd": 5.0}, "given together"),
        ({"sd": 5.0, "reliability": 1.0}, "reliability must be"),
    ],
)
def test_a_mistyped_instrument_is_refused(changes: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        Instrument(**(_valid_fields() | changes))  # type: ignore[arg-type]


# --- scoring and bands ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately severe"),
        (19, "moderately severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_band_edges(total: int, expected: str) -> None:
    result = score("PHQ-9", answers_totalling(total, 9, risk_item=8))
    assert result.total == total
    assert result.severity == expected
    assert severity("PHQ-9", total) == expected


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ],
)
def test_gad7_band_edges(total: int, expected: str) -> None:
    result = score("GAD-7", answers_totalling(total, 7))
    assert result.total == total
    assert result.severity == expected
    assert severity("GAD-7", total) == expected


def test_score_is_a_frozen_value() -> None:
    result = score("PHQ-9", [1, 2, 0, 0, 0, 0, 0, 0, 0])
    assert result == Score(total=3, severity="minimal", risk_flag=False)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.total = 0  # type: ignore[misc]


def test_score_accepts_a_tuple() -> None:
    assert score("GAD-7", (3, 3, 3, 3, 3, 3, 3)).total == 21


@pytest.mark.parametrize("item9", [1, 2, 3])
def test_phq9_item9_above_zero_flags_risk_even_with_a_minimal_total(item9: int) -> None:
    result = score("PHQ-9", [0] * 8 + [item9])
    assert result.risk_flag is True
    assert result.total == item9
    assert result.severity == "minimal"


def test_phq9_without_item9_is_not_flagged_even_when_severe() -> None:
    result = score("PHQ-9", [3] * 8 + [0])
    assert result == Score(total=24, severity="severe", risk_flag=False)


@pytest.mark.parametrize("answers", [[3] * 7, [0] * 7, [0] * 6 + [3], [1] * 7])
def test_gad7_never_flags_risk(answers: list[int]) -> None:
    assert score("GAD-7", answers).risk_flag is False


def test_severity_bands_for_charts() -> None:
    assert severity_bands("PHQ-9") == [
        (0, 4, "minimal"),
        (5, 9, "mild"),
        (10, 14, "moderate"),
        (15, 19, "moderately severe"),
        (20, 27, "severe"),
    ]
    assert severity_bands("GAD-7") == [
        (0, 4, "minimal"),
        (5, 9, "mild"),
        (10, 14, "moderate"),
        (15, 21, "severe"),
    ]
    # A copy: a chart that mutates its list cannot change the registry.
    severity_bands("GAD-7").clear()
    assert len(severity_bands("GAD-7")) == 4


# --- invalid answers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instrument", "answers", "message"),
    [
        ("PHQ-9", [0] * 8, "PHQ-9 needs 9 answers, got 8"),
        ("PHQ-9", [0] * 10, "PHQ-9 needs 9 answers, got 10"),
        ("PHQ-9", [], "PHQ-9 needs 9 answers, got 0"),
        ("GAD-7", [0] * 6, "GAD-7 needs 7 answers, got 6"),
        ("GAD-7", [0] * 9, "GAD-7 needs 7 answers, got 9"),
        ("PHQ-9", [0, 0, -1, 0, 0, 0, 0, 0, 0], "PHQ-9 item 3: -1 is out of range 0–3"),
        ("PHQ-9", [0, 0, 4, 0, 0, 0, 0, 0, 0], "PHQ-9 item 3: 4 is out of range 0–3"),
        ("GAD-7", [0, 0, 0, 0, 0, 0, 4], "GAD-7 item 7: 4 is out of range 0–3"),
        ("GAD-7", [0, True, 0, 0, 0, 0, 0], "GAD-7 item 2: True is not a whole number"),
        ("GAD-7", [0, False, 0, 0, 0, 0, 0], "GAD-7 item 2: False is not a whole number"),
        ("GAD-7", [0, "1", 0, 0, 0, 0, 0], "GAD-7 item 2: '1' is not a whole number"),
        ("GAD-7", [0, "x", 0, 0, 0, 0, 0], "GAD-7 item 2: 'x' is not a whole number"),
        ("PHQ-9", [1.0] + [0] * 8, "PHQ-9 item 1: 1.0 is not a whole number"),
        ("PHQ-9", [0] * 8 + [None], "PHQ-9 item 9: None is not a whole number"),
    ],
)
def test_invalid_answers_are_named_in_plain_language(
    instrument: str, answers: list[object], message: str
) -> None:
    with pytest.raises(ValueError) as error:
        score(instrument, answers)  # type: ignore[arg-type]
    assert str(error.value) == message


@pytest.mark.parametrize("answers", [None, "000000000", 5])
def test_answers_that_are_not_a_list_are_refused(answers: object) -> None:
    with pytest.raises(ValueError, match="PHQ-9 answers must be a list of 9 whole numbers"):
        score("PHQ-9", answers)  # type: ignore[arg-type]


# --- reliable change, caseness and recovery ---------------------------------------------


@pytest.mark.parametrize(
    ("instrument", "before", "after", "expected"),
    [
        # PHQ-9: 6 points is reliable, 5 is not, in both directions.
        ("PHQ-9", 20, 15, "no reliable change"),
        ("PHQ-9", 20, 14, "improved"),
        ("PHQ-9", 10, 15, "no reliable change"),
        ("PHQ-9", 10, 16, "deteriorated"),
        ("PHQ-9", 27, 0, "improved"),
        ("PHQ-9", 12, 12, "no reliable change"),
        # GAD-7: 4 points is reliable, 3 is not.
        ("GAD-7", 12, 9, "no reliable change"),
        ("GAD-7", 12, 8, "improved"),
        ("GAD-7", 5, 8, "no reliable change"),
        ("GAD-7", 5, 9, "deteriorated"),
    ],
)
def test_reliable_change_edges(instrument: str, before: int, after: int, expected: str) -> None:
    assert reliable_change(instrument, before, after) == expected


@pytest.mark.parametrize(
    ("instrument", "before", "after", "message"),
    [
        ("PHQ-9", 28, 10, "PHQ-9 before total: 28 is out of range 0–27"),
        ("PHQ-9", 10, -1, "PHQ-9 after total: -1 is out of range 0–27"),
        ("GAD-7", 10, 22, "GAD-7 after total: 22 is out of range 0–21"),
        ("GAD-7", 10.0, 5, "GAD-7 before total: 10.0 is not a whole number"),
        ("GAD-7", True, 5, "GAD-7 before total: True is not a whole number"),
        ("GAD-7", 5, "5", "GAD-7 after total: '5' is not a whole number"),
        ("GAD-7", None, 5, "GAD-7 before total: None is not a whole number"),
    ],
)
def test_reliable_change_validates_totals(
    instrument: str, before: object, after: object, message: str
) -> None:
    with pytest.raises(ValueError) as error:
        reliable_change(instrument, before, after)  # type: ignore[arg-type]
    assert str(error.value) == message


@pytest.mark.parametrize(
    ("instrument", "total", "expected"),
    [
        ("PHQ-9", 9, False),
        ("PHQ-9", 10, True),
        ("PHQ-9", 27, True),
        ("GAD-7", 7, False),
        ("GAD-7", 8, True),
        ("GAD-7", 0, False),
    ],
)
def test_is_case(instrument: str, total: int, expected: bool) -> None:
    assert is_case(instrument, total) is expected


def test_is_case_and_severity_validate_the_total() -> None:
    with pytest.raises(ValueError, match="PHQ-9 total: 28 is out of range 0–27"):
        is_case("PHQ-9", 28)
    with pytest.raises(ValueError, match="GAD-7 total: 3.5 is not a whole number"):
        severity("GAD-7", 3.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("instrument", "baseline", "latest", "expected"),
    [
        # Case at baseline, below caseness now, fall of at least 6: both.
        ("PHQ-9", 15, 9, "reliable recovery"),
        ("PHQ-9", 20, 4, "reliable recovery"),
        # Case at baseline, below caseness now, but only a 2-point fall.
        ("PHQ-9", 11, 9, "recovery"),
        # Reliable fall but still a case.
        ("PHQ-9", 24, 18, "reliable improvement"),
        # Case, still a case, small change.
        ("PHQ-9", 15, 12, "no reliable change"),
        ("PHQ-9", 15, 15, "no reliable change"),
        # Rose by at least 6, from a case or from a non-case.
        ("PHQ-9", 12, 18, "reliable deterioration"),
        ("PHQ-9", 3, 9, "reliable deterioration"),
        # Not a case at baseline: recovery cannot be judged...
        ("PHQ-9", 9, 5, "not a case at baseline"),
        ("PHQ-9", 4, 9, "not a case at baseline"),
        # ...but a reliable fall is still reported.
        ("PHQ-9", 9, 2, "reliable improvement"),
        # GAD-7: caseness 8, reliable change 4.
        ("GAD-7", 8, 4, "reliable recovery"),
        ("GAD-7", 8, 7, "recovery"),
        ("GAD-7", 21, 17, "reliable improvement"),
        ("GAD-7", 12, 10, "no reliable change"),
        ("GAD-7", 10, 14, "reliable deterioration"),
        ("GAD-7", 7, 3, "reliable improvement"),
        ("GAD-7", 7, 5, "not a case at baseline"),
    ],
)
def test_recovery_status(instrument: str, baseline: int, latest: int, expected: str) -> None:
    result = recovery_status(instrument, baseline, latest)
    assert result == expected
    assert result in RECOVERY_STATUSES


def test_recovery_status_validates_totals() -> None:
    with pytest.raises(ValueError, match="GAD-7 after total: 30 is out of range 0–21"):
        recovery_status("GAD-7", 10, 30)


# --- Jacobson & Truax reliable change index ---------------------------------------------


def test_rci_matches_a_hand_computed_value() -> None:
    # sd 5, r 0.84: SEM = 5·√0.16 = 2.0; S_diff = √2·2 = 2.8284...;
    # 20 -> 10: RCI = -10 / 2.8284 = -3.5355...
    rci = jacobson_truax_rci(before=20, after=10, sd=5, reliability=0.84)
    assert rci == pytest.approx(-10 / (2 * math.sqrt(2)))
    assert rci == pytest.approx(-3.5355339, abs=1e-6)
    assert is_reliable_rci(rci)


def test_rci_sign_follows_the_score() -> None:
    assert jacobson_truax_rci(10, 20, 5, 0.84) == pytest.approx(3.5355339, abs=1e-6)
    assert jacobson_truax_rci(10, 10, 5, 0.84) == 0


def test_rci_with_zero_reliability() -> None:
    # r = 0: SEM = sd, S_diff = √2·sd; 12 -> 10 with sd 1: -2/√2 = -√2.
    assert jacobson_truax_rci(12, 10, 1, 0) == pytest.approx(-math.sqrt(2))


@pytest.mark.parametrize(
    ("rci", "expected"),
    [(1.96, True), (-1.96, True), (1.95, False), (-1.95, False), (0.0, False), (5.0, True)],
)
def test_is_reliable_rci_threshold(rci: float, expected: bool) -> None:
    assert is_reliable_rci(rci) is expected


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sd": 0}, "sd must be above 0"),
        ({"sd": -1}, "sd must be above 0"),
        ({"reliability": 1}, "reliability must be at least 0 and below 1"),
        ({"reliability": 1.2}, "reliability must be at least 0 and below 1"),
        ({"reliability": -0.1}, "reliability must be at least 0 and below 1"),
        ({"sd": math.nan}, "sd must be a number"),
        ({"before": "20"}, "before must be a number"),
        ({"after": None}, "after must be a number"),
    ],
)
def test_rci_validation(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"before": 20, "after": 10, "sd": 5, "reliability": 0.84}
    with pytest.raises(ValueError, match=message):
        jacobson_truax_rci(**(arguments | kwargs))  # type: ignore[arg-type]


def test_is_reliable_rci_refuses_non_numbers() -> None:
    with pytest.raises(ValueError, match="RCI must be a number"):
        is_reliable_rci(math.nan)


# --- Goal Attainment Scaling T-score ----------------------------------------------------


def test_gas_all_goals_as_expected_is_exactly_50() -> None:
    assert gas_t_score([0, 0, 0]) == 50
    assert gas_t_score([0]) == 50
    assert gas_t_score([0, 0], weights=[3, 1]) == 50


def test_gas_balanced_scores_give_50() -> None:
    # [1, 0, -1], equal weights: Σwx = 0, so T = 50 whatever the denominator.
    assert gas_t_score([1, 0, -1]) == pytest.approx(50)


def test_gas_three_goals_each_one_better_than_expected() -> None:
    # [1, 1, 1], w = 1, ρ = 0.3: Σwx = 3; Σw² = 3; (Σw)² = 9;
    # denominator = √(0.7·3 + 0.3·9) = √4.8 = 2.190890...; T = 50 + 30/2.190890 = 63.6930...
    assert gas_t_score([1, 1, 1]) == pytest.approx(50 + 30 / math.sqrt(4.8))
    assert gas_t_score([1, 1, 1]) == pytest.approx(63.6930, abs=1e-4)


def test_gas_single_goal_is_50_plus_10_per_level() -> None:
    # One goal: denominator = √(0.7·1 + 0.3·1) = 1, so T = 50 + 10x.
    assert gas_t_score([2]) == pytest.approx(70)
    assert gas_t_score([-2]) == pytest.approx(30)


def test_gas_weighted() -> None:
    # [2, -1], weights [2, 1]: Σwx = 4 - 1 = 3; Σw² = 5; (Σw)² = 9;
    # denominator = √(0.7·5 + 0.3·9) = √6.2 = 2.489979...; T = 50 + 30/2.489979 = 62.0483...
    assert gas_t_score([2, -1], weights=[2, 1]) == pytest.approx(62.0483, abs=1e-4)


def test_gas_rho_can_be_changed() -> None:
    # ρ = 0: denominator = √Σw² = √2 for two unit weights; [1, 1] -> 50 + 20/√2 = 64.1421...
    assert gas_t_score([1, 1], rho=0) == pytest.approx(50 + 20 / math.sqrt(2))


@pytest.mark.parametrize(
    ("scores", "weights", "rho", "message"),
    [
        ([], None, 0.3, "GAS needs at least one goal score, got none"),
        ([0, 3], None, 0.3, "GAS goal 2: 3 is out of range -2–2"),
        ([-3], None, 0.3, "GAS goal 1: -3 is out of range -2–2"),
        ([1.0], None, 0.3, "GAS goal 1: 1.0 is not a whole number"),
        ([True], None, 0.3, "GAS goal 1: True is not a whole number"),
        (["1"], None, 0.3, "GAS goal 1: '1' is not a whole number"),
        ([None], None, 0.3, "GAS goal 1: None is not a whole number"),
        ([0, 1], [1], 0.3, "GAS needs one weight per goal: 2 scores but 1 weights"),
        ([0, 1], [1, 0], 0.3, "GAS goal 2 weight: 0 must be above 0"),
        ([0, 1], [1, -1], 0.3, "GAS goal 2 weight: -1 must be above 0"),
        ([0], ["1"], 0.3, "GAS goal 1 weight must be a number"),
        ([0], None, 1.5, "rho must be between 0 and 1"),
        ([0], None, -0.1, "rho must be between 0 and 1"),
        (None, None, 0.3, "GAS scores must be a list"),
    ],
)
def test_gas_validation(scores: object, weights: object, rho: float, message: str) -> None:
    with pytest.raises(ValueError) as error:
        gas_t_score(scores, weights, rho)  # type: ignore[arg-type]
    assert str(error.value).startswith(message)


# --- properties and boundaries ----------------------------------------------------------


@st.composite
def administrations(draw: st.DrawFn) -> tuple[str, list[int]]:
    code = draw(st.sampled_from(sorted(INSTRUMENTS)))
    instrument = INSTRUMENTS[code]
    answers = draw(
        st.lists(
            st.integers(instrument.min_answer, instrument.max_answer),
            min_size=instrument.item_count,
            max_size=instrument.item_count,
        )
    )
    return code, answers


@given(administrations())
def test_total_is_the_sum_and_its_band_contains_it(administration: tuple[str, list[int]]) -> None:
    code, answers = administration
    result = score(code, answers)
    assert result.total == sum(answers)
    assert result.severity in SEVERITY_LABELS
    bands = severity_bands(code)
    containing = [(low, high) for low, high, label in bands if label == result.severity]
    assert len(containing) == 1
    low, high = containing[0]
    assert low <= result.total <= high
    risk_item = INSTRUMENTS[code].risk_item
    assert result.risk_flag is (risk_item is not None and answers[risk_item] > 0)


def test_measures_stays_pure() -> None:
    # The domain must not drag in the UI or the database (see design/architecture.md).
    source = measures.__file__
    assert source is not None
    with open(source, encoding="utf-8") as handle:
        text = handle.read()
    for forbidden in ("import streamlit", "import sqlalchemy", "from sqlalchemy", "open("):
        assert forbidden not in text
