"""The chart builders, checked on their Vega-Lite specs (``to_dict()``): the series, bands,
thresholds and annotations a clinician relies on are there for given data; empty data gives
None (the page's empty state), one point still draws; a year of daily data is summarised."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
import pytest

from care_plans import charts, measures
from care_plans.read import progress

START = datetime(2026, 3, 2, 9, 0)  # a Monday
PHQ_BANDS = [(0, 4.5), (4.5, 9.5), (9.5, 14.5), (14.5, 19.5), (19.5, 27)]
GAD_BANDS = [(0, 4.5), (4.5, 9.5), (9.5, 14.5), (14.5, 21)]


# -- Reading specs --------------------------------------------------------------------------------


def spec_of(chart: Any) -> dict[str, Any]:
    assert chart is not None
    return chart.to_dict()


def views(spec: dict[str, Any], data: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
    """Every single view of a (possibly nested) layered spec, in drawing order, each with the
    data it draws (its own or its parent layer's)."""
    data = spec.get("data", data)
    if "layer" in spec:
        for child in spec["layer"]:
            yield from views(child, data)
    else:
        yield {**spec, "data": data}


def rows(spec: dict[str, Any], view: dict[str, Any]) -> list[dict[str, Any]]:
    data = view.get("data") or spec.get("data")
    if data and "values" in data:
        return list(data["values"])
    return list(spec["datasets"][data["name"]])


def find(spec: dict[str, Any], mark: str, **encoding: str) -> list[dict[str, Any]]:
    """Views with this mark whose encodings use the given fields (channel=field)."""
    found = []
    for view in views(spec):
        kind = view["mark"] if isinstance(view["mark"], str) else view["mark"]["type"]
        enc = view.get("encoding", {})
        if kind == mark and all(enc.get(ch, {}).get("field") == f for ch, f in encoding.items()):
            found.append(view)
    return found


def tooltip_fields(view: dict[str, Any]) -> set[str]:
    tooltip = view["encoding"].get("tooltip", [])
    return {t["field"] for t in (tooltip if isinstance(tooltip, list) else [tooltip])}


# -- Frames like the read model's -----------------------------------------------------------------


def ratings_frame(
    days: int, names: tuple[str, ...] = ("Mood", "Sleep"), skip: set[int] | None = None
) -> pd.DataFrame:
    skip = skip or set()
    data = [
        (START + timedelta(days=d), name, float((d + i) % 11))
        for d in range(days)
        if d not in skip
        for i, name in enumerate(names)
    ]
    return pd.DataFrame(data, columns=list(progress.RATING_COLUMNS))


def scores(
    instrument: str, totals: list[int], risk: dict[int, int] | None = None, every: int = 14
) -> pd.DataFrame:
    """Administrations with item answers adding up to each total (risk item as given)."""
    definition = measures.get_instrument(instrument)
    out = []
    for i, total in enumerate(totals):
        answers = [0] * definition.item_count
        risk_answer = (risk or {}).get(i, 0)
        if definition.risk_item is not None:
            answers[definition.risk_item] = risk_answer
        left = total - risk_answer
        for item in range(definition.item_count):
            if item != definition.risk_item and left > 0:
                answers[item] = min(3, left)
                left -= answers[item]
        scored = measures.score(instrument, answers)
        out.append(
            (
                START + timedelta(days=every * i),
                instrument,
                scored.total,
                scored.severity,
                scored.risk_flag,
                None if definition.risk_item is None else answers[definition.risk_item],
                tuple(answers),
            )
        )
    return pd.DataFrame(out, columns=list(progress.MEASURE_COLUMNS))


def empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(columns=list(columns))


# -- downsample and gaps ------------------------------------------------------------------------


def test_a_year_of_daily_ratings_becomes_weekly_means() -> None:
    daily = ratings_frame(365, names=("Mood",))
    summary = charts.downsample(daily)
    assert len(daily) == 365 and len(summary) <= charts.MAX_POINTS
    assert charts.period_of(summary) == "week"
    assert 52 <= len(summary) <= 54
    assert summary["n"].sum() == 365
    first_week = daily[daily["time"] < START + timedelta(days=7)]["value"].mean()
    assert summary.iloc[0]["value"] == pytest.approx(first_week, abs=0.005)
    assert summary.iloc[0]["period_start"] == pd.Timestamp(START.date())


def test_short_series_are_left_alone_and_counted_per_series() -> None:
    six_months = ratings_frame(180, names=("Mood", "Sleep", "Hope"))  # 540 rows, 180 each
    assert charts.downsample(six_months).equals(six_months)
    assert charts.period_of(charts.downsample(six_months)) is None
    assert charts.period_of(charts.downsample(six_months, max_points=100)) == "week"


def test_months_when_weeks_are_still_too_many() -> None:
    long = ratings_frame(3 * 365, names=("Mood",))
    summary = charts.downsample(long, max_points=60)
    assert charts.period_of(summary) == "month" and len(summary) <= 60


def test_more_than_two_days_without_an_answer_breaks_the_line() -> None:
    # Days 0-4, then a 2-day gap (joined), then a 3-day gap (broken).
    data = ratings_frame(15, names=("Mood",), skip={5, 6, 10, 11, 12})
    segments = charts.with_segments(data)
    by_day = dict(zip((segments["time"] - START).dt.days, segments["segment"], strict=True))
    assert by_day[4] == by_day[7] == by_day[9]
    assert by_day[13] == by_day[9] + 1


# -- Self-ratings --------------------------------------------------------------------------------


def test_ratings_chart_has_a_line_and_dots_per_rating_with_exact_tooltips() -> None:
    notes = pd.DataFrame(
        [
            (START + timedelta(days=3), "win", "Walked to the park"),
            (START + timedelta(days=8), "setback", "Couldn't get up"),
        ],
        columns=list(progress.NOTE_COLUMNS),
    )
    events = pd.DataFrame(
        [(START, "plan review", "Plan started"), (START + timedelta(days=7), "session", "Session")],
        columns=list(progress.EVENT_COLUMNS),
    )
    spec = spec_of(charts.ratings_chart(ratings_frame(20, skip={10, 11, 12}), notes, events))

    [line] = find(spec, "line", y="average", color="rating", strokeDash="rating")
    assert line["encoding"]["detail"]["field"] == "segment"
    assert line["encoding"]["color"]["scale"]["domain"] == ["Mood", "Sleep"]
    dashes = line["encoding"]["strokeDash"]["scale"]["range"]
    assert len({str(d) for d in dashes}) == 2  # told apart without colour
    assert {r["segment"] for r in rows(spec, line)} == {0, 1}

    [dots] = find(spec, "point", y="value", color="rating")
    assert {"time", "value", "rating", "average"} <= tooltip_fields(dots)
    assert dots["encoding"]["shape"]["scale"]["range"][:2] == ["circle", "square"]

    [rules] = find(spec, "rule", x="date")
    assert {r["label"] for r in rows(spec, rules)} == {"Plan started", "Session"}
    assert {"date", "label"} <= tooltip_fields(rules)

    [marks] = find(spec, "point", y="lane")
    assert {r["text"] for r in rows(spec, marks)} == {"Walked to the park", "Couldn't get up"}
    assert marks["encoding"]["shape"]["scale"]["range"] == ["triangle-up", "triangle-down"]
    assert "text" in tooltip_fields(marks)


def test_rolling_average_covers_seven_days_and_not_the_gap() -> None:
    data = charts.ratings_frame(ratings_frame(12, names=("Mood",)))
    day = data.set_index((data["time"] - START).dt.days)
    assert day.loc[9, "average"] == pytest.approx(day.loc[3:9, "value"].mean(), abs=0.01)
    gapped = charts.ratings_frame(ratings_frame(12, names=("Mood",), skip={4, 5, 6}))
    after = gapped.set_index((gapped["time"] - START).dt.days)
    assert after.loc[7, "average"] == after.loc[7, "value"]  # starts afresh after the gap


def test_a_year_of_ratings_is_drawn_as_weekly_means_and_says_so() -> None:
    spec = spec_of(charts.ratings_chart(ratings_frame(365, names=("Mood", "Sleep", "Hope"))))
    [dots] = find(spec, "point", y="value")
    assert len(rows(spec, dots)) <= 3 * 60
    assert "weekly means" in " ".join(spec["title"]["subtitle"])
    assert "n" in tooltip_fields(dots)


def test_ratings_empty_none_and_single_point() -> None:
    assert charts.ratings_chart(empty(progress.RATING_COLUMNS)) is None
    one = spec_of(charts.ratings_chart(ratings_frame(1, names=("Mood",))))
    [dots] = find(one, "point", y="value")
    assert len(rows(one, dots)) == 1
    notes_only = pd.DataFrame([(START, "win", "A good day")], columns=list(progress.NOTE_COLUMNS))
    assert charts.ratings_chart(empty(progress.RATING_COLUMNS), notes_only) is not None


# -- Measures ------------------------------------------------------------------------------------


def band_ranges(spec: dict[str, Any]) -> list[tuple[float, float]]:
    [bands] = find(spec, "rect", y="y")
    return [(r["y"], r["y2"]) for r in rows(spec, bands)]


def threshold_rules(spec: dict[str, Any]) -> dict[str, float]:
    [rules] = find(spec, "rule", y="y")
    return {r["kind"]: r["y"] for r in rows(spec, rules)}


def marks_of(spec: dict[str, Any]) -> list[tuple[int, str]]:
    found = find(spec, "point", shape="marker")
    return [(r["total"], r["marker"]) for view in found for r in rows(spec, view)]


def test_phq9_chart_has_bands_thresholds_and_marks() -> None:
    data = scores("PHQ-9", [14, 16, 21, 12, 7], risk={2: 2})
    spec = spec_of(
        charts.measures_chart(data, "PHQ-9", baseline=14, baseline_time=data["time"].iloc[0])
    )
    assert band_ranges(spec) == PHQ_BANDS
    assert threshold_rules(spec) == {"baseline": 14, "improvement": 8, "deterioration": 20}
    assert sorted(marks_of(spec)) == [
        (7, "reliable improvement"),
        (21, "reliable deterioration"),
        (21, "self-harm item endorsed"),
    ]
    [total] = [v for v in find(spec, "point", y="total") if "shape" not in v["encoding"]]
    assert {"time", "total", "severity", "change", "outcome", "risk_text"} <= tooltip_fields(total)
    assert total["encoding"]["y"]["scale"]["domain"] == [0, 27]
    assert [r["risk_text"] for r in rows(spec, total)] == [
        "0: Not at all",
        "0: Not at all",
        "2: More than half the days",
        "0: Not at all",
        "0: Not at all",
    ]
    [label] = find(spec, "text", text="short")
    assert rows(spec, label)[0]["short"] == "self-harm"


def test_gad7_thresholds_are_four_points_from_baseline() -> None:
    data = scores("GAD-7", [10, 12, 5])
    spec = spec_of(charts.measures_chart(data, "GAD-7"))  # baseline: the first score shown
    assert band_ranges(spec) == GAD_BANDS
    assert threshold_rules(spec) == {"baseline": 10, "improvement": 6, "deterioration": 14}
    assert marks_of(spec) == [(5, "reliable improvement")]


def test_thresholds_beyond_the_scale_are_not_drawn() -> None:
    spec = spec_of(charts.measures_chart(scores("PHQ-9", [3, 4]), "PHQ-9", baseline=3))
    assert threshold_rules(spec) == {"baseline": 3, "deterioration": 9}
    assert marks_of(spec) == []
    assert find(spec, "text", text="short") == []


def test_scores_before_the_baseline_are_not_compared() -> None:
    data = scores("PHQ-9", [25, 20, 12])
    spec = spec_of(
        charts.measures_chart(data, "PHQ-9", baseline=20, baseline_time=data["time"].iloc[1])
    )
    outcomes = [r["outcome"] for r in rows(spec, find(spec, "point", y="total")[0])]
    assert outcomes == ["before baseline", "no reliable change", "improved"]


def test_measures_empty_none_and_single_point() -> None:
    assert charts.measures_chart(empty(progress.MEASURE_COLUMNS), "PHQ-9") is None
    assert charts.measures_chart(scores("GAD-7", [9]), "PHQ-9") is None
    spec = spec_of(charts.measures_chart(scores("PHQ-9", [12]), "PHQ-9"))
    assert threshold_rules(spec) == {"baseline": 12, "improvement": 6, "deterioration": 18}
    with pytest.raises(ValueError, match="Unknown instrument"):
        charts.measures_chart(scores("PHQ-9", [12]), "WEMWBS")


def test_item_heatmap_shows_every_answer_with_its_meaning() -> None:
    data = scores("PHQ-9", [10, 4], risk={0: 1})
    spec = spec_of(charts.measure_items_heatmap(data, "PHQ-9"))
    [cells] = [v for v in find(spec, "rect", y="item") if "transform" not in v]
    cell_rows = rows(spec, cells)
    assert len(cell_rows) == 2 * 9
    assert cells["encoding"]["y"]["sort"][8].endswith("(self-harm)")
    assert {"time", "text", "answer", "meaning"} <= tooltip_fields(cells)
    risk = [r for r in cell_rows if r["number"] == 9]
    assert [(r["answer"], r["meaning"]) for r in risk] == [(1, "Several days"), (0, "Not at all")]
    assert find(spec, "text", text="answer")  # numbers in the cells, readable in greyscale
    [outline] = [v for v in find(spec, "rect", y="item") if "transform" in v]
    assert outline["transform"] == [{"filter": "datum.endorsed"}]
    assert [r["number"] for r in rows(spec, outline) if r["endorsed"]] == [9]
    assert charts.measure_items_heatmap(data, "GAD-7") is None


# -- Goals, steps, GAS ---------------------------------------------------------------------------


def goal_rows(days: list[int], goals: int = 2) -> pd.DataFrame:
    return pd.DataFrame(
        [
            (START + timedelta(days=d), g, f"{g}. Goal number {g}", float((d + g) % 11))
            for d in days
            for g in range(1, goals + 1)
        ],
        columns=list(progress.GOAL_PROGRESS_COLUMNS),
    )


def test_goal_progress_has_a_styled_line_per_goal_breaking_after_a_fortnight() -> None:
    spec = spec_of(charts.goal_progress_chart(goal_rows([0, 7, 14, 35, 42])))
    [line] = find(spec, "line", y="rating", color="label", strokeDash="label")
    assert line["encoding"]["detail"]["field"] == "segment"
    segments = {(r["goal_id"], r["segment"]) for r in rows(spec, line)}
    assert segments == {(1, 0), (1, 1), (2, 0), (2, 1)}
    [dots] = find(spec, "point", y="rating", shape="label")
    assert {"time", "goal", "rating"} <= tooltip_fields(dots)
    assert charts.goal_progress_chart(empty(progress.GOAL_PROGRESS_COLUMNS)) is None
    assert spec_of(charts.goal_progress_chart(goal_rows([0], goals=1)))


def test_steps_chart_counts_done_overdue_and_to_do_per_goal() -> None:
    today = START.date() + timedelta(days=10)
    steps = pd.DataFrame(
        [
            (1, "1. Walk more", "Buy shoes", START, None),
            (1, "1. Walk more", "Walk to the shop", None, START),  # due before today
            (1, "1. Walk more", "Walk to the park", None, None),
            (2, "2. Sleep", "Same bedtime", START, None),
        ],
        columns=list(progress.STEP_COLUMNS),
    )
    steps["done_on"] = pd.to_datetime(steps["done_on"])
    steps["due_date"] = pd.to_datetime(steps["due_date"])
    spec = spec_of(charts.steps_chart(steps, today=today))
    [bars] = find(spec, "bar", color="status")
    counts = {(r["goal_id"], r["status"]): r["count"] for r in rows(spec, bars)}
    assert counts == {(1, "done"): 1, (1, "overdue"): 1, (1, "to do"): 1, (2, "done"): 1}
    [text] = find(spec, "text", text="summary")
    assert {r["summary"] for r in rows(spec, text)} == {"1 of 3 done", "1 of 1 done"}
    assert charts.steps_chart(empty(progress.STEP_COLUMNS), today=today) is None


def gas_rows(ratings: list[tuple[int, int, int, int]]) -> pd.DataFrame:
    """(day, goal, score, weight) rows."""
    return pd.DataFrame(
        [(g, f"{g}. Goal {g}", START + timedelta(days=d), s, w) for d, g, s, w in ratings],
        columns=list(progress.GAS_COLUMNS),
    )


def test_gas_chart_plots_each_goal_and_the_t_score_of_each_review() -> None:
    gas = gas_rows([(0, 1, -1, 1), (0, 2, -1, 2), (60, 1, 1, 1), (60, 2, 0, 2)])
    spec = spec_of(charts.gas_chart(gas))
    [t_points] = find(spec, "point", y="t_score")
    t_scores = [r["t_score"] for r in rows(spec, t_points)]
    assert t_scores == [
        round(measures.gas_t_score([-1, -1], [1.0, 2.0]), 1),
        round(measures.gas_t_score([1, 0], [1.0, 2.0]), 1),
    ]
    assert {"rated_on", "t_score", "goals"} <= tooltip_fields(t_points)
    [goals] = find(spec, "point", y="position", shape="label")
    assert sorted(r["position"] for r in rows(spec, goals)) == [40, 40, 50, 60]
    assert {"rated_on", "goal", "level", "weight"} <= tooltip_fields(goals)
    [expected] = find(spec, "rule", y="y")
    assert rows(spec, expected)[0]["y"] == 50
    assert charts.gas_chart(empty(progress.GAS_COLUMNS)) is None
    assert spec_of(charts.gas_chart(gas_rows([(0, 1, 0, 1)])))


# -- Everywhere ----------------------------------------------------------------------------------


def test_builders_accept_a_shared_time_domain() -> None:
    domain = (START - timedelta(days=30), START + timedelta(days=30))
    spec = spec_of(charts.measures_chart(scores("PHQ-9", [12, 10]), "PHQ-9", x_domain=domain))
    total = find(spec, "point", y="total")[0]
    assert total["encoding"]["x"]["scale"]["domain"] == [d.isoformat() for d in domain]


def test_a_chart_converts_to_png_for_the_pdf() -> None:
    vl_convert = pytest.importorskip("vl_convert")
    chart = charts.measures_chart(scores("PHQ-9", [14, 21, 7], risk={1: 1}), "PHQ-9")
    assert chart is not None
    png = vl_convert.vegalite_to_png(chart.to_json(), scale=2)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_the_chart_code_never_imports_streamlit() -> None:
    code = (
        "import sys, care_plans.charts, care_plans.read.progress; "
        "assert 'streamlit' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_item_grid_keeps_the_latest_administrations_readable() -> None:
    data = scores("GAD-7", [i % 21 for i in range(30)])
    spec = spec_of(charts.measure_items_heatmap(data, "GAD-7", max_columns=24))
    cells = find(spec, "rect", y="item")[0]
    assert len(rows(spec, cells)) == 24 * 7
    assert "the latest 24 of 30" in spec["title"]["subtitle"]


def x_axis_labels(chart: Any) -> list[str]:
    """The x-axis labels as drawn (Vega renders the chart to SVG through vl-convert)."""
    import re

    import vl_convert as vlc

    svg = vlc.vegalite_to_svg(chart.to_json())
    group = re.search(
        r'<g class="mark-group role-axis"[^>]*aria-label="X-axis.*?</g></g></g>', svg, re.S
    )
    assert group is not None, "no x-axis in the drawn chart"
    return re.findall(r"<text[^>]*>([^<]+)</text>", group.group(0))


@pytest.mark.parametrize("days", [2, 4, 9])
def test_a_short_period_never_repeats_a_date_on_the_axis(days: int) -> None:
    frame = ratings_frame(days)
    labels = [label for label in x_axis_labels(charts.ratings_chart(frame)) if label[0].isdigit()]
    assert labels, "the axis shows dates"
    assert len(labels) == len(set(labels)), labels


def test_the_printed_ratings_chart_never_says_hover() -> None:
    notes = pd.DataFrame(
        [(START + timedelta(days=2), "win", "Walked to the shop")], columns=["time", "kind", "text"]
    )
    on_screen = json.dumps(spec_of(charts.ratings_chart(ratings_frame(10), notes)))
    printed = json.dumps(spec_of(charts.ratings_chart(ratings_frame(10), notes, for_print=True)))
    assert "hover" in on_screen
    assert "hover" not in printed and "listed below the chart" in printed
