"""Which runner tested the mutants, read from the runner file's lines (auditor.mutation.driver).

The lines are the ones auditor/mutation/fork_server.py and mutmut_entry.py write
(``kind<TAB>detail``); the expected summaries follow from their meaning.
"""

from __future__ import annotations

from pathlib import Path

from auditor.mutation.driver import read_runner_file, runner_summary
from auditor.mutation.mutmut_entry import ASKED_FOR


def test_no_runner_started_is_none_without_notes() -> None:
    assert runner_summary([]) == ("none", [])


def test_session_fork_with_fresh_sessions_counts_them_and_names_the_first() -> None:
    records = [
        ("session-fork", "6 tests collected once; collection calls pkg.x_sizes"),
        ("fresh-session", "pkg.x_sizes__mutmut_1: the shared collection called this function"),
        ("fresh-session", "pkg.x_sizes__mutmut_2: the shared collection called this function"),
    ]
    ran, notes = runner_summary(records)
    assert ran == "session-fork"
    assert notes == [
        "session-fork runner: 2 mutants ran in a fresh pytest session (as plain mutmut's "
        "children do), e.g. pkg.x_sizes__mutmut_1: the shared collection called this function"
    ]


def test_mutmut_asked_for_needs_no_note_but_a_fallback_says_why() -> None:
    assert runner_summary([("mutmut", ASKED_FOR)]) == ("mutmut", [])
    ran, notes = runner_summary([("mutmut", "no os.fork on this platform")])
    assert (ran, notes) == ("mutmut", ["mutants tested by mutmut's own runner: "
                                       "no os.fork on this platform"])


def test_two_runs_with_two_runners_name_both_once() -> None:
    records = [("session-fork", "5 tests"), ("mutmut", ASKED_FOR), ("session-fork", "5 tests")]
    assert runner_summary(records)[0] == "session-fork+mutmut"


def test_a_session_that_did_not_start_is_a_note_on_the_session_fork_runner() -> None:
    ran, notes = runner_summary(
        [("fresh-session", "every mutant: the shared session did not start (pytest exit status 2)")]
    )
    assert ran == "session-fork" and notes == [
        "session-fork runner: every mutant: the shared session did not start (pytest exit status 2)"
    ]


def test_runner_file_lines_split_at_the_first_tab(tmp_path: Path) -> None:
    path = tmp_path / "runner.txt"
    assert read_runner_file(path) == []  # mutmut never reached its runner
    path.write_text("session-fork\t3 tests\tcollected\n\nmutmut\tasked for\n")
    assert read_runner_file(path) == [
        ("session-fork", "3 tests\tcollected"),
        ("mutmut", "asked for"),
    ]
