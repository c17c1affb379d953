"""mutmut exit codes and the statuses the auditor reports.

The mapping follows ``mutmut.stats.status_by_exit_code`` of mutmut 3.8 (read
from its source): an exit code mutmut does not know is ``suspicious`` there,
and here too.
"""

from __future__ import annotations

KILLED = "killed"
SURVIVED = "survived"
NO_TESTS = "no_tests"
SKIPPED = "skipped"
SUSPICIOUS = "suspicious"
TIMEOUT = "timeout"
TYPE_CHECK = "caught_by_type_check"
CRASH = "crash"
INTERRUPTED = "interrupted"
NOT_CHECKED = "not_checked"

ALL_STATUSES = (
    KILLED,
    TIMEOUT,
    SURVIVED,
    NO_TESTS,
    SUSPICIOUS,
    CRASH,
    INTERRUPTED,
    NOT_CHECKED,
    SKIPPED,
    TYPE_CHECK,
)
"""Every status, in the order reports list them."""

DETECTED = frozenset({KILLED, TIMEOUT})
"""Statuses that count as the tests noticing the mutant."""

INVALID = frozenset({SKIPPED, TYPE_CHECK})
"""Statuses left out of the score's denominator: not a test-suite verdict."""

_BY_EXIT_CODE: dict[int | None, str] = {
    1: KILLED,
    3: KILLED,
    0: SURVIVED,
    5: NO_TESTS,
    33: NO_TESTS,
    2: INTERRUPTED,
    None: NOT_CHECKED,
    34: SKIPPED,
    35: SUSPICIOUS,
    36: TIMEOUT,
    24: TIMEOUT,
    -24: TIMEOUT,
    152: TIMEOUT,
    255: TIMEOUT,
    37: TYPE_CHECK,
    -9: CRASH,
    -11: CRASH,
}


def status_of(exit_code: int | None) -> str:
    """The status of a mutmut exit code (unknown codes are ``suspicious``, as in mutmut)."""
    return _BY_EXIT_CODE.get(exit_code, SUSPICIOUS)
