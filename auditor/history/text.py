"""The history's numbers as text: a value in its unit, a change, a trend word.

Kept apart from :mod:`auditor.history.render` (the review's charts and
templates: matplotlib, jinja2) so that the table of ``audit history`` and the
team review read them without loading a chart library.
"""

from __future__ import annotations

from decimal import Decimal

from auditor.history.metrics import shown
from auditor.metrics import COUNT, PERCENT, MetricSpec, format_value


def value_text(spec: MetricSpec | None, value: float | None) -> str:
    """A value in its declared unit; a metric without a declaration as a plain number."""
    if value is None:
        return "n/a"
    if spec is not None and spec.unit in (PERCENT, COUNT):
        return format_value(value, spec.unit)
    # Counts stay counts ("3", not "3.00"); other numbers use the rounding rule.
    return str(int(value)) if float(value).is_integer() else f"{shown(value)}"


def delta_text(delta: Decimal | float | None, spec: MetricSpec | None = None) -> str:
    """A change as text: ``+6.67`` (a count that moved by whole units: ``+3``)."""
    if delta is None:
        return "n/a"
    if not isinstance(delta, Decimal):
        delta = shown(delta) if delta >= 0 else -shown(-delta)
    if delta == 0:
        return "±0"
    if spec is not None and spec.unit == COUNT and delta == delta.to_integral_value():
        return f"{int(delta):+d}"
    return f"{delta:+}"


def trend(improved: bool | None, delta: Decimal | None) -> str:
    if delta is None:
        return "n/a"
    if improved is None:
        return "same"
    return "better" if improved else "worse"
