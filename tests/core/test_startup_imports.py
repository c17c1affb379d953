"""The CLI starts without the analyses' libraries (issue 15, part 4).

Checked by ``sys.modules`` in a fresh interpreter, never by time: importing
the CLI, or ``audit --help``, loads none of the heavy libraries; the
command that uses one loads it (the positive control shows the check can
see an import). The listing of subcommands is compared with the analyses'
own classes, imported independently here.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from auditor.registry import all_analyses

HEAVY = ["libcst", "jinja2", "matplotlib", "rich", "kubernetes", "jsonschema", "mutmut",
         "coverage"]

# Runs `audit ARGS` in this interpreter like `python -m auditor`, then prints
# which of HEAVY got imported (the last line of stdout).
RUN_CLI = """
import json, runpy, sys
args, heavy = json.loads(sys.argv[1]), json.loads(sys.argv[2])
sys.argv = ["audit", *args]
try:
    runpy.run_module("auditor", run_name="__main__", alter_sys=True)
except SystemExit:
    pass
print()
print(json.dumps(sorted(name for name in heavy if name in sys.modules)))
"""


def _imported_by(*args: str) -> tuple[list[str], str]:
    """The heavy libraries ``audit ARGS`` imported, and what it printed."""
    done = subprocess.run(
        [sys.executable, "-c", RUN_CLI, json.dumps(list(args)), json.dumps(HEAVY)],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    *printed, last = done.stdout.rstrip("\n").splitlines()
    return json.loads(last), "\n".join(printed)


def test_importing_the_cli_loads_no_heavy_library() -> None:
    code = ("import json, sys; from auditor import cli; "
            f"print(json.dumps(sorted(n for n in {HEAVY!r} if n in sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_help_loads_no_heavy_library_and_lists_every_analysis() -> None:
    imported, printed = _imported_by("--help")
    assert imported == []
    listed = {line.split()[0] for line in printed.split("Commands:")[1].splitlines()
              if line.startswith("  ") and not line.startswith("    ")}
    # every analysis's subcommand, as its class names it (imported here, not by the CLI)
    assert {a.command for a in all_analyses()} <= listed
    assert {"report", "history", "merge", "rules"} <= listed


def test_history_help_loads_no_heavy_library() -> None:
    imported, _ = _imported_by("history", "--help")
    assert imported == []


@pytest.mark.parametrize(("command", "library"), [("mocks", "libcst"), ("rules", "libcst")])
def test_a_command_loads_the_library_it_uses(command: str, library: str) -> None:
    """Positive control: the check sees an import when the command needs the library."""
    imported, printed = _imported_by(command, "--help")
    assert library in imported
    assert f" {command} [OPTIONS]" in printed.splitlines()[0]
