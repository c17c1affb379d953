"""The corpus's per-project ``steps`` and the one ``[tool.audit]`` writer every corpus script uses.

No network, no corpus run: projects.toml files are written into tmp_path and
read back; the written audit config is parsed with tomllib and loaded by the
auditor's own config loader, so a key it does not accept would show here.
"""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

from auditor.registry import load_config

BENCH = Path(__file__).resolve().parents[2] / "bench" / "corpus"

ENTRY = '''[[project]]
name = "{name}"
version = "1.0"
sha256 = "{sha}"
packages = ["{name}"]
tests = ["tests"]
pytest_args = ["-k", "not locale"]
'''


def _load_corpus() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_corpus_steps", BENCH / "corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_corpus_steps"] = module  # dataclasses resolve annotations here
    spec.loader.exec_module(module)
    return module


corpus = _load_corpus()


def _projects(tmp_path: Path, *entries: tuple[str, str]) -> list[object]:
    path = tmp_path / "projects.toml"
    text = ""
    for index, (name, extra) in enumerate(entries):
        text += ENTRY.format(name=name, sha=f"{index:064x}") + extra + "\n"
    path.write_text(text, encoding="utf-8")
    return corpus.load_projects(path)


def test_a_project_runs_every_step_unless_it_lists_its_own(tmp_path: Path) -> None:
    full, partial = _projects(tmp_path, ("alpha", ""), ("beta", 'steps = ["mocks", "imports"]'))
    assert full.steps == ("coverage", "mocks", "imports")
    assert partial.steps == ("mocks", "imports")
    everything = [full, partial]
    assert [p.name for p in corpus.select(everything, [], step="coverage")] == ["alpha"]
    assert [p.name for p in corpus.select(everything, [], step="mocks")] == ["alpha", "beta"]
    assert [p.name for p in corpus.select(everything, [])] == ["alpha", "beta"]


def test_naming_a_project_its_steps_leave_out_is_an_error(tmp_path: Path) -> None:
    projects = _projects(tmp_path, ("beta", 'steps = ["mocks"]'))
    with pytest.raises(corpus.CorpusError, match=r"not in the coverage step.*: beta"):
        corpus.select(projects, ["beta"], step="coverage")


@pytest.mark.parametrize("steps", ['steps = ["mocks", "speed"]', "steps = []"])
def test_an_unknown_or_empty_steps_list_is_refused(tmp_path: Path, steps: str) -> None:
    with pytest.raises(corpus.CorpusError, match=r"project #1: steps must be a non-empty list"):
        _projects(tmp_path, ("alpha", steps))


def test_the_audit_config_holds_the_base_keys_and_the_script_s_own(tmp_path: Path) -> None:
    (project,) = _projects(tmp_path, ("alpha", ""))
    config = tmp_path / "audit.toml"
    corpus.write_audit_config(
        config, project, tmp_path / "venv" / "bin" / "python",
        analyses=["mocks"], tolerate_test_failures=True, test_timeout=90,
        mocks={"enable": ["mock-internal"]},
    )
    data = tomllib.loads(config.read_text(encoding="utf-8"))
    assert data == {"tool": {"audit": {
        "packages": ["alpha"], "tests": ["tests"],
        "python": str(tmp_path / "venv" / "bin" / "python"),
        "pytest_args": ["-k", "not locale"],
        "analyses": ["mocks"], "tolerate_test_failures": True, "test_timeout": 90,
        "mocks": {"enable": ["mock-internal"]},
    }}}
    # The auditor itself accepts the file (an unknown key would be refused).
    loaded = load_config(tmp_path, config)
    assert loaded.packages == ["alpha"]
    assert loaded.test_timeout == 90
