"""Surviving mutants explained (issue 13): real mutmut runs on a small fixture project.

The fixture has one function per verdict, and every expected value below is
derived by hand from the code (the reason is next to each assertion), never
copied from the auditor's output:

- ``price(3, "EUR")`` is called and never checked: a mutant that changes the
  EUR branch changes the returned value - *observable*;
- ``Counter.bump`` returns ``None`` either way, but ``+`` -> ``-`` leaves
  ``count`` at -2 instead of 2 - a *side effect*;
- ``biggest``'s ``>=`` -> ``>`` picks the same value for distinct numbers -
  *no difference* (likely equivalent);
- ``fee(5)`` never takes the ``n > 100`` branch: a mutant of ``n * 2`` is
  *not reached* (an untested input region), not "likely equivalent";
- ``evens`` is a generator, which the recorder does not follow: its survivors
  say the explanation *failed*, never "no difference";
- ``welcome`` and ``Shop.order`` return the same under every surviving
  mutant, but send a different call to the test double they were given
  (``mailer.send``, ``self.db.save``) - *observable*: the double stands in for
  the real dependency, and nothing checks what it received;
- ``stamp(log, datetime.now, 1)`` sends ``log.write(<now>)``, a different
  time in each run; ``level > 0`` -> ``level >= 0`` returns ``True`` for 1
  either way, so it is *no difference*, not a clock reading mistaken for one;
- ``touch(box, True)`` stamps ``box.seen`` with the time, which differs in
  every run: a second run of the original shows that part is noise, so an
  equivalent mutant is *no difference* while a changed ``box.hits`` is still a
  *side effect*;
- ``show_all([Tag("a")])`` joins one name, so a mutated separator changes
  nothing (*no difference*); ``Tag.__repr__`` is project code, run by the
  recorder to show the argument, and must not count as a call ``show_all``
  made.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.mutation.projects import audit, copy_project, report

pytestmark = pytest.mark.slow

CORE = """\
from datetime import datetime


def price(amount, currency):
    if currency == "EUR":
        return round(amount * 0.9, 2)
    return amount


class Counter:
    def __init__(self):
        self.count = 0

    def bump(self, by):
        self.count = self.count + by


def biggest(values):
    best = values[0]
    for value in values:
        if value >= best:
            best = value
    return best


def greet(name, token):
    return "hi " + name + str(len(token))


def fee(n):
    if n > 100:
        return n * 2
    return 1


def evens(n):
    for i in range(n):
        if i % 2 == 0:
            yield i


def welcome(mailer, user):
    mailer.send(user, "welcome " + user)
    return True


class Shop:
    def __init__(self, db):
        self.db = db

    def order(self, item, clock):
        self.db.save(item, clock())


def stamp(log, clock, level):
    log.write(clock())
    return level > 0


class Tag:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "Tag(" + self.name + ")"


def show(tag):
    return tag.name + "!"


def show_all(tags):
    return ", ".join(show(t) for t in tags)


class Box:
    def __init__(self):
        self.seen = None
        self.hits = 0


def touch(box, flag):
    box.seen = datetime.now()
    box.hits = box.hits + 1
    return flag or flag
"""

# The fixture's own tests use unittest.mock on purpose: the recorder must see what the
# code sends to a test double. Our tests here use none.
TESTS = """\
from datetime import datetime
from unittest import mock

from tally.core import (
    Box, Counter, Shop, Tag, biggest, evens, fee, greet, price, show_all, stamp, touch, welcome,
)


def test_price():
    price(3, "EUR")


def test_bump():
    counter = Counter()
    counter.bump(2)
    assert isinstance(counter, Counter)


def test_biggest():
    assert biggest([1, 3, 2]) == 3


def test_greet():
    greet("ann", "s3cret-value")


def test_evens():
    list(evens(4))


def test_fee():
    assert fee(5) == 1


def test_welcome():
    assert welcome(mock.Mock(), "ann") is True


def test_order():
    Shop(mock.Mock()).order("pen", datetime.now)


def test_stamp():
    assert stamp(mock.Mock(), datetime.now, 1)


def test_show_all():
    show_all([Tag("a")])


def test_touch():
    touch(Box(), True)
"""

PYPROJECT = """\
[project]
name = "tally"
version = "0"

[tool.audit]
packages = ["tally"]
tests = ["tests"]

[tool.audit.mutation]
{extra}
"""


def _project(root: Path, extra: str = "") -> Path:
    (root / "tally").mkdir(parents=True)
    (root / "tally" / "__init__.py").write_text("")
    (root / "tally" / "core.py").write_text(CORE)
    (root / "tests").mkdir()
    (root / "tests" / "test_core.py").write_text(TESTS)
    (root / "pyproject.toml").write_text(PYPROJECT.format(extra=extra or "explain = 50"))
    return root


def _test_line(text: str) -> int:
    """The line of the test file holding ``text`` (where the value was available)."""
    return TESTS.splitlines().index(text) + 1


def _survivor(data: dict[str, Any], function: str, original: str, mutated: str) -> dict[str, Any]:
    for mutant in data["survivors"]:
        if (
            mutant["function"] == function
            and mutant["original"].strip() == original
            and mutant["mutated"].strip() == mutated
        ):
            return dict(mutant)
    raise AssertionError(f"no survivor {function}: {original} -> {mutated}")


@pytest.fixture(scope="module")
def explained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    project = _project(tmp_path_factory.mktemp("explain") / "tally")
    done = audit("mutate", str(project), timeout=600)
    assert done.returncode == 0, done.stderr
    output = project / "audit-report"
    return {
        "project": project,
        "run": done,
        "report": report(output),
        "data": report(output)["analyses"]["mutation"],
        "output": output,
    }


def test_unchecked_return_value_is_observable_with_the_test_and_its_line(
    explained: dict[str, Any],
) -> None:
    mutant = _survivor(explained["data"], "price", 'if currency == "EUR":', 'if currency != "EUR":')
    why = mutant["explanation"]
    assert why["verdict"] == "observable"
    # original: round(3 * 0.9, 2) == 2.7; mutant takes the other branch and returns 3
    assert why["call"]["original"]["returned"] == repr(round(3 * 0.9, 2))
    assert why["call"]["mutant"]["returned"] == "3"
    assert why["call"]["original"]["args"] == ["3", "'EUR'"]
    assert why["test"] == "tests/test_core.py::test_price"
    assert why["test_line"] == _test_line('    price(3, "EUR")')
    assert why["asserted"] == 0  # test_price has no assert statement
    assert f"Strengthen here: tests/test_core.py:{why['test_line']}" in why["summary"]


def test_a_different_call_to_a_test_double_is_observable(explained: dict[str, Any]) -> None:
    mutant = _survivor(
        explained["data"], "welcome",
        'mailer.send(user, "welcome " + user)', 'mailer.send(user, "XXwelcome XX" + user)',
    )
    why = mutant["explanation"]
    assert why["verdict"] == "observable"
    # welcome returns True either way (test_welcome checks that much); the double got
    # send('ann', 'welcome ann') from the original and send('ann', 'XXwelcome XXann')
    assert why["call"]["original"]["sent"] == ["mailer.send('ann', 'welcome ann')"]
    assert why["call"]["mutant"]["sent"] == ["mailer.send('ann', 'XXwelcome XXann')"]
    assert "no test checks what the double received" in why["summary"]
    assert why["test_line"] == _test_line('    assert welcome(mock.Mock(), "ann") is True')


def test_a_double_reached_through_self_is_named_by_its_attribute(
    explained: dict[str, Any],
) -> None:
    mutant = _survivor(
        explained["data"], "Shop.order",
        "self.db.save(item, clock())", "self.db.save(None, clock())",
    )
    why = mutant["explanation"]
    assert why["verdict"] == "observable"
    # the first argument goes from 'pen' to None; the clock value is a different time
    assert why["call"]["original"]["sent"][0].startswith("db.save('pen', datetime.datetime(")
    assert why["call"]["mutant"]["sent"][0].startswith("db.save(None, datetime.datetime(")


def test_clock_readings_sent_to_a_double_are_not_a_difference(
    explained: dict[str, Any],
) -> None:
    mutant = _survivor(explained["data"], "stamp", "return level > 0", "return level >= 0")
    # 1 > 0 and 1 >= 0 are both True; log.write got datetime.now() in each run
    assert mutant["explanation"]["verdict"] == "no_difference"


def test_the_recorders_own_reprs_are_not_calls_the_code_made(explained: dict[str, Any]) -> None:
    mutant = _survivor(
        explained["data"], "show_all",
        'return ", ".join(show(t) for t in tags)', 'return "XX, XX".join(show(t) for t in tags)',
    )
    why = mutant["explanation"]
    # one tag: the separator never shows, so both runs return 'a!'
    assert why["verdict"] == "no_difference"
    # show_all calls show once (show has mutants of its own: mutmut routes it through
    # its trampoline); Tag.__repr__ runs only when the recorder shows the argument
    assert why["calls"]["original"][0]["nested"] == ["show(Tag(a))"]


def test_state_that_differs_between_two_runs_of_the_original_is_not_a_difference(
    explained: dict[str, Any],
) -> None:
    # touch stamps box.seen with the time: a different value in every run, mutant or not.
    # `flag or flag` -> `flag and flag` is True either way for True, and hits goes 0 -> 1
    # in both runs: nothing but the clock differs
    same = _survivor(explained["data"], "touch", "return flag or flag", "return flag and flag")
    assert same["explanation"]["verdict"] == "no_difference"
    # the other attributes are still compared: `- 1` leaves hits at -1 instead of 1
    changed = _survivor(
        explained["data"], "touch", "box.hits = box.hits + 1", "box.hits = box.hits - 1"
    )
    why = changed["explanation"]
    assert why["verdict"] == "side_effect"
    assert "hits=1" in why["call"]["original"]["after"][0]
    assert "hits=-1" in why["call"]["mutant"]["after"][0]


def test_attribute_change_without_a_return_difference_is_a_side_effect(
    explained: dict[str, Any],
) -> None:
    mutant = _survivor(
        explained["data"],
        "Counter.bump",
        "self.count = self.count + by",
        "self.count = self.count - by",
    )
    why = mutant["explanation"]
    assert why["verdict"] == "side_effect"
    # bump returns None in both; count goes 0 + 2 = 2 (original) and 0 - 2 = -2 (mutant)
    assert why["call"]["original"]["returned"] == why["call"]["mutant"]["returned"] == "None"
    assert "count=2" in why["call"]["original"]["after"][0]
    assert "count=-2" in why["call"]["mutant"]["after"][0]
    assert why["test_line"] == _test_line("    counter.bump(2)")
    # one passing assert (isinstance) in test_bump, none on count
    assert why["asserted"] == 1


def test_same_behaviour_on_every_call_is_likely_equivalent(explained: dict[str, Any]) -> None:
    mutant = _survivor(explained["data"], "biggest", "if value >= best:", "if value > best:")
    why = mutant["explanation"]
    assert why["verdict"] == "no_difference"
    assert "likely equivalent" in why["summary"]
    assert mutant["identity"] in json.dumps(explained["data"]["survivors"])
    # shown apart, never hidden: counted in the verdicts, still a survivor
    assert explained["data"]["explain"]["verdicts"]["no_difference"] >= 1


def test_a_mutated_line_no_call_runs_is_not_reached(explained: dict[str, Any]) -> None:
    mutant = _survivor(explained["data"], "fee", "return n * 2", "return n / 2")
    why = mutant["explanation"]
    assert why["verdict"] == "not_reached"  # fee(5): 5 > 100 is false, the line never runs
    assert "no call runs the mutated line" in why["summary"]


def test_a_recording_that_cannot_attach_says_so(explained: dict[str, Any]) -> None:
    generator = [m for m in explained["data"]["survivors"] if m["function"] == "evens"]
    assert generator, "evens has surviving mutants: its test checks nothing"
    for mutant in generator:
        assert mutant["explanation"]["verdict"] == "failed"
        assert "explanation failed" in mutant["explanation"]["summary"]


def test_secrets_are_shown_by_type_only(explained: dict[str, Any]) -> None:
    greeted = [m for m in explained["data"]["survivors"] if m["function"] == "greet"]
    assert greeted
    calls = greeted[0]["explanation"]["calls"]["original"]
    assert calls[0]["args"] == ["'ann'", "<str>"]
    everything = (explained["output"] / "report.json").read_text()
    everything += (explained["output"] / "report.sarif").read_text()
    assert "s3cret" not in everything


def test_reports_carry_the_explanation(explained: dict[str, Any]) -> None:
    from auditor.reports.json_report import validate_report

    validate_report(explained["report"])
    mutant = _survivor(explained["data"], "price", 'if currency == "EUR":', 'if currency != "EUR":')
    summary = mutant["explanation"]["summary"]
    sarif = json.loads((explained["output"] / "report.sarif").read_text())
    messages = [r["message"]["text"] for run in sarif["runs"] for r in run["results"]]
    assert any(summary in m for m in messages)
    # Markdown escapes the underscores of node ids; the values read the same
    assert "returned 2.7 (original) and returned 3 (mutant)" in summary
    assert (
        "returned 2.7 (original) and returned 3 (mutant)"
        in (explained["output"] / "report.md").read_text()
    )
    html = (explained["output"] / "index.html").read_text()
    assert 'class="explanation verdict-observable"' in html
    assert "observable: `price(3, " in explained["run"].stdout  # the terminal summary


def test_cost_is_one_run_per_survivor_plus_one_shared_original(
    explained: dict[str, Any],
) -> None:
    step = explained["data"]["explain"]
    covered = [m for m in explained["data"]["survivors"] if m["covered_by"]]
    assert step["asked"] == len(covered)  # the fixture asks for up to 50, more than it has
    mutant_runs = sum(m["explanation"]["seconds"] for m in covered)
    # every mutant's own run is counted in its explanation; the shared original once
    assert mutant_runs + step["original_seconds"] <= step["seconds"] + 0.5
    assert step["mutation_seconds"] > 0


def test_declared_equivalent_leaves_the_score_with_a_visible_count(
    explained: dict[str, Any], tmp_path: Path
) -> None:
    first = explained["data"]
    mutant = _survivor(first, "biggest", "if value >= best:", "if value > best:")
    extra = f'equivalent = ["{mutant["identity"]}"]\nexplain = 2'
    # the first run's project with its stage: mutmut's verdicts are kept (a declaration
    # acts on the result, after mutmut), the declaration and the explanations are new
    project = copy_project(explained["project"], tmp_path / "tally")
    (project / "pyproject.toml").write_text(PYPROJECT.format(extra=extra))
    done = audit("mutate", str(project), timeout=600)
    assert done.returncode == 0, done.stderr
    second = report(project / "audit-report")["analyses"]["mutation"]
    assert second["equivalent_count"] == 1
    assert [m["identity"] for m in second["equivalent"]] == [mutant["identity"]]
    assert second["survivor_count"] == first["survivor_count"] - 1
    assert second["valid"] == first["valid"] - 1
    # the same kills over one valid mutant fewer
    assert second["detected"] == first["detected"]
    assert second["explain"]["asked"] == 2
    assert sum(1 for m in second["survivors"] if m["explanation"]) == 2
    assert "declared equivalent" in (project / "audit-report" / "report.md").read_text().lower()


def test_every_explained_function_is_recorded_in_the_shared_original_run(
    tmp_path: Path,
) -> None:
    """The one run of the original records every explained function; each has its own
    share of the byte budget. Ten functions, each called 50 times with ~1 kB of
    arguments: together ~500 kB, past the 400 kB one run may keep, so a budget
    shared by all would leave the last functions with no call recorded."""
    root = tmp_path / "wide"
    (root / "wide").mkdir(parents=True)
    (root / "wide" / "__init__.py").write_text("")
    (root / "wide" / "core.py").write_text(
        "".join(f"def f{i}(a, b, c, d):\n    return len(a) + {i}\n\n\n" for i in range(10))
    )
    (root / "tests").mkdir()
    calls = "\n".join(f"        core.f{i}(text, text, text, text)" for i in range(10))
    (root / "tests" / "test_wide.py").write_text(
        "from wide import core\n\n\ndef test_all():\n    text = 'x' * 230\n"
        f"    for _ in range(50):\n{calls}\n"
    )
    (root / "pyproject.toml").write_text(
        PYPROJECT.replace("tally", "wide").format(extra="explain = 100")
    )
    done = audit("mutate", str(root), timeout=600)
    assert done.returncode == 0, done.stderr
    survivors = report(root / "audit-report")["analyses"]["mutation"]["survivors"]
    # every mutant of `len(a) + i` changes the returned number and test_all checks none
    assert {m["function"] for m in survivors} == {f"f{i}" for i in range(10)}
    verdicts = {m["function"]: m["explanation"]["verdict"] for m in survivors}
    assert set(verdicts.values()) == {"observable"}, verdicts


def test_a_function_whose_every_mutant_survives_is_a_pseudo_tested_finding(
    explained: dict[str, Any],
) -> None:
    findings = [f for f in explained["report"]["findings"] if f["rule"] == "pseudo-tested-function"]
    where = {f["message"].partition(":")[0]: (f["path"], f["line"]) for f in findings}
    # test_bump checks only isinstance(counter, Counter): no change to the one line of
    # bump (`-` for `+`, `None` for the sum) fails it
    line = CORE.splitlines().index("        self.count = self.count + by") + 1
    assert where["Counter.bump"] == ("tally/core.py", line)
    # test_biggest checks biggest([1, 3, 2]) == 3: some of its mutants are killed
    assert "biggest" not in where
