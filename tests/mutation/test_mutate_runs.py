"""Sharded and incremental runs of ``audit mutate`` (real mutmut), from one complete run.

Each test copies the shop after one complete run (``shop_mutated`` of
tests/mutation/conftest.py). The runs that start from a project of their own
(``--since``, interrupted, runaway) are in tests/mutation/test_mutate_fresh_runs.py:
they share nothing, so they are not held to this module's worker.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.mutation.projects import (
    NO_HYPOTHESIS,
    STRONG_CLAMP_TESTS,
    Oracles,
    audit,
    copy_project,
    detected,
    report,
)

# shop_mutated and the oracle runs are shared with the other shop modules: one worker
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("mutation-shop")]


def statuses(output: Path) -> dict[str, str]:
    mutants = report(output)["analyses"]["mutation"]["mutants"]
    return {m["id"]: m["status"] for m in mutants}


def test_sharded_and_merged_equals_unsharded(tmp_path: Path, shop_mutated: Path) -> None:
    # the shards run in the project the whole run left (its stage, its report)
    project = copy_project(shop_mutated, tmp_path / "p")
    shutil.copytree(project / "audit-report", tmp_path / "whole")
    shard_files = []
    for k in (1, 2, 3):
        out = tmp_path / f"shard{k}"
        done = audit("mutate", str(project), "--shard", f"{k}/3", "--output", str(out),
                     env=NO_HYPOTHESIS)
        assert done.returncode == 0, done.stderr
        shard_files.append(str(out / "report.json"))
    shard_ids = [set(statuses(Path(f).parent)) for f in shard_files]
    assert not (shard_ids[0] & shard_ids[1]) and all(shard_ids)
    merged = audit(
        "merge", *shard_files, "--output", str(tmp_path / "merged"), "--root", str(project)
    )
    assert merged.returncode == 0, merged.stdout + merged.stderr
    a = report(tmp_path / "whole")["analyses"]["mutation"]
    b = report(tmp_path / "merged")["analyses"]["mutation"]
    assert statuses(tmp_path / "merged") == statuses(tmp_path / "whole")
    for key in ("score", "covered_score", "counts", "modules", "survivor_count", "pseudo_tested"):
        assert b[key] == a[key], key
    assert b["shards_merged"] == 3


def test_edited_test_re_tests_survivors_mutmut_alone_keeps(
    tmp_path: Path, shop_mutated: Path, oracle: Oracles
) -> None:
    project = copy_project(shop_mutated, tmp_path / "p")  # after a first complete run
    before = statuses(project / "audit-report")
    label_survivors = {k for k, s in before.items() if "x_label" in k and s == "survived"}
    assert label_survivors
    (project / "tests" / "test_weak.py").write_text(STRONG_CLAMP_TESTS)
    second = audit("mutate", str(project), env=NO_HYPOTHESIS)
    assert second.returncode == 0, second.stderr
    after = statuses(project / "audit-report")
    # the independent oracle: plain mutmut on a copy of the edited project's files
    assert detected(after) == detected(oracle(project))
    assert {after[k] for k in label_survivors} == {"killed"}


def test_changed_function_is_the_only_one_re_tested(
    tmp_path: Path, shop_mutated: Path, oracle: Oracles
) -> None:
    project = copy_project(shop_mutated, tmp_path / "p")  # after a first complete run
    meta = project / ".audit" / "mutation" / "mutants" / "shop" / "pricing.py.meta"
    durations_before = json.loads(meta.read_text())["durations_by_key"]
    source = project / "shop" / "pricing.py"
    source.write_text(source.read_text().replace("return a + b", "return b + a"))
    assert audit("mutate", str(project), env=NO_HYPOTHESIS).returncode == 0
    durations_after = json.loads(meta.read_text())["durations_by_key"]
    retested = {k for k in durations_after if durations_after[k] != durations_before.get(k)}
    assert retested and all(".x_add__" in k for k in retested)
    assert detected(statuses(project / "audit-report")) == detected(oracle(project))
