"""Turn one file into :class:`~auditor.mocks.facts.FileFacts` with libcst.

This module decodes, parses and reads the imports of every file, then hands
it to one of two extractors: test files (test modules and ``conftest.py``) to
:mod:`auditor.mocks.testfile` (their tests, fixtures, helpers and setUp
methods with the patches and assertions in each, and the findings of the
rules' ``check_function`` hooks), source files of the code under audit to
:mod:`auditor.mocks.sourcefile` (what the module binds, for the patch-target
resolver). The function
:func:`extract` is a plain top-level function so that a process pool can run
it; it never raises on bad input: undecodable bytes and syntax errors become
``FileFacts.error``.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass

import libcst as cst

from auditor.mocks import names as n
from auditor.mocks.facts import FileFacts, LocalFinding
from auditor.mocks.sourcefile import source_facts
from auditor.mocks.statements import statements
from auditor.mocks.suppress import parse_suppressions
from auditor.mocks.testfile import TestFileExtractor


@dataclass(frozen=True)
class ExtractJob:
    """One file to extract: ``kind`` is ``test`` or ``source``."""

    path: str  # relative to the project root, POSIX separators
    module: str
    kind: str
    is_package: bool
    data: bytes


def decode(data: bytes) -> str:
    """Decode with the file's declared encoding (PEP 263), UTF-8 by default."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding)


def extract(job: ExtractJob) -> FileFacts:
    facts = FileFacts(path=job.path, module=job.module, kind=job.kind)
    try:
        text = decode(job.data)
    except UnicodeDecodeError as exc:
        facts.error = f"cannot decode: {exc.reason} at byte {exc.start}"
        facts.error_line = job.data[: exc.start].count(b"\n") + 1
        return facts
    except (SyntaxError, LookupError) as exc:  # a bad or unknown encoding declaration
        facts.error = f"cannot decode: {exc}"
        facts.error_line = 1
        return facts
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        facts.error, facts.error_line = _syntax_error(text, job.path, exc)
        return facts
    except (RecursionError, ValueError) as exc:  # pathological nesting, bad characters
        facts.error = f"cannot parse: {exc}"
        return facts
    facts.imports, facts.imported_modules, star = _collect_imports(module, job, text)
    if job.kind == "source":
        source_facts(module, facts, star)
    else:
        facts.suppressions = parse_suppressions(text)
        TestFileExtractor(module, facts).run()
    return facts


def _syntax_error(text: str, path: str, exc: cst.ParserSyntaxError) -> tuple[str, int]:
    """Python's own message and line when it agrees the code is invalid (libcst's
    positions can point past the real error); libcst's otherwise."""
    try:
        compile(text, path, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as error:
        return f"syntax error: {error.msg}", error.lineno or 1
    except (ValueError, RecursionError, MemoryError):
        pass
    return f"syntax error: {exc.message}", exc.raw_line


def _resolve_relative(job: ExtractJob, level: int, name: str | None) -> str:
    package = job.module.split(".") if job.is_package else job.module.split(".")[:-1]
    if level > 1:
        package = package[: len(package) - (level - 1)]
    return ".".join([*package, *([name] if name else [])])


_NESTED_IMPORT = re.compile(r"^[ \t]+(?:from[ \t]+\S+[ \t]+)?import[ \t]", re.MULTILINE)


def _collect_imports(
    module: cst.Module, job: ExtractJob, text: str
) -> tuple[dict[str, str], list[str], bool]:
    """local name -> canonical name, imported modules, whether a star import exists.

    Imports inside functions count too (tests often import there), but walking
    the whole tree for them costs as much as the rest of the extraction, so the
    tree is walked only when the text has an indented import; otherwise the
    module-level statements are enough.
    """
    imports: dict[str, str] = {}
    modules: list[str] = []
    star = False

    class _Imports(cst.CSTVisitor):
        def visit_Import(self, node: cst.Import) -> None:
            for alias in node.names:
                full = n.dotted(alias.name) or ""
                modules.append(full)
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    imports[alias.asname.name.value] = full
                else:
                    head = full.split(".")[0]
                    imports[head] = head

        def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
            nonlocal star
            base = n.dotted(node.module) if node.module is not None else None
            level = len(node.relative)
            if level:
                base = _resolve_relative(job, level, base)
            if base is None:
                return
            if isinstance(node.names, cst.ImportStar):
                star = True
                modules.append(base)
                return
            for alias in node.names:
                name = n.dotted(alias.name) or ""
                local = alias.asname.name.value if (
                    alias.asname is not None and isinstance(alias.asname.name, cst.Name)
                ) else name
                imports[local] = f"{base}.{name}" if base else name
                modules.append(f"{base}.{name}" if base else name)

    visitor = _Imports()
    if _NESTED_IMPORT.search(text):
        module.visit(visitor)
    else:
        for stmt in statements(module):
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Import):
                        visitor.visit_Import(small)
                    elif isinstance(small, cst.ImportFrom):
                        visitor.visit_ImportFrom(small)
    return imports, modules, star


__all__ = ["ExtractJob", "LocalFinding", "decode", "extract"]
