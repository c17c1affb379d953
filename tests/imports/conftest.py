"""The ``project`` fixture: a fixture project in tmp_path and its AuditContext."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.context import AuditContext
from tests.imports.fixture_project import ProjectFactory, make_context, write_project


@pytest.fixture
def project(tmp_path: Path) -> ProjectFactory:
    """Write a fixture project and return its AuditContext."""

    def factory(
        files: dict[str, str],
        packages: list[str] | None = None,
        extra_config: str = "",
        tests: list[str] | None = None,
        python: str | None = None,
    ) -> AuditContext:
        root = write_project(tmp_path / "proj", files, packages or ["pkg"], extra_config, tests)
        return make_context(root, python)

    return factory
