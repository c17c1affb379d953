"""Shared runs of the mutation tests: one complete ``audit mutate`` of the shop project
per test session (per xdist worker), copied by every test that starts from one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.mutation.projects import audit, make_shop


@pytest.fixture(scope="session")
def shop_mutated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shop project after one complete ``audit mutate`` (its stage, its audit-report).

    Never changed by a test: :func:`tests.mutation.projects.copy_project` gives each
    test its own copy.
    """
    project = make_shop(tmp_path_factory.mktemp("shop-mutated") / "p")
    done = audit("mutate", str(project))
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return project
