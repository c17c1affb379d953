"""The README's configuration reference is valid configuration."""

from __future__ import annotations

import re
import tomllib

from auditor.registry import validate_table
from tests.support.projects import REPO_ROOT


def test_configuration_reference_validates_against_the_schema() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    section = readme[readme.index("## Configuration reference"):]
    block = re.search(r"```toml\n(.*?)```", section, re.S)
    assert block is not None
    table = tomllib.loads(block.group(1))["tool"]["audit"]
    validate_table(table, "README.md")  # raises ConfigError naming the key
    documented_gate = set(table["gate"])
    assert {"line", "branch", "changed_lines", "import_failures", "cycles", "modules"} <= (
        documented_gate
    )
