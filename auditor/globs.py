"""Module globs: gitignore-style patterns, one matcher for every analysis.

Configuration keys that name files by pattern (``[tool.audit.gate] modules``,
``mutation_modules``, ``[tool.audit.mocks] exclude``) are matched here, the
way ``.gitignore`` lines are (git's wildmatch, through :mod:`pathspec`):

- ``*`` and ``?`` never cross a ``/``: ``src/shop/*.py`` is the files of
  ``src/shop`` only, not of its subpackages (``fnmatch``'s ``*`` crossed
  ``/``, so the same pattern took every file below);
- ``**`` crosses folders: ``src/**/*.py``, ``**/cart.py``;
- a pattern without a ``/`` (other than a trailing one) matches at any
  depth: ``cart.py`` is every ``cart.py``;
- a folder matches the files under it: ``src/shop`` and ``src/shop/``.

Paths are relative to the project root with ``/`` separators (as the
reports show them). A pattern that matches nothing is the caller's to
report: a gate rule that becomes a visible skipped rule, never silence.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pathspec


@lru_cache(maxsize=256)
def _spec(pattern: str) -> pathspec.GitIgnoreSpec:
    # imported on the first pattern: pathspec costs about 40 ms of CPU to import,
    # and most audits (no module pattern configured) never match one
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines([pattern])


def glob_matches(pattern: str, path: str) -> bool:
    """True when ``path`` (relative, ``/``-separated) is matched by ``pattern``."""
    return bool(_spec(pattern).match_file(path))


def matching(pattern: str, paths: Iterable[str]) -> list[str]:
    """The paths ``pattern`` matches, sorted."""
    return sorted(path for path in paths if glob_matches(pattern, path))


def any_matches(patterns: Iterable[str], path: str) -> bool:
    """True when one of ``patterns`` matches ``path``."""
    return any(glob_matches(pattern, path) for pattern in patterns)


def nothing_matched(pattern: str) -> str:
    """The reason of the skipped rule a pattern that matches no file becomes."""
    return (f"no module matches {pattern!r} (gitignore-style: * stays in one folder, "
            "** crosses folders)")
