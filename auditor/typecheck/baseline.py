"""The type-check baseline: the errors a legacy project has agreed to live with, for now.

``audit typecheck --write-baseline`` stores the current errors in a file the
project commits (``[tool.audit.typecheck] baseline``, default
``typecheck-baseline.json``). Each entry is fingerprinted by the module, the
error code and the message with line numbers taken out, never by the line
the error stands on, so an edit above an old error does not make it new.
The same error may occur several times in one module: the baseline keeps a
count, and only occurrences beyond it are new.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.errors import ConfigError
from auditor.findings import fingerprint

BASELINE_VERSION = 1
DEFAULT_BASELINE = "typecheck-baseline.json"
# mypy names other lines in some messages ('already defined on line 3'):
# those move with every edit above them, so they are left out of the identity.
_LINE_REFERENCE = re.compile(r"\bline \d+")


def error_fingerprint(module: str, code: str, message: str) -> str:
    """The identity of a type error across edits: module, code, message (no line numbers)."""
    return fingerprint("type-error", module, code, _LINE_REFERENCE.sub("line N", message))


@dataclass(frozen=True)
class BaselineEntry:
    module: str
    code: str
    message: str
    count: int

    @property
    def fingerprint(self) -> str:
        return error_fingerprint(self.module, self.code, self.message)


def read_baseline(path: Path, shown: str) -> list[BaselineEntry] | None:
    """The entries of the baseline at ``path`` (``None``: there is none).

    A file that is not a baseline is a :class:`ConfigError` naming it (exit 2):
    gating against a misread baseline would pass or fail for the wrong reason.
    """
    if not path.is_file():
        return None
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != BASELINE_VERSION:
            raise ValueError(f"version {data.get('version')!r}, expected {BASELINE_VERSION}")
        return [BaselineEntry(str(e["module"]), str(e["code"]), str(e["message"]),
                              int(e.get("count", 1))) for e in data["errors"]]  # fmt: skip
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{shown}: not a type-check baseline ({exc}); write it again with "
                          "`audit typecheck --write-baseline`") from None


def write_baseline(path: Path, errors: list[tuple[str, str, str]]) -> int:
    """Store ``(module, code, message)`` of every error at ``path``; returns the entry count."""
    counts = Counter((module, code, _LINE_REFERENCE.sub("line N", message))
                     for module, code, message in errors)  # fmt: skip
    entries = [
        {"module": module, "code": code, "message": message, "count": count,
         "fingerprint": error_fingerprint(module, code, message)}
        for (module, code, message), count in sorted(counts.items())
    ]
    document = {"version": BASELINE_VERSION, "tool": "mypy", "errors": entries}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return len(entries)


def split_new(fingerprints: list[str], baseline: list[BaselineEntry]) -> tuple[list[bool], int]:
    """Which errors (by fingerprint, in order) are new, and how many baseline ones are gone.

    Occurrences are matched by count: a baseline entry of count 2 absorbs the
    first two errors with its fingerprint; a third is new.
    """
    allowed = Counter[str]()
    for entry in baseline:
        allowed[entry.fingerprint] += entry.count
    left = Counter(allowed)
    new: list[bool] = []
    for print_ in fingerprints:
        if left[print_] > 0:
            left[print_] -= 1
            new.append(False)
        else:
            new.append(True)
    return new, sum(left.values())
