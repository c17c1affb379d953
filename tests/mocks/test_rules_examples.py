"""Every rule's VALID/INVALID examples run through the real analysis, and the
rendered rule documentation in docs/mocks.md matches the rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.mocks.rules import ALL_RULES, Example, Rule
from tests.mocks.projects import analyse_example, example_project

DOCS = Path(__file__).resolve().parents[2] / "docs" / "mocks.md"

# (rule, "INVALID" | "VALID", example) for every example of every registered rule
EXAMPLES = [(rule, kind, example) for rule in ALL_RULES
            for kind, examples in (("INVALID", rule.invalid), ("VALID", rule.valid))
            for example in examples]


def _id(case: tuple[Rule, str, Example]) -> str:
    rule, kind, example = case
    return f"{rule.id}:{kind}:{example.title or 'example'}"


@pytest.mark.parametrize("case", EXAMPLES, ids=[_id(c) for c in EXAMPLES])
def test_rule_example(case: tuple[Rule, str, Example], tmp_path: Path) -> None:
    """An INVALID example produces its rule's finding; a VALID one produces none."""
    rule, kind, example = case
    example_project(tmp_path, example.source)
    result = analyse_example(tmp_path)
    if kind == "INVALID":
        assert rule.id in {f.rule for f in result.active}, [f.message for f in result.findings]
    else:
        assert [(f.rule, f.line, f.message) for f in result.active] == []


def test_every_rule_has_examples_and_rationale() -> None:
    for rule in ALL_RULES:
        assert rule.invalid and rule.valid, rule.id
        assert len(rule.rationale.split()) >= 15, rule.id
        assert "\n" not in rule.message and len(rule.message) < 80, rule.id


def test_every_rule_decides_through_its_own_hook() -> None:
    """Each rule but the analysis's own findings overrides a hook of the base class
    (the engine dispatches to it; no check is called by hand)."""
    hooks = ("check_function", "check_patch", "check_test")
    engine_reported = {"parse-error", "bad-suppression"}
    for rule in ALL_RULES:
        overridden = [h for h in hooks if getattr(type(rule), h) is not getattr(Rule, h)]
        assert bool(overridden) == (rule.id not in engine_reported), (rule.id, overridden)


def test_registry_is_every_rule_module_in_order() -> None:
    from auditor.mocks.rules import assertions, density, excepts, hygiene, meta, misuse, patches

    modules = (patches, density, assertions, misuse, hygiene, excepts, meta)
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
