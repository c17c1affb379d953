"""New surviving mutants stay right when code moves (a real mutmut run, twice).

Run 1 audits the shop fixture (its weak tests let every mutant of ``clamp``
survive). Then an ``if`` is inserted at the top of ``clamp``: every old
survivor moves two lines down and mutmut renumbers them (its names follow
the order mutations are generated in, so ``clamp__mutmut_1`` is now a
mutant of the new ``if``). Run 2 audits again. The review built from the
real history must list as new exactly the survivors on the two inserted
lines: which lines those are is read off the edit below, and which mutants
survived there off run 2's own mutant list (mutmut's verdicts).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.history.backends import opened
from auditor.history.review import build_review
from tests.mutation.projects import NO_HYPOTHESIS, PRICING, audit, make_shop, report
from tests.support.projects import git, init_repo

CLAMP = "def clamp(x, low, high):\n"
INSERTED = "    if x is None:\n        return low\n"
# "def clamp" is line 14 of PRICING; the inserted lines are 15 and 16.
INSERTED_LINES = {15, 16}


@pytest.mark.slow
def test_the_review_lists_exactly_the_survivors_of_inserted_code(tmp_path: Path) -> None:
    assert PRICING.splitlines().index(CLAMP.rstrip("\n")) + 1 == 14
    project = make_shop(tmp_path / "shop")
    init_repo(project)
    first = audit("report", str(project), "--only", "mutation", "--no-gate", env=NO_HYPOTHESIS)
    assert first.returncode == 0, first.stderr
    before = report(project / "audit-report")["analyses"]["mutation"]
    assert any(s["function"] == "clamp" for s in before["survivors"])

    source = project / "shop" / "pricing.py"
    source.write_text(PRICING.replace(CLAMP, CLAMP + INSERTED))
    git(project, "commit", "-qam", "clamp: None is the low end")
    second = audit("report", str(project), "--only", "mutation", "--no-gate", env=NO_HYPOTHESIS)
    assert second.returncode == 0, second.stderr
    after = report(project / "audit-report")["analyses"]["mutation"]

    new_by_mutmut = [s for s in after["survivors"] if s["line"] in INSERTED_LINES]
    assert new_by_mutmut, "the inserted if should leave surviving mutants"
    # mutmut's names did move: an old name now means another mutant.
    old_names = {s["id"]: s["mutated"] for s in before["survivors"]}
    assert any(s["id"] in old_names and old_names[s["id"]] != s["mutated"]
               for s in after["survivors"])

    with opened(project / ".audit" / "history.db", create=False) as store:
        review = build_review(store, "2000-01-01T00:00:00+00:00")
    assert len(review.runs) == 2
    listed = sorted(int(item.location.rpartition(":")[2]) for item in review.new_survivors)
    assert listed == sorted(s["line"] for s in new_by_mutmut)
