"""The rounding rule: the displayed percentage is the gated percentage."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditor.analysis import GateRule
from auditor.gate import evaluate_rule, exact_percent
from auditor.numbers import display_percent, format_percent, ratio_percent

counts = st.integers(min_value=0, max_value=10**6)


@st.composite
def part_and_whole(draw: st.DrawFn) -> tuple[int, int]:
    whole = draw(st.integers(min_value=1, max_value=10**6))
    part = draw(st.integers(min_value=0, max_value=whole))
    return part, whole


@given(part_and_whole())
def test_display_never_overstates(pair: tuple[int, int]) -> None:
    part, whole = pair
    exact = Fraction(100 * part, whole)
    shown = display_percent(ratio_percent(part, whole))
    if part == 0:
        assert shown == Decimal("0.00")
    else:
        # Never more than the truth, except the deliberate 0.01 floor for tiny values.
        assert Fraction(str(shown)) <= max(exact, Fraction(1, 100))
        assert exact - Fraction(str(shown)) < Fraction(1, 100)


@given(part_and_whole())
def test_hundred_only_when_complete(pair: tuple[int, int]) -> None:
    part, whole = pair
    shown = display_percent(ratio_percent(part, whole))
    assert (shown == Decimal("100.00")) == (part == whole)


@given(part_and_whole())
def test_float_round_trip_keeps_the_displayed_value(pair: tuple[int, int]) -> None:
    """A percentage that went through JSON as a float displays exactly as before."""
    part, whole = pair
    exact = ratio_percent(part, whole)
    assert exact_percent(float(exact)) == exact
    assert display_percent(exact_percent(float(exact))) == display_percent(exact)


@given(part_and_whole(), st.integers(min_value=0, max_value=10000))
def test_gate_compares_what_is_displayed(pair: tuple[int, int], threshold_hundredths: int) -> None:
    part, whole = pair
    threshold = threshold_hundredths / 100
    rule = GateRule("line", "coverage", "line", ("line_percent",), ">=", threshold)
    value = float(ratio_percent(part, whole))
    result = evaluate_rule(rule, {"coverage": {"line_percent": value}})
    shown = display_percent(ratio_percent(part, whole))
    assert result.measured == float(shown)
    assert result.passed == (shown >= Decimal(str(threshold)))


def test_boundary_examples() -> None:
    # 84.996 would round to 85.00 with round-half-up; it must show (and gate) as 84.99.
    assert str(display_percent(Fraction(84996, 1000))) == "84.99"
    assert format_percent(Fraction(199999, 2000)) == "99.99%"
    assert format_percent(Fraction(1, 1000)) == "0.01%"
    assert format_percent(None) == "n/a"
    rule = GateRule("line", "coverage", "line", ("line_percent",), ">=", 85)
    assert evaluate_rule(rule, {"coverage": {"line_percent": 84.996}}).status == "failed"


def test_empty_denominator_is_complete_like_coverage_py() -> None:
    assert ratio_percent(0, 0) == 100


@pytest.mark.parametrize("part, whole", [(-1, 3), (4, 3), (1, -1)])
def test_impossible_ratios_are_rejected(part: int, whole: int) -> None:
    with pytest.raises(ValueError, match="invalid ratio"):
        ratio_percent(part, whole)


@given(part_and_whole())
def test_format_of_a_json_float_equals_format_of_the_exact_value(pair: tuple[int, int]) -> None:
    part, whole = pair
    exact = ratio_percent(part, whole)
    assert format_percent(float(exact)) == format_percent(exact)
