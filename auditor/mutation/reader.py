"""Read mutmut's result files: ``mutants/**/*.py.meta`` and ``mutmut-stats.json``.

A ``.meta`` file can be truncated when mutmut is killed while writing it
(it is rewritten in place after every verdict). mutmut itself crashes on
such a file, so :func:`repair_meta_files` removes it together with its
mutated module before a run: mutmut regenerates both and re-tests those
mutants ("not checked"), never a crash.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.mutation.staging import Stage

SEPARATOR = "ǁ"


@dataclass
class FileMeta:
    """One source file's ``.meta``: verdicts and the functions mutmut mutated."""

    rel: str  # source path relative to the project root
    exit_code_by_key: dict[str, int | None] = field(default_factory=dict)
    durations_by_key: dict[str, float] = field(default_factory=dict)
    hash_by_function_name: dict[str, str] = field(default_factory=dict)


@dataclass
class Stats:
    tests_by_function: dict[str, list[str]] = field(default_factory=dict)
    duration_by_test: dict[str, float] = field(default_factory=dict)


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None


def meta_files(stage: Stage) -> list[Path]:
    if not stage.mutants.is_dir():
        return []
    return sorted(stage.mutants.rglob("*.py.meta"))


def repair_meta_files(stage: Stage) -> list[str]:
    """Remove unreadable ``.meta`` files (and their mutated modules); return their paths."""
    repaired = []
    for meta in meta_files(stage):
        data = _load_json(meta)
        if isinstance(data, dict) and isinstance(data.get("exit_code_by_key"), dict):
            continue
        meta.unlink(missing_ok=True)
        mutated = meta.with_suffix("")  # x.py.meta -> x.py
        mutated.unlink(missing_ok=True)
        repaired.append(mutated.relative_to(stage.mutants).as_posix())
    stats = stage.mutants / "mutmut-stats.json"
    if stats.exists() and not isinstance(_load_json(stats), dict):
        stats.unlink()  # mutmut re-collects the test-to-function map
        repaired.append("mutmut-stats.json")
    return repaired


def read_metas(stage: Stage) -> dict[str, FileMeta]:
    """All readable ``.meta`` files, keyed by source path (unreadable ones are skipped)."""
    metas: dict[str, FileMeta] = {}
    for meta in meta_files(stage):
        data = _load_json(meta)
        if not isinstance(data, dict) or not isinstance(data.get("exit_code_by_key"), dict):
            continue
        rel = meta.relative_to(stage.mutants).as_posix()[: -len(".meta")]
        metas[rel] = FileMeta(
            rel=rel,
            exit_code_by_key=dict(data["exit_code_by_key"]),
            durations_by_key=dict(data.get("durations_by_key") or {}),
            hash_by_function_name=dict(data.get("hash_by_function_name") or {}),
        )
    return metas


def read_stats(stage: Stage) -> Stats:
    data = _load_json(stage.mutants / "mutmut-stats.json")
    if not isinstance(data, dict):
        return Stats()
    return Stats(
        tests_by_function={
            k: sorted(v) for k, v in (data.get("tests_by_mangled_function_name") or {}).items()
        },
        duration_by_test=dict(data.get("duration_by_test") or {}),
    )


def mangled_of(key: str) -> str:
    """``pkg.mod.x_f__mutmut_3`` -> ``pkg.mod.x_f`` (the stats key of its function)."""
    return key.partition("__mutmut_")[0]


def local_name(key: str) -> str:
    """``pkg.mod.xǁBoxǁgrow__mutmut_1`` -> ``xǁBoxǁgrow__mutmut_1``."""
    return key.rsplit(".", 1)[1]


def module_of(key: str) -> str:
    return key.rsplit(".", 1)[0]


def qualname_of_mangled(mangled_local: str) -> str:
    """``x_add`` -> ``add``; ``xǁBoxǁgrow`` -> ``Box.grow``."""
    if mangled_local.startswith("x" + SEPARATOR):
        _, cls, func = mangled_local.split(SEPARATOR, 2)
        return f"{cls}.{func}"
    return mangled_local[2:] if mangled_local.startswith("x_") else mangled_local


def mangled_of_qualname(qualname: str) -> str:
    """The inverse of :func:`qualname_of_mangled` for functions and top-level methods."""
    if "." in qualname:
        cls, func = qualname.split(".", 1)
        return f"x{SEPARATOR}{cls}{SEPARATOR}{func}"
    return f"x_{qualname}"


def reset_verdicts(stage: Stage, keys: set[str]) -> int:
    """Set the verdicts of ``keys`` back to "not checked" so mutmut re-tests them."""
    changed = 0
    for meta in meta_files(stage):
        data = _load_json(meta)
        if not isinstance(data, dict) or not isinstance(data.get("exit_code_by_key"), dict):
            continue
        codes = data["exit_code_by_key"]
        hits = [k for k in codes if k in keys and codes[k] is not None]
        if not hits:
            continue
        for key in hits:
            codes[key] = None
        changed += len(hits)
        meta.write_text(json.dumps(data, indent=4), encoding="utf-8")
    return changed
