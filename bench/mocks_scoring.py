"""Scoring of mocks findings against the labelled corpus (no I/O beyond reading JSON).

The labels (``bench/corpus/mocks_labels.json``) say, for every finding the
mocks analysis made on the corpus of real suites, whether it is right
(``tp``), wrong or noise (``fp``), or a matter of taste (``borderline``,
kept out of precision). The known misses (``bench/corpus/mocks_misses.json``)
are smells a rule should report and does not; with the tests reviewed to find
them. A finding and a label match on ``(project, path, line, rule)``.

Per rule and overall:

* precision = TP / (TP + FP), where a finding that carries a second rule's
  fact (mock-internal "...; the patch also has no spec") counts for both rules;
* recall = TP / (TP + misses), where misses are the known misses that no
  current finding matches, plus the ``tp`` labels that no current finding
  matches any more (a true smell the rule stopped reporting is a miss, not a
  neutral stale label).

``fp`` and ``borderline`` labels that match no finding are stale and only
counted. The ratchet file (``bench/corpus/mocks_best.json``) keeps the best
figure reached per rule and overall; :func:`regressions` lists what fell below.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LABEL_VALUES = ("tp", "fp", "borderline")
LABEL_KEYS = ("project", "path", "line", "rule", "label", "reason")
MISS_KEYS = ("project", "path", "line", "rule", "reason")
OVERALL = "overall"
FIGURES = ("precision", "recall")

Key = tuple[str, str, int, str]


class LabelFileError(ValueError):
    """A label, miss or ratchet file that does not have the documented shape."""


# A finding of one rule that also carries another rule's fact (the analysis
# reports mock-internal and mock-no-spec on one patch as one finding).
MERGED_FACTS = {"mock-internal": ("mock-no-spec", "the patch also has no spec")}


@dataclass(frozen=True)
class Observed:
    """One finding of the analysis on one corpus project."""

    project: str
    path: str
    line: int
    rule: str
    test: str = ""
    message: str = ""
    code: str = ""

    @property
    def key(self) -> Key:
        return (self.project, self.path, self.line, self.rule)

    def facts(self) -> list[Observed]:
        """This finding, plus one per other rule whose fact it carries in its message."""
        out = [self]
        merged = MERGED_FACTS.get(self.rule)
        if merged is not None and merged[1] in self.message:
            out.append(Observed(self.project, self.path, self.line, merged[0], self.test,
                                self.message, self.code))
        return out


@dataclass(frozen=True)
class Label:
    project: str
    path: str
    line: int
    rule: str
    label: str
    reason: str

    @property
    def key(self) -> Key:
        return (self.project, self.path, self.line, self.rule)


@dataclass(frozen=True)
class Miss:
    """A smell a rule should report on the corpus and does not (yet)."""

    project: str
    path: str
    line: int
    rule: str
    reason: str

    @property
    def key(self) -> Key:
        return (self.project, self.path, self.line, self.rule)


@dataclass
class RuleScore:
    tp: int = 0
    fp: int = 0
    borderline: int = 0
    unlabelled: int = 0
    misses: int = 0
    stale: int = 0

    @property
    def precision(self) -> float | None:
        judged = self.tp + self.fp
        return self.tp / judged if judged else None

    @property
    def recall(self) -> float | None:
        wanted = self.tp + self.misses
        return self.tp / wanted if wanted else None

    def add(self, other: RuleScore) -> None:
        for name in ("tp", "fp", "borderline", "unlabelled", "misses", "stale"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Score:
    rules: dict[str, RuleScore] = field(default_factory=dict)
    unlabelled: list[Observed] = field(default_factory=list)
    stale: list[Label] = field(default_factory=list)
    lost_tp: list[Label] = field(default_factory=list)
    overall_excludes: set[str] = field(default_factory=set)  # opt-in rules

    @property
    def overall(self) -> RuleScore:
        """The sum over the rules a default configuration runs."""
        total = RuleScore()
        for rule, rule_score in self.rules.items():
            if rule not in self.overall_excludes:
                total.add(rule_score)
        return total

    def figures(self) -> dict[str, dict[str, float | None]]:
        """``{rule or "overall": {"precision": p, "recall": r}}`` as fractions."""
        out = {rule: {"precision": s.precision, "recall": s.recall}
               for rule, s in sorted(self.rules.items())}
        overall = self.overall
        out[OVERALL] = {"precision": overall.precision, "recall": overall.recall}
        return out


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise LabelFileError(f"{path}: {error}") from error


def _entry(path: Path, index: int, item: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    where = f"{path}: entry {index}"
    if not isinstance(item, dict):
        raise LabelFileError(f"{where}: not an object")
    missing = [k for k in keys if k not in item]
    if missing:
        raise LabelFileError(f"{where}: missing {', '.join(missing)}")
    for key in keys:
        expected = int if key == "line" else str
        value = item[key]
        if not isinstance(value, expected) or isinstance(value, bool):
            raise LabelFileError(f"{where}: {key} must be {expected.__name__}")
        if isinstance(value, str) and (not value.strip() or "\n" in value):
            raise LabelFileError(f"{where}: {key} must be one non-empty line")
    if item["line"] < 1:
        raise LabelFileError(f"{where}: line must be >= 1")
    return item


def load_labels(path: Path) -> list[Label]:
    """The labels of ``path`` (``{"labels": [...]}``), validated; no duplicate keys."""
    document = _read(path)
    items = document.get("labels") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise LabelFileError(f"{path}: expected an object with a 'labels' list")
    labels: list[Label] = []
    seen: set[Key] = set()
    for index, item in enumerate(items):
        entry = _entry(path, index, item, LABEL_KEYS)
        if entry["label"] not in LABEL_VALUES:
            raise LabelFileError(f"{path}: entry {index}: label must be one of "
                                 f"{'|'.join(LABEL_VALUES)}, not {entry['label']!r}")
        label = Label(*(entry[k] for k in LABEL_KEYS))
        if label.key in seen:
            raise LabelFileError(f"{path}: entry {index}: duplicate label for {label.key}")
        seen.add(label.key)
        labels.append(label)
    return labels


@dataclass
class MissFile:
    misses: list[Miss]
    reviewed: dict[str, list[str]]  # project -> test ids read for recall
    tests: dict[str, int]  # project -> tests the analysis saw when the review was made


def load_misses(path: Path) -> MissFile:
    document = _read(path)
    if not isinstance(document, dict) or not isinstance(document.get("misses"), list):
        raise LabelFileError(f"{path}: expected an object with a 'misses' list")
    misses = [Miss(*(_entry(path, i, item, MISS_KEYS)[k] for k in MISS_KEYS))
              for i, item in enumerate(document["misses"])]
    reviewed = document.get("reviewed", {})
    tests = document.get("tests", {})
    if not isinstance(reviewed, dict) or not all(
        isinstance(v, list) and all(isinstance(t, str) for t in v) for v in reviewed.values()
    ):
        raise LabelFileError(f"{path}: 'reviewed' must map projects to lists of test ids")
    if not isinstance(tests, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in tests.values()
    ):
        raise LabelFileError(f"{path}: 'tests' must map projects to test counts")
    return MissFile(misses, reviewed, tests)


def score(findings: Iterable[Observed], labels: Iterable[Label], misses: Iterable[Miss],
          projects: set[str] | None = None, overall_excludes: Iterable[str] = ()) -> Score:
    """Match findings to labels; ``projects`` restricts labels and misses to those run;
    ``overall_excludes`` are rules left out of the overall figure (opt-in rules)."""
    def wanted(item: Label | Miss) -> bool:
        return projects is None or item.project in projects

    by_key = {label.key: label for label in labels if wanted(label)}
    result = Score(overall_excludes=set(overall_excludes))
    found: set[Key] = set()
    for finding in (fact for observed in findings for fact in observed.facts()):
        rule_score = result.rules.setdefault(finding.rule, RuleScore())
        if finding.key in found:
            continue  # two findings of one rule on one line are judged once
        found.add(finding.key)
        label = by_key.get(finding.key)
        if label is None:
            rule_score.unlabelled += 1
            result.unlabelled.append(finding)
        else:
            setattr(rule_score, label.label, getattr(rule_score, label.label) + 1)
    for label in by_key.values():
        if label.key in found:
            continue
        rule_score = result.rules.setdefault(label.rule, RuleScore())
        rule_score.stale += 1
        result.stale.append(label)
        if label.label == "tp":
            rule_score.misses += 1
            result.lost_tp.append(label)
    for miss in misses:
        if wanted(miss) and miss.key not in found and miss.key not in by_key:
            result.rules.setdefault(miss.rule, RuleScore()).misses += 1
    return result


def floor4(value: float) -> float:
    """Rounded down to 4 decimals, so a stored best is never above the real figure."""
    return math.floor(value * 10_000 + 1e-9) / 10_000


def load_best(path: Path) -> dict[str, dict[str, float]]:
    """The ratchet: ``{"figures": {rule: {"precision": p, "recall": r}}}`` (fractions)."""
    if not path.exists():
        return {}
    document = _read(path)
    figures = document.get("figures") if isinstance(document, dict) else None
    if not isinstance(figures, dict):
        raise LabelFileError(f"{path}: expected an object with a 'figures' object")
    for rule, values in figures.items():
        if not isinstance(values, dict) or not all(
            name in FIGURES and isinstance(v, int | float) and 0 <= v <= 1
            for name, v in values.items()
        ):
            raise LabelFileError(f"{path}: figures[{rule}] must map precision/recall to 0..1")
    return figures


def load_unauditable(path: Path) -> dict[str, str]:
    """Projects the ratchet file lists as known not auditable (name -> why)."""
    if not path.exists():
        return {}
    document = _read(path)
    listed = document.get("unauditable", {}) if isinstance(document, dict) else None
    if not isinstance(listed, dict) or not all(
        isinstance(v, str) and v.strip() for v in listed.values()
    ):
        raise LabelFileError(f"{path}: 'unauditable' must map projects to a reason")
    return listed


def regressions(current: dict[str, dict[str, float | None]],
                best: dict[str, dict[str, float]]) -> list[str]:
    """One line per figure below its best.

    A figure with nothing to measure now is not a drop: precision is undefined
    when a rule stopped reporting anything, and then every ``tp`` label it had
    became a miss, which lowers its recall (checked).
    """
    out: list[str] = []
    for rule, values in sorted(best.items()):
        for name, floor in sorted(values.items()):
            now = current.get(rule, {}).get(name)
            if now is not None and now + 1e-9 < floor:
                out.append(f"{rule} {name}: {now:.2%} < best {floor:.2%}")
    return out


def raised(current: dict[str, dict[str, float | None]],
           best: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """The ratchet after this run: every figure at least as high as before."""
    out = {rule: dict(values) for rule, values in best.items()}
    for rule, values in current.items():
        for name, now in values.items():
            if now is None:
                continue
            kept = out.setdefault(rule, {})
            kept[name] = max(kept.get(name, 0.0), floor4(now))
    return out
