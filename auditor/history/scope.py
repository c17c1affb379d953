"""Which runs a review looks at by default: one project, one branch.

A review that mixes branches compares a feature branch's run with the main
line's and calls the difference a trend. So ``audit review`` reviews one
branch unless told otherwise (``--all-branches``): ``--branch`` when given,
else the base branch of the configuration (``[tool.audit] base``, e.g.
``origin/main`` is the branch ``main``), else the branch checked out now.
When the branch chosen by default has no run in the period (a CI job that
records runs from a detached checkout has no branch name), the review takes
every branch and says so, rather than showing an empty page.

The project is ``[project].name`` (:attr:`auditor.config.AuditConfig.project`),
the name the audit records its runs under.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from auditor.config import AuditConfig
from auditor.project import git_branch


@dataclass(frozen=True)
class BranchChoice:
    """The branch to review (None: every branch) and why, in words for the user."""

    branch: str | None
    reason: str
    defaulted: bool  # chosen by default, not asked for: may fall back to every branch


def _remotes(root: Path) -> set[str]:
    try:
        done = subprocess.run(["git", "remote"], cwd=root, capture_output=True, text=True,
                              timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return set()
    return set(done.stdout.split()) if done.returncode == 0 else set()


def branch_of_ref(ref: str, remotes: set[str]) -> str:
    """The branch a ref names: ``origin/main`` -> ``main``, ``refs/heads/x`` -> ``x``."""
    for prefix in ("refs/heads/", "refs/remotes/"):
        if ref.startswith(prefix):
            ref = ref[len(prefix):]
            if prefix == "refs/remotes/":
                return ref.split("/", 1)[-1]
            return ref
    remote, slash, rest = ref.partition("/")
    return rest if slash and remote in remotes else ref


def choose_branch(config: AuditConfig, branch: str | None, all_branches: bool) -> BranchChoice:
    """The branch a review looks at (see the module docstring for the order)."""
    if all_branches:
        return BranchChoice(None, "every branch (--all-branches)", False)
    if branch:
        return BranchChoice(branch, f"branch {branch} (--branch)", False)
    if config.base:
        name = branch_of_ref(config.base, _remotes(config.root))
        return BranchChoice(name, f"branch {name} (the base branch, [tool.audit] base)", True)
    current = git_branch(config.root)
    if current:
        return BranchChoice(current, f"branch {current} (checked out now)", True)
    return BranchChoice(None, "every branch (no base branch, no branch checked out)", True)
