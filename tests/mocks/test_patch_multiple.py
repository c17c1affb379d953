"""patch.multiple is judged name by name: each keyword is a patched attribute.

``patch.multiple("app.pricing", net_total=DEFAULT, subprocess=DEFAULT)``
replaces two names of ``app.pricing``: a function of the package (code under
audit) and the standard-library module it imported (a boundary). Judging the
target module alone called the whole patch internal and named no attribute.
The expected names below are the keywords written in each test source.
"""

from __future__ import annotations

from pathlib import Path

from tests.mocks.projects import analyse_example, example_project

MIXED = """
from unittest import mock

from app import pricing


def test_mixed():
    with mock.patch.multiple("app.pricing", net_total=mock.DEFAULT,
                             subprocess=mock.DEFAULT) as patched:
        patched["net_total"].return_value = 3
        assert pricing.net_total([1, 2]) == 3
"""

TYPO = """
from unittest import mock

from app import pricing


def test_typo():
    with mock.patch.multiple(pricing, net_totl=mock.DEFAULT, VAT=0.5):
        assert pricing.VAT == 0.5
"""


def _messages(tmp_path: Path, source: str, rule: str) -> list[str]:
    example_project(tmp_path, source)  # analysed with the opt-in rules on
    return [f.message for f in analyse_example(tmp_path).active if f.rule == rule]


def test_internal_names_only_the_package_function(tmp_path: Path) -> None:
    [message] = _messages(tmp_path, MIXED, "mock-internal")
    assert "app.pricing.net_total" in message
    assert "subprocess" not in message  # the standard library is a boundary
    assert '"app.pricing" in [tool.audit.mocks] boundaries' in message


def test_a_missing_name_is_unresolved_and_a_constant_is_not_code(tmp_path: Path) -> None:
    [message] = _messages(tmp_path, TYPO, "mock-unresolved")
    assert "'app.pricing.net_totl' does not exist" in message
    assert "VAT" not in message  # a module constant of the package exists
    internal = [f for f in analyse_example(tmp_path).active if f.rule == "mock-internal"]
    assert internal == []  # a constant is a value, the missing name no code
