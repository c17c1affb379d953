"""The GitLab jobs of docs/ci-gitlab.md, run as GitLab runs them: the script lines in one shell.

The YAML blocks of the document are read with PyYAML; each job's
``script`` (without its ``pip install`` line: the auditor is installed
here already) runs in ``bash -eo pipefail`` with the variables GitLab sets
in a merge request pipeline. Then the files the job's ``artifacts:
reports:`` name must exist and hold what GitLab reads.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import xmlschema
import yaml

from tests.mutation.projects import make_shop
from tests.support.projects import REPO_ROOT, git, init_repo, make_calc_project

pytestmark = pytest.mark.slow

DOC = REPO_ROOT / "docs" / "ci-gitlab.md"
JUNIT_XSD = Path(__file__).parent / "data" / "junit-10.xsd"


def jobs() -> dict[str, Any]:
    """Every job of every YAML block of the document, by name."""
    found: dict[str, Any] = {}
    for block in re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S):
        found.update(yaml.safe_load(block))
    return found


def run_job(job: dict[str, Any], workdir: Path,
            variables: dict[str, str]) -> subprocess.CompletedProcess[str]:
    lines = [line for line in job["script"] if not line.startswith("pip install")]
    script = workdir.parent / f"job-{abs(hash(tuple(lines)))}.sh"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {**os.environ, **{k: str(v) for k, v in job.get("variables", {}).items()},
           **variables, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("GITHUB_ACTIONS", None)
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                          cwd=workdir, env=env, capture_output=True, text=True, timeout=600,
                          check=False)
    return done


def check_artifacts(job: dict[str, Any], workdir: Path) -> list[dict[str, Any]]:
    reports = job["artifacts"]["reports"]
    issues: list[dict[str, Any]] = json.loads((workdir / reports["codequality"]).read_text())
    assert isinstance(issues, list)
    junit = (workdir / reports["junit"]).read_text()
    assert xmlschema.XMLSchema(JUNIT_XSD).is_valid(junit)
    return issues


UNCOVERED = """

def never_tested(x):
    y = x * 2
    z = y + 1
    w = z - 3
    return w
"""


def test_the_audit_job_in_a_merge_request_pipeline(tmp_path: Path) -> None:
    job = jobs()["audit"]
    root = make_calc_project(tmp_path / "calc", extra_config="""
        [tool.audit.gate]
        changed_lines = 100
    """)
    init_repo(root)
    base = git(root, "rev-parse", "HEAD")
    ops = root / "src" / "calc" / "ops.py"
    ops.write_text(ops.read_text() + UNCOVERED)
    git(root, "commit", "-qam", "never tested")
    done = run_job(job, root, {"CI_MERGE_REQUEST_DIFF_BASE_SHA": base,
                               "CI_PIPELINE_SOURCE": "merge_request_event"})
    # by hand: 5 changed statements (enough for the rule), only the def runs (at import)
    assert done.returncode == 1, done.stdout + done.stderr
    issues = check_artifacts(job, root)
    uncovered = [i for i in issues if i["check_name"] == "coverage/uncovered-changed-lines"]
    assert [i["location"]["path"] for i in uncovered] == ["src/calc/ops.py"]
    assert job["artifacts"]["when"] == "always"  # the reports of a failed gate are uploaded


def test_the_parallel_mutation_jobs_and_their_merge(tmp_path: Path) -> None:
    documented = jobs()
    project = make_shop(tmp_path / "shop")
    total = 2  # the document says `parallel: 4`; two shards show the same commands
    assert documented["mutate"]["parallel"] >= total
    for index in range(1, total + 1):
        done = run_job(documented["mutate"], project,
                       {"CI_NODE_INDEX": str(index), "CI_NODE_TOTAL": str(total)})
        assert done.returncode == 0, done.stdout + done.stderr
    done = run_job(documented["mutation-report"], project, {})
    assert done.returncode == 0, done.stdout + done.stderr
    check_artifacts(documented["mutation-report"], project)
    merged = json.loads((project / "mutation-report" / "report.json").read_text())
    assert merged["analyses"]["mutation"]["shards_merged"] == total

    # The same merge in a GitHub Actions step appends the merged report.md to its summary.
    summary = tmp_path / "summary.md"
    done = run_job(documented["mutation-report"], project,
                   {"GITHUB_STEP_SUMMARY": str(summary)})
    assert done.returncode == 0, done.stdout + done.stderr
    assert summary.read_text() == (project / "mutation-report" / "report.md").read_text()
