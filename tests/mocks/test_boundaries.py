"""Inferred boundaries: thin bindings to the outside are not code under audit,
the report says why, and ``internal`` overrides an inference."""

from __future__ import annotations

from pathlib import Path

from auditor.mocks.engine import analyse_project
from auditor.mocks.evaluate import Settings
from auditor.project import PackageLocation
from tests.mocks.projects import example_project

SUITE = """\
from unittest import mock

from app import clipboard, pricing


def test_copy():
    with mock.patch("app.clipboard.copy", autospec=True, return_value=1):
        assert clipboard.copy("x") == 1


def test_tag():
    with mock.patch("app.pricing.git_tag", autospec=True, return_value="v1"):
        assert pricing.git_tag() == "v1"


def test_total():
    with mock.patch("app.pricing.net_total", autospec=True, return_value=3):
        assert pricing.net_total([1]) == 3
"""


def _analyse(root: Path, internal: list[str] | None = None) -> tuple[dict[str, str], list[str]]:
    settings = Settings(packages=["app"], boundaries=["app.adapters"], internal=internal or [],
                        enabled=["mock-internal"])
    result = analyse_project(root, [PackageLocation("app", root / "app", root)],
                             [root / "tests"], settings)
    return result.inferred_boundaries, [f.message for f in result.active]


def test_thin_bindings_are_boundaries_with_their_reason(tmp_path: Path) -> None:
    example_project(tmp_path, SUITE)
    inferred, messages = _analyse(tmp_path)
    # app/clipboard.py: both of its functions call ctypes; git_tag runs git
    assert inferred == {"app.clipboard": "imports ctypes; 2 of 2 functions use it",
                        "app.pricing.git_tag": "uses subprocess"}
    # only the patch of net_total (pure arithmetic) is a patch of the code under audit
    assert messages == [
        'patches app.pricing.net_total, code under audit; patch a boundary, or declare '
        '"app.pricing" in [tool.audit.mocks] boundaries if it is one']


def test_internal_overrides_an_inference(tmp_path: Path) -> None:
    example_project(tmp_path, SUITE)
    inferred, messages = _analyse(tmp_path, internal=["app.clipboard", "app.pricing"])
    assert inferred == {}
    assert len(messages) == 3
    assert any('patches app.clipboard.copy, code under audit' in m
               and '"app.clipboard" in [tool.audit.mocks] boundaries' in m for m in messages)
