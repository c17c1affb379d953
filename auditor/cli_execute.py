"""Running one audit from the command line: checks, the run, reports, summary, exit code.

:func:`execute` is what ``audit report`` and each analysis's own command do
once the configuration is read (:mod:`auditor.cli` builds the commands).
Like the CLI it imports at the top only what every command needs: the
runner, the reports and the history load when an audit runs.
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
from typing import TYPE_CHECKING, Any

import click

from auditor import registry_source
from auditor.config import AuditConfig
from auditor.errors import EXIT_GATE_FAILED, EXIT_OK, UsageError
from auditor.project import STATE_DIR_NAME
from auditor.timings import HISTORY, PhaseTimings

if TYPE_CHECKING:
    from auditor.model import AuditResult
    from auditor.runner import AuditRequest


def history_rules(config: AuditConfig, document: dict[str, Any]) -> list[Any]:
    """The gate's regression rules against the history (an extra rule of ``audit report``)."""
    from auditor.history import regression_rules
    from auditor.history.fallback import target_of

    return regression_rules(target_of(config.history, config.history_url), config.gate, document)


def execute(config: AuditConfig, request: AuditRequest, annotations: str | None,
            record_history: bool = False, print_timings: bool = False) -> None:
    """Run, write reports, print the summary, exit with the gate's verdict.

    Before anything runs: the output folder must be ours (or new, or empty)
    and writable, the history database writable, and the output folder's
    lock free (or waited for, with ``--wait``). A failed or interrupted
    audit removes the previous reports from the folder (the manifest says
    why), so nobody reads an old result as the new one.
    """
    from auditor.history.db import check_writable as check_history_writable
    from auditor.locking import hold, output_lock_path
    from auditor.output_folder import claim, mark_failed
    from auditor.progress import Progress, output_console
    from auditor.project import state_dir
    from auditor.reports import report_file_names, warm_up_steps, write_reports

    # the analyses' declarations (report formats, partials) as the last audit parsed them
    registry_source.use_cache(config.root / STATE_DIR_NAME)
    # What runs after the suite (reports, summary, history) is imported while the
    # suite runs (the warm-up), not before it starts: the suite starts sooner.
    request.warm_up += [*warm_up_steps(config.root, request.analyses),
                        *(functools.partial(importlib.import_module, name)
                          for name in _AFTER_THE_SUITE)]
    ours = report_file_names()
    claim(config.output, ours)
    if record_history:
        check_history_writable(config.history)
        if config.history_url:  # a server history: reachable now, or exit 2
            from auditor.history.fallback import check_history

            check_history(config.history_url)
    progress = Progress()
    with hold(output_lock_path(state_dir(config.root), config.output),
              f"the output folder {config.output}", request.wait, request.on_wait):
        claim(config.output, ours)  # again: the audit we waited for may have changed it
        try:
            from auditor.runner import run_audit

            result = run_audit(config, request, progress)
        except UsageError:
            raise  # nothing was measured: the previous reports still say what they said
        except KeyboardInterrupt:
            mark_failed(config.output, "the audit was interrupted")
            raise
        except Exception as exc:  # exit 3, an AuditError or an internal error
            mark_failed(config.output, str(exc) or type(exc).__name__)
            raise
        written = write_reports(result, config.output, config.root, request.timings)
        from auditor.reports.annotations import append_step_summary
        from auditor.reports.terminal import print_summary

        out = output_console()  # summary and annotations: both on stdout, in order
        print_summary(result, out)
        out.print(f"reports: {config.output} ({len(written)} files)")
        append_step_summary(config.output)
        if record_history:
            from auditor.history.fallback import record_audit

            # A server gone since the check: the run goes to the local fallback file.
            with request.timings.phase(HISTORY):
                recorded = record_audit(result, config.history, config.history_url)
            # a run saved to the fallback file instead is a warning: stderr
            (out if recorded.fallback_reason is None else progress.console).print(
                recorded.message)
        _finish_timings(request.timings, config, print_timings)
    registry_source.save_cache()
    _annotate(result, annotations)
    sys.exit(EXIT_OK if result.gate.passed else EXIT_GATE_FAILED)


_AFTER_THE_SUITE = (
    "auditor.reports.terminal",  # the summary (rich's tables)
    "auditor.reports.annotations",
    "auditor.history",  # the history's gate rules
    "auditor.history.fallback",  # recording the audit
)
"""Modules :func:`execute` needs once the suite has run, imported by the warm-up."""


def _finish_timings(timings: PhaseTimings, config: AuditConfig, print_timings: bool) -> None:
    """Close the phase profile, add it to ``report.json``; print it with ``--timings``."""
    import json

    from auditor.reports import write_atomic

    timings.finish()
    report_file = config.output / "report.json"
    if report_file.is_file():
        document = timings.add_to(json.loads(report_file.read_text(encoding="utf-8")))
        write_atomic(report_file, json.dumps(document, indent=2, sort_keys=True) + "\n")
    if print_timings:
        for line in timings.lines():
            click.echo(line)


def _annotate(result: AuditResult, annotations: str | None) -> None:
    mode = annotations or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "none")
    if mode != "github":
        return
    from auditor.reports.annotations import github_annotations

    for line in github_annotations(result):
        click.echo(line)
