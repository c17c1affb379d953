"""Shared fixtures of the coverage-theater suite (deliberately weak; see README.md)."""

from __future__ import annotations

from unittest.mock import MagicMock

import pytest

from provisioner.settings import Secret, Settings


def pytest_report_header() -> str:
    """Name the imported package, so planted-bug runs can prove they used the copy."""
    import provisioner

    return f"provisioner package: {provisioner.__file__}"


@pytest.fixture
def settings() -> Settings:
    # The same dummy value for every secret: convenient, and it hides mix-ups.
    dummy = Secret("x" * 16)
    return Settings(api_key=dummy, license_key=dummy, poll_interval=0, readiness_timeout=0.01,
                    namespace_timeout=0.01, retry_backoff=0)


@pytest.fixture
def instance() -> MagicMock:
    fake = MagicMock()
    fake.tenant, fake.name, fake.namespace, fake.tier = "acme", "web", "acme--web", "free"
    return fake
