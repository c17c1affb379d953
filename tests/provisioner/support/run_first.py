"""A pytest plugin of planted-bug runs: the strong suite with one file's tests first.

A planted-bug run is the whole strong suite with ``-x``: its first failure is
the proof the suite catches the bug. Which test fails first does not change
that proof, only how much of the suite runs before it: in directory order the
bug in ``service.py`` was caught after 89 tests (most of the run's CPU). The
file named in ``RUN_FIRST_ENV`` (a base name in the strong suite) goes first;
every other test keeps its place after it, so nothing is left out.
"""

from __future__ import annotations

import os

import pytest

RUN_FIRST_ENV = "PLANTED_BUG_RUN_FIRST"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Move the named file's tests to the front (a stable sort keeps every other order)."""
    first = os.environ.get(RUN_FIRST_ENV)
    if first:
        items.sort(key=lambda item: item.path.name != first)
