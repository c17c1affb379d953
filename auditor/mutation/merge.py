"""Combine shard results (``audit mutate --shard K/N``) into one result.

Shards hold disjoint slices of the same sorted mutant list, so merging is a
union by mutant id; the statement counts and the not-mutated list are the
same in every shard and taken once. The merged counts therefore equal those
of an unsharded run (a test checks this against a real run).
"""

from __future__ import annotations

import json
from pathlib import Path

from auditor.errors import UsageError
from auditor.model import AuditResult
from auditor.mutation import status as st
from auditor.mutation.records import MutantRecord
from auditor.mutation.result import MutationResult
from auditor.registry import result_types


def merge_results(results: list[MutationResult]) -> MutationResult:
    if not results:
        raise UsageError("audit merge: no shard results given")
    merged = MutationResult(
        module_info=dict(results[0].module_info),
        not_mutated=list(results[0].not_mutated),
        kill_matrix=all(r.kill_matrix for r in results),
        since=results[0].since,
        changed_functions=results[0].changed_functions,
        shards_merged=len(results),
        mutmut_version=results[0].mutmut_version,
        settings=dict(results[0].settings),
        tests_since=results[0].tests_since,
        new_tests=results[0].new_tests,
        thresholds=results[0].thresholds,
    )
    by_id: dict[str, MutantRecord] = {}
    for result in results:
        merged.test_lines.update(result.test_lines)
        for path, info in result.module_info.items():
            merged.module_info.setdefault(path, info)
        for mutant in result.mutants:
            known = by_id.get(mutant.id)
            if known is None or known.status == st.NOT_CHECKED:
                by_id[mutant.id] = mutant
        merged.notes += [n for n in result.notes if n not in merged.notes]
    merged.mutants = sorted(by_id.values(), key=lambda m: m.id)
    shards = sorted({r.shard for r in results if r.shard})
    if shards:
        totals = {s.split("/")[1] for s in shards}
        if len(totals) != 1:
            raise UsageError(f"audit merge: shards of different splits: {', '.join(shards)}")
        n = int(totals.pop())
        missing = sorted(set(range(1, n + 1)) - {int(s.split("/")[0]) for s in shards})
        if missing:
            merged.notes.append(
                "incomplete merge: missing shard(s) " + ", ".join(f"{k}/{n}" for k in missing)
            )
    return merged


def load_reports(files: list[Path]) -> list[AuditResult]:
    reports = []
    for path in files:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            report = AuditResult.from_dict(data, result_types())
        except FileNotFoundError:
            raise UsageError(f"{path}: no such file") from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise UsageError(f"{path}: not a report.json: {exc}") from None
        if "mutation" not in report.analyses:
            raise UsageError(f"{path}: has no mutation results (analyses.mutation)")
        reports.append(report)
    return reports
