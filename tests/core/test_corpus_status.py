"""The real-project corpus files are well-formed: projects.toml and the coverage status ratchet.

No network: this reads the committed files only. The corpus script itself
(bench/corpus_coverage.py --check) downloads and runs the projects in its own
CI step.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "corpus"

# The pool of issue 10: the corpus picks only from these.
POOL = {
    "docker", "invoke", "fabric", "cookiecutter", "keyring", "distro", "cachecontrol",
    "requests-oauthlib", "oauthlib", "schedule", "freezegun", "humanize", "natsort",
    "tenacity", "pyperclip", "gunicorn", "croniter", "python-json-logger", "termcolor",
    "yaspin", "environs", "arrow", "plumbum", "backoff", "filelock", "platformdirs",
}

# What issue 9 asks the corpus to cover, as words the feature lists must contain.
REQUIRED_FEATURES = {
    "parallel = true": "run.parallel = true",
    ".coveragerc": ".coveragerc",
    "pytest-cov in addopts": "pytest-cov in addopts",
    "filterwarnings = error": "filterwarnings = error",
    "src layout": "src layout",
    "tests inside the package": "tests inside the package",
    "Hypothesis": "Hypothesis",
    "root conftest.py": "root conftest.py",
    "unittest classes": "unittest classes",
    "pytest fixtures": "pytest fixtures",
    "monkeypatch": "monkeypatch",
    "pytest-mock": "pytest-mock",
}

REQUIREMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[a-z0-9,_-]+\])?([<>=!~]=?[^\s;]+)*$")


def _load(name: str, filename: str) -> ModuleType:
    """Import a bench module by path (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location(name, BENCH / filename)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


corpus = _load("bench_corpus", "corpus.py")
status = _load("bench_corpus_status", "status.py")


def test_projects_are_pinned_real_projects_from_the_pool() -> None:
    projects = corpus.load_projects()
    names = [p.name for p in projects]
    assert len(projects) >= 10
    assert len(set(names)) == len(names)
    assert set(names) <= POOL
    assert len({p.sha256 for p in projects}) == len(projects)
    for project in projects:
        assert re.fullmatch(r"[0-9a-f]{64}", project.sha256), project.name
        assert re.fullmatch(r"\d+(\.\d+)+", project.version), project.name
        assert project.packages and all(
            all(part.isidentifier() for part in package.split("."))
            for package in project.packages
        ), project.name
        assert project.tests, project.name
        for test in project.tests:
            assert not Path(test).is_absolute() and ".." not in Path(test).parts, test
        for requirement in project.requirements:
            assert REQUIREMENT.match(requirement), f"{project.name}: {requirement}"


def test_the_corpus_covers_every_feature_issue_9_asks_for() -> None:
    features = [f for p in corpus.load_projects() for f in p.features]
    missing = [
        label for label, words in REQUIRED_FEATURES.items()
        if not any(words in feature for feature in features)
    ]
    assert missing == []


def test_every_project_has_a_committed_status_and_no_status_is_orphaned() -> None:
    statuses = status.load_status()
    # Projects whose ``steps`` leave the coverage comparison out have no status.
    names = {p.name for p in corpus.load_projects() if "coverage" in p.steps}
    assert set(statuses) == names
    for name, entry in statuses.items():
        assert entry.status in status.RANKS, name
        if entry.status == "equal":
            assert entry.audit == entry.coverage_py and entry.audit is not None, name
        else:
            assert entry.reason.strip(), name


def test_ranks_run_from_worst_to_equal() -> None:
    # The ratchet compares indexes: "worse" must mean a lower index.
    assert status.RANKS == ("fails", "differs", "equal")


COUNTS = {"statements": 10, "covered_lines": 8, "branches": 4, "covered_branches": 2}


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"status": "better", "reason": ""}, "status must be one of"),
        ({"status": "differs", "reason": "  "}, "needs its reason"),
        ({"status": "fails"}, "reason must be a string"),
        ({"status": "equal", "reason": "", "audit": COUNTS,
          "coverage.py": {**COUNTS, "covered_lines": 7}}, "needs equal audit"),
        ({"status": "differs", "reason": "x", "audit": {**COUNTS, "branches": -1}},
         "branches must be a non-negative integer"),
        ({"status": "differs", "reason": "x", "pinned": True}, "pinned status needs its cause"),
    ],
)
def test_malformed_status_entries_are_refused_naming_the_key(
    entry: dict[str, object], message: str
) -> None:
    with pytest.raises(status.StatusError, match=message):
        status.parse_status(entry, "coverage_status.json: demo")


def test_status_file_round_trips(tmp_path: Path) -> None:
    totals = status.Totals(**COUNTS)
    written = {
        "a": status.Status("equal", "", totals, totals),
        "b": status.Status("fails", "audit: exit 3", None, totals),
    }
    path = tmp_path / "coverage_status.json"
    status.write_status(written, path)
    assert status.load_status(path) == written


def test_a_project_entry_without_sha256_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "projects.toml"
    path.write_text('[[project]]\nname = "termcolor"\nversion = "3.3.0"\n')
    with pytest.raises(corpus.CorpusError, match=r"project #1: sha256 must be a string"):
        corpus.load_projects(path)
