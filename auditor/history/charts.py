"""Charts of the review: matplotlib (Agg) line charts as PNG ``data:`` URIs.

The charts are chosen by data and by the metrics' declarations, never by a
list of metric or analysis names: one chart per analysis and unit of its
declared metrics (``coverage`` for its percentages, ``imports-count`` for
its counts...; the core's ``tests`` and ``derived`` metrics last), then the
findings per rule of each analysis, then the metrics nobody declared
(``other-<analysis>``). A new analysis's metrics are charted without
touching this module. A chart with no measured value is left out.

The x axis is the run sequence (labelled with run id and date), which stays
readable when several runs happen within minutes. Legends are what a person
calls the metric (its declared label; a rule's title), never an id. The y
axis is chosen from the unit and the values, not left to matplotlib's
autoscale (which gives a flat series at 0 an axis from -0.045 to 0.045):
percentages span 0 to 100; counts and seconds start at 0 and reach a little
above the largest value (1 when every value is 0), counts with whole ticks.
Charts are wide (1200 px, shown at the page's full width).
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # no display, no network: plain raster output
import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter, MaxNLocator

from auditor.history.review import Review, Series
from auditor.metrics import COUNT, DERIVED, PERCENT, SECONDS, TESTS


@dataclass
class Chart:
    """One chart: its title, the series it plots, and the rendered PNG."""

    id: str
    title: str
    unit: str
    series: list[Series]
    png: bytes = b""

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


_UNIT_AXIS = {PERCENT: "%", COUNT: "count", SECONDS: "seconds"}
WIDTH_INCHES, HEIGHT_INCHES, DPI = 12.0, 3.6, 100  # 1200 x 360 px


def y_limits(unit: str, values: list[float]) -> tuple[float, float]:
    """The y range of a chart: from its unit and values, never an autoscaled sliver.

    Percent: 0 to 100 (below 0 or above 100 only if a value is, e.g. a
    negative theater gap). Anything else: from 0 (or the lowest value when
    it is negative) to 10% above the highest, and 0 to 1 when all are 0.
    """
    low = min([0.0, *values])
    high = max([0.0, *values])
    if unit == "%":
        return (min(low * 1.05, 0.0), max(100.0, high * 1.05))
    if high == low:
        return (low, low + 1.0)
    pad = (high - low) * 0.1
    return (low - pad if low < 0 else 0.0, high + pad)
_CORE_LAST = {TESTS: 1, DERIVED: 2}


def plan_charts(review: Review) -> list[Chart]:
    """Decide the charts (without rendering them)."""
    measured = {key: s for key, s in sorted(review.series.items()) if s.measured}
    declared: dict[tuple[str, str], list[Series]] = {}
    undeclared: dict[str, list[Series]] = {}
    for (analysis, _), series in measured.items():
        if series.spec is None:
            undeclared.setdefault(analysis, []).append(series)
        else:
            declared.setdefault((analysis, series.spec.unit), []).append(series)
    charts: list[Chart] = []
    units_of: dict[str, int] = {}
    for analysis, _ in declared:
        units_of[analysis] = units_of.get(analysis, 0) + 1
    order = sorted(declared, key=lambda k: (_CORE_LAST.get(k[0], 0), k[0], k[1] != PERCENT, k[1]))
    for analysis, unit in order:
        chosen = declared[(analysis, unit)]
        chart_id = analysis if units_of[analysis] == 1 or unit == PERCENT else f"{analysis}-{unit}"
        labels = ", ".join(s.spec.label for s in chosen if s.spec)
        # the core's own series (tests, derived) are not an analysis a reader knows by name
        title = labels if analysis in _CORE_LAST else f"{analysis}: {labels}"
        charts.append(Chart(chart_id, title, _UNIT_AXIS[unit], chosen))
    by_analysis: dict[str, list[Series]] = {}
    for key, series in sorted(review.finding_series.items()):
        if series.measured:
            by_analysis.setdefault(key[0], []).append(series)
    for analysis, chosen in by_analysis.items():
        charts.append(
            Chart(f"findings-{analysis}", f"Findings by rule: {analysis}", "count", chosen)
        )
    for analysis, chosen in undeclared.items():
        charts.append(Chart(f"other-{analysis}", f"Undeclared metrics: {analysis}", "", chosen))
    return charts


def render_chart(chart: Chart) -> bytes:
    """Plot one chart to PNG bytes (deterministic: no timestamp metadata)."""
    runs = [run for run, _ in chart.series[0].points]
    labels = [f"#{run.id}\n{run.created[5:10]}" for run in runs]
    fig, ax = plt.subplots(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI)
    try:
        values: list[float] = []
        for series in chart.series:
            xs = [i for i, (_, v) in enumerate(series.points) if v is not None]
            ys = [v for _, v in series.points if v is not None]
            values += ys
            # not clipped: a series at 0 (the axis's bottom) keeps its whole markers
            ax.plot(xs, ys, marker="o", linewidth=1.8, markersize=4, label=series.label,
                    clip_on=False)
        ax.set_title(chart.title, fontsize=10)
        if chart.unit:
            ax.set_ylabel(chart.unit)
        ax.set_ylim(*y_limits(chart.unit, values))
        if chart.unit == "count":
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.xaxis.set_major_locator(MaxNLocator(nbins=10, integer=True))
        ax.xaxis.set_major_formatter(
            FuncFormatter(lambda x, _: labels[int(x)] if 0 <= int(x) < len(labels) else "")
        )
        ax.set_xlim(-0.5, max(len(runs) - 0.5, 0.5))
        ax.tick_params(labelsize=8)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8, loc="best")
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", metadata={"Software": None})
        return buffer.getvalue()
    finally:
        plt.close(fig)


def make_charts(review: Review) -> list[Chart]:
    """Plan and render every chart of the review."""
    charts = plan_charts(review)
    for chart in charts:
        chart.png = render_chart(chart)
    return charts
