"""What the history knows about metrics: their declarations, and the derived ones.

Metrics are whatever the analyses' ``headline_metrics`` return, each with its
declaration (:class:`auditor.metrics.MetricSpec`: unit, direction, label).
The stored ``report.json`` of a run keeps those declarations
(``metric_specs``); the review, the charts and ``no_regression`` read them
from there, and a metric without a declaration has no direction: it is never
called better or worse, and ``no_regression`` refuses it.

Values are shown and compared with the project's one rounding rule
(:func:`auditor.metrics.shown`), so the regression gate compares the numbers a
reader sees. The derived metrics (the theater gap, flaky tests) are declared
in :data:`auditor.metrics.CORE_METRICS`.
"""

from __future__ import annotations

from collections.abc import Iterable

from auditor.metrics import (
    CORE_METRICS,
    FLAKY_TESTS,
    THEATER_GAP,
    MetricSpec,
    shown,
    theater_gap,
)
from auditor.model import JSONDict

__all__ = ["FLAKY_TESTS", "THEATER_GAP", "MetricKey", "Specs", "shown"]

MetricKey = tuple[str, str]
Specs = dict[MetricKey, MetricSpec]


def core_specs() -> Specs:
    """The declarations of the core's own metrics (the test run, the derived ones)."""
    return {(a, m): spec for a, metrics in CORE_METRICS.items() for m, spec in metrics.items()}


def document_specs(report: JSONDict) -> Specs:
    """The metric declarations a ``report.json`` document carries (``metric_specs``)."""
    specs: Specs = {}
    for analysis, metrics in (report.get("metric_specs") or {}).items():
        for metric, data in (metrics or {}).items():
            try:
                specs[(analysis, metric)] = MetricSpec.from_dict(data)
            except (KeyError, TypeError, ValueError):
                continue  # a malformed declaration is no declaration
    return specs


def merged_specs(reports: Iterable[JSONDict]) -> Specs:
    """Declarations of several documents (later ones win) over the core's."""
    specs = core_specs()
    for report in reports:
        specs.update(document_specs(report))
    return specs


def find_metric(metrics: dict[MetricKey, float], name: str) -> tuple[MetricKey, float] | None:
    """Look a metric up by ``analysis.metric`` or by bare name (first analysis in order)."""
    analysis, _, metric = name.rpartition(".")
    for key in sorted(metrics):
        if key[1] == metric and (not analysis or key[0] == analysis):
            return key, metrics[key]
    return None


def with_derived(metrics: dict[MetricKey, float]) -> dict[MetricKey, float]:
    """Add the theater gap when both line coverage and a mutation score are known."""
    out = dict(metrics)
    line = find_metric(metrics, "line_percent")
    score = find_metric(metrics, "mutation_score")
    gap = theater_gap(line[1] if line else None, score[1] if score else None)
    if gap is not None:
        out[THEATER_GAP] = gap
    return out


def report_metrics(report: JSONDict) -> dict[MetricKey, float]:
    """Headline metrics of a ``report.json`` document, as the history records them."""
    return {
        (analysis, metric): float(data["value"])
        for analysis, metrics in sorted((report.get("metrics") or {}).items())
        for metric, data in sorted(metrics.items())
    }
