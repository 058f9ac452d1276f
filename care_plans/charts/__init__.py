"""Chart builders for a client's progress: plain DataFrames in, Altair charts out.

Why a package of its own: the client page, the session review and the PDF summary must draw the
very same pictures, so the charts are built here, once, from the frames of
:mod:`care_plans.read.progress` (or any frames with the same columns), with no database and no
streamlit. Every builder returns a chart sized for a 700-pixel page that vl-convert can turn
into a PNG (``vl_convert.vegalite_to_png(chart.to_json(), scale=2)``), or **None when there is
nothing to draw**: the caller says so in plain words (the page with ``st.info``, the PDF with a
sentence) rather than showing empty axes.

What every chart honours (see ``_base.py``): a series is told apart by colour *and* dash or
shape; tooltips give exact values with their date; two or more days without an answer leave a
gap in the line; a series longer than :data:`MAX_POINTS` is summarised by week (or month) and
the chart says so.
"""

from __future__ import annotations

from care_plans.charts._base import (
    HEIGHT,
    JOIN_DAYS,
    MAX_POINTS,
    WIDTH,
    downsample,
    period_of,
    with_segments,
)
from care_plans.charts.goal_charts import (
    gas_chart,
    gas_frames,
    goal_progress_chart,
    step_counts,
    steps_chart,
)
from care_plans.charts.measure_charts import (
    band_frame,
    measure_items_heatmap,
    measures_chart,
    scores_frame,
    threshold_frame,
)
from care_plans.charts.ratings import ROLLING_DAYS, ratings_chart, ratings_frame

__all__ = [
    "HEIGHT",
    "JOIN_DAYS",
    "MAX_POINTS",
    "ROLLING_DAYS",
    "WIDTH",
    "band_frame",
    "downsample",
    "gas_chart",
    "gas_frames",
    "goal_progress_chart",
    "measure_items_heatmap",
    "measures_chart",
    "period_of",
    "ratings_chart",
    "ratings_frame",
    "scores_frame",
    "step_counts",
    "steps_chart",
    "threshold_frame",
    "with_segments",
]
