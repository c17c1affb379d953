"""The suite's Hypothesis profile (tests/conftest.py) is the one every property runs under."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def test_the_suite_profile_is_loaded_with_no_deadline_and_no_too_slow_check() -> None:
    current = settings()
    assert current.deadline is None
    assert HealthCheck.too_slow in current.suppress_health_check
    assert current.derandomize is bool(os.environ.get("CI"))


@settings(max_examples=5)
@given(st.integers())
def test_a_test_with_its_own_budget_keeps_the_profile(value: int) -> None:
    # A per-test @settings overrides only what it names; the rest is the profile's.
    assert settings().deadline is None
    assert isinstance(value, int)
