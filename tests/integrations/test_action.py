"""The composite GitHub Action (issue 14, part 5): its steps run as the shell commands they are.

``action.yml`` is read with PyYAML as the runner reads it; each ``run:``
step goes to ``bash --noprofile --norc -eo pipefail`` (the runner's bash)
with its ``env:`` after the ``${{ }}`` expressions are substituted from the
inputs, ``github`` and the earlier steps' outputs (``$GITHUB_OUTPUT`` files,
parsed as the runner parses them). A step after a failed one runs only with
``always()`` in its ``if``, as on GitHub. ``uses:`` steps (the SARIF upload)
are not run: their ``with:`` is checked to name a file that exists.

An expression other than a plain context lookup in a ``run`` step's ``env``
fails the test: the emulation would otherwise guess what GitHub computes.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.projects import REPO_ROOT, git, init_repo, write_files

pytestmark = pytest.mark.slow

ACTION = REPO_ROOT / "action.yml"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


@dataclass
class ActionRun:
    """What the runner would show: each step's exit code and output, the action's outputs."""

    steps: dict[str, subprocess.CompletedProcess[str]] = field(default_factory=dict)
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    uses: dict[str, dict[str, str]] = field(default_factory=dict)

    def stdout(self) -> str:
        return "".join(done.stdout for done in self.steps.values())


def lookup(expression: str, contexts: dict[str, Any]) -> str:
    value: Any = contexts
    for part in expression.split("."):
        assert isinstance(value, dict) and part in value, f"unknown context {expression!r}"
        value = value[part]
    return str(value)


def substitute(text: str, contexts: dict[str, Any]) -> str:
    return EXPRESSION.sub(lambda m: lookup(m.group(1), contexts), text)


def parse_output_file(path: Path) -> dict[str, str]:
    """``name=value`` lines (and ``name<<EOF`` blocks) of a ``$GITHUB_OUTPUT`` file."""
    found: dict[str, str] = {}
    lines = path.read_text().splitlines() if path.exists() else []
    while lines:
        line = lines.pop(0)
        if "<<" in line and "=" not in line.split("<<")[0]:
            name, marker = line.split("<<", 1)
            block = []
            while lines and lines[0] != marker:
                block.append(lines.pop(0))
            lines.pop(0)
            found[name] = "\n".join(block)
        else:
            name, _, value = line.partition("=")
            found[name] = value
    return found


def run_action(workspace: Path, inputs: dict[str, str], github: dict[str, str],
               env: dict[str, str]) -> ActionRun:
    action = yaml.safe_load(ACTION.read_text())
    unknown = set(inputs) - set(action["inputs"])
    assert not unknown, f"not inputs of action.yml: {unknown}"
    values = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    values.update(inputs)
    run = ActionRun()
    contexts: dict[str, Any] = {"inputs": values, "steps": {},
                                "github": {"action_path": str(REPO_ROOT), **github}}
    failed = False
    for index, step in enumerate(action["runs"]["steps"]):
        name = step.get("id") or f"step{index}"
        if "uses" in step:
            run.uses[step["uses"]] = {k: substitute(v, contexts) for k, v in step["with"].items()
                                      if "&&" not in v}
            continue
        if failed and "always()" not in str(step.get("if", "")):
            continue
        assert step["shell"] == "bash"
        output_file = workspace.parent / f"github-output-{index}"
        script = workspace.parent / f"step-{index}.sh"
        script.write_text(step["run"])
        step_env = {**env, "GITHUB_OUTPUT": str(output_file),
                    **{k: substitute(str(v), contexts) for k, v in step.get("env", {}).items()}}
        # As on GitHub, each step writes a summary file of its own; the job's summary is
        # the steps' summaries in order.
        job_summary = env.get("GITHUB_STEP_SUMMARY")
        if job_summary:
            step_summary = workspace.parent / f"step-summary-{index}.md"
            step_summary.write_text("")
            step_env["GITHUB_STEP_SUMMARY"] = str(step_summary)
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                              cwd=workspace, env=step_env, capture_output=True, text=True,
                              timeout=900, check=False)
        if job_summary:
            with open(job_summary, "a", encoding="utf-8") as summary:
                summary.write(step_summary.read_text())
        run.steps[step.get("name", name)] = done
        run.outputs[name] = parse_output_file(output_file)
        contexts["steps"][name] = {"outputs": run.outputs[name]}
        failed = failed or done.returncode != 0
    return run


SHOP = {
    "pyproject.toml": '[project]\nname = "shop"\nversion = "0.1"\n',
    "src/shop/__init__.py": "",
    "src/shop/cart.py": """
        def total(prices, discount=0):
            subtotal = sum(prices)
            if discount:
                subtotal -= subtotal * discount / 100
            return round(subtotal, 2)
    """,
    "tests/test_cart.py": """
        from shop.cart import total


        def test_total():
            assert total([1, 2]) == 3
    """,
}
# The pull request adds count(): 2 statements, the def runs at import, the body never.
FEATURE = SHOP["src/shop/cart.py"] + """

        def count(prices):
            return len(prices)
    """


def runner_env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "GITHUB_ACTIONS": "true",
           "GITHUB_STEP_SUMMARY": str(tmp_path / "step-summary.md"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    (tmp_path / "step-summary.md").write_text("")
    return env


def pull_request_checkout(workspace: Path) -> Path:
    """``shop`` on a feature branch, with ``origin/main`` as a fetch-depth-0 checkout has it."""
    root = write_files(workspace / "shop", SHOP)
    init_repo(root)
    git(root, "update-ref", "refs/remotes/origin/main", "main")
    git(root, "checkout", "-q", "-b", "feature")
    write_files(root, {"src/shop/cart.py": FEATURE})
    git(root, "commit", "-q", "-am", "count")
    return root


def test_on_a_pull_request_the_action_audits_uploads_sarif_summarises_and_fails(
    tmp_path: Path,
) -> None:
    workspace = tmp_path / "workspace"
    root = pull_request_checkout(workspace)
    run = run_action(workspace, {"path": "shop", "analyses": "coverage,mocks",
                                 "args": "--fail-under-line 90 --gate changed_lines=100 "
                                         "--gate changed_lines_min_statements=1",
                                 "install": "false"},
                     {"base_ref": "main"}, runner_env(tmp_path))

    assert list(run.steps) == ["Install test-auditor", "Audit", "Step summary", "Verdict"]
    assert run.steps["Install test-auditor"].stdout.startswith("audit, version")
    # The pull request's base became --base origin/main; inputs reached the command intact.
    assert ("+ audit report --only coverage,mocks --base origin/main --output audit-report "
            "--fail-under-line 90 --gate changed_lines=100 --gate changed_lines_min_statements=1 "
            "shop") in run.stdout()
    assert run.outputs["audit"]["exit-code"] == "1"
    assert run.steps["Verdict"].returncode == 1  # the job fails with the gate
    report = json.loads((root / "audit-report" / "report.json").read_text())
    diff = report["analyses"]["coverage"]["diff"]
    # by hand: the PR changed 2 statements of cart.py (def count, its return); the def ran
    assert (diff["base"], diff["changed_lines"], diff["covered_changed_lines"]) == (
        "origin/main", 2, 1)
    failed = {r["id"] for r in report["gate"]["rules"] if r["status"] == "failed"}
    assert failed == {"line", "changed_lines"}  # 5 of 7 lines, 71%; 1 of 2 changed lines

    sarif_file = Path(run.uses["github/codeql-action/upload-sarif@v3"]["sarif_file"])
    sarif = json.loads((workspace / sarif_file).read_text())
    assert sarif["version"] == "2.1.0"
    # The Markdown report is in the step summary exactly once (the audit appends it; the
    # action's own step appends only what the audit did not).
    summary = (tmp_path / "step-summary.md").read_text()
    markdown = (root / "audit-report" / "report.md").read_text()
    assert summary.rstrip("\n") == markdown.rstrip("\n")
    # Annotations for GitHub, on the audit step's output
    assert re.search(r"^::(error|warning|notice) ", run.steps["Audit"].stdout, re.M)


def test_an_audit_that_cannot_run_still_writes_a_summary_and_fails_with_its_exit_code(
    tmp_path: Path,
) -> None:
    workspace = write_files(tmp_path / "workspace", {"shop/README": "not a project\n"})
    run = run_action(workspace, {"path": "shop", "install": "false"}, {"base_ref": ""},
                     runner_env(tmp_path))
    assert run.outputs["audit"]["exit-code"] == "2"
    assert "audit: error:" in run.steps["Audit"].stderr
    assert run.steps["Verdict"].returncode == 2
    summary = (tmp_path / "step-summary.md").read_text()
    assert "no report (exit code 2)" in summary


def test_mutation_shards_through_the_action_merge_and_gate(tmp_path: Path) -> None:
    """Two shard jobs through the action, then the recipe's merge (docs/ci-recipes.md)."""
    workspace = tmp_path / "workspace"
    # Survivor explanations off: they add two recorded pytest runs per survivor to each
    # shard (about 4 s of its 10) and nothing here asserts on them (tests/mutation/
    # test_explain.py does); the zero-config action run is the pull-request test's.
    root = write_files(workspace / "shop", {**SHOP, "pyproject.toml": SHOP["pyproject.toml"] + (
        '\n[tool.audit]\npackages = ["shop"]\ntests = ["tests"]\n'
        "\n[tool.audit.mutation]\nexplain = 0\n")})
    init_repo(root)
    env = runner_env(tmp_path)
    for k in (1, 2):
        run = run_action(workspace, {"path": "shop", "shard": f"{k}/2", "output": f"shard-{k}",
                                     "install": "false", "upload-sarif": "false"},
                         {"base_ref": ""}, env)
        assert f"+ audit mutate --shard {k}/2 --output shard-{k} shop" in run.stdout()
        assert run.outputs["audit"]["exit-code"] == "0", run.steps["Audit"].stderr
    merged = subprocess.run(
        [sys.executable, "-m", "auditor", "merge", "shop/shard-1/report.json",
         "shop/shard-2/report.json", "--output", "shop/merged", "--root", "shop"],
        cwd=workspace, capture_output=True, text=True, timeout=300, check=False)
    assert merged.returncode == 0, merged.stderr
    # With a gate from the command line (no [tool.audit.gate] here): `if discount:`'s body never
    # runs under test_total, so its mutants survive and a score of 100 cannot be reached.
    gated = subprocess.run(
        [sys.executable, "-m", "auditor", "merge", "shop/shard-1/report.json",
         "shop/shard-2/report.json", "--output", "shop/gated", "--root", "shop",
         "--fail-under-mutation", "100"],
        cwd=workspace, capture_output=True, text=True, timeout=300, check=False)
    assert gated.returncode == 1, gated.stderr
    assert "gate failed: mutation_score:" in gated.stdout

    def mutants(folder: str) -> dict[str, str]:
        document = json.loads((root / folder / "report.json").read_text())
        return {m["id"]: m["status"] for m in document["analyses"]["mutation"]["mutants"]}

    shards = [mutants("shard-1"), mutants("shard-2")]
    assert shards[0] and shards[1] and not set(shards[0]) & set(shards[1])  # disjoint halves
    # The merged report holds each shard's verdicts; that shards and merge equal an
    # unsharded run is tests/mutation/test_mutate_runs.py's subject.
    assert mutants("merged") == {**shards[0], **shards[1]}
    # The merge's line shows the merged score as every report does: two decimals, rounded
    # down (it printed the float's 14 digits)
    score = json.loads((root / "merged" / "report.json").read_text())["analyses"]["mutation"]
    shown = re.search(r"score (\S+), ", merged.stdout)
    assert shown is not None, merged.stdout
    assert shown.group(1) == f"{math.floor(score['score'] * 100) / 100:.2f}%"
