"""Writing ``review.html`` and ``review.md`` from a :class:`~auditor.history.review.Review`.

The templates (``reports/templates/review.{html,md}.j2``) get a view model of
already-formatted text, so that both formats show identical numbers and the
templates stay free of arithmetic. Values use the project's one rounding rule
(floor to 2 decimals), in the unit each metric declares (``%`` for a
percentage, a plain number for a count, ``s`` for seconds).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.history.charts import Chart, make_charts
from auditor.history.review import MetricChange, Review, SlowTest
from auditor.history.text import delta_text, trend, value_text
from auditor.history.verdict import verdict
from auditor.reports import write_atomic
from auditor.reports.templates import html_environment, markdown_environment
from auditor.thresholds import level_mark


@dataclass
class ReviewFiles:
    html: Path
    markdown: Path
    charts: list[Chart]


def _change_row(change: MetricChange, level: str = "") -> dict[str, str]:
    return {
        "level": level,  # the analysis's grade of the value now (Stryker thresholds), or ""
        "mark": level_mark(level),
        "analysis": change.analysis,
        "metric": change.metric,
        "label": change.spec.label if change.spec else change.metric,
        "start": value_text(change.spec, change.start),
        "end": value_text(change.spec, change.end),
        "delta": delta_text(change.delta, change.spec),
        "trend": trend(change.improved, change.delta),
        "direction": change.direction,
    }


def _slow_row(test: SlowTest) -> dict[str, str]:
    return {
        "nodeid": test.nodeid,
        "duration": f"{test.duration:.3f}",
        "start": "new" if test.start_duration is None else f"{test.start_duration:.3f}",
        "delta": "n/a" if test.delta is None else f"{test.delta:+.3f}",
    }


def view_model(review: Review, charts: list[Chart], project: str) -> dict[str, Any]:
    """Everything the templates show, as text."""
    start, end = review.start, review.end
    chart_views = []
    for chart in charts:
        runs = [run for run, _ in chart.series[0].points]
        chart_views.append(
            {
                "id": chart.id,
                "title": chart.title,
                "src": chart.data_uri,
                "columns": [s.label for s in chart.series],
                "rows": [
                    {
                        "run": f"#{run.id}",
                        "created": run.created[:19].replace("T", " "),
                        "commit": run.short_commit,
                        "values": [value_text(s.spec, s.points[i][1]) for s in chart.series],
                    }
                    for i, run in enumerate(runs)
                ],
            }
        )
    return {
        "project": project,
        "since": review.since[:19].replace("T", " "),
        "branch": f"branch {review.branch}" if review.branch else "all branches",
        "run_count": len(review.runs),
        "start": None if start is None else _run_view(start),
        "end": None if end is None else _run_view(end),
        "verdict": verdict(review),
        "charts": chart_views,
        "changes": [_change_row(c, review.levels.get((c.analysis, c.metric), ""))
                    for c in review.changes],
        "modules": [{**_change_row(c), "module": c.module} for c in review.module_regressions],
        "survivors": [vars(item) for item in review.new_survivors],
        "fixed_survivors": [vars(item) for item in review.fixed_survivors],
        "findings": [vars(item) for item in review.new_findings],
        "slowest": [_slow_row(t) for t in review.slowest_tests],
        "slower": [_slow_row(t) for t in review.slower_tests],
        "killing_nothing": review.tests_killing_nothing,
        "flaky": [
            {
                "nodeid": f.nodeid,
                "commit": (f.commit or "-")[:10],
                "source": f.source,
                "kind": f.kind,
                "evidence": (
                    f"passed {f.passed}×, failed {f.failed}×"
                    if f.source == "history"
                    else (f.detail or f.kind)
                ),
                "partner": f.partner or "",
                "seed": "" if f.seed is None else str(f.seed),
            }
            for f in review.flaky
        ],
    }


def _run_view(run: Any) -> dict[str, str]:
    return {
        "id": str(run.id),
        "commit": run.short_commit,
        "branch": run.branch or "-",
        "created": run.created[:19].replace("T", " "),
    }


def write_review(review: Review, output_dir: Path, project: str) -> ReviewFiles:
    """Render the charts and both review files into ``output_dir``."""
    charts = make_charts(review)
    view = view_model(review, charts, project)
    output_dir.mkdir(parents=True, exist_ok=True)
    html_path, md_path = output_dir / "review.html", output_dir / "review.md"
    write_atomic(html_path, html_environment().get_template("review.html.j2").render(**view))
    write_atomic(md_path, markdown_environment().get_template("review.md.j2").render(**view))
    # The Markdown review links the charts as files (Markdown viewers drop data: URIs).
    chart_dir = output_dir / "review-charts"
    chart_dir.mkdir(exist_ok=True)
    for chart in charts:
        (chart_dir / f"{chart.id}.png").write_bytes(chart.png)
    return ReviewFiles(html=html_path, markdown=md_path, charts=charts)
