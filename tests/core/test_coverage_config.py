"""The project's coverage.py configuration is honoured, wherever it lives.

One real fixture project per setting (the fast tier, on the generated rc
file alone, is tests/core/test_coverage_rcfile.py). The expected numbers come
from coverage.py itself, run by hand on an identical copy of the project the
way its authors would (``coverage run -m pytest``, ``coverage combine`` when
the config makes parallel data, ``coverage json --include=<our package>``),
never from the auditor.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.support.projects import read_report, run_audit, tree_digest, write_files

PRICES = """
    def total(items, discount=0):
        result = 0
        for price in items:
            result += price
        if discount:
            result -= discount
        return result


    def describe(amount):
        if amount > 100:  # pragma: maybe
            return "big"
        return "small"


    def unfinished():
        raise NotImplementedError


    def debug_dump(data):  # audit-plugin-exclude
        print(data)
"""

BASE_FILES = {
    "src/shop/__init__.py": "",
    "src/shop/prices.py": PRICES,
    "tests/test_prices.py": """
        from shop.prices import describe, total


        def test_total():
            assert total([1, 2, 3]) == 6


        def test_describe():
            assert describe(5) == "small"
    """,
}

AUDIT_TABLE = """
[tool.audit]
packages = ["shop"]
tests = ["tests"]
analyses = ["coverage"]
"""


def make_project(root: Path, pyproject_extra: str = "", **files: str) -> Path:
    contents = dict(BASE_FILES)
    contents["pyproject.toml"] = '[project]\nname = "shop"\nversion = "0.1"\n' + AUDIT_TABLE \
        + textwrap.dedent(pyproject_extra)
    contents.update(files)
    return write_files(root, contents)


def _hand_env(project: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
    env["PYTHONPATH"] = str(project / "src")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra or {})
    return env


def coverage_by_hand(project: Path, include: str = "src/shop/*",
                     env: dict[str, str] | None = None) -> dict[str, Any]:
    """coverage.py on its own, with the project's config, as the project's authors run it."""
    env = _hand_env(project, env)

    def coverage_cmd(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "coverage", *args], cwd=project, env=env,
                              capture_output=True, text=True, check=False, timeout=300)

    ran = coverage_cmd("run", "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    if list(project.glob(".coverage.*")):
        combined = coverage_cmd("combine")
        assert combined.returncode == 0, combined.stdout + combined.stderr
    out = project / "by-hand.json"
    exported = coverage_cmd("json", "-o", str(out), f"--include={include}")
    assert exported.returncode == 0, exported.stdout + exported.stderr
    document: dict[str, Any] = json.loads(out.read_text())
    return document


def audit_and_compare(tmp_path: Path, project: Path, include: str = "src/shop/*",
                      env: dict[str, str] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Audit ``project`` and coverage.py-by-hand a copy; assert they agree; return both."""
    by_hand = shutil.copytree(project, tmp_path / "by-hand")
    before = tree_digest(project)
    run = run_audit("coverage", project, env=env)
    assert run.exit_code == 0, run.stderr
    assert tree_digest(project) == before  # no .coverage* of the project's config in its tree
    ours = read_report(project)["analyses"]["coverage"]
    theirs = coverage_by_hand(by_hand, include, env)
    assert set(ours["modules"]) == set(theirs["files"])
    for path, module in theirs["files"].items():
        mine = ours["modules"][path]
        summary = module["summary"]
        assert (mine["statements"], mine["covered_lines"]) == (
            summary["num_statements"], summary["covered_lines"]), path
        assert mine["missing_lines"] == module["missing_lines"], path
        assert mine["excluded_lines"] == module["excluded_lines"], path
        assert (mine["branches"], mine["covered_branches"]) == (
            summary["num_branches"], summary["covered_branches"]), path
        assert mine["missing_branches"] == module["missing_branches"], path
    totals = theirs["totals"]
    assert (ours["statements"], ours["covered_lines"]) == (
        totals["num_statements"], totals["covered_lines"])
    assert (ours["branches"], ours["covered_branches"]) == (
        totals["num_branches"], totals["covered_branches"])
    return ours, theirs


@pytest.mark.slow
def test_parallel_data_files_are_combined(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", """
        [tool.coverage.run]
        branch = true
        parallel = true
    """)
    ours, _ = audit_and_compare(tmp_path, project)
    assert ours["covered_lines"] > 0


@pytest.mark.slow
def test_coveragerc_source_omit_and_exclude_lines(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", **{
        ".coveragerc": """
            [run]
            branch = True
            source = src
            omit = */legacy.py

            [report]
            exclude_lines =
                pragma: no cover
                raise NotImplementedError
        """,
        "src/shop/legacy.py": "def old():\n    return 1\n",
    })
    ours, _ = audit_and_compare(tmp_path, project)
    assert "src/shop/legacy.py" not in ours["modules"]  # the project omits it: so do we
    # Line 17 of PRICES is `raise NotImplementedError`.
    assert 17 in ours["modules"]["src/shop/prices.py"]["excluded_lines"]


@pytest.mark.slow
def test_setup_cfg_exclude_also_and_partial_branches(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", **{
        "setup.cfg": """
            [coverage:run]
            branch = true

            [coverage:report]
            exclude_also =
                def unfinished
            partial_branches =
                pragma: maybe
        """,
    })
    ours, _ = audit_and_compare(tmp_path, project)
    prices = ours["modules"]["src/shop/prices.py"]
    # `def unfinished` (line 16) and its body are excluded; `if amount > 100:  # pragma: maybe`
    # (line 11) never takes its true branch, but is declared partial: not missing.
    assert {16, 17} <= set(prices["excluded_lines"])
    assert [11, 12] not in prices["missing_branches"]


@pytest.mark.slow
def test_tox_ini_include_narrows_the_report(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", **{
        "tox.ini": """
            [coverage:run]
            branch = true
            include = src/shop/prices.py
        """,
        "src/shop/helpers.py": "def helper():\n    return 2\n",
    })
    ours, _ = audit_and_compare(tmp_path, project)
    assert set(ours["modules"]) == {"src/shop/prices.py"}


@pytest.mark.slow
def test_source_wider_than_our_packages_is_narrowed(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", """
        [tool.coverage.run]
        branch = true
        source = ["."]
    """)
    ours, _ = audit_and_compare(tmp_path, project)
    assert not [path for path in ours["modules"] if path.startswith("tests/")]


@pytest.mark.slow
def test_source_narrower_than_our_package_wins(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", """
        [tool.coverage.run]
        branch = true
        source = ["src/shop/core"]
    """, **{
        "src/shop/core/__init__.py": "",
        "src/shop/core/rules.py": "def rule(x):\n    if x:\n        return 1\n    return 0\n",
        "tests/test_rules.py": "from shop.core.rules import rule\n\n\n"
                               "def test_rule():\n    assert rule(1) == 1\n",
    })
    ours, _ = audit_and_compare(tmp_path, project, include="src/shop/core/*")
    assert set(ours["modules"]) == {"src/shop/core/__init__.py", "src/shop/core/rules.py"}


SPAWNS_A_CHILD = """
    import subprocess
    import sys


    def test_child_process_runs_the_code():
        code = "from shop.prices import total; assert total([1], discount=1) == 0"
        subprocess.run([sys.executable, "-c", code], check=True)
"""


@pytest.mark.slow
def test_patch_subprocess_measures_child_processes(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", """
        [tool.coverage.run]
        branch = true
        patch = ["subprocess"]
    """, **{"tests/test_child.py": SPAWNS_A_CHILD})
    ours, _ = audit_and_compare(tmp_path, project)
    # `result -= discount` (line 6) runs only in the child process.
    assert 6 in ours["modules"]["src/shop/prices.py"]["executed_lines"]


@pytest.mark.slow
def test_coverage_process_start_is_redirected_to_our_run_folder(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", **{
        ".coveragerc": "[run]\nbranch = true\nparallel = true\n",
        "tests/test_child.py": SPAWNS_A_CHILD,
    })
    # The project's own setup: children start coverage from its rc file. Ours
    # must redirect them, or their data files land in the project's tree.
    env = {"COVERAGE_PROCESS_START": str(project / ".coveragerc")}
    by_hand_env = {"COVERAGE_PROCESS_START": str(tmp_path / "by-hand" / ".coveragerc")}
    by_hand = shutil.copytree(project, tmp_path / "by-hand")
    before = tree_digest(project)
    # coverage.py's .pth starts coverage in the auditor's own process too (a
    # user's shell would do the same): give it a scratch working directory.
    scratch = tmp_path / "cwd"
    scratch.mkdir()
    run = run_audit("coverage", project, env=env, cwd=scratch)
    assert run.exit_code == 0, run.stderr
    assert tree_digest(project) == before
    ours = read_report(project)["analyses"]["coverage"]
    theirs = coverage_by_hand(by_hand, env=by_hand_env)
    assert 6 in ours["modules"]["src/shop/prices.py"]["executed_lines"]
    assert (ours["statements"], ours["covered_lines"], ours["covered_branches"]) == (
        theirs["totals"]["num_statements"], theirs["totals"]["covered_lines"],
        theirs["totals"]["covered_branches"])


@pytest.mark.slow
def test_paths_remap_an_installed_copy_with_relative_files(tmp_path: Path) -> None:
    # The suite runs the package from an "installed" copy in a child process;
    # [paths] folds that copy's data onto src/shop when the data is combined.
    installed_child = """
        import os
        import shutil
        import subprocess
        import sys
        from pathlib import Path


        def test_installed_copy(tmp_path):
            site = tmp_path / "installed"
            shutil.copytree(Path(__file__).parents[1] / "src" / "shop", site / "shop")
            code = "from shop.prices import total; assert total([1], discount=1) == 0"
            env = {**os.environ, "PYTHONPATH": str(site)}  # keeps coverage's variables
            subprocess.run([sys.executable, "-c", code], check=True, env=env)
    """
    project = make_project(tmp_path / "p", """
        [tool.coverage.run]
        branch = true
        relative_files = true
        source = ["shop"]
        patch = ["subprocess"]

        [tool.coverage.paths]
        shop = ["src/shop", "*/installed/shop"]
    """, **{"tests/test_installed.py": installed_child})
    ours, _ = audit_and_compare(tmp_path, project)
    assert 6 in ours["modules"]["src/shop/prices.py"]["executed_lines"]


@pytest.mark.slow
def test_concurrency_multiprocessing(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", """
        [tool.coverage.run]
        branch = true
        concurrency = ["multiprocessing"]
    """, **{"tests/test_pool.py": """
        import multiprocessing

        from shop.prices import total


        def _work(n):
            return total([n], discount=1)


        def test_in_a_worker_process():
            pool = multiprocessing.get_context("spawn").Pool(1)
            assert pool.map(_work, [3]) == [2]
            pool.close()  # close + join: a terminated worker saves no coverage data
            pool.join()
    """})
    ours, _ = audit_and_compare(tmp_path, project)
    assert 6 in ours["modules"]["src/shop/prices.py"]["executed_lines"]


@pytest.mark.slow
def test_concurrency_gevent(tmp_path: Path) -> None:
    pytest.importorskip("gevent")  # a dev dependency; present in CI
    project = make_project(tmp_path / "p", """
        [tool.coverage.run]
        branch = true
        concurrency = ["gevent"]
    """, **{"tests/test_greenlets.py": """
        import gevent

        from shop.prices import total


        def test_in_greenlets():
            jobs = [gevent.spawn(total, [n], discount=1) for n in (2, 3)]
            gevent.joinall(jobs)
            assert [job.value for job in jobs] == [1, 2]
    """})
    ours, _ = audit_and_compare(tmp_path, project)
    assert 6 in ours["modules"]["src/shop/prices.py"]["executed_lines"]


@pytest.mark.slow
def test_concurrency_greenlet(tmp_path: Path) -> None:
    pytest.importorskip("greenlet")  # comes with gevent, a dev dependency
    project = make_project(tmp_path / "p", """
        [tool.coverage.run]
        branch = true
        concurrency = ["greenlet"]
    """, **{"tests/test_greenlet.py": """
        import greenlet

        from shop.prices import total


        def test_in_a_greenlet():
            child = greenlet.greenlet(lambda: total([4], discount=1))
            assert child.switch() == 3
    """})
    ours, _ = audit_and_compare(tmp_path, project)
    assert 6 in ours["modules"]["src/shop/prices.py"]["executed_lines"]


@pytest.mark.slow
def test_a_coverage_plugin_the_project_names_is_loaded(tmp_path: Path) -> None:
    # A configurer plugin of the project's own: it adds an exclusion taken
    # from its plugin options, so both the plugin and its options must reach
    # coverage.py in our run and in our report step.
    project = make_project(tmp_path / "p", """
        [tool.coverage.run]
        branch = true
        plugins = ["shop_coverage_plugin"]

        [tool.coverage.shop_coverage_plugin]
        marker = "audit-plugin-exclude"
    """, **{"shop_coverage_plugin.py": """
        class Excluder:
            def __init__(self, marker):
                self.marker = marker

            def configure(self, config):
                lines = config.get_option("report:exclude_lines")
                config.set_option("report:exclude_lines", [*lines, self.marker])


        def coverage_init(reg, options):
            reg.add_configurer(Excluder(options["marker"]))
    """})
    ours, _ = audit_and_compare(tmp_path, project)
    # `def debug_dump(data):  # audit-plugin-exclude` is line 20; its body, 21.
    assert {20, 21} <= set(ours["modules"]["src/shop/prices.py"]["excluded_lines"])


@pytest.mark.slow
@pytest.mark.parametrize("rc_text, message", [
    ("[run]\nconcurrency = bogus\n",
     "audit: error: .coveragerc: coverage.py rejects the project's configuration: "
     "Unknown concurrency choices: bogus"),
    ("[run]\nsource = src/elsewhere\n",
     "audit: error: .coveragerc: coverage.py [run] source = ['src/elsewhere'] holds none of "
     "the packages under audit (shop); fix [tool.audit] packages or the coverage source"),
], ids=["rejected-by-coverage", "source-without-our-packages"])
def test_a_coverage_config_we_cannot_honour_is_a_config_error(
    tmp_path: Path, rc_text: str, message: str
) -> None:
    project = make_project(tmp_path, **{".coveragerc": rc_text, "src/elsewhere/__init__.py": ""})
    before = tree_digest(project)
    run = run_audit("coverage", project)
    assert run.exit_code == 2, run.stderr
    assert run.error_lines == [message]
    assert "Traceback" not in run.stderr
    assert tree_digest(project) == before


@pytest.mark.slow
def test_code_only_an_assertion_explanation_runs_is_not_counted(tmp_path: Path) -> None:
    # With pytest's assertion-pass hook on, a passing `assert a == b` is explained
    # (repr of both sides): Money.__repr__ would run in the audit and not in a
    # plain run. A coverage audit does not turn the hook on.
    project = make_project(
        tmp_path / "proj",
        "[tool.coverage.run]\nbranch = true\n",
        **{
            "src/shop/money.py": """
                class Money:
                    def __init__(self, cents):
                        self.cents = cents

                    def __eq__(self, other):
                        return self.cents == other.cents

                    def __repr__(self):
                        return f"Money({self.cents})"
            """,
            "tests/test_money.py": """
                from shop.money import Money


                def test_equal():
                    assert Money(5) == Money(5)
            """,
        },
    )
    ours, _ = audit_and_compare(tmp_path, project)
    assert ours["modules"]["src/shop/money.py"]["missing_lines"] != []  # __repr__ never ran


@pytest.mark.slow
def test_a_junit_report_in_addopts_is_not_written_into_the_tree(tmp_path: Path) -> None:
    project = make_project(
        tmp_path / "proj",
        '[tool.coverage.run]\nbranch = true\n'
        '[tool.pytest.ini_options]\naddopts = "--junitxml=junit.xml"\n',
    )
    audit_and_compare(tmp_path, project)  # asserts the tree is byte-identical
    assert not (project / "junit.xml").exists()
