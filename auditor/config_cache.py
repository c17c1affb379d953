"""Tables that passed the ``[tool.audit]`` schema before, so they are not checked again.

Checking a table needs jsonschema, whose import alone costs about 0.085 s of
CPU: a tenth of the whole fixed cost of a small project's audit, paid again
on every run for the same table. A check is a pure function of the schema
and the table, so a table that passed the same schema once passes it again:
the key is a digest of both (the schema is built from the analyses' parts,
so a new auditor version or another analysis selection is another key).
Only passes are remembered; a table that fails is checked, and reported,
every time.

The keys live in the project's ``.audit/config-checked.json``, and only when
that folder exists (an audit made it): checking a configuration never
creates it. A missing, unreadable or garbled file means "not checked
before"; a file that cannot be written is no error.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from auditor.project import STATE_DIR_NAME

CACHE_NAME = "config-checked.json"
KEPT = 16  # several configurations of one project (--config, overrides) stay remembered


def table_key(schema: dict[str, Any], table: dict[str, Any]) -> str:
    """The digest of one check: the schema and the table, as canonical JSON.

    ``repr`` stands in for values JSON has no form for (TOML dates and times);
    it names the type and the value, so two tables that differ stay apart.
    """
    text = json.dumps([schema, table], sort_keys=True, default=repr, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _cache_file(root: Path) -> Path | None:
    state = root / STATE_DIR_NAME
    return state / CACHE_NAME if state.is_dir() else None


def _read(cache: Path) -> list[str]:
    try:
        keys = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [k for k in keys if isinstance(k, str)] if isinstance(keys, list) else []


def checked_before(root: Path, key: str) -> bool:
    """Whether a table with this key passed the check in this project before."""
    cache = _cache_file(root)
    return cache is not None and key in _read(cache)


def remember(root: Path, key: str) -> None:
    """Record that the table with this key passed (atomically; quietly not, if impossible)."""
    cache = _cache_file(root)
    if cache is None:
        return
    keys = [*[k for k in _read(cache) if k != key][-(KEPT - 1):], key]
    with contextlib.suppress(OSError):
        fd, temporary = tempfile.mkstemp(dir=cache.parent, prefix=f".{CACHE_NAME}.",
                                         suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(keys, handle)
            os.replace(temporary, cache)
        finally:
            Path(temporary).unlink(missing_ok=True)
