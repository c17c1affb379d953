"""Which installed pytest plugins the test run will load, when autoloading is off.

The test command switches off two plugins that change how tests run:
pytest-cov (``--no-cov``: coverage is ours) and xdist (``-n 0``: one measured
process). Their flags exist only when pytest loads the plugin. Normally every
installed plugin loads (entry points), but with ``PYTEST_DISABLE_PLUGIN_AUTOLOAD``
set only the plugins named with ``-p`` (command line, ``PYTEST_ADDOPTS``,
the ini file's ``addopts``) or in ``PYTEST_PLUGINS`` load: passing ``-n 0``
to a run without xdist fails with pytest's "unrecognized arguments".

Read statically, as pytest reads them; a ``pytest_plugins`` list in a
conftest is not seen (a plugin loaded only that way is taken as not loaded,
and its flags are not passed: the run then uses it as the project does).
"""

from __future__ import annotations

import shlex
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

from auditor.inference import pytest_option, read_document

AUTOLOAD_OFF = "PYTEST_DISABLE_PLUGIN_AUTOLOAD"
# The names a plugin can be asked for by: its entry point's name and its module.
XDIST_NAMES = frozenset({"xdist", "xdist.plugin"})
PYTEST_COV_NAMES = frozenset({"pytest_cov", "pytest_cov.plugin"})


def named_plugins(root: Path, env: Mapping[str, str],
                  pytest_args: Sequence[str]) -> set[str] | None:
    """The plugins the run asks for by name, or None when pytest autoloads every one."""
    if not env.get(AUTOLOAD_OFF):
        return None
    words = [*_ini_addopts(root), *shlex.split(env.get("PYTEST_ADDOPTS", "")), *pytest_args]
    named = {name.strip() for name in env.get("PYTEST_PLUGINS", "").split(",") if name.strip()}
    for i, word in enumerate(words):
        if word == "-p" and i + 1 < len(words):
            named.add(words[i + 1])
        elif word.startswith("-p") and len(word) > 2:
            named.add(word[2:])
    return named


def loads(installed: bool, names: frozenset[str], named: set[str] | None) -> bool:
    """Whether an installed plugin known by ``names`` is loaded by the run."""
    return installed and (named is None or bool(names & named))


def _ini_addopts(root: Path) -> list[str]:
    """``addopts`` of pytest's configuration in ``root``, split as pytest splits it
    (read by :func:`auditor.inference.pytest_option`, in pytest's order of files).
    An unreadable ``pyproject.toml`` gives nothing here: the run itself reports it."""
    try:
        document = read_document(root / "pyproject.toml")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        document = {}
    found = pytest_option(root, document, "addopts", shlex.split)
    return found[0] if found else []
