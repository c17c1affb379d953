"""Charts of the review: matplotlib (Agg) line charts as PNG ``data:`` URIs.

The charts are chosen by data, not by a list of metrics: a few well-known
groups first (coverage, mutation score with the theater gap, findings per
rule, import failures, flaky tests, suite duration), then every remaining
metric grouped by analysis, so a new analysis's metrics are charted without
touching this module. A chart with no measured value is left out.

The x axis is the run sequence (labelled with run id and date), which stays
readable when several runs happen within minutes.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # no display, no network: plain raster output
import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter, MaxNLocator

from auditor.history.metrics import FLAKY_TESTS, THEATER_GAP
from auditor.history.review import Review, Series

MetricKey = tuple[str, str]


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


def _is(*keys: MetricKey) -> Callable[[MetricKey], bool]:
    return lambda key: key in keys


# (id, title, unit, which series). Order is the order in the review.
_GROUPS: list[tuple[str, str, str, Callable[[MetricKey], bool]]] = [
    (
        "coverage",
        "Line and branch coverage",
        "%",
        _is(("coverage", "line_percent"), ("coverage", "branch_percent")),
    ),
    (
        "mutation",
        "Mutation score and the theater gap (line coverage − mutation score)",
        "%",
        _is(("mutation", "mutation_score"), THEATER_GAP),
    ),
    (
        "imports",
        "Import failures and cycles",
        "count",
        _is(("imports", "import_failures"), ("imports", "import_cycles")),
    ),
    ("flaky", "Flaky tests", "count", _is(FLAKY_TESTS)),
    ("duration", "Suite duration", "seconds", _is(("tests", "suite_seconds"))),
]
# Findings of these analyses are already charted as metrics above.
_FINDINGS_CHARTED_ELSEWHERE = {"mutation", "imports"}


def plan_charts(review: Review) -> list[Chart]:
    """Decide the charts (without rendering them)."""
    charts: list[Chart] = []
    used: set[MetricKey] = set()
    measured = {key: s for key, s in review.series.items() if s.measured}
    for chart_id, title, unit, wanted in _GROUPS:
        chosen = [s for key, s in sorted(measured.items()) if wanted(key)]
        used |= {(s.analysis, s.metric) for s in chosen}
        if chosen:
            charts.append(Chart(chart_id, title, unit, chosen))
    by_analysis: dict[str, list[Series]] = {}
    for key, series in sorted(review.finding_series.items()):
        if key[0] not in _FINDINGS_CHARTED_ELSEWHERE and series.measured:
            by_analysis.setdefault(key[0], []).append(series)
    for analysis, chosen in by_analysis.items():
        charts.append(
            Chart(f"findings-{analysis}", f"Findings by rule: {analysis}", "count", chosen)
        )
    rest: dict[str, list[Series]] = {}
    for key, series in sorted(measured.items()):
        if key not in used:
            rest.setdefault(key[0], []).append(series)
    for analysis, chosen in rest.items():
        charts.append(Chart(f"other-{analysis}", f"Other metrics: {analysis}", "", chosen))
    return charts


def render_chart(chart: Chart) -> bytes:
    """Plot one chart to PNG bytes (deterministic: no timestamp metadata)."""
    runs = [run for run, _ in chart.series[0].points]
    labels = [f"#{run.id}\n{run.created[5:10]}" for run in runs]
    fig, ax = plt.subplots(figsize=(7.5, 3.2), dpi=100)
    try:
        for series in chart.series:
            xs = [i for i, (_, v) in enumerate(series.points) if v is not None]
            ys = [v for _, v in series.points if v is not None]
            label = series.metric if chart.id.startswith("findings-") else series.label
            ax.plot(xs, ys, marker="o", linewidth=1.8, markersize=4, label=label)
        ax.set_title(chart.title, fontsize=10)
        if chart.unit:
            ax.set_ylabel(chart.unit)
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
