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
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "suite",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=bool(os.environ.get("CI")),
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))
