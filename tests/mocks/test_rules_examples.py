"""Every rule's VALID/INVALID examples run through the real analysis, and the
rendered rule documentation in docs/mocks.md matches the rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.mocks.rules import ALL_RULES, Example, Rule
from tests.mocks.projects import analyse_example, example_project

DOCS = Path(__file__).resolve().parents[2] / "docs" / "mocks.md"

INVALID = [(rule, example) for rule in ALL_RULES for example in rule.invalid]
VALID = [(rule, example) for rule in ALL_RULES for example in rule.valid]


def _id(case: tuple[Rule, Example]) -> str:
    rule, example = case
    return f"{rule.id}:{example.title or 'example'}"


@pytest.mark.parametrize("case", INVALID, ids=[_id(c) for c in INVALID])
def test_invalid_example_is_reported(case: tuple[Rule, Example], tmp_path: Path) -> None:
    rule, example = case
    example_project(tmp_path, example.source)
    result = analyse_example(tmp_path)
    rules_found = {f.rule for f in result.active}
    assert rule.id in rules_found, [f.message for f in result.findings]


@pytest.mark.parametrize("case", VALID, ids=[_id(c) for c in VALID])
def test_valid_example_is_clean(case: tuple[Rule, Example], tmp_path: Path) -> None:
    _rule, example = case
    example_project(tmp_path, example.source)
    result = analyse_example(tmp_path)
    assert [(f.rule, f.line, f.message) for f in result.active] == []


def test_every_rule_has_examples_and_rationale() -> None:
    for rule in ALL_RULES:
        assert rule.invalid and rule.valid, rule.id
        assert len(rule.rationale.split()) >= 15, rule.id
        assert "\n" not in rule.message and len(rule.message) < 80, rule.id


def test_registry_is_every_rule_module_in_order() -> None:
    from auditor.mocks.rules import assertions, hygiene, meta, misuse, patches

    modules = (patches, assertions, misuse, hygiene, meta)
    assert tuple(rule for module in modules for rule in module.RULES) == ALL_RULES


def test_rule_ids_are_unique_and_stable() -> None:
    ids = [rule.id for rule in ALL_RULES]
    assert len(ids) == len(set(ids))
    # the ids of the issue, which users write in suppressions and gate tables
    assert set(ids) >= {
        "mock-internal", "mock-no-spec", "mock-only-asserts", "mock-echo", "mock-unresolved",
        "mock-density", "test-no-assert", "test-tautology", "test-sleep", "test-broad-except",
        "test-assert-misuse",
    }


def test_docs_contain_each_rendered_rule() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for rule in ALL_RULES:
        assert rule.to_markdown() in text, f"docs/mocks.md is out of date for {rule.id}"
