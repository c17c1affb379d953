"""Hypothesis settings for the whole suite, registered once (the suite's root conftest).

It lives in ``tests/`` (a package), not the repository root: a root
``conftest.py`` would clash by module name with the examples' own
``conftest.py`` when the provisioner tests run the theater suite.

The suite runs on busy 2-core CI machines, under coverage (the self-audit),
next to subprocess-heavy tests: wall-clock limits on single examples fail
there for reasons that say nothing about the code. So no test has a
per-example deadline and the too-slow health check is off; properties keep
their own example budgets. In CI (``CI`` set) examples are derandomized, so a
red build reproduces from the same commit; locally they stay random to find
new counterexamples.

The suite runs under pytest-xdist (``-n auto`` in pyproject.toml) with the
scheduler of :mod:`tests.support.xdist_groups`: tests go one by one to the
free worker, except that a module with a module- or class-scoped fixture (a
mutmut run, a wheel build, a browser) stays on one worker, so that fixture is
built once. Session-scoped fixtures (the PostgreSQL cluster) are per worker.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "suite",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=bool(os.environ.get("CI")),
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))


@pytest.hookimpl(optionalhook=True)  # an xdist hook: without xdist nothing calls it
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Spread tests one by one, keeping modules with shared fixtures on one worker."""
    from tests.support.xdist_groups import ModuleFixtureScheduling

    return ModuleFixtureScheduling(config, log)
