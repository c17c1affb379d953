"""``audit history``, ``audit review`` and ``audit flaky``.

The commands raise :class:`~auditor.errors.AuditError` for bad input and let
it propagate; :func:`register` adds them to the ``audit`` group wrapped in
the CLI's error handler (one line on stderr, the documented exit code).

``--history PATH`` (relative to the current folder) or ``--history URL``
(``postgresql://…``) overrides ``AUDIT_HISTORY_URL``, which overrides
``[tool.audit] history``; with either of the first two, ``history``,
``export``, ``import`` and ``push`` need no project configuration at all
(handy on a CI cache or runner).
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from auditor.config import AuditConfig
from auditor.errors import UsageError
from auditor.history.metrics import Specs
from auditor.history.url import PENDING_FILE, HistoryTarget, ServerURL, env_url, target_from
from auditor.output_folder import claim
from auditor.project import find_project_root
from auditor.registry import load_config

_HISTORY_HELP = (
    "History: a SQLite file or a postgresql:// URL (default: AUDIT_HISTORY_URL, "
    "[tool.audit] history, .audit/history.db)."
)


def _load(path: Path, config_file: Path | None, *, say_inferred: bool = False,
          **overrides: Any) -> AuditConfig:
    """The project's configuration; ``say_inferred`` prints what a zero-config start assumed.

    Only commands that run the suite say it (as ``audit report`` does): their
    result depends on the packages and tests inferred; the history's commands
    read the history and would only add noise.
    """
    root = find_project_root(path)
    config = load_config(root, config_file, {k: v for k, v in overrides.items() if v is not None})
    if say_inferred:
        for line in config.inferred:
            click.echo(line, err=True)
    return config


def _history_target(path: Path, config_file: Path | None, history: str | None) -> HistoryTarget:
    """``--history``, else ``AUDIT_HISTORY_URL``, else the project's configuration."""
    if history is not None:
        return target_from(history, Path.cwd())
    from_env = env_url()
    if from_env:
        return ServerURL(from_env)
    config = _load(path, config_file)
    return ServerURL(config.history_url) if config.history_url else config.history


def _project_options(func: Callable[..., Any]) -> Callable[..., Any]:
    decorators = [
        click.argument("path", type=click.Path(path_type=Path), default=".", required=False),
        click.option(
            "--config",
            "config_file",
            type=click.Path(path_type=Path),
            help="Read [tool.audit] from FILE instead of PATH/pyproject.toml.",
        ),
        click.option("--history", help=_HISTORY_HELP),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


class _DefaultGroup(click.Group):
    """A group that runs ``list`` when the first argument is not a subcommand.

    So ``audit history``, ``audit history PATH --json`` and
    ``audit history export FILE`` all work.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("-h", "--help")):
            args = ["list", *args]
        return super().parse_args(ctx, args)


@click.group("history", cls=_DefaultGroup)
def history_group() -> None:
    """List recorded audits (default), or move the history between machines."""


@history_group.command("list")
@_project_options
@click.option("--json", "as_json", is_flag=True, help="Print the runs as JSON.")
@click.option("--branch", help="Only runs on this branch.")
@click.option("--since", help="Only runs since 7d, 12h, 2w or a date such as 2026-11-01.")
@click.option("--project", help="Only runs of this project (a shared server holds many).")
def list_command(
    path: Path,
    config_file: Path | None,
    history: str | None,
    as_json: bool,
    branch: str | None,
    since: str | None,
    project: str | None,
) -> None:
    """List the audits recorded in the history of the project at PATH."""
    from auditor.history.backends import exists, opened
    from auditor.history.metrics import merged_specs
    from auditor.history.queries import list_runs, report_document
    from auditor.history.review import parse_since

    db_path = _history_target(path, config_file, history)
    runs = []
    specs: Specs = {}
    if exists(db_path):
        with opened(db_path, create=False) as store:
            runs = list_runs(
                store,
                since=parse_since(since) if since else None,
                branch=branch,
                project=project,
            )
            # How to show each metric: as the newest run's report declared it.
            specs = merged_specs([report_document(store, runs[-1].id)] if runs else [])
    if as_json:
        click.echo(
            json.dumps({"history": str(db_path), "runs": [r.to_json() for r in runs]}, indent=2)
        )
        return
    if not runs:
        click.echo(f"no runs recorded in {db_path}")
        return
    click.echo(_table(runs, specs))


def _table(runs: list[Any], specs: Specs) -> str:
    from auditor.history.text import value_text

    # Percent-like headline metrics make the columns; every metric is in --json.
    columns = sorted({k for r in runs for k in r.metrics if "percent" in k[1] or "score" in k[1]})
    header = ["id", "created (UTC)", "branch", "commit", "gate", "tests", "failed"]
    header += [metric for _, metric in columns]
    rows = [header]
    for run in runs:
        gate = {True: "passed", False: "failed", None: "-"}[run.gate_passed]
        total = run.metrics.get(("tests", "tests_total"))
        failed = run.metrics.get(("tests", "tests_failed"))
        rows.append(
            [
                str(run.id),
                run.created[:19].replace("T", " "),
                run.branch or "-",
                run.short_commit,
                gate,
                "-" if total is None else str(int(total)),
                "-" if failed is None else str(int(failed)),
            ]
            + [value_text(specs.get((a, m)), run.metrics.get((a, m))) for a, m in columns]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    )


@history_group.command("export")
@click.argument("file", type=click.Path(path_type=Path))
@_project_options
def export_command(file: Path, path: Path, config_file: Path | None, history: str | None) -> None:
    """Write the whole history to FILE as JSON (e.g. for a CI artifact cache)."""
    from auditor.history.exchange import export_history

    db_path = _history_target(path, config_file, history)
    count = export_history(db_path, file)
    click.echo(f"exported {count} runs from {db_path} to {file}")


@history_group.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@_project_options
def import_command(file: Path, path: Path, config_file: Path | None, history: str | None) -> None:
    """Merge FILE (a JSON export or a SQLite history) into this history; duplicates skipped."""
    from auditor.history.exchange import import_history

    db_path = _history_target(path, config_file, history)
    summary = import_history(db_path, file)
    click.echo(
        f"imported {summary.runs_added} runs ({summary.runs_skipped} already present), "
        f"{summary.flaky_added} flaky findings into {db_path}"
    )


@history_group.command("push")
@_project_options
@click.option(
    "--from",
    "pending",
    type=click.Path(path_type=Path),
    help=f"The fallback file to send (default: PATH/{PENDING_FILE}).",
)
def push_command(
    path: Path, config_file: Path | None, history: str | None, pending: Path | None
) -> None:
    """Send the runs saved locally while the history server was unreachable, then remove them."""
    from auditor.history.fallback import push_pending

    server = _history_target(path, config_file, history)
    if not isinstance(server, ServerURL):
        raise UsageError(
            "audit history push: the history is not a server; set --history, "
            "AUDIT_HISTORY_URL or [tool.audit] history to a postgresql:// URL"
        )
    source = pending.resolve() if pending is not None else find_project_root(path) / PENDING_FILE
    summary = push_pending(source, server)
    if summary is None:
        click.echo(f"nothing to push: no {source}")
        return
    click.echo(
        f"pushed {summary.runs_added} runs ({summary.runs_skipped} already there), "
        f"{summary.flaky_added} flaky findings from {source} to {server}; removed {source}"
    )


@click.command("review")
@_project_options
@click.option(
    "--since",
    default="7d",
    show_default=True,
    help="Start of the period: 7d, 12h, 2w or a date such as 2026-11-01.",
)
@click.option("--branch", help="Only runs on this branch (default: the base branch of "
              "[tool.audit] base, else the branch checked out).")
@click.option("--all-branches", is_flag=True, help="Review the runs of every branch together.")
@click.option(
    "--output", help="Folder for review.html and review.md (default: [tool.audit] output)."
)
@click.option(
    "--project",
    "project_name",
    help="Review this project (default on a shared server: this project; a file: all its runs).",
)
@click.option(
    "--all-projects", is_flag=True, help="One team-wide review with one row per project."
)
def review_command(
    path: Path,
    config_file: Path | None,
    history: str | None,
    since: str,
    branch: str | None,
    all_branches: bool,
    output: str | None,
    project_name: str | None,
    all_projects: bool,
) -> None:
    """Write the test-effectiveness review of a period (review.html, review.md)."""
    from auditor.history.backends import exists, opened
    from auditor.history.review import build_review, parse_since
    from auditor.history.scope import choose_branch
    from auditor.history.team import build_team_review, write_team_review
    from auditor.history.verdict import verdict

    if project_name is not None and all_projects:
        raise UsageError("--project and --all-projects: choose one")
    if branch is not None and all_branches:
        raise UsageError("--branch and --all-branches: choose one")
    config = _load(path, config_file, output=output)
    choice = choose_branch(config, branch, all_branches)
    branch = choice.branch
    claim(config.output, set())  # the output folder is ours alone (exit 2 if not)
    db_path = _history_target(path, config_file, history)
    if not exists(db_path):
        raise UsageError(f"{db_path}: no history yet; run `audit report` first")
    start = parse_since(since)
    with opened(db_path, create=False) as store:
        if all_projects:
            rows = build_team_review(store, start, branch)
        else:
            # A file is one project's history; a server holds many: default to ours.
            scope = project_name or (config.project if store.shared else None)
            review = build_review(store, start, branch, project=scope)
            if not review.runs and choice.defaulted and branch is not None:
                everywhere = build_review(store, start, None, project=scope)
                if everywhere.runs:
                    click.echo(f"review: no run on branch {branch} in the period; "
                               "reviewing every branch (--branch NAME to choose one)")
                    review = everywhere
    if all_projects:
        team = write_team_review(rows, config.output, start, branch)
        click.echo(f"{len(rows)} projects with runs in the period")
        click.echo(f"review: {team.html} and {team.markdown}")
        return
    where = choice.reason if review.branch == choice.branch else "every branch"
    click.echo(f"review of {project_name or config.project}: {where}")
    from auditor.history.render import write_review  # matplotlib: only to write it

    files = write_review(review, config.output, project_name or config.project)
    for sentence in verdict(review):
        click.echo(sentence)
    click.echo(f"review: {files.html} and {files.markdown}")


@click.command("flaky")
@_project_options
@click.option(
    "--runs",
    type=click.IntRange(min=2),
    default=10,
    show_default=True,
    help="How many shuffled runs of the suite.",
)
@click.option("--seed", type=int, help="Master seed of the run orders (default: random).")
@click.option("--output", help="Folder for flaky.json and flaky.md (default: [tool.audit] output).")
def flaky_command(
    path: Path,
    config_file: Path | None,
    history: str | None,
    runs: int,
    seed: int | None,
    output: str | None,
) -> None:
    """Run the suite N times in shuffled orders; report flaky tests and their polluters.

    Exits 1 when a flaky test was found, 0 otherwise.
    """
    from auditor.history.flaky import find_flaky
    from auditor.history.flaky_output import record_findings, write_flaky_report
    from auditor.history.suite import SuiteRunner
    from auditor.project import find_python, git_branch, git_commit, state_dir
    from auditor.runner import locate_project_paths

    config = _load(path, config_file, say_inferred=True, output=output)
    claim(config.output, set())  # before the suite runs: the output folder is ours alone
    python = find_python(config.root, config.python)
    packages = locate_project_paths(config)
    runner = SuiteRunner(
        root=config.root,
        python=python,
        test_paths=list(config.tests),
        work_dir=state_dir(config.root) / "flaky",
        pytest_args=list(config.pytest_args),
        timeout=config.test_timeout,
        import_roots=sorted(
            {loc.import_root for loc in packages if loc.import_root != config.root}
        ),
    )
    master_seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
    click.echo(f"audit flaky: {runs} shuffled runs, master seed {master_seed}", err=True)
    report = find_flaky(
        runner, runs, master_seed, progress=lambda message: click.echo(f"  {message}", err=True)
    )
    written = write_flaky_report(report, config, runner)
    target = _flaky_target(config, history)
    project = config.project if isinstance(target, ServerURL) else None
    record_findings(target, report, git_commit(config.root), git_branch(config.root), project)
    if not report.findings:
        click.echo(f"no flaky test in {runs} shuffled runs (master seed {master_seed})")
    for finding in report.findings:
        click.echo(
            f"FLAKY {finding.nodeid}: {finding.description} "
            f"(passed {finding.passed}x, failed {finding.failed}x; seed {finding.seed})"
        )
    click.echo(f"report: {written}")
    sys.exit(1 if report.findings else 0)


def _flaky_target(config: AuditConfig, history: str | None) -> HistoryTarget:
    if history is not None:
        return target_from(history, Path.cwd())
    return ServerURL(config.history_url) if config.history_url else config.history


def _wrapped(command: click.Command, wrap: Callable[[Any], Any]) -> click.Command:
    if command.callback is not None:
        command.callback = wrap(command.callback)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _wrapped(sub, wrap)
    return command


def commands() -> list[click.Command]:
    return [history_group, review_command, flaky_command]


def register(main: click.Group, wrap: Callable[[Any], Any]) -> None:
    """Add the history commands to ``main``, each callback wrapped by ``wrap``."""
    for command in commands():
        main.add_command(_wrapped(command, wrap))
