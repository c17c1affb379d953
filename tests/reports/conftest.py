"""One real audit of the shop project (tests/reports/shop.py), shared by the report tests."""

from __future__ import annotations

import pytest

from tests.reports.shop import ShopAudit, audit_shop


@pytest.fixture(scope="session")
def shop(tmp_path_factory: pytest.TempPathFactory) -> ShopAudit:
    return audit_shop(tmp_path_factory.mktemp("shop"))
