"""Exact percentages and the one rounding rule every report and the gate use.

Percentages are computed from integer counts with :class:`fractions.Fraction`
so that no float error can move a value across a threshold. They are shown
with :data:`PRECISION` decimals, always rounded *down* (towards the worse
result for an "at least" rule), with two deliberate exceptions borrowed from
coverage.py: a value that is not exactly 100 never displays as 100, and a value
that is not exactly 0 never displays as 0. The gate compares the displayed
value, so the number a user reads is the number that passed or failed:
84.996 displays as 84.99 and fails a threshold of 85.
"""

from __future__ import annotations

import math
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction

PRECISION = 2
_QUANTUM = Decimal(1).scaleb(-PRECISION)
_SMALLEST = Fraction(1, 10**PRECISION)


def ratio_percent(part: int, whole: int) -> Fraction:
    """Return ``100 * part / whole`` exactly; 100 when there is nothing to count.

    coverage.py reports 100% for a module with no statements (or no branches),
    and the auditor must agree with coverage.py, so the empty case is 100.
    """
    if part < 0 or whole < 0 or part > whole:
        raise ValueError(f"invalid ratio {part}/{whole}")
    if whole == 0:
        return Fraction(100)
    return Fraction(100 * part, whole)


# Percentages travel through JSON as floats. Every percentage the auditor
# computes is 100 * a / b with b far below this bound, so the exact fraction
# is recovered from the float before rounding (3 of 125 is 2.4, not 2.39).
_MAX_DENOMINATOR = 10**6


def exact_percent(value: float | int | Fraction) -> Fraction:
    """Recover the exact fraction behind a percentage that went through a float."""
    if isinstance(value, Fraction):
        return value
    return Fraction(value).limit_denominator(_MAX_DENOMINATOR)


def display_percent(value: Fraction | float | int) -> Decimal:
    """Round a percentage down to :data:`PRECISION` decimals for display and gating.

    >>> str(display_percent(Fraction(84996, 1000)))
    '84.99'
    >>> str(display_percent(Fraction(99999, 1000)))
    '99.99'
    >>> str(display_percent(Fraction(1, 1000)))
    '0.01'
    """
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"not a finite percentage: {value}")
    exact = exact_percent(value)
    shown = Decimal(math.floor(exact * 10**PRECISION)).scaleb(-PRECISION)
    if 0 < exact < _SMALLEST:
        shown = _QUANTUM
    return shown.quantize(_QUANTUM, rounding=ROUND_FLOOR)


def format_percent(value: Fraction | float | int | None) -> str:
    """``display_percent`` as text with a ``%`` sign; ``n/a`` for a missing value."""
    if value is None:
        return "n/a"
    return f"{display_percent(value)}%"
