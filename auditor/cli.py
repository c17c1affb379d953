"""The ``audit`` command line.

Every command maps :class:`~auditor.errors.AuditError` to its exit code and a
one-line message; nothing reaches the user as a traceback.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from auditor import __version__
from auditor.cli_execute import execute, history_rules
from auditor.cli_lazy import LazyCommand, LazyGroup, class_attributes, function_docstring, imported
from auditor.cli_targets import gate_options, gate_overrides, narrow_tests, split_target
from auditor.config import AuditConfig
from auditor.errors import (
    EXIT_GATE_FAILED,
    EXIT_INCOMPLETE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    AuditError,
    InterruptedAuditError,
    UsageError,
)
from auditor.interrupts import handle_sigterm_as_interrupt
from auditor.registry import (
    analysis_location,
    analysis_names,
    get_analysis,
    load_config,
    schema_parts,
)
from auditor.timings import CONFIGURATION, PhaseTimings

# What runs an audit (the runner, the progress display with rich, the
# analyses and their libraries) is imported by the command that runs it:
# `audit --help` and `audit history ...` load none of it.

EXIT_CODES_HELP = f"""
\b
Exit codes:
  {EXIT_OK}  the audit completed and the gate passed
  {EXIT_GATE_FAILED}  the audit completed and the gate failed
  {EXIT_USAGE}  usage or configuration error
  {EXIT_INCOMPLETE}  the audit could not be completed (tests failed or hung, a tool crashed)
  {EXIT_INTERRUPTED}  the audit was interrupted (Ctrl-C / SIGINT or SIGTERM)
"""

F = TypeVar("F", bound=Callable[..., Any])


def handle_errors(func: F) -> F:
    """Turn errors into one line on stderr and the documented exit code.

    SIGTERM is turned into KeyboardInterrupt first, so that it stops the
    audit exactly like Ctrl-C: the same clean-up, the same exit code.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        handle_sigterm_as_interrupt()
        try:
            return func(*args, **kwargs)
        except InterruptedAuditError as exc:
            click.echo(f"audit: interrupted: {exc.message}", err=True)
            sys.exit(exc.exit_code)
        except AuditError as exc:
            click.echo(f"audit: error: {exc.message}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt as exc:
            how = f" ({str(exc).removeprefix('signal ')})" if str(exc) else ""
            click.echo(f"audit: interrupted{how}", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except click.exceptions.Exit:
            raise
        except click.ClickException:
            raise
        except Exception as exc:
            if os.environ.get("AUDIT_DEBUG"):
                raise
            import traceback  # only here: every audit would pay for importing it

            log = Path(".audit") / "crash.log"
            detail = ""
            if log.parent.is_dir():
                log.write_text(traceback.format_exc())
                detail = f" (traceback in {log})"
            click.echo(
                f"audit: internal error: {type(exc).__name__}: {exc}{detail}", err=True
            )
            sys.exit(EXIT_INCOMPLETE)

    return wrapper  # type: ignore[return-value]


def _split(values: tuple[str, ...]) -> list[str] | None:
    """``--packages a,b --packages c`` -> [a, b, c]; None when not given."""
    items = [part.strip() for value in values for part in value.split(",") if part.strip()]
    return items or None


def common_options(func: F) -> F:
    """PATH and the options that override ``[tool.audit]``."""
    decorators = [
        # PATH: a project folder, or test files (a pre-commit hook's staged files).
        click.argument("path", nargs=-1, type=click.Path(path_type=Path),
                       metavar="[PATH | TEST_FILES...]"),
        click.option("--config", "config_file", type=click.Path(path_type=Path),
                     help="Read [tool.audit] from FILE instead of PATH/pyproject.toml."),
        click.option("--packages", multiple=True, help="Import names of the code under audit."),
        click.option("--tests", multiple=True, help="Test paths, relative to PATH."),
        click.option("--output", help="Report folder (default: audit-report)."),
        click.option("--base", help="Git ref for changed-lines coverage."),
        click.option("--history", "history_path",
                     help="History: a SQLite file or a postgresql:// URL (default: "
                          "AUDIT_HISTORY_URL, [tool.audit] history, .audit/history.db)."),
        click.option("--no-gate", is_flag=True, help="Report only; never fail on gate rules."),
        click.option("--annotations", type=click.Choice(["github", "none"]), default=None,
                     help="Print CI annotations (default: github when GITHUB_ACTIONS=true)."),
        click.option("--wait", is_flag=True,
                     help="When another audit is using the output folder or the mutation "
                          "stage, wait for it (default: fail at once, exit 2, naming it)."),
        gate_options,
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def load(path: tuple[Path, ...], config_file: Path | None, **overrides: Any) -> AuditConfig:
    from auditor.project import find_project_root

    target = split_target(path)
    root = find_project_root(target.root)
    values = {
        "packages": _split(overrides.get("packages") or ()),
        "tests": _split(overrides.get("tests") or ()),
        "output": overrides.get("output"),
        "base": overrides.get("base"),
        "history": overrides.get("history_path"),
        # every analysis's gate keys only when --gate names one (importing them all costs)
        "gate": gate_overrides(overrides.get("gate_items") or (),
                               overrides.get("fail_under_line"),
                               overrides.get("fail_under_mutation"),
                               set(schema_parts().gate) if overrides.get("gate_items") else set()),
    }
    config = load_config(root, config_file, values)
    for line in config.inferred:  # zero-config start: say what was assumed
        click.echo(line, err=True)
    if target.files:
        test_paths = ", ".join(config.tests)
        config.tests, left_out = narrow_tests(root, config.tests, target.files)
        if left_out:
            click.echo(f"audit: not test files in {test_paths} (left out): "
                       f"{', '.join(left_out)}", err=True)
        if not config.tests:
            click.echo("audit: no test file to audit among the files given", err=True)
            sys.exit(EXIT_OK)
    if overrides.get("no_gate"):
        config.gate_enabled = False
    return config


def _selected(only: str | None, config: AuditConfig) -> list[str]:
    """The analyses ``--only`` names; all configured ones when it is not given.

    ``--only ""`` (an empty shell variable, typically) is an error, not "all":
    silently running everything would hide the mistake.
    """
    if only is None:
        return list(config.analyses)
    names = [n.strip() for n in only.split(",") if n.strip()]
    if not names:
        raise UsageError(
            f"--only: no analysis named (got {only!r}; choose from {', '.join(analysis_names())})"
        )
    unknown = [n for n in names if n not in analysis_names()]
    if unknown:
        raise UsageError(
            f"--only: unknown analysis {', '.join(unknown)} "
            f"(choose from {', '.join(analysis_names())})"
        )
    return names


timings_option = click.option(
    "--timings", "print_timings", is_flag=True,
    help="Print the wall and CPU time of every phase (always in report.json timings).")


@click.group(cls=LazyGroup, epilog=EXIT_CODES_HELP,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="audit")
def main() -> None:
    """Audit a Python test suite: what it covers, and whether it would notice a bug."""


@main.command(epilog=EXIT_CODES_HELP)
@common_options
@click.option("--only", help="Run only these analyses (comma-separated).")
@timings_option
@handle_errors
def report(path: tuple[Path, ...], config_file: Path | None, only: str | None,
           annotations: str | None, wait: bool, print_timings: bool, **overrides: Any) -> None:
    """Run every configured analysis on the project at PATH and write the reports."""
    from auditor.runner import AuditRequest

    timings = PhaseTimings()  # the total counts from here: configuration included
    with timings.phase(CONFIGURATION):
        config = load(path, config_file, **overrides)
    request = AuditRequest(analyses=_selected(only, config), extra_rules=[history_rules],
                           wait=wait, timings=timings)
    execute(config, request, annotations, record_history=True, print_timings=print_timings)


def _analysis_command(name: str) -> click.Command:
    analysis = get_analysis(name)

    @handle_errors
    def command(path: tuple[Path, ...], config_file: Path | None, annotations: str | None,
                wait: bool, print_timings: bool, **kwargs: Any) -> None:
        from auditor.runner import AuditRequest

        timings = PhaseTimings()
        own = {opt.name: kwargs.pop(opt.name) for opt in analysis.cli_options() if opt.name}
        with timings.phase(CONFIGURATION):
            config = load(path, config_file, **kwargs)
        execute(config, AuditRequest(analyses=[name], options=own, wait=wait, timings=timings),
                annotations, print_timings=print_timings)

    command.__doc__ = f"{analysis.help} Same as `audit report --only {name}`."
    decorated: Any = timings_option(common_options(command))
    for option in analysis.cli_options():
        decorated.__click_params__ = [*getattr(decorated, "__click_params__", []), option]
    return click.command(analysis.command, epilog=EXIT_CODES_HELP, help=command.__doc__)(
        decorated
    )


def _analysis_commands() -> list[LazyCommand]:
    """Every analysis's subcommand by name and help, its module not imported yet."""
    commands = []
    for name in analysis_names():
        where = analysis_location(name)
        said = class_attributes(where, ("command", "help")) if isinstance(where, str) else None
        if said is None:  # added in this process, or a help computed at import: ask the class
            analysis = get_analysis(name)
            said = {"command": analysis.command, "help": analysis.help}
        commands.append(LazyCommand(
            said["command"], f"{said['help']} Same as `audit report --only {name}`.",
            functools.partial(_analysis_command, name)))
    return commands


def _analysis_tools() -> list[LazyCommand]:
    """``audit rules`` (the mocks rule catalogue: libcst) and ``audit merge`` (mutation shards)."""
    where = {"rules": "auditor.mocks.cli:rules", "merge": "auditor.mutation.cli:merge"}
    return [LazyCommand(name, function_docstring(at) or "", functools.partial(imported, at))
            for name, at in where.items()]


def _history_command(name: str) -> click.Command:
    """The history's command ``name``, its callback wrapped by :func:`handle_errors`."""
    from auditor.history.cli import register

    group = click.Group()
    register(group, handle_errors)
    return group.commands[name]


def _history_commands() -> list[LazyCommand]:
    """``audit history``, ``review`` and ``flaky``: auditor.history.cli imports the stores
    and queries of the history, which ``audit report`` needs only after its suite."""
    where = {"history": "history_group", "review": "review_command", "flaky": "flaky_command"}
    return [LazyCommand(name, function_docstring(f"auditor.history.cli:{function}") or "",
                        functools.partial(_history_command, name))
            for name, function in where.items()]


main.add_lazy(_analysis_commands)
main.add_lazy(_analysis_tools)
main.add_lazy(_history_commands)


if __name__ == "__main__":
    main()
