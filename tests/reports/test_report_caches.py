"""The reports' caches in ``.audit/``: compiled templates and highlighted source lines.

What is checked is the output: a report rendered from a cache is the report
rendered without one (byte for byte), a changed template or source file is
rendered anew, and a folder that was never audited (no ``.audit/``) gets
nothing written into it.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from auditor.reports import html, markdown
from auditor.reports.highlight import HighlightCache, highlight_lines
from auditor.reports.sources import SourceReader
from auditor.reports.templates import template_cache
from tests.reports import samples


def _audited(root: Path) -> Path:
    samples.write_project(root)
    (root / ".audit").mkdir()
    return root


def test_reports_from_the_caches_are_the_reports_without_them(tmp_path: Path) -> None:
    uncached = samples.write_project(tmp_path / "never-audited")
    cached = _audited(tmp_path / "audited")
    result = samples.audit_result()
    expected = {f.FILENAME: f.render(result, SourceReader(uncached)) for f in (html, markdown)}
    first = {f.FILENAME: f.render(result, SourceReader(cached)) for f in (html, markdown)}
    templates = sorted(p.parent.name for p in (cached / ".audit" / "templates").rglob("*.cache"))
    assert {name.split("-")[0] for name in templates} == {"html", "md"}
    assert (cached / ".audit" / "highlight.json").is_file()
    second = {f.FILENAME: f.render(result, SourceReader(cached)) for f in (html, markdown)}
    assert first == expected
    assert second == expected
    assert not (uncached / ".audit").exists()


def test_a_changed_template_is_compiled_again(tmp_path: Path) -> None:
    root = _audited(tmp_path)
    sources = {"page.j2": "first {{ x }}"}

    def render() -> str:
        env = jinja2.Environment(loader=jinja2.DictLoader(sources),
                                 bytecode_cache=template_cache(root, "test"))
        return env.get_template("page.j2").render(x=1)

    assert render() == "first 1"
    assert render() == "first 1"  # from the cache
    sources["page.j2"] = "second {{ x }}"
    assert render() == "second 1"


def test_highlighted_lines_come_back_the_same_and_follow_the_text(tmp_path: Path) -> None:
    root = _audited(tmp_path)
    lines = ["def f(x):", "    return '<b>' + x  # a comment"]
    cache = HighlightCache(root)
    assert cache.lines("pkg/m.py", lines) == highlight_lines("pkg/m.py", lines)
    cache.save()
    again = HighlightCache(root)
    assert again.lines("pkg/m.py", lines) == highlight_lines("pkg/m.py", lines)
    changed = [*lines[:1], "    return x"]
    assert again.lines("pkg/m.py", changed) == highlight_lines("pkg/m.py", changed)
    # the file name chooses the lexer: the same text in a .txt file is not Python's
    assert again.lines("notes.txt", lines) == highlight_lines("notes.txt", lines)
    again.save()
    assert len(HighlightCache(root).known) == 3
    last = HighlightCache(root)  # a report that shows one file of the three
    last.lines("pkg/m.py", lines)
    last.save()
    assert len(HighlightCache(root).known) == 1  # only what the last report used is kept


def test_a_garbled_highlight_cache_is_an_empty_one(tmp_path: Path) -> None:
    root = _audited(tmp_path)
    (root / ".audit" / "highlight.json").write_text('{"key": "not a list of lines"')
    lines = ["x = 1"]
    assert HighlightCache(root).lines("m.py", lines) == highlight_lines("m.py", lines)
