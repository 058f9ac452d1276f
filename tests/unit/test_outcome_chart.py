"""The outcomes trend chart: caseness lines from the instrument data, small weeks left out."""

from __future__ import annotations

import pandas as pd
import vl_convert

from care_plans import measures
from care_plans.charts.outcomes import outcome_trend_chart


def trend(rows: list[tuple[str, int, float, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["instrument", "week", "mean_total", "clients"])


def datasets_of(spec: dict) -> list[list[dict]]:
    return list(spec["datasets"].values())


def test_caseness_lines_and_suppressed_weeks() -> None:
    chart = outcome_trend_chart(
        trend(
            [
                ("PHQ-9", 0, 14.2, 12),
                ("PHQ-9", 1, 9.0, 3),
                ("PHQ-9", 2, 12.5, 10),
                ("GAD-7", 0, 10.1, 12),
                ("GAD-7", 2, 8.4, 10),
            ]
        )
    )
    assert chart is not None
    spec = chart.to_dict()
    data = datasets_of(spec)
    caseness = next(d for d in data if d and "caseness" in d[0])
    assert {(d["instrument"], d["caseness"]) for d in caseness} == {
        (code, measures.get_instrument(code).caseness_threshold) for code in ("PHQ-9", "GAD-7")
    }
    points = next(d for d in data if d and "week" in d[0])
    assert ("PHQ-9", 1) not in {(p["instrument"], p["week"]) for p in points}  # 3 clients
    assert len(points) == 4
    png = vl_convert.vegalite_to_png(chart.to_json(), scale=1)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_nothing_to_draw() -> None:
    assert outcome_trend_chart(trend([])) is None
    assert outcome_trend_chart(trend([("PHQ-9", 0, 14.0, 4)])) is None
