"""``audit mutate`` on a real fixture project, checked against plain mutmut."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tarfile
from fractions import Fraction
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from auditor.numbers import display_percent
from tests.mutation.projects import (
    NO_HYPOTHESIS,
    Oracles,
    audit,
    make_shop,
    report,
    with_session_log,
)
from tests.support.browser import chromium, unavailable

# the oracle runs are shared with the other shop modules: one worker
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("mutation-shop")]

SCHEMA = Path(__file__).with_name("data") / "mutation-testing-report-schema.json"


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory, oracle: Oracles) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("shop")
    # the shop of the other shop modules, its (idle) session-logging conftest too: the
    # oracle run of these files is shared with test_rerun_shortcuts
    project = with_session_log(make_shop(base / "project", gate="mutation_score = 90"))
    done = audit("mutate", str(project), "--kill-matrix", env=NO_HYPOTHESIS)
    return {
        "project": project,
        "run": done,
        "report": report(project / "audit-report"),
        "oracle": oracle(project),
    }


def test_statuses_equal_mutmut_own_results(shop: dict[str, Any]) -> None:
    mutants = shop["report"]["analyses"]["mutation"]["mutants"]
    assert {m["id"]: m["status"] for m in mutants} == shop["oracle"]


def test_score_and_counts_follow_from_mutmut_statuses(shop: dict[str, Any]) -> None:
    oracle = list(shop["oracle"].values())
    killed = oracle.count("killed") + oracle.count("timeout")
    valid = len(oracle) - oracle.count("skipped") - oracle.count("caught_by_type_check")
    section = shop["report"]["analyses"]["mutation"]
    assert Fraction(section["score"]).limit_denominator(10**6) == Fraction(100 * killed, valid)
    assert section["counts"]["survived"] == oracle.count("survived")
    assert section["counts"]["no_tests"] == oracle.count("no_tests") > 0
    assert section["survivor_count"] == len(section["survivors"]) == oracle.count("survived")


def test_gate_fails_below_threshold(shop: dict[str, Any]) -> None:
    section = shop["report"]["analyses"]["mutation"]
    assert section["score"] < 90
    assert shop["run"].returncode == 1, shop["run"].stderr
    rule = shop["report"]["gate"]["rules"][0]
    assert (rule["id"], rule["status"]) == ("mutation_score", "failed")


def test_survivors_point_at_their_source_line(shop: dict[str, Any]) -> None:
    source = (shop["project"] / "shop" / "pricing.py").read_text().splitlines()
    survivors = shop["report"]["analyses"]["mutation"]["survivors"]
    assert survivors
    for mutant in survivors:
        lines = source[mutant["line"] - 1 : mutant["end_line"]]
        assert "\n".join(lines) == mutant["original"], mutant["id"]
        assert mutant["mutated"] != mutant["original"]


def test_arithmetic_mutant_located_on_its_operator(shop: dict[str, Any]) -> None:
    source = (shop["project"] / "shop" / "pricing.py").read_text().splitlines()
    expected_line = source.index("    return a + b") + 1
    mutants = shop["report"]["analyses"]["mutation"]["mutants"]
    add_mutant = next(m for m in mutants if m["function"] == "add" and "a - b" in m["mutated"])
    assert add_mutant["line"] == expected_line
    assert source[expected_line - 1][add_mutant["column"] - 1] == "+"


def test_pseudo_tested_and_not_mutated(shop: dict[str, Any]) -> None:
    section = shop["report"]["analyses"]["mutation"]
    assert "shop/pricing.py::clamp" in section["pseudo_tested"]
    assert "shop/pricing.py::add" not in section["pseudo_tested"]
    reasons = {(n["kind"], n["name"]): n["reason"] for n in section["not_mutated"]}
    assert "@property" in reasons[("function", "Cart.total")]
    assert ("module_code", "") in reasons
    assert ("class_body", "Cart") in reasons


def test_kill_matrix_names_killers_and_useless_tests(shop: dict[str, Any]) -> None:
    section = shop["report"]["analyses"]["mutation"]
    add_mutants = [m for m in section["mutants"] if m["function"] == "add"]
    assert all(m["killed_by"] == ["tests/test_strong.py::test_add"] for m in add_mutants)
    assert "tests/test_weak.py::test_clamp_runs" in section["tests_killing_nothing"]
    assert "tests/test_strong.py::test_add" not in section["tests_killing_nothing"]


def test_kill_matrix_reports_its_progress(shop: dict[str, Any]) -> None:
    # the kill matrix runs in a child process; its progress is counted from the lines
    # that child writes, one per mutant, up to every mutant it runs (100%)
    stderr = shop["run"].stderr
    assert any(re.match(r"audit: kill matrix: (\d+)/\1 \(100%\); ", line)
               for line in stderr.splitlines()), stderr


def test_mutation_json_is_valid_mutation_testing_elements(shop: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text())
    document = json.loads((shop["project"] / "audit-report" / "mutation.json").read_text())
    jsonschema.Draft7Validator(schema).validate(document)
    statuses = [m["status"] for f in document["files"].values() for m in f["mutants"]]
    assert statuses.count("Survived") == list(shop["oracle"].values()).count("survived")


def test_report_json_matches_our_schema(shop: dict[str, Any]) -> None:
    from auditor.reports.json_report import validate_report

    validate_report(shop["report"])
    assert shop["report"]["analyses"]["mutation"]["complete"] is True


def test_user_tree_only_gains_audit_folders(shop: dict[str, Any]) -> None:
    names = {p.name for p in shop["project"].iterdir()}
    assert names == {"shop", "tests", "pyproject.toml", "conftest.py", ".audit", "audit-report"}
    assert not list(shop["project"].rglob("__pycache__"))


@pytest.fixture(scope="module")
def viewer_script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real mutation-testing-elements viewer bundle, fetched from the npm registry."""
    npm = shutil.which("npm")
    if npm is None:
        unavailable("npm is not installed (needed to fetch mutation-testing-elements)")
    folder = tmp_path_factory.mktemp("viewer")
    done = subprocess.run(
        [str(npm), "pack", "mutation-testing-elements@3", "--silent"],
        cwd=folder, capture_output=True, text=True, timeout=300, check=False,
    )
    if done.returncode != 0:
        unavailable(f"npm pack mutation-testing-elements failed: {done.stderr.strip()[-200:]}")
    [archive] = folder.glob("mutation-testing-elements-*.tgz")
    with tarfile.open(archive) as tar:
        member = tar.getmember("package/dist/mutation-test-elements.js")
        tar.extractall(folder, members=[member], filter="data")
    return folder / "package" / "dist" / "mutation-test-elements.js"


@pytest.mark.browser
def test_mutation_json_renders_in_the_real_viewer(
    shop: dict[str, Any], viewer_script: Path, tmp_path: Path
) -> None:
    """Existing viewers render our mutation.json: load it into the Stryker/PIT web component."""
    document = json.loads((shop["project"] / "audit-report" / "mutation.json").read_text())
    page_file = tmp_path / "viewer.html"
    page_file.write_text(
        "<!doctype html><html><head><meta charset='utf-8'></head><body>"
        "<mutation-test-report-app title-postfix='audit'></mutation-test-report-app>"
        f"<script src='{viewer_script.as_uri()}'></script>"
        "<script>document.querySelector('mutation-test-report-app').report = "
        f"{json.dumps(document)};</script></body></html>"
    )
    errors: list[str] = []
    with chromium() as browser:
        page = browser.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(page_file.as_uri(), wait_until="load")
        # The viewer renders a totals table in its shadow DOM, one row per file.
        page.wait_for_selector("mutation-test-report-app >> text=pricing.py",
                               state="attached", timeout=20_000)
        text = " ".join(page.locator("mutation-test-report-app >> css=table").all_inner_texts())
    assert errors == []
    section = shop["report"]["analyses"]["mutation"]
    # The "All files" row: score of total, score of covered, killed, survived, ...
    row = text[text.index("All files"):].split("\n\n")[0].split()
    # The viewer computes its own score and counts from our file: they must be ours.
    assert row[2] == str(display_percent(section["score"]))
    assert int(row[4]) == section["counts"]["killed"]
    assert int(row[5]) == section["counts"]["survived"]
    assert "pricing.py" in text
