"""Shared runs of the mutation tests, one per test session (per xdist worker).

- ``shop_mutated``: one complete ``audit mutate`` of the shop project (with the
  session-logging conftest of :data:`tests.mutation.projects.LOGGING_CONFTEST`),
  copied by every test that starts from one;
- ``oracle``: plain mutmut's verdicts, one run per distinct project state
  (:class:`tests.mutation.projects.Oracles`).

The modules that use them name the xdist group ``mutation-shop`` in their
``pytestmark``, so that one worker runs them all and builds each once
(tests/support/xdist_groups.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.mutation.projects import (
    NO_HYPOTHESIS,
    SESSION_LOG,
    Oracles,
    audit,
    make_shop,
    with_session_log,
)


@pytest.fixture(scope="session")
def shop_mutated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shop project after one complete ``audit mutate`` (its stage, its audit-report).

    Never changed by a test: :func:`tests.mutation.projects.copy_project` gives each
    test its own copy. The pytest sessions of that first run are logged to
    ``first-run.jsonl`` beside the project (:func:`shop_first_run_log`).
    """
    root = tmp_path_factory.mktemp("shop-mutated")
    project = with_session_log(make_shop(root / "p"))
    log = str(root / "first-run.jsonl")
    done = audit("mutate", str(project), env={**NO_HYPOTHESIS, SESSION_LOG: log})
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return project


@pytest.fixture(scope="session")
def shop_first_run_log(shop_mutated: Path) -> list[dict[str, Any]]:
    """The logged entries of ``shop_mutated``'s run: its sessions and test set-ups."""
    log = shop_mutated.parent / "first-run.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()]


@pytest.fixture(scope="session")
def oracle(tmp_path_factory: pytest.TempPathFactory) -> Oracles:
    """Plain mutmut on a project, run once per distinct project state in the session."""
    return Oracles(tmp_path_factory.mktemp("oracles"))
