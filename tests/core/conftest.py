"""Session fixtures of tests/core: the shared calc audits (tests/core/shared_audits.py).

Session-scoped, so each audit runs once per worker; the modules that use
them name one xdist group, so they all run on one worker.
"""

from __future__ import annotations

import pytest

from tests.core import shared_audits
from tests.core.shared_audits import SharedAudit


@pytest.fixture(scope="session")
def calc_coverage_audit(tmp_path_factory: pytest.TempPathFactory) -> SharedAudit:
    """``audit coverage --no-gate --timings`` of the plain calc project, run once."""
    return shared_audits.calc_coverage_audit(tmp_path_factory.mktemp("calc-coverage"))


@pytest.fixture(scope="session")
def calc_report_audit(tmp_path_factory: pytest.TempPathFactory) -> SharedAudit:
    """``audit report --no-gate`` of the calc project with a busy test, run once."""
    return shared_audits.calc_report_audit(tmp_path_factory.mktemp("calc-report"))
