"""Errors that end an audit, each mapped to the exit code CI acts on.

Every error carries a one-line message meant for the user. The CLI prints
that line and exits with :attr:`AuditError.exit_code`; it never shows a
traceback for these.
"""

from __future__ import annotations

EXIT_OK = 0
"""The audit completed and the gate passed (or was disabled)."""
EXIT_GATE_FAILED = 1
"""The audit completed and at least one gate rule failed."""
EXIT_USAGE = 2
"""Bad command line, bad configuration, or a path that is not a project."""
EXIT_INCOMPLETE = 3
"""The audit could not be completed: tests failed or hung, a tool crashed."""
EXIT_INTERRUPTED = 130
"""The audit was interrupted (Ctrl-C / SIGINT, or SIGTERM), by every command and at
every stage. 130 is the shell's code for a process ended by SIGINT (128 + 2); it
is used for SIGTERM too so that CI scripts test one number."""


class AuditError(Exception):
    """Base class: an audit that cannot go on. Subclasses pick the exit code."""

    exit_code = EXIT_INCOMPLETE

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(AuditError):
    """The user asked for something impossible (exit code 2)."""

    exit_code = EXIT_USAGE


class ConfigError(UsageError):
    """The configuration is missing or invalid (exit code 2).

    The message names the file and the key, e.g.
    ``pyproject.toml: [tool.audit.gate] line: 120 is greater than the maximum of 100``.
    """


class IncompleteAuditError(AuditError):
    """The audit ran but could not produce a trustworthy result (exit code 3)."""

    exit_code = EXIT_INCOMPLETE


class InterruptedAuditError(AuditError):
    """The audit was interrupted by SIGINT or SIGTERM (exit code 130).

    Raised where the interruption leaves something worth saying (e.g. how many
    mutation verdicts were kept); a bare :class:`KeyboardInterrupt` elsewhere
    gets the same exit code from the CLI.
    """

    exit_code = EXIT_INTERRUPTED
