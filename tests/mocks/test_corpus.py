"""Precision and recall of every rule on the labelled corpus.

The corpus (``corpus/``, files named ``*.py.txt`` so pytest never collects
them) is a small shop package and a few hundred realistic tests, each finding
it should produce labelled with ``# expect: rule-id`` on its line. Precision
below 95% for any rule fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.mocks.rules import rule_ids
from tests.mocks.projects import analyse_corpus, corpus_labels, materialize_corpus

MIN_PRECISION = 0.95
MIN_RECALL = 0.90


@pytest.fixture(scope="module")
def corpus_result(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[set[tuple[str, int, str]], int]:
    root = tmp_path_factory.mktemp("corpus")
    materialize_corpus(root)
    result = analyse_corpus(root)
    found = {(f.path, f.line, f.rule) for f in result.active}
    return found, len(result.tests)


def test_corpus_is_large_and_labelled(corpus_result: tuple[set[tuple[str, int, str]], int]) -> None:
    _found, tests = corpus_result
    labels = corpus_labels()
    assert tests >= 190
    labelled_rules = {rule for _, _, rule in labels}
    assert labelled_rules == set(rule_ids())


@pytest.mark.parametrize("rule", rule_ids())
def test_precision_and_recall(rule: str, corpus_result: tuple[set[tuple[str, int, str]], int]
                             ) -> None:
    found, _tests = corpus_result
    expected = {label for label in corpus_labels() if label[2] == rule}
    reported = {item for item in found if item[2] == rule}
    true_positives = len(expected & reported)
    precision = true_positives / len(reported) if reported else 1.0
    recall = true_positives / len(expected) if expected else 1.0
    assert precision >= MIN_PRECISION, sorted(reported - expected)
    assert recall >= MIN_RECALL, sorted(expected - reported)


def test_strong_suite_file_is_clean(corpus_result: tuple[set[tuple[str, int, str]], int]) -> None:
    found, _tests = corpus_result
    assert [f for f in found if f[0] == "tests/test_strong_realistic.py"] == []


def test_parallel_and_serial_agree(tmp_path: Path) -> None:
    materialize_corpus(tmp_path)
    serial = analyse_corpus(tmp_path, workers=1)
    parallel = analyse_corpus(tmp_path, workers=2)
    assert [f.to_dict() for f in parallel.findings] == [f.to_dict() for f in serial.findings]
    assert len(serial.findings) > 100
