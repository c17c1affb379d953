"""docs/ci-recipes.md: every block parses, and every ``audit`` command in it is a real one.

The blocks are read as their tools read them (YAML with PyYAML, ini with
configparser, Python with ``ast``); each ``audit ...`` command line found in
them (workflow ``run:`` steps, GitLab ``script:`` lines, tox ``commands``,
nox ``session.run``) is parsed by the real click command, so a renamed
option or subcommand breaks this test before it breaks a user's pipeline.
Shell and CI variables are replaced by sample values of the right shape.
"""

from __future__ import annotations

import ast
import configparser
import re
import shlex
from typing import Any

import click
import pytest
import yaml
from pre_commit.clientlib import load_manifest

from auditor.cli import main
from auditor.cli_targets import gate_overrides
from auditor.errors import UsageError
from auditor.registry import schema_parts
from tests.support.projects import REPO_ROOT

RECIPES = REPO_ROOT / "docs" / "ci-recipes.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
SAMPLES = {  # CI variables -> values of the shape the option expects
    "${{ matrix.shard }}": "1",
    "$CI_MERGE_REQUEST_DIFF_BASE_SHA": "HEAD",
    "{posargs}": "",
}


def blocks(language: str) -> list[str]:
    return [body for lang, body in FENCE.findall(RECIPES.read_text()) if lang == language]


def audit_commands_in(value: Any) -> list[str]:
    """Every string in a YAML document that is (a line of) an ``audit`` command."""
    if isinstance(value, dict):
        return [c for v in value.values() for c in audit_commands_in(v)]
    if isinstance(value, list):
        return [c for v in value for c in audit_commands_in(v)]
    if isinstance(value, str):
        return [line.strip() for line in value.splitlines() if line.strip().startswith("audit ")]
    return []


def parses(command: str) -> None:
    """Parse ``audit ...`` with the real command tree (options, types, callbacks); no run."""
    for variable, sample in SAMPLES.items():
        command = command.replace(variable, sample)
    name, *rest = shlex.split(command)[1:]  # `audit` has no options before the subcommand
    with click.Context(main, info_name="audit") as group:
        sub = main.get_command(group, name)
        assert sub is not None, f"{command!r}: no subcommand {name!r}"
        parsed = sub.make_context(name, rest, parent=group)
    if "gate_items" in parsed.params:  # the keys are checked when the audit loads them
        gate_overrides(parsed.params["gate_items"], None, None, set(schema_parts().gate))


def action_inputs() -> set[str]:
    return set(yaml.safe_load((REPO_ROOT / "action.yml").read_text())["inputs"])


def test_yaml_recipes_parse_and_use_only_the_action_s_inputs_and_hooks() -> None:
    documents = [yaml.safe_load(body) for body in blocks("yaml")]
    hook_ids = {hook["id"] for hook in load_manifest(str(REPO_ROOT / ".pre-commit-hooks.yaml"))}
    used_action = used_hooks = 0
    for document in documents:
        for job in document.get("jobs", {}).values():
            for step in job["steps"]:
                if str(step.get("uses", "")).startswith("OWNER/test-auditor@"):
                    assert set(step.get("with", {})) <= action_inputs(), step
                    used_action += 1
        for repo in document.get("repos", []):
            assert {hook["id"] for hook in repo["hooks"]} <= hook_ids
            used_hooks += 1
    assert used_action == 2 and used_hooks == 1


def commands() -> list[str]:
    found = [c for body in blocks("yaml") for c in audit_commands_in(yaml.safe_load(body))]
    found += [line.strip() for body in blocks("") for line in body.splitlines()
              if line.startswith("audit ")]
    for body in blocks("ini"):
        parser = configparser.ConfigParser(interpolation=None)
        parser.read_string(body)
        for section in parser.sections():
            found += [line.strip() for line in parser.get(section, "commands").splitlines()
                      if line.strip().startswith("audit ")]
    for body in blocks("python"):
        for node in ast.walk(ast.parse(body)):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "run" and node.args
                    and isinstance(node.args[0], ast.Constant) and node.args[0].value == "audit"):
                found.append(" ".join(shlex.quote(a.value) for a in node.args
                                      if isinstance(a, ast.Constant)))
    return found


def test_the_recipes_hold_audit_commands_of_every_kind() -> None:
    subcommands = {shlex.split(c)[1] for c in commands()}
    assert {"report", "merge"} <= subcommands
    assert len(commands()) >= 5


@pytest.mark.parametrize("command", commands())
def test_every_audit_command_in_the_recipes_parses(command: str) -> None:
    try:
        parses(command)
    except click.ClickException as exc:  # the failure message names the option
        pytest.fail(f"{command!r}: {exc.format_message()}")
    except UsageError as exc:  # an unknown --gate key
        pytest.fail(f"{command!r}: {exc.message}")
