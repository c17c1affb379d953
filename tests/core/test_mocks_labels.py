"""The labelled corpus of mocks findings: file shapes, and the scoring arithmetic.

No network and no corpus run: the label, miss and ratchet files are read as
committed, and the scoring is checked on small hand-made cases whose figures
are derived by hand in each test.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

from auditor.mocks.rules import rule_ids

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "bench" / "corpus"


def _load_scoring() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mocks_scoring", REPO / "bench" /
                                                  "mocks_scoring.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("mocks_scoring", module)
    spec.loader.exec_module(module)
    return module


scoring = _load_scoring()


def _corpus_projects() -> set[str]:
    path = CORPUS / "projects.toml"
    if not path.exists():
        pytest.skip("bench/corpus/projects.toml not written yet")
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    projects = document.get("projects", document.get("project", []))
    if isinstance(projects, dict):
        return set(projects)
    return {p["name"] for p in projects}


def test_every_label_has_the_documented_shape() -> None:
    raw = json.loads((CORPUS / "mocks_labels.json").read_text(encoding="utf-8"))["labels"]
    labels = scoring.load_labels(CORPUS / "mocks_labels.json")  # raises on a bad entry
    assert len(labels) == len(raw)
    for item in raw:
        assert set(item) == {"project", "path", "line", "rule", "label", "reason"}, item
        assert item["label"] in ("tp", "fp", "borderline"), item
        assert isinstance(item["line"], int) and item["line"] >= 1, item
        assert item["reason"].strip() and "\n" not in item["reason"], item
        assert not Path(item["path"]).is_absolute() and ".." not in Path(item["path"]).parts


def test_labels_and_misses_name_corpus_projects_and_known_rules() -> None:
    projects = _corpus_projects()
    known_rules = set(rule_ids())
    labels = scoring.load_labels(CORPUS / "mocks_labels.json")
    misses = scoring.load_misses(CORPUS / "mocks_misses.json")
    for item in [*labels, *misses.misses]:
        assert item.project in projects, item
        assert item.rule in known_rules, item
    assert set(misses.reviewed) <= projects
    assert set(misses.tests) <= projects


def test_recall_review_covers_60_tests_per_1000() -> None:
    misses = scoring.load_misses(CORPUS / "mocks_misses.json")
    total = sum(misses.tests.values())
    reviewed = sum(len(set(ids)) for ids in misses.reviewed.values())
    # The floor: at least 60 unflagged tests read per 1,000 tests.
    assert reviewed * 1000 >= 60 * total
    for project, ids in misses.reviewed.items():
        assert len(ids) == len(set(ids)), f"{project}: a test is listed twice"


def test_ratchet_file_holds_fractions_per_rule() -> None:
    best = scoring.load_best(CORPUS / "mocks_best.json")
    for rule in best:
        assert rule == scoring.OVERALL or rule in set(rule_ids()), rule
    # Projects left out of the scoring are corpus projects, each with its reason.
    unauditable = scoring.load_unauditable(CORPUS / "mocks_best.json")
    assert set(unauditable) <= _corpus_projects()


def test_bad_label_is_rejected_with_its_entry(tmp_path: Path) -> None:
    path = tmp_path / "labels.json"
    path.write_text(json.dumps({"labels": [
        {"project": "p", "path": "t.py", "line": 3, "rule": "mock-no-spec", "label": "maybe",
         "reason": "x"},
    ]}))
    with pytest.raises(scoring.LabelFileError, match=r"entry 0: label must be one of"):
        scoring.load_labels(path)
    path.write_text(json.dumps({"labels": [
        {"project": "p", "path": "t.py", "line": 3, "rule": "mock-no-spec", "label": "tp"},
    ]}))
    with pytest.raises(scoring.LabelFileError, match=r"entry 0: missing reason"):
        scoring.load_labels(path)


def _label(line: int, value: str, rule: str = "mock-no-spec") -> object:
    return scoring.Label("p", "tests/test_a.py", line, rule, value, "reason")


def _finding(line: int, rule: str = "mock-no-spec") -> object:
    return scoring.Observed("p", "tests/test_a.py", line, rule)


def test_precision_and_recall_from_labels_and_misses() -> None:
    findings = [_finding(1), _finding(2), _finding(3), _finding(4), _finding(5)]
    labels = [_label(1, "tp"), _label(2, "tp"), _label(3, "fp"), _label(4, "borderline"),
              _label(9, "fp")]
    misses = [scoring.Miss("p", "tests/test_a.py", 7, "mock-no-spec", "unspecced stand-in")]
    result = scoring.score(findings, labels, misses)
    rule = result.rules["mock-no-spec"]
    # Lines 1, 2 are tp, 3 fp, 4 borderline (out of precision), 5 has no label;
    # the fp label on line 9 matches nothing (stale); line 7 is a known miss.
    assert (rule.tp, rule.fp, rule.borderline, rule.unlabelled, rule.stale) == (2, 1, 1, 1, 1)
    assert rule.precision == pytest.approx(2 / 3)
    assert rule.recall == pytest.approx(2 / 3)
    assert [f.line for f in result.unlabelled] == [5]


def test_a_tp_label_without_its_finding_counts_as_a_miss() -> None:
    labels = [_label(1, "tp"), _label(2, "tp")]
    result = scoring.score([_finding(1)], labels, [])
    rule = result.rules["mock-no-spec"]
    # One true smell still found, one no longer reported: recall 1/2, precision 1/1.
    assert (rule.tp, rule.misses, rule.stale) == (1, 1, 1)
    assert rule.recall == pytest.approx(0.5)
    assert rule.precision == pytest.approx(1.0)


def test_a_found_miss_is_not_counted_as_missing() -> None:
    misses = [scoring.Miss("p", "tests/test_a.py", 1, "mock-no-spec", "x")]
    result = scoring.score([_finding(1)], [_label(1, "tp")], misses)
    assert result.rules["mock-no-spec"].misses == 0
    assert result.rules["mock-no-spec"].recall == pytest.approx(1.0)


def test_overall_adds_the_rules_counts() -> None:
    findings = [_finding(1), _finding(2, "test-no-assert"), _finding(3, "test-no-assert")]
    labels = [_label(1, "fp"), _label(2, "tp", "test-no-assert"),
              _label(3, "tp", "test-no-assert")]
    result = scoring.score(findings, labels, [])
    # 2 tp of 3 judged overall, even though one rule is at 0% and the other at 100%.
    assert result.overall.precision == pytest.approx(2 / 3)
    assert result.figures()["mock-no-spec"]["precision"] == 0.0


def test_ratchet_fails_on_a_drop_and_only_rises() -> None:
    best = {"mock-no-spec": {"precision": 0.5, "recall": 0.8}}
    current: dict[str, dict[str, float | None]] = {"mock-no-spec": {"precision": 0.49,
                                                                     "recall": 0.9}}
    assert scoring.regressions(current, best) == ["mock-no-spec precision: 49.00% < best 50.00%"]
    assert scoring.raised(current, best) == {"mock-no-spec": {"precision": 0.5, "recall": 0.9}}
    # A rule that reports nothing has no precision; that alone is not a drop.
    assert scoring.regressions({"mock-no-spec": {"precision": None, "recall": 0.8}}, best) == []


def test_ratchet_stores_figures_rounded_down() -> None:
    # 2/3 = 0.66666...: stored as 0.6666, never above the figure that reached it.
    assert scoring.raised({"r": {"precision": 2 / 3}}, {}) == {"r": {"precision": 0.6666}}


def test_a_merged_finding_counts_for_both_rules() -> None:
    merged = scoring.Observed("p", "tests/test_a.py", 4, "mock-internal", message=(
        "patches app.x, code under audit; the patch also has no spec (patch of app.x ...)"))
    labels = [_label(4, "tp", "mock-internal"), _label(4, "fp", "mock-no-spec")]
    result = scoring.score([merged], labels, [])
    # One finding, two facts: the internal patch (tp) and the missing spec (fp).
    assert (result.rules["mock-internal"].tp, result.rules["mock-no-spec"].fp) == (1, 1)
    assert result.stale == []


def test_overall_leaves_out_opt_in_rules() -> None:
    findings = [_finding(1), _finding(2, "mock-internal")]
    labels = [_label(1, "tp"), _label(2, "fp", "mock-internal")]
    result = scoring.score(findings, labels, [], overall_excludes={"mock-internal"})
    # The opt-in rule keeps its own figure (0%) but the default overall is 1/1.
    assert result.rules["mock-internal"].precision == 0.0
    assert result.overall.precision == pytest.approx(1.0)
