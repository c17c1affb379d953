"""Template lookup and the number formatting every report shares."""

from __future__ import annotations

from fractions import Fraction

import jinja2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditor.analysis import GateRule
from auditor.gate import evaluate_rule
from auditor.metrics import COUNT, HIGHER, LOWER, PERCENT, MetricSpec
from auditor.numbers import format_percent, ratio_percent
from auditor.reports import templates
from auditor.reports.templates import metric, number, pct


def test_templates_are_found_in_the_checkout_or_the_package() -> None:
    directory = templates.template_dir()
    assert directory in (templates.PACKAGE_TEMPLATES, templates.CHECKOUT_TEMPLATES)
    assert (directory / "index.html.j2").is_file()
    assert (directory / "report.md.j2").is_file()


def test_html_environment_autoescapes_and_is_strict() -> None:
    env = templates.html_environment()
    assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
    with pytest.raises(jinja2.UndefinedError, match="'missing' is undefined"):
        env.from_string("{{ missing }}").render()


def test_pct_shows_what_the_gate_compared() -> None:
    # 3 of 125 is exactly 2.4%; the float 2.4 is a hair below it, and flooring
    # the float naively would show 2.39%: both formatters recover the fraction.
    value = float(ratio_percent(3, 125))
    assert format_percent(value) == "2.40%"
    assert pct(value) == "2.40%"
    rule = GateRule("line", "coverage", "", ("v",), ">=", 2.4)
    assert evaluate_rule(rule, {"coverage": {"v": value}}).status == "passed"


@given(st.integers(min_value=1, max_value=10_000).flatmap(
    lambda whole: st.tuples(st.integers(min_value=0, max_value=whole), st.just(whole))
))
def test_pct_of_a_json_float_equals_the_exact_percentage(counts: tuple[int, int]) -> None:
    part, whole = counts
    exact = ratio_percent(part, whole)
    assert pct(float(exact)) == format_percent(exact)
    shown = Fraction(pct(float(exact)).removesuffix("%"))
    assert shown <= exact < shown + Fraction(1, 100) or (0 < exact < Fraction(1, 100))


def test_number_and_metric_formatting() -> None:
    assert number(3.0) == "3"
    assert number(2.5) == "2.50"
    assert number(None) == "n/a"
    # The unit comes from the declaration, not from the name.
    assert metric(MetricSpec(PERCENT, HIGHER, "line coverage").of(100.0)) == "100.00%"
    assert metric(MetricSpec(COUNT, LOWER, "failures_percent").of(2.0)) == "2"
